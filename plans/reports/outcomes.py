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

from plans import progress

# Figures from fewer patients than this are not shown: with 1-4 patients a manager who knows who
# was treated could read one patient's answers out of an average.
MIN_PATIENTS = 5
MOMENTS = (("review", "At the review session"), ("end", "At the end of the plan"))
MEASURE_KEYS = tuple(progress.MEASURES)

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
    at least one session, for plans that have ended (completed or discontinued)."""
    later = series.points[1:]
    if moment == "review":
        if plan.review_number is None:
            return None
        chosen = [p for p in later if 1 <= p.after_session <= plan.review_number]
    else:
        if plan.status not in ("completed", "discontinued"):
            return None
        chosen = [p for p in later if p.after_session >= 1]
    return chosen[-1] if chosen else None


def _figure(values: list[float], *, percent: bool = False) -> Figure:
    n = len(values)
    if n < MIN_PATIENTS:
        return Figure(n, None)
    return Figure(n, round(100 * fmean(values), 1) if percent else round(fmean(values), 1))


def outcomes_by_plan_type(plans: Iterable[PlanScores]) -> list[MomentRow]:
    """Per plan type and moment: the share of patients with a meaningful improvement in at least one
    of leg pain, back pain or the function index (of those with a score at that moment), and the
    mean change (later − baseline; negative is better) of each measure, each with its n.
    One plan per patient and type: the latest started."""
    latest: dict[tuple[str, int], PlanScores] = {}
    for p in plans:
        key = (p.plan_type, p.patient_id)
        if key not in latest or p.start >= latest[key].start:
            latest[key] = p
    improved: dict[tuple[str, str], list[float]] = defaultdict(list)
    changes: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    types = sorted({t for t, _ in latest})
    for plan in latest.values():
        outcomes = {k: _from_baseline(v, plan.start) for k, v in plan.scores.items()}
        if all(len(points) < 2 for points in outcomes.values()):
            continue  # a baseline and nothing after it: no figure to add to
        series = progress.build_series(outcomes, attended=plan.attended)
        for moment, _ in MOMENTS:
            picked = {s.measure.key: _pick(s, moment, plan) for s in series}
            points = {k: pt for k, pt in picked.items() if pt is not None and pt.change is not None}
            if not points:
                continue
            improved[(plan.plan_type, moment)].append(1.0 if any(pt.meaningful for pt in points.values()) else 0.0)
            for k, pt in points.items():
                assert pt.change is not None
                changes[(plan.plan_type, moment, k)].append(pt.value - pt.change.baseline)
    rows = []
    for t in types:
        for moment, label in MOMENTS:
            row = MomentRow(t, moment, label, _figure(improved[(t, moment)], percent=True))
            row.changes = {k: _figure(changes[(t, moment, k)]) for k in MEASURE_KEYS}
            rows.append(row)
    return rows
