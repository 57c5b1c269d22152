"""The questionnaire engine: definitions read from data files, conditions and validation.

Pure Python (no ORM, no Django forms), so it is fast to test and the same rules apply to the
web form, the tests and anything else that hands in answers.

A definition file (YAML) in `patients/questionnaires/` is named `<key>.v<version>.yaml` and holds
`key`, `version`, `title`, `sections` (each with `items`), and optionally `scoring` rules (see
scoring.py), `flags` (answers that raise a safety flag), `advice` (what a patient is told about a
flag category) and, for a consent form, `consent` text. A stored response names the key and
version it answered, so an old version file must stay in the folder once patients have used it.

Answers are JSON-friendly values keyed by item key:

=========  ==============================================
single     "value"              (one of the choices)
yesno      "yes" / "no"
multi      ["value", ...]
scale      int within min..max  (0–10 by default)
number     int (or float when `decimals` > 0)
date       "YYYY-MM-DD"
text       "free text"
bodymap    {"region": "side", ...} (only the painful regions)
=========  ==============================================
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFINITIONS_DIR = Path(__file__).resolve().parent / "questionnaires"

ITEM_TYPES = ("single", "yesno", "multi", "scale", "number", "date", "text", "bodymap")
FILE_NAME = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)\.v(?P<version>\d+)\.ya?ml$")

YES_NO = (("yes", "Yes"), ("no", "No"))
DEFAULT_SIDES = (("left", "Left"), ("right", "Right"), ("both", "Both sides"))


class DefinitionError(ValueError):
    """A definition file is malformed. A developer error, caught by the test that loads every file."""


class UnknownQuestionnaire(LookupError):
    pass


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    score: float | None = None
    # Picking an exclusive choice ("none of these") rules out the others.
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """`show_if` / flag `when`: item plus one test. Combine with `all` / `any` lists."""

    item: str = ""
    equals: Any = None
    one_of: tuple = ()
    contains: str | None = None
    answered: bool | None = None
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.all:
            return all(c.holds(answers) for c in self.all)
        if self.any:
            return any(c.holds(answers) for c in self.any)
        value = answers.get(self.item)
        if self.answered is not None:
            return is_blank(value) != self.answered
        if self.equals is not None:
            return value == self.equals
        if self.one_of:
            return value in self.one_of
        if self.contains is not None:
            if isinstance(value, list):
                return self.contains in value
            if isinstance(value, dict):
                return self.contains in value
            return False
        return False

    def items(self) -> set[str]:
        keys = {self.item} if self.item else set()
        for c in (*self.all, *self.any):
            keys |= c.items()
        return keys


@dataclass(frozen=True)
class Item:
    key: str
    type: str
    label: str
    help: str = ""
    required: bool = True
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    decimals: int = 0
    unit: str = ""
    min_label: str = ""
    max_label: str = ""
    regions: tuple[Choice, ...] = ()
    sides: tuple[Choice, ...] = ()
    max_length: int = 2000
    multiline: bool = False
    not_future: bool = False
    max_years_ago: int | None = None
    show_if: Condition | None = None

    def choice_values(self) -> list[str]:
        return [c.value for c in self.choices]

    def choice(self, value: str) -> Choice | None:
        for c in self.choices:
            if c.value == value:
                return c
        return None

    def label_for(self, value: Any) -> str:
        """How an answer reads to a person (used on summaries and the chart)."""
        if is_blank(value):
            return ""
        if self.type in ("single", "yesno"):
            c = self.choice(value)
            return c.label if c else str(value)
        if self.type == "multi":
            return "; ".join((self.choice(v).label if self.choice(v) else str(v)) for v in value)
        if self.type == "bodymap":
            region_labels = {r.value: r.label for r in self.regions}
            side_labels = {s.value: s.label for s in self.sides}
            return "; ".join(
                f"{region_labels.get(r, r)}: {side_labels.get(s, s).lower()}"
                for r, s in value.items()
                if r in region_labels
            )
        if self.type == "scale":
            return f"{value} / {int(self.max)}" if self.max is not None else str(value)
        if self.type == "number" and self.unit:
            return f"{value} {self.unit}"
        if self.type == "date" and isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return value
            return f"{day.day} {day:%B %Y}"
        return str(value)

    def max_score(self) -> float | None:
        if self.type in ("single", "yesno"):
            scores = [c.score for c in self.choices if c.score is not None]
            return max(scores) if scores else None
        if self.type in ("scale", "number"):
            return self.max
        return None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Band:
    label: str
    min: float | None = None
    max: float | None = None

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class ScoreRule:
    key: str
    label: str
    method: str
    items: tuple[str, ...] = ()
    max_missing: int = 0
    decimals: int = 1
    bands: tuple[Band, ...] = ()
    values: tuple[str, ...] = ()
    subscale_of: str = ""


@dataclass(frozen=True)
class FlagRule:
    code: str
    category: str
    label: str
    when: Condition
    alert: str = ""  # for the practitioner
    patient_label: str = ""  # for the patient's advice page, in plain words


@dataclass(frozen=True)
class Advice:
    title: str
    body: str
    tell_them: str = ""


@dataclass(frozen=True)
class Definition:
    key: str
    version: int
    title: str
    kind: str = "questionnaire"
    description: str = ""
    notice: str = ""
    sections: tuple[Section, ...] = ()
    scoring: tuple[ScoreRule, ...] = ()
    flags: tuple[FlagRule, ...] = ()
    advice: Mapping[str, Advice] = field(default_factory=dict)
    consent_text: str = ""
    consent_risks: tuple[str, ...] = ()
    consent_rare_risks: tuple[str, ...] = ()
    consent_statement: str = ""

    @functools.cached_property
    def items(self) -> dict[str, Item]:
        return {it.key: it for s in self.sections for it in s.items}

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    @property
    def section_keys(self) -> list[str]:
        return [s.key for s in self.sections]

    def section_of(self, item_key: str) -> str:
        for s in self.sections:
            if any(it.key == item_key for it in s.items):
                return s.key
        raise KeyError(item_key)

    @property
    def label(self) -> str:
        return f"{self.title} (v{self.version})"


# --- loading ----------------------------------------------------------------------------------


def _condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise DefinitionError(f"{where}: a condition must be a mapping")
    if "all" in raw or "any" in raw:
        return Condition(
            all=tuple(_condition(c, where) for c in raw.get("all", ())),
            any=tuple(_condition(c, where) for c in raw.get("any", ())),
        )
    if "item" not in raw:
        raise DefinitionError(f"{where}: a condition needs `item`")
    tests = [k for k in ("equals", "one_of", "contains", "answered") if k in raw]
    if len(tests) != 1:
        raise DefinitionError(f"{where}: a condition needs exactly one of equals/one_of/contains/answered")
    return Condition(
        item=str(raw["item"]),
        equals=raw.get("equals"),
        one_of=tuple(raw.get("one_of", ())),
        contains=raw.get("contains"),
        answered=raw.get("answered"),
    )


def _choices(raw: Any, where: str) -> tuple[Choice, ...]:
    out = []
    for c in raw or ():
        if isinstance(c, Mapping):
            if "value" not in c or "label" not in c:
                raise DefinitionError(f"{where}: each choice needs value and label")
            score = c.get("score")
            out.append(
                Choice(
                    value=str(c["value"]),
                    label=str(c["label"]),
                    score=float(score) if score is not None else None,
                    exclusive=bool(c.get("exclusive", False)),
                )
            )
        else:
            raise DefinitionError(f"{where}: each choice must be a mapping with value and label")
    values = [c.value for c in out]
    if len(values) != len(set(values)):
        raise DefinitionError(f"{where}: duplicate choice values")
    return tuple(out)


def _item(raw: Mapping, where: str) -> Item:
    key = raw.get("key")
    typ = raw.get("type")
    if not key or not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
        raise DefinitionError(f"{where}: item key {key!r} must be lower_snake_case")
    where = f"{where}.{key}"
    if typ not in ITEM_TYPES:
        raise DefinitionError(f"{where}: unknown type {typ!r}; use one of {', '.join(ITEM_TYPES)}")
    if not raw.get("label"):
        raise DefinitionError(f"{where}: every item needs a label")
    choices = _choices(raw.get("choices"), where)
    if typ == "yesno":
        scores = raw.get("scores", {})
        choices = tuple(Choice(v, lbl, float(scores[v]) if v in scores else None) for v, lbl in YES_NO)
    if typ in ("single", "multi") and len(choices) < 2:
        raise DefinitionError(f"{where}: a choice item needs at least two choices")
    lo, hi = raw.get("min"), raw.get("max")
    if typ == "scale":
        lo = 0 if lo is None else lo
        hi = 10 if hi is None else hi
    if lo is not None and hi is not None and lo > hi:
        raise DefinitionError(f"{where}: min is above max")
    regions = _choices(raw.get("regions"), where) if typ == "bodymap" else ()
    if typ == "bodymap" and not regions:
        raise DefinitionError(f"{where}: a body map needs regions")
    sides = ()
    if typ == "bodymap":
        sides = (
            _choices(raw.get("sides"), where) if raw.get("sides") else tuple(Choice(v, lbl) for v, lbl in DEFAULT_SIDES)
        )
    return Item(
        key=str(key),
        type=typ,
        label=str(raw["label"]).strip(),
        help=str(raw.get("help", "")).strip(),
        required=bool(raw.get("required", True)),
        choices=choices,
        min=float(lo) if lo is not None else None,
        max=float(hi) if hi is not None else None,
        decimals=int(raw.get("decimals", 0)),
        unit=str(raw.get("unit", "")),
        min_label=str(raw.get("min_label", "")),
        max_label=str(raw.get("max_label", "")),
        regions=regions,
        sides=sides,
        max_length=int(raw.get("max_length", 2000)),
        multiline=bool(raw.get("multiline", False)),
        not_future=bool(raw.get("not_future", typ == "date")),
        max_years_ago=raw.get("max_years_ago", 100 if typ == "date" else None),
        show_if=_condition(raw["show_if"], where) if raw.get("show_if") else None,
    )


def _bands(raw: Any, where: str) -> tuple[Band, ...]:
    out = []
    for b in raw or ():
        if not isinstance(b, Mapping) or "label" not in b:
            raise DefinitionError(f"{where}: each band needs a label")
        out.append(
            Band(
                label=str(b["label"]),
                min=float(b["min"]) if b.get("min") is not None else None,
                max=float(b["max"]) if b.get("max") is not None else None,
            )
        )
    return tuple(out)


SCORE_METHODS = ("value", "sum", "percent_of_max", "count", "duration_weeks")


def definition_from_dict(raw: Mapping, *, source: str = "<dict>") -> Definition:
    """Build and check a definition. Raises DefinitionError with the place of the mistake."""
    if not isinstance(raw, Mapping):
        raise DefinitionError(f"{source}: the file must hold a mapping")
    for required in ("key", "version", "title", "sections"):
        if required not in raw:
            raise DefinitionError(f"{source}: missing `{required}`")
    key = str(raw["key"])
    where = f"{key}.v{raw['version']}"
    sections = []
    for s in raw["sections"] or ():
        if not s.get("key"):
            raise DefinitionError(f"{where}: every section needs a key")
        items = tuple(_item(it, f"{where}.{s['key']}") for it in s.get("items") or ())
        sections.append(
            Section(
                key=str(s["key"]), title=str(s.get("title", "")), intro=str(s.get("intro", "")).strip(), items=items
            )
        )
    all_items = [it for s in sections for it in s.items]
    keys = [it.key for it in all_items]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise DefinitionError(f"{where}: item keys used twice: {sorted(dupes)}")
    section_keys = [s.key for s in sections]
    if len(section_keys) != len(set(section_keys)):
        raise DefinitionError(f"{where}: section keys used twice")
    known = set(keys)
    position = {k: i for i, k in enumerate(keys)}
    for it in all_items:
        if it.show_if:
            unknown = it.show_if.items() - known
            if unknown:
                raise DefinitionError(f"{where}.{it.key}: show_if names unknown items {sorted(unknown)}")
            if any(position[k] >= position[it.key] for k in it.show_if.items()):
                raise DefinitionError(f"{where}.{it.key}: show_if may only depend on earlier items")

    by_key = {it.key: it for it in all_items}
    rules = []
    for r in raw.get("scoring") or ():
        rkey = r.get("key")
        method = r.get("method")
        rwhere = f"{where}.scoring.{rkey}"
        if not rkey or method not in SCORE_METHODS:
            raise DefinitionError(f"{rwhere}: needs a key and a method from {SCORE_METHODS}")
        items = tuple(r.get("items") or ([r["item"]] if r.get("item") else ()))
        if not items:
            raise DefinitionError(f"{rwhere}: names no items")
        unknown = set(items) - known
        if unknown:
            raise DefinitionError(f"{rwhere}: unknown items {sorted(unknown)}")
        for ik in items:
            it = by_key[ik]
            if method in ("value", "sum", "percent_of_max") and it.max_score() is None:
                raise DefinitionError(f"{rwhere}: item {ik} has no numeric score")
            if method == "duration_weeks" and it.type != "date":
                raise DefinitionError(f"{rwhere}: duration_weeks needs a date item")
        if method in ("value", "duration_weeks") and len(items) != 1:
            raise DefinitionError(f"{rwhere}: {method} takes exactly one item")
        rules.append(
            ScoreRule(
                key=str(rkey),
                label=str(r.get("label", rkey)),
                method=method,
                items=items,
                max_missing=int(r.get("max_missing", 0)),
                decimals=int(r.get("decimals", 1)),
                bands=_bands(r.get("bands"), rwhere),
                values=tuple(str(v) for v in r.get("values", ())),
                subscale_of=str(r.get("subscale_of", "")),
            )
        )
    flags = []
    for fl in raw.get("flags") or ():
        fwhere = f"{where}.flags.{fl.get('code')}"
        if not fl.get("code") or not fl.get("category") or not fl.get("when"):
            raise DefinitionError(f"{fwhere}: a flag needs code, category and when")
        cond = _condition(fl["when"], fwhere)
        unknown = cond.items() - known
        if unknown:
            raise DefinitionError(f"{fwhere}: unknown items {sorted(unknown)}")
        flags.append(
            FlagRule(
                code=str(fl["code"]),
                category=str(fl["category"]),
                label=str(fl.get("label", fl["code"])),
                when=cond,
                alert=str(fl.get("alert", "")).strip(),
                patient_label=str(fl.get("patient_label", "")).strip(),
            )
        )
    advice = {
        str(k): Advice(
            title=str(v["title"]), body=str(v["body"]).strip(), tell_them=str(v.get("tell_them", "")).strip()
        )
        for k, v in (raw.get("advice") or {}).items()
    }
    consent = raw.get("consent") or {}
    kind = str(raw.get("kind", "questionnaire"))
    if kind == "consent" and not consent.get("text"):
        raise DefinitionError(f"{where}: a consent definition needs consent.text")
    return Definition(
        key=key,
        version=int(raw["version"]),
        title=str(raw["title"]),
        kind=kind,
        description=str(raw.get("description", "")).strip(),
        notice=str(raw.get("notice", "")).strip(),
        sections=tuple(sections),
        scoring=tuple(rules),
        flags=tuple(flags),
        advice=advice,
        consent_text=str(consent.get("text", "")).strip(),
        consent_risks=tuple(str(x).strip() for x in consent.get("usual_risks", ())),
        consent_rare_risks=tuple(str(x).strip() for x in consent.get("rare_risks", ())),
        consent_statement=str(consent.get("statement", "")).strip(),
    )


def _read_raw(path: Path) -> dict:
    m = FILE_NAME.match(path.name)
    if not m:
        raise DefinitionError(f"{path.name}: name it <key>.v<version>.yaml")
    with open(path, encoding="utf-8") as fh:
        try:
            raw = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise DefinitionError(f"{path.name}: not valid YAML ({exc})")
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path.name}: the file must hold a mapping")
    if str(raw.get("key")) != m["key"] or str(raw.get("version")) != m["version"]:
        raise DefinitionError(f"{path.name}: key/version inside the file do not match its name")
    return raw


def _with_includes(raw: dict, raws: Mapping[tuple[str, int], dict], trail: tuple = ()) -> dict:
    """`includes: [{key, version}]` appends another definition's sections and scoring rules."""
    includes = raw.get("includes") or ()
    if not includes:
        return raw
    merged = dict(raw)
    sections = list(raw.get("sections") or ())
    scoring = list(raw.get("scoring") or ())
    for inc in includes:
        ref = (str(inc.get("key")), int(inc.get("version", 0)))
        if ref not in raws:
            raise DefinitionError(f"{raw['key']}.v{raw['version']}: includes unknown {ref[0]} v{ref[1]}")
        if ref in trail:
            raise DefinitionError(f"{raw['key']}.v{raw['version']}: circular include")
        other = _with_includes(raws[ref], raws, (*trail, ref))
        sections += list(other.get("sections") or ())
        scoring += list(other.get("scoring") or ())
    merged.update(sections=sections, scoring=scoring, includes=())
    return merged


def load_file(path: Path) -> Definition:
    """One file on its own (includes resolved against its folder)."""
    return _registry(str(path.parent))[_key_of(path)]


def _key_of(path: Path) -> tuple[str, int]:
    m = FILE_NAME.match(path.name)
    if not m:
        raise DefinitionError(f"{path.name}: name it <key>.v<version>.yaml")
    return m["key"], int(m["version"])


@functools.cache
def _registry(directory: str) -> dict[tuple[str, int], Definition]:
    raws = {_key_of(p): _read_raw(p) for p in sorted(Path(directory).glob("*.y*ml"))}
    return {
        ref: definition_from_dict(_with_includes(raw, raws), source=f"{ref[0]}.v{ref[1]}") for ref, raw in raws.items()
    }


def all_definitions(directory: Path = DEFINITIONS_DIR) -> list[Definition]:
    return list(_registry(str(directory)).values())


def get_definition(key: str, version: int | None = None, directory: Path = DEFINITIONS_DIR) -> Definition:
    """A definition by key and version; without a version, the newest one."""
    defs = _registry(str(directory))
    if version is not None:
        try:
            return defs[(key, int(version))]
        except KeyError:
            raise UnknownQuestionnaire(f"No questionnaire {key} version {version}")
    versions = [v for (k, v) in defs if k == key]
    if not versions:
        raise UnknownQuestionnaire(f"No questionnaire {key}")
    return defs[(key, max(versions))]


def latest_definitions(directory: Path = DEFINITIONS_DIR, kind: str = "questionnaire") -> list[Definition]:
    latest: dict[str, Definition] = {}
    for d in all_definitions(directory):
        if d.kind == kind and (d.key not in latest or d.version > latest[d.key].version):
            latest[d.key] = d
    return sorted(latest.values(), key=lambda d: d.title)


# --- answers ----------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


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
