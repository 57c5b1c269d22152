"""Questionnaire definitions: the shapes a definition file is read into, and its conditions.

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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "questionnaires"

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

    @property
    def label(self) -> str:
        return f"{self.title} (v{self.version})"


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
