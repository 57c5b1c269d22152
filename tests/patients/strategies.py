"""Hypothesis strategies: valid answers for any questionnaire definition, and junk."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from patients.questionnaire import Definition, Item, visible

TODAY = dt.date(2025, 6, 1)

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def _value(draw, item: Item):
    t = item.type
    if t in ("single", "yesno"):
        return draw(st.sampled_from(item.choice_values()))
    if t == "multi":
        exclusive = [c.value for c in item.choices if c.exclusive]
        others = [c.value for c in item.choices if not c.exclusive]
        if exclusive and draw(st.booleans()):
            return [draw(st.sampled_from(exclusive))]
        picked = draw(st.lists(st.sampled_from(others), min_size=1, unique=True))
        return [v for v in item.choice_values() if v in picked]
    if t in ("scale", "number"):
        lo = int(item.min) if item.min is not None else -1000
        hi = int(item.max) if item.max is not None else 1000
        return draw(st.integers(lo, hi))
    if t == "date":
        years = int(item.max_years_ago or 100)
        start = dt.date(TODAY.year - years, 1, 1)
        return draw(st.dates(min_value=start, max_value=TODAY)).isoformat()
    if t == "text":
        words = draw(st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=min(item.max_length, 80)))
        return (words.strip() or "x")[: item.max_length]
    if t == "bodymap":
        regions = [r.value for r in item.regions]
        sides = [s.value for s in item.sides]
        chosen = draw(st.lists(st.sampled_from(regions), min_size=1, unique=True))
        return {r: draw(st.sampled_from(sides)) for r in regions if r in chosen}
    raise AssertionError(t)


@st.composite
def valid_answers(draw, definition: Definition) -> dict:
    """Answers that follow every rule: shown items only, required ones answered, values in range."""
    answers: dict = {}
    for section in definition.sections:
        for item in section.items:
            if not visible(item, answers):
                continue
            if not item.required and draw(st.booleans()):
                continue
            answers[item.key] = _value(draw, item)
    return answers


junk_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=8,
)


@st.composite
def junk_answers(draw, definition: Definition) -> dict:
    keys = list(definition.items) + ["not_an_item"]
    return draw(st.dictionaries(st.sampled_from(keys), junk_value, max_size=len(keys)))


@st.composite
def junk_post(draw, definition: Definition, section: str) -> dict:
    """A form POST for one section with anything in it: valid choices, nonsense, lists, nothing."""
    data: dict = {}
    for item in definition.section(section).items:
        names = [f"{item.key}__{r.value}" for r in item.regions] if item.type == "bodymap" else [item.key]
        for name in names:
            options = item.choice_values() + [s.value for s in item.sides] + ["none", "", "11", "-1", "2024-02-30"]
            kind = draw(st.sampled_from(["absent", "choice", "text", "list"]))
            if kind == "choice":
                data[name] = draw(st.sampled_from(options))
            elif kind == "text":
                data[name] = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
            elif kind == "list":
                data[name] = draw(st.lists(st.sampled_from(options), max_size=3))
    return data
