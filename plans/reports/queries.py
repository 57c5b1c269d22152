"""Reads for the manager reports: a fixed handful of queries per report, whatever the number of rows.

Each read takes the range as local dates (first..last) and an optional location. The database is asked
for a UTC window wide enough for every zone, and rows are kept when their start's date in their own
location's zone is in the range.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet

from clinic.models import Location, PractitionerProfile, TimeOff, WorkingHours
from patients.models import QuestionnaireResponse
from scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

from .. import progress
from ..models import PlanSession, PlanStatus, TreatmentPlan
from . import compute, outcomes

# A local day anywhere on Earth lies within this much of the same UTC day.
_WIDEST_OFFSET = dt.timedelta(hours=14)
ATTENDED = (AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)
STARTED_PLANS = (PlanStatus.ACTIVE, PlanStatus.COMPLETED, PlanStatus.DISCONTINUED)


@dataclass(frozen=True)
class Scope:
    first: dt.date
    last: dt.date
    location: Location | None = None

    @property
    def utc_window(self) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(self.first, dt.time.min, tzinfo=dt.UTC) - _WIDEST_OFFSET
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC) + _WIDEST_OFFSET
        return start, end

    def appointments(self, **filters):
        start, end = self.utc_window
        qs = Appointment.objects.filter(start__gte=start, start__lt=end, **filters)
        return qs.filter(location=self.location) if self.location else qs

    def plans(self):
        qs = TreatmentPlan.objects.filter(
            start_date__gte=self.first, start_date__lte=self.last, status__in=STARTED_PLANS
        )
        return qs.filter(location=self.location) if self.location else qs


def zones() -> dict[int, ZoneInfo]:
    return {pk: ZoneInfo(name) for pk, name in Location.objects.values_list("pk", "timezone")}


def _in_range(scope: Scope, zone: dict[int, ZoneInfo], location_id: int, start: dt.datetime) -> bool:
    return scope.first <= start.astimezone(zone[location_id]).date() <= scope.last


def utilisation(scope: Scope) -> list[dict]:
    """Rows of practitioner name, working hours, booked hours and percent (5 queries)."""
    zone = zones()
    blocks = WorkingHours.objects.all()
    if scope.location:
        blocks = blocks.filter(location=scope.location)
    block_rows = [
        compute.Block(*row) for row in blocks.values_list("practitioner_id", "location_id", "weekday", "start", "end")
    ]
    start, end = scope.utc_window
    time_off: dict[int, list] = defaultdict(list)
    for pid, s, e in TimeOff.objects.filter(start__lt=end, end__gt=start).values_list(
        "practitioner_id", "start", "end"
    ):
        time_off[pid].append((s, e))
    booked = [
        (pid, s, e)
        for pid, loc, s, e in scope.appointments(status__in=ACTIVE_STATUSES).values_list(
            "practitioner_id", "location_id", "start", "end"
        )
        if _in_range(scope, zone, loc, s)
    ]
    profiles = {
        pk: (name, capacity)
        for pk, name, capacity in PractitionerProfile.objects.values_list("pk", "user__full_name", "capacity")
    }
    result = compute.utilisation(
        first=scope.first,
        last=scope.last,
        blocks=block_rows,
        zones=zone,
        capacity={pk: cap for pk, (_, cap) in profiles.items()},
        time_off=time_off,
        booked=booked,
    )
    rows = [{"name": profiles[u.practitioner_id][0], "u": u} for u in result]
    return sorted(rows, key=lambda r: r["name"])


def attendance(scope: Scope) -> compute.Attendance:
    zone = zones()
    rows = scope.appointments().values_list("location_id", "start", "status", "late_cancel")
    return compute.attendance((status, late) for loc, s, status, late in rows if _in_range(scope, zone, loc, s))


def rebooking(scope: Scope) -> compute.Rebooking:
    """New patients and the rebook rate (4 queries)."""
    zone = zones()
    visits = [
        (patient, loc, s, status)
        for patient, loc, s, status in scope.appointments(status__in=ATTENDED).values_list(
            "patient_id", "location_id", "start", "status"
        )
        if _in_range(scope, zone, loc, s)
    ]
    seen = scope.appointments(status__in=ATTENDED).values("patient_id")
    firsts = dict(
        Appointment.objects.filter(patient_id__in=seen, status__in=ATTENDED)
        .values("patient_id")
        .annotate(first=Min("start"))
        .values_list("patient_id", "first")
    )
    latest = dict(
        Appointment.objects.filter(patient_id__in=seen)
        .exclude(status=AppointmentStatus.CANCELLED)
        .values("patient_id")
        .annotate(latest=Max("start"))
        .values_list("patient_id", "latest")
    )
    first_visits = [s.astimezone(zone[loc]).date() for patient, loc, s, _ in visits if firsts.get(patient) == s]
    completed = [(s, latest.get(patient)) for patient, _, s, status in visits if status == AppointmentStatus.COMPLETED]
    return compute.rebooking(first_visits=first_visits, visits=completed)


def plan_completion(scope: Scope) -> compute.PlanCompletion:
    rows = scope.plans().annotate(
        attended=Count("sessions", filter=Q(sessions__appointment__status=AppointmentStatus.COMPLETED))
    )
    return compute.plan_completion(rows.values_list("status", "attended", "planned_sessions"))


def visit_scores(patient_ids: Iterable[int]) -> dict[int, dict[str, list[tuple[dt.datetime, float]]]]:
    """Hook for visit records: pain scores recorded at visits, as {patient: {measure key: [(when, value)]}}.

    Visit records (another issue) add leg and back pain scores taken at each visit. Once they exist,
    read them here in ONE query for all the patients; outcomes() merges them into the questionnaire
    series, so the report's rules need no change. Until then there are none.
    """
    return {}


def _raw_rows(qs) -> list[tuple]:
    """The queryset's rows as the driver returns them, without Django's per-value converters."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json_number(value) -> float | None:
    """A score from a raw JSON extraction: SQLite gives the number itself (or the text 'null'), PostgreSQL the
    JSON text ('7'). A missing or incomplete score is None; only numbers count."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def _instant(value) -> dt.datetime:
    """An aware UTC datetime from a raw column: SQLite gives text or a naive UTC datetime (depending on the
    column's declared type), PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def plan_scores(plans: QuerySet[TreatmentPlan]) -> list[tuple[int, outcomes.PlanScores]]:
    """Each plan of `plans` (any status) with its attended sessions and its patient's scores, as
    (plan id, PlanScores), in the queryset's order (3 queries).

    The series have the shape of patients.queries.chart.outcome_series (each measure's (when, value)
    of submitted responses, in order); it is not called here because it needs whole response rows."""
    rows = list(
        plans.values_list(
            "pk", "patient_id", "template__name", "status", "start_date", "planned_sessions", "review_sessions"
        )
    )
    if not rows:
        return []
    attended: dict[int, list[dt.datetime]] = defaultdict(list)
    sessions = PlanSession.objects.filter(plan_id__in=plans.values("pk"), appointment__status__in=ATTENDED)
    for plan_id, start in _raw_rows(sessions.values_list("plan_id", "appointment__start")):
        attended[plan_id].append(_instant(start))
    # Only the three outcome values of each submitted response, extracted by the database: decoding
    # whole score documents, and Django's per-value converters, cost more than everything else.
    keys = list(progress.MEASURES)
    responses = QuestionnaireResponse.objects.filter(
        patient_id__in=plans.values("patient_id"), status="submitted"
    ).order_by("submitted_at", "pk")
    series_of: dict[int, dict[str, list[tuple[dt.datetime, float]]]] = defaultdict(dict)
    fields = ("patient_id", "submitted_at", *(f"scores__{k}__value" for k in keys))
    for patient_id, when, *values in _raw_rows(responses.values_list(*fields)):
        mine, instant = series_of[patient_id], _instant(when)
        for key, value in zip(keys, values, strict=True):
            value = _json_number(value)
            if value is not None:
                mine.setdefault(key, []).append((instant, value))
    extra = visit_scores({p[1] for p in rows})
    out = []
    for pk, patient_id, name, status, start_date, planned, reviews in rows:
        series = {k: list(v) for k, v in series_of.get(patient_id, {}).items()}
        for key, points in extra.get(patient_id, {}).items():
            series.setdefault(key, []).extend(points)
        mid_reviews = [n for n in (reviews or []) if isinstance(n, int) and n < planned]
        scores = outcomes.PlanScores(
            plan_type=name,
            patient_id=patient_id,
            status=status,
            # The baseline is the last score before treatment began: the first attended session,
            # else the end of the plan's start date.
            start=min(
                attended[pk],
                default=dt.datetime.combine(start_date + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC),
            ),
            review_number=min(mid_reviews) if mid_reviews else planned,
            attended=attended.get(pk, []),
            scores=series,
        )
        out.append((pk, scores))
    return out


def outcomes_inputs(scope: Scope) -> list[outcomes.PlanScores]:
    """Every started plan in the range with its attended sessions and its patient's scores (3 queries)."""
    return [scores for _, scores in plan_scores(scope.plans())]


def outcome_rows(scope: Scope) -> list[outcomes.PlanOutcomeRow]:
    """Every started plan in the range with its stored outcome summary (plans.models.PlanOutcome): one
    query, one row of numbers per plan. A plan without a summary (one written before summaries existed and
    not backfilled, or by code that bypassed the services) is computed from its scores (3 more queries), so
    the figures never depend on whether a summary was written."""
    columns = [f"outcome__{c}" for c in outcomes.SUMMARY_COLUMNS]
    rows = _raw_rows(
        scope.plans().values_list("pk", "patient_id", "template__name", "status", "outcome__start", *columns)
    )
    live: dict[int, outcomes.PlanScores] = {}
    if any(row[4] is None for row in rows):
        live = dict(plan_scores(scope.plans().filter(outcome__isnull=True)))
    out = []
    for pk, patient_id, name, status, start, *values in rows:
        if start is None:
            scores = live[pk]
            out.append(outcomes.PlanOutcomeRow(name, patient_id, status, scores.start, outcomes.plan_outcome(scores)))
        else:
            out.append(
                outcomes.PlanOutcomeRow(name, patient_id, status, _instant(start), outcomes.summary_moments(values))
            )
    return out
