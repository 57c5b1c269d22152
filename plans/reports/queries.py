"""Reads for the manager reports: a fixed handful of queries per report, whatever the number of rows.

Each read takes the range as local dates (first..last) and an optional location. The database is asked
for a UTC window wide enough for every zone, and rows are kept when their start's date in their own
location's zone is in the range.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, Q

from clinic.models import Location, PractitionerProfile, TimeOff, WorkingHours
from patients.models import QuestionnaireResponse
from patients.queries.chart import outcome_series
from scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

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


def outcomes_inputs(scope: Scope) -> list[outcomes.PlanScores]:
    """Every started plan in the range with its attended sessions and its patient's scores (3 queries)."""
    plans = list(
        scope.plans().values_list(
            "pk", "patient_id", "template__name", "status", "start_date", "planned_sessions", "review_sessions"
        )
    )
    if not plans:
        return []
    attended: dict[int, list[dt.datetime]] = defaultdict(list)
    for plan_id, start in PlanSession.objects.filter(
        plan_id__in=scope.plans().values("pk"), appointment__status__in=ATTENDED
    ).values_list("plan_id", "appointment__start"):
        attended[plan_id].append(start)
    responses: dict[int, list[QuestionnaireResponse]] = defaultdict(list)
    patients = scope.plans().values("patient_id")
    for r in QuestionnaireResponse.objects.filter(patient_id__in=patients, status="submitted").only(
        "pk", "patient_id", "status", "submitted_at", "scores"
    ):
        responses[r.patient_id].append(r)
    extra = visit_scores({p[1] for p in plans})
    out = []
    for pk, patient_id, name, status, start_date, planned, reviews in plans:
        series = outcome_series(responses.get(patient_id, ()))
        for key, points in extra.get(patient_id, {}).items():
            series.setdefault(key, []).extend(points)
        mid_reviews = [n for n in (reviews or []) if isinstance(n, int) and n < planned]
        out.append(
            outcomes.PlanScores(
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
        )
    return out
