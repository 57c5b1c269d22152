"""Outcomes by plan type, from plain data (no ORM).

Meaningful improvement is plans.progress's rule (patients.scoring: pain −2 points or −30%, the
function index −10 points), applied through progress.build_series; nothing here restates it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import NamedTuple

from plans import progress

# Figures from fewer patients than this are not shown: with 1-4 patients a manager who knows who
# was treated could read one patient's answers out of an average.
MIN_PATIENTS = 5
MOMENTS = (("review", "At the review session"), ("end", "At the end of the plan"))
MEASURE_KEYS = tuple(progress.MEASURES)
ENDED_STATUSES = ("completed", "discontinued")

# Tu et al., JAMA Intern Med 2024 (FACTS.md): chronic sciatica, week 4, change from baseline.
# Leg pain on a 0-100 VAS; disability on the ODI (0-100). Our pain is 0-10, so it is shown ×10.
REFERENCE = {
    "source": "Tu et al. 2024 (JAMA Internal Medicine), chronic sciatica, week 4",
    "leg_pain_average": {"acupuncture": -30.8, "sham": -14.9},
    "function_index": {"acupuncture": -13.0, "sham": -4.9},
}
SCALE_TO_100 = {"leg_pain_average": 10, "back_pain_average": 10, "function_index": 1}


@dataclass
class PlanScores:
    """One plan and its patient's outcome scores (each measure's [(when, value)], any order)."""

    plan_type: str
    patient_id: int
    status: str
    start: dt.datetime  # the plan's start (midnight UTC of its start date is fine)
    review_number: int | None
    attended: Sequence[dt.datetime]
    scores: Mapping[str, Sequence[tuple[dt.datetime, float]]]


class MomentOutcome(NamedTuple):
    """One plan at one moment: any meaningful improvement, and each measure's change from baseline.
    (Named tuples: the report builds thousands of these per request, and they are the cheapest to make.)"""

    improved: bool
    changes: Mapping[str, float]


# The stored summary's columns (plans.models.PlanOutcome), per moment: "<moment>_improved", then
# "<moment>_<measure key>" for each measure. Null improved: no score at that moment.
_WIDTH = 1 + len(MEASURE_KEYS)
SUMMARY_COLUMNS = tuple(f"{moment}_{key}" for moment, _ in MOMENTS for key in ("improved", *MEASURE_KEYS))


def summary_columns(moments: Mapping[str, MomentOutcome]) -> dict[str, bool | float | None]:
    """A plan's outcome as the summary's column values."""
    values: list[bool | float | None] = []
    for moment, _ in MOMENTS:
        result = moments.get(moment)
        values.append(None if result is None else result.improved)
        values.extend(None if result is None else result.changes.get(k) for k in MEASURE_KEYS)
    return dict(zip(SUMMARY_COLUMNS, values, strict=True))


def summary_moments(values: Sequence) -> dict[str, MomentOutcome]:
    """The summary's column values (in SUMMARY_COLUMNS order) back as the plan's outcome."""
    out = {}
    for i, (moment, _) in enumerate(MOMENTS):
        at = i * _WIDTH
        improved = values[at]
        if improved is not None:
            changes = values[at + 1 : at + _WIDTH]
            out[moment] = MomentOutcome(
                bool(improved), {k: v for k, v in zip(MEASURE_KEYS, changes, strict=True) if v is not None}
            )
    return out


class PlanOutcomeRow(NamedTuple):
    """What the report needs of one plan: its type, patient, status, start and moment outcomes."""

    plan_type: str
    patient_id: int
    status: str
    start: dt.datetime
    moments: Mapping[str, MomentOutcome]


@dataclass
class Figure:
    n: int
    value: float | None  # None when suppressed or empty

    @property
    def suppressed(self) -> bool:
        return 0 < self.n < MIN_PATIENTS


@dataclass
class MomentRow:
    plan_type: str
    moment: str
    label: str
    improved: Figure  # percent of patients
    changes: dict[str, Figure] = field(default_factory=dict)  # mean change, measure's own scale

    def change_on_100(self, key: str) -> float | None:
        figure = self.changes[key]
        return None if figure.value is None else round(figure.value * SCALE_TO_100[key], 1)


def _from_baseline(scores: Sequence[tuple[dt.datetime, float]], start: dt.datetime) -> list[tuple[dt.datetime, float]]:
    """The plan's baseline is the last score taken before the plan started (the intake), else its first."""
    points = sorted(scores, key=lambda p: p[0])
    before = bisect.bisect_left(points, start, key=lambda p: p[0])
    return points[before - 1 :] if before else points


def _pick(series: progress.Series, moment: str, plan: PlanScores) -> progress.Point | None:
    """The score that stands for a moment: at the review, the latest taken after at least one
    session and by the review session (a check-in before it counts); at the end, the latest after
    at least one session. Whether the plan has ended (so has an end figure) is decided when the
    figures are gathered (`counts_at`), so a stored summary need not change with the plan's status."""
    later = series.points[1:]
    if moment == "review":
        if plan.review_number is None:
            return None
        chosen = [p for p in later if 1 <= p.after_session <= plan.review_number]
    else:
        chosen = [p for p in later if p.after_session >= 1]
    return chosen[-1] if chosen else None


def counts_at(moment: str, status: str) -> bool:
    """The end figure is only for plans that have ended (completed or discontinued)."""
    return moment != "end" or status in ENDED_STATUSES


def _figure(values: list[float], *, percent: bool = False) -> Figure:
    n = len(values)
    if n < MIN_PATIENTS:
        return Figure(n, None)
    return Figure(n, round(100 * fmean(values), 1) if percent else round(fmean(values), 1))


def plan_outcome(plan: PlanScores) -> dict[str, MomentOutcome]:
    """One plan's outcome at each moment it has a score for: whether any measure improved
    meaningfully, and each measure's change (later − baseline; negative is better).

    This is what `PlanOutcome` stores per plan (plans.services.plan_outcome_refresh); the report adds
    the plans' outcomes up with `gather`."""
    outcomes = {k: _from_baseline(v, plan.start) for k, v in plan.scores.items()}
    if all(len(points) < 2 for points in outcomes.values()):
        return {}  # a baseline and nothing after it: no figure to add to
    series = progress.build_series(outcomes, attended=plan.attended)
    out = {}
    for moment, _ in MOMENTS:
        picked = {s.measure.key: _pick(s, moment, plan) for s in series}
        points = {k: pt for k, pt in picked.items() if pt is not None and pt.change is not None}
        if not points:
            continue
        out[moment] = MomentOutcome(
            improved=any(pt.meaningful for pt in points.values()),
            changes={k: pt.value - pt.change.baseline for k, pt in points.items() if pt.change is not None},
        )
    return out


def gather(plans: Iterable[PlanOutcomeRow]) -> list[MomentRow]:
    """Per plan type and moment: the share of patients with a meaningful improvement in at least one
    of leg pain, back pain or the function index (of those with a score at that moment), and the
    mean change of each measure, each with its n. One plan per patient and type: the latest started
    (by `start`; on a tie the later one in `plans`)."""
    latest: dict[tuple[str, int], PlanOutcomeRow] = {}
    for p in plans:
        key = (p.plan_type, p.patient_id)
        if key not in latest or p.start >= latest[key].start:
            latest[key] = p
    improved: dict[tuple[str, str], list[float]] = defaultdict(list)
    changes: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    types = sorted({t for t, _ in latest})
    for plan in latest.values():
        for moment, result in plan.moments.items():
            if not counts_at(moment, plan.status):
                continue
            improved[(plan.plan_type, moment)].append(1.0 if result.improved else 0.0)
            for k, change in result.changes.items():
                changes[(plan.plan_type, moment, k)].append(change)
    rows = []
    for t in types:
        for moment, label in MOMENTS:
            row = MomentRow(t, moment, label, _figure(improved[(t, moment)], percent=True))
            row.changes = {k: _figure(changes[(t, moment, k)]) for k in MEASURE_KEYS}
            rows.append(row)
    return rows


def outcomes_by_plan_type(plans: Iterable[PlanScores]) -> list[MomentRow]:
    """The report's figures computed from each plan's scores (`plan_outcome` then `gather`)."""
    return gather(PlanOutcomeRow(p.plan_type, p.patient_id, p.status, p.start, plan_outcome(p)) for p in plans)
