"""Evaluating answers against a definition: visibility, validation, raised flags, readable answers.

Pure Python (no ORM, no Django forms), so the same rules apply to the web form, the tests and
anything else that hands in answers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from .definitions import Definition, FlagRule, Item, is_blank

# --- answers ----------------------------------------------------------------------------------


def visible(item: Item, answers: Mapping[str, Any]) -> bool:
    return item.show_if is None or item.show_if.holds(answers)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, float) and math.isfinite(value):  # NaN and infinity are not answers
        return value
    return None


def check_item(item: Item, value: Any, *, today: dt.date) -> tuple[Any, str | None]:
    """Validate one non-blank answer: (clean value, None) or (None, message for the patient)."""
    t = item.type
    if t in ("single", "yesno"):
        if not isinstance(value, str) or value not in item.choice_values():
            return None, "Please pick one of the options."
        return value, None
    if t == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "Please tick the options that apply."
        allowed = item.choice_values()
        if any(v not in allowed for v in value):
            return None, "Please tick only the options shown."
        clean = [v for v in allowed if v in value]  # keep the definition's order, drop repeats
        exclusive = [c.value for c in item.choices if c.exclusive and c.value in clean]
        if exclusive and len(clean) > 1:
            label = item.choice(exclusive[0]).label
            return None, f"“{label}” cannot be ticked together with other options."
        return clean, None
    if t in ("scale", "number"):
        num = _number(value)
        if num is None:
            return None, "Please enter a number." if t == "number" else "Please pick a number on the scale."
        if (t == "scale" or item.decimals == 0) and num != int(num):
            return None, "Please enter a whole number."
        if item.min is not None and num < item.min:
            return None, f"Please enter a number of at least {_fmt(item.min)}."
        if item.max is not None and num > item.max:
            return None, f"Please enter a number no higher than {_fmt(item.max)}."
        if t == "scale" or item.decimals == 0:
            return int(num), None
        return round(num, item.decimals), None
    if t == "date":
        if not isinstance(value, str):
            return None, "Please enter a date."
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return None, "Please enter a real date, for example 2024-03-15."
        if item.not_future and day > today:
            return None, "This date is in the future. Please check it."
        if item.max_years_ago is not None and day.year < today.year - int(item.max_years_ago):
            return None, "Please check the year."
        return day.isoformat(), None
    if t == "text":
        if not isinstance(value, str):
            return None, "Please type your answer."
        text = value.strip()
        if "\x00" in text:
            # Never typed on purpose, and PostgreSQL cannot store it: say so rather than fail.
            return None, "Please remove the invisible control character from your answer."
        if len(text) > item.max_length:
            return None, f"Please keep this under {item.max_length} characters (it has {len(text)})."
        return text, None
    if t == "bodymap":
        if not isinstance(value, Mapping):
            return None, "Please mark where you feel the pain."
        regions = [r.value for r in item.regions]
        sides = [s.value for s in item.sides]
        clean = {}
        for region, side in value.items():
            if region not in regions or side not in sides:
                return None, "Please use the regions and sides shown."
            clean[region] = side
        return {r: clean[r] for r in regions if r in clean}, None
    return None, "Unsupported question."  # pragma: no cover - types are checked at load


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def validate(
    definition: Definition,
    answers: Mapping[str, Any],
    *,
    sections: Iterable[str] | None = None,
    context: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the answers for some sections (default: all).

    `context` holds answers already given in other sections, so a `show_if` can look back.
    Returns (clean answers of these sections, {item key: message}). Hidden items are dropped,
    so an answer left behind by a changed mind cannot be scored.
    """
    today = today or dt.date.today()
    wanted = list(sections) if sections is not None else definition.section_keys
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    seen: dict[str, Any] = dict(context or {})
    for skey in wanted:
        for item in definition.section(skey).items:
            seen.pop(item.key, None)
            if not visible(item, seen):
                continue
            value = answers.get(item.key)
            if is_blank(value):
                if item.required:
                    errors[item.key] = required_message(item)
                continue
            ok, msg = check_item(item, value, today=today)
            if msg:
                errors[item.key] = msg
            else:
                clean[item.key] = ok
                seen[item.key] = ok
    return clean, errors


def required_message(item: Item) -> str:
    return {
        "single": "Please pick one of the options.",
        "yesno": "Please answer yes or no.",
        "multi": "Please tick at least one option.",
        "scale": "Please pick a number on the scale.",
        "bodymap": "Please mark at least one place where you feel the pain.",
        "date": "Please enter a date.",
    }.get(item.type, "Please answer this question.")


def raised_flags(
    definition: Definition, answers: Mapping[str, Any], sections: Iterable[str] | None = None
) -> list[FlagRule]:
    """The flag rules these answers trigger (only rules about items in `sections`, if given)."""
    if sections is None:
        in_scope = set(definition.items)
    else:
        in_scope = {it.key for s in sections for it in definition.section(s).items}
    return [f for f in definition.flags if f.when.items() <= in_scope and f.when.holds(answers)]


def readable_answers(definition: Definition, answers: Mapping[str, Any]) -> list[dict]:
    """Sections with (question, answer) pairs, for summaries and the chart. Skipped items say so."""
    out = []
    for s in definition.sections:
        rows = []
        for it in s.items:
            if not visible(it, answers):
                continue
            value = answers.get(it.key)
            rows.append({"key": it.key, "label": it.label, "answer": it.label_for(value), "blank": is_blank(value)})
        out.append({"key": s.key, "title": s.title, "rows": rows})
    return out
