"""Reading and checking definition files (YAML) into `Definition`s, and the registry of shipped ones."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .definitions import (
    DEFAULT_SIDES,
    DEFINITIONS_DIR,
    FILE_NAME,
    ITEM_TYPES,
    YES_NO,
    Advice,
    Band,
    Choice,
    Condition,
    Definition,
    DefinitionError,
    FlagRule,
    Item,
    ScoreRule,
    Section,
    UnknownQuestionnaire,
)

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
