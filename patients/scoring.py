"""Scoring, as data: pure functions, no ORM.

A definition's `scoring` list names rules; each rule has a method:

- ``value``: one item's number (a 0–10 scale, a number, or a choice's score).
- ``sum``: the sum of item scores. With more than ``max_missing`` items unanswered → incomplete.
- ``percent_of_max``: sum ÷ (the maximum of the answered items) × 100, so a skipped item takes its
  maximum off the denominator (Oswestry-style). More than ``max_missing`` skipped → incomplete.
- ``count``: how many items were answered with one of ``values`` (for a multi-choice item, how
  many of its options were ticked, or of ``values`` if given).
- ``duration_weeks``: weeks from a date item to today; classified acute / subacute / chronic with
  the clinic's cut-offs from the context.

A subscale is a rule over a subset of items (``subscale_of`` names its parent for display).
``bands`` turn a value into a word: the first band whose min/max hold. Values are rounded (half
up) to ``decimals`` places before banding, so the band always agrees with the number shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .questionnaire import Band, Definition, ScoreRule, is_blank, visible

OK = "ok"
INCOMPLETE = "incomplete"

FUNCTION_INDEX_BANDS = (
    Band("minimal", max=20),
    Band("moderate", max=40),
    Band("severe", max=60),
    Band("crippling", max=80),
    Band("bed-bound", max=100),
)

# Meaningful change (Ostelo et al. 2008): pain 0–10 drops by 2 points or 30% of baseline;
# an Oswestry-style index by about 10 points.
PAIN_MIN_POINTS = 2
PAIN_MIN_FRACTION = 0.30
FUNCTION_INDEX_MIN_POINTS = 10


def round_half_up(value: float, decimals: int) -> float:
    q = Decimal(1).scaleb(-decimals)
    out = float(Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP))
    return int(out) if decimals == 0 else out


def band_for(value: float | None, bands: Sequence[Band]) -> str | None:
    if value is None:
        return None
    for b in bands:
        if b.contains(value):
            return b.label
    return None


def percent_of_max(scores: Sequence[float | None], item_max: float | Sequence[float], max_missing: int) -> float | None:
    """sum ÷ (max of answered items) × 100; None when more than `max_missing` are missing.

    >>> percent_of_max([1, 2, None, 3], 5, max_missing=1)  # 6 / 15
    40.0
    """
    maxes = [item_max] * len(scores) if isinstance(item_max, int | float) else list(item_max)
    answered = [(s, m) for s, m in zip(scores, maxes, strict=True) if s is not None]
    missing = len(scores) - len(answered)
    if missing > max_missing or not answered:
        return None
    denominator = sum(m for _, m in answered)
    return sum(s for s, _ in answered) / denominator * 100


def function_index(domain_scores: Sequence[int | None], max_missing: int = 1) -> dict:
    """The clinic's 10-domain function index: each domain 0–5 (None = skipped)."""
    value = percent_of_max(domain_scores, 5, max_missing)
    if value is None:
        return {"value": None, "status": INCOMPLETE, "band": None}
    value = round_half_up(value, 0)
    return {"value": value, "status": OK, "band": band_for(value, FUNCTION_INDEX_BANDS)}


@dataclass(frozen=True)
class Change:
    baseline: float
    current: float
    points: float  # positive = better (a drop)
    fraction: float | None  # of the baseline; None when the baseline is 0
    meaningful: bool


def pain_change(baseline: float, current: float) -> Change:
    """A drop of at least 2 points or at least 30% of the baseline is a meaningful improvement."""
    drop = baseline - current
    fraction = drop / baseline if baseline else None
    meaningful = drop > 0 and (drop >= PAIN_MIN_POINTS or (fraction is not None and fraction >= PAIN_MIN_FRACTION))
    return Change(baseline, current, drop, fraction, meaningful)


def function_index_change(baseline: float, current: float) -> Change:
    """A drop of about 10 points in the function index is meaningful."""
    drop = baseline - current
    fraction = drop / baseline if baseline else None
    return Change(baseline, current, drop, fraction, drop >= FUNCTION_INDEX_MIN_POINTS)


def classify_duration(weeks: float, acute_cutoff_weeks: float, chronic_cutoff_weeks: float) -> str:
    """Acute under the acute cut-off, chronic over the chronic cut-off, subacute in between."""
    if weeks < acute_cutoff_weeks:
        return "acute"
    if weeks <= chronic_cutoff_weeks:
        return "subacute"
    return "chronic"


def weeks_between(start: dt.date, end: dt.date) -> float:
    return max((end - start).days, 0) / 7


# --- rules ------------------------------------------------------------------------------------


def _item_score(definition: Definition, key: str, value: Any) -> float | None:
    item = definition.items[key]
    if is_blank(value):
        return None
    if item.type in ("single", "yesno"):
        c = item.choice(value)
        return c.score if c else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def score_rule(rule: ScoreRule, definition: Definition, answers: Mapping[str, Any], context: Mapping[str, Any]) -> dict:
    # An item hidden by its condition does not count as missing: it did not apply.
    applicable = [k for k in rule.items if visible(definition.items[k], answers)]
    result: dict[str, Any] = {"label": rule.label, "value": None, "status": OK, "band": None}
    if rule.subscale_of:
        result["subscale_of"] = rule.subscale_of
    if rule.method in ("value", "sum", "percent_of_max"):
        scores = [_item_score(definition, k, answers.get(k)) for k in applicable]
        missing = sum(1 for s in scores if s is None)
        result.update(answered=len(scores) - missing, missing=missing)
        if rule.method == "value":
            value = scores[0] if scores else None
            result["max"] = definition.items[rule.items[0]].max_score()
        elif rule.method == "sum":
            value = (
                None
                if missing > rule.max_missing or missing == len(scores)
                else sum(s for s in scores if s is not None)
            )
            result["max"] = sum(definition.items[k].max_score() or 0 for k in applicable)
        else:
            maxes = [definition.items[k].max_score() or 0 for k in applicable]
            value = percent_of_max(scores, maxes, rule.max_missing) if scores else None
            result["max"] = 100
        if value is None:
            result["status"] = INCOMPLETE
    elif rule.method == "count":
        count = 0
        answered = 0
        for k in applicable:
            v = answers.get(k)
            if is_blank(v):
                continue
            answered += 1
            if isinstance(v, list):
                exclusive = {c.value for c in definition.items[k].choices if c.exclusive}
                count += sum(1 for x in v if (x in rule.values if rule.values else x not in exclusive))
            elif str(v) in rule.values:
                count += 1
        missing = len(applicable) - answered
        result.update(answered=answered, missing=missing)
        value = None if missing > rule.max_missing else count
        if value is None:
            result["status"] = INCOMPLETE
    elif rule.method == "duration_weeks":
        raw = answers.get(rule.items[0])
        today = context.get("today") or dt.date.today()
        value = None
        if isinstance(raw, str) and raw:
            try:
                value = weeks_between(dt.date.fromisoformat(raw), today)
            except ValueError:
                value = None
        if value is None:
            result["status"] = INCOMPLETE
        else:
            result["weeks"] = round_half_up(value, 1)
            acute = context.get("acute_cutoff_weeks", 6)
            chronic = context.get("chronic_cutoff_weeks", 12)
            result["band"] = classify_duration(value, acute, chronic)
            result["cutoffs"] = [acute, chronic]
    else:  # pragma: no cover - methods are checked at load
        raise ValueError(rule.method)

    if value is not None:
        value = round_half_up(value, rule.decimals)
        result["value"] = value
        if rule.bands:
            result["band"] = band_for(value, rule.bands)
    return result


def score(definition: Definition, answers: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> dict:
    """Every scoring rule of the definition → {rule key: result}. Never raises on valid answers."""
    context = context or {}
    return {rule.key: score_rule(rule, definition, answers, context) for rule in definition.scoring}
