"""Progress of a plan from plain data (no ORM): the score series, meaningful change, the review prompt.

Meaningful improvement from baseline (FACTS.md, patients.scoring): pain (0-10) a drop of 2 points
or 30%; the function index (0-100) a drop of 10 points. Lower is better for all three measures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from patients.scoring import Change, function_index_change, pain_change


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    top: int
    unit: str

    def change(self, baseline: float, current: float) -> Change:
        if self.key == "function_index":
            return function_index_change(baseline, current)
        return pain_change(baseline, current)

    def goal_text(self, target: float, baseline: float | None = None) -> str:
        start = f"from {baseline:g} " if baseline is not None else ""
        return f"{self.label} {start}to {target:g} or less"


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("leg_pain_average", "Leg pain (average)", 10, "0–10"),
        Measure("back_pain_average", "Back pain (average)", 10, "0–10"),
        Measure("function_index", "Function index", 100, "0–100"),
        # Pain on arrival, recorded in the signed visit notes (plans.visit_queries.visit_pain_series).
        Measure("leg_pain_visit", "Leg pain at visits", 10, "0–10"),
        Measure("back_pain_visit", "Back pain at visits", 10, "0–10"),
    )
}


def cadence_text(cadence: Sequence[int]) -> str:
    """[2, 2, 1] → "2 a week for 2 weeks, then 1 a week"."""
    runs: list[list[int]] = []
    for n in cadence:
        if runs and runs[-1][0] == n:
            runs[-1][1] += 1
        else:
            runs.append([n, 1])
    parts = []
    for i, (n, weeks) in enumerate(runs):
        last = i == len(runs) - 1
        per = "once a week" if n == 1 else f"{n} a week"
        parts.append(per if last else f"{per} for {weeks} week{'s' if weeks > 1 else ''}")
    return ", then ".join(parts)


def suggested_target(measure: Measure, baseline: float | None) -> float | None:
    """A first goal the practitioner can edit: the smallest meaningful improvement (never below 0)."""
    if baseline is None:
        return None
    if measure.key == "function_index":
        return max(0, min(baseline - 10, 20)) if baseline > 20 else max(0, baseline - 10)
    return max(0, min(baseline - 2, int(baseline * 0.7)))


@dataclass
class Point:
    when: dt.datetime
    value: float
    after_session: int  # plan sessions attended before this score (0: baseline or before the first)
    meaningful: bool = False
    change: Change | None = None


@dataclass
class Series:
    measure: Measure
    points: list[Point] = field(default_factory=list)
    goal: float | None = None

    @property
    def baseline(self) -> float | None:
        return self.points[0].value if self.points else None

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if len(self.points) > 1 else None


def build_series(
    outcomes: Mapping[str, Sequence[tuple[dt.datetime, float]]],
    *,
    goals: Iterable[Mapping] = (),
    attended: Sequence[dt.datetime] = (),
) -> list[Series]:
    """One Series per measure: baseline first, each later score marked when its change is meaningful.

    `attended` are the start times of the plan's attended sessions; a score's `after_session` is how
    many of them came before it. Visit pain scores join `outcomes` here once visit records exist.
    """
    targets = {g["measure"]: g["target"] for g in goals}
    starts = sorted(attended)
    out = []
    for key, measure in MEASURES.items():
        series = Series(measure, goal=targets.get(key))
        for when, value in sorted(outcomes.get(key, ()), key=lambda p: p[0]):
            point = Point(when, float(value), sum(1 for s in starts if s <= when))
            if series.points:
                point.change = measure.change(series.points[0].value, point.value)
                point.meaningful = point.change.meaningful
            series.points.append(point)
        out.append(series)
    return out


def timeline(series: Sequence[Series]) -> list[str]:
    """The chart's x axis: "Baseline" (every measure's first score, whenever each was taken), then each
    later moment a score was recorded, named by the sessions attended before it (or its date)."""
    later = sorted({p.when: p.after_session for s in series for p in s.points[1:]}.items())
    if not any(s.points for s in series):
        return []
    return ["Baseline"] + [f"After {n}" if n else when.strftime("%d %b") for when, n in later]


def x_positions(series: Sequence[Series]) -> dict[tuple[str, int], int]:
    """(measure key, point index) → x position on the timeline."""
    later = sorted({p.when for s in series for p in s.points[1:]})
    index = {when: i + 1 for i, when in enumerate(later)}
    return {(s.measure.key, i): (0 if i == 0 else index[p.when]) for s in series for i, p in enumerate(s.points)}


@dataclass
class ReviewState:
    """Which review is due and whether any measure has improved meaningfully since baseline."""

    session_number: int | None
    due: bool
    improved: bool
    scores: list[dict]

    def scores_json(self) -> list[dict]:
        return [{k: v for k, v in s.items() if k != "change"} for s in self.scores]


def score_summary(series: Sequence[Series]) -> list[dict]:
    rows = []
    for s in series:
        latest = s.latest
        if latest is None or latest.change is None:
            continue
        rows.append(
            {
                "measure": s.measure.key,
                "label": s.measure.label,
                "baseline": s.baseline,
                "latest": latest.value,
                "points": latest.change.points,
                "meaningful": latest.meaningful,
                "at": latest.when.isoformat(),
                "change": latest.change,
            }
        )
    return rows


def review_state(
    *,
    planned: int,
    review_numbers: Iterable[int],
    reviewed: Iterable[int],
    reached: Iterable[int],
    series: Sequence[Series],
) -> ReviewState:
    """The review for the lowest review session that has been reached and not yet decided.

    `reached`: session numbers whose appointment has started (attended, or today and under way).
    The last session is always a review. With nothing due, the next review is reported (not due).
    """
    numbers = sorted({n for n in review_numbers if n < planned} | {planned})
    done = set(reviewed)
    reached = set(reached)
    pending = [n for n in numbers if n not in done]
    due = [n for n in pending if n in reached]
    scores = score_summary(series)
    improved = any(s["meaningful"] for s in scores)
    if due:
        return ReviewState(due[0], True, improved, scores)
    return ReviewState(pending[0] if pending else None, False, improved, scores)
