"""My day's reads (issue 12 item 3): the day's appointments with, per row, the visit note, "session k of N",
plan progress and whether a review is due (all in the appointments' one query); per patient a one-line summary
of the last visit; the practitioner's unsigned notes; the review prompts that are due.

A fixed number of queries whatever the number of appointments (tests/plans/test_visit_my_day.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.models import AuditEvent, Location
from patients.queries import alerts_for_patients, intake_statuses
from scheduling import desk_queries, queries, rules
from scheduling.models import Appointment, AppointmentStatus

from .models import PlanReview, PlanSession, is_review
from .visit_queries import last_visit_summaries, unsigned_notes

_DAY_COLUMNS = (
    "start",
    "end",
    "status",
    "late_cancel",
    "attendance_confirmed_at",
    "attendance_confirmed_via",
    "front_desk_notes",
    "practitioner_id",
    "patient__full_name",
    "patient__date_of_birth",
    "service__name",
    "location_id",
    "room__name",
    "plan_session__number",
    "plan_session__of_total",
    "plan_session__plan_id",
    "plan_session__appointment_id",
)


def day_appointments(
    practitioner_id: int, day: dt.date, *, locations: Iterable[Location] | None = None
) -> list[Appointment]:
    """The practitioner's appointments (not cancelled) on `day` in their location's own zone, in time order.

    Each zone the clinic's locations use gets its own 24-hour UTC window (the day there), so only the
    day's rows are read and built, not the 52 hours that hold the day in every zone on Earth (half the
    page's read time on a busy day). Each row comes with its plan session ("session k of N") and, as
    plain values: the visit note's id and signing time, the plan's size, review sessions and sessions
    that took place, and whether this session's review is recorded (one query, not four).
    """
    # The clinic's few locations are read whole (their zones give the windows; the view passes them in)
    # and put on the rows, so the appointments' query does not join them: each join of a small table
    # cost PostgreSQL's planner more than reading it (issue 12).
    by_pk = {loc.pk: loc for loc in (Location.objects.all() if locations is None else locations)}
    zones: dict[str, list[int]] = {}
    for loc in by_pk.values():
        zones.setdefault(loc.timezone, []).append(loc.pk)
    if not zones:
        return []
    windows = {
        name: (
            dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(name)),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=ZoneInfo(name)),
        )
        for name in zones
    }
    on_the_day = Q()
    for name, (start, end) in windows.items():
        on_the_day |= Q(location_id__in=zones[name], start__gte=start, start__lt=end)
    plan = OuterRef("plan_session__plan_id")
    took_place = (
        PlanSession.objects.filter(plan_id=plan, appointment__status=AppointmentStatus.COMPLETED)
        .order_by()
        .values("plan_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = desk_queries.with_plan_progress(
        queries.appointments_between(
            start=min(s for s, _ in windows.values()),
            end=max(e for _, e in windows.values()),
            practitioner_id=practitioner_id,
        )
        .filter(on_the_day)
        # The practitioner is the viewer: their own row is not joined 26 times.
        .select_related(None)
        .select_related("service", "room", "patient")
        # Only the columns the page shows or its rules read (plans.day_rows, scheduling.rules): the
        # patients' and appointments' other columns were most of the rows' width and of psycopg's
        # decoding time on PostgreSQL (issue 12: My day <= 30 ms).
        .only(*_DAY_COLUMNS)
        .annotate(
            visit_id=F("visit__pk"),
            visit_signed_at=F("visit__signed_at"),
            plan_planned=F("plan_session__plan__planned_sessions"),
            plan_review_sessions=F("plan_session__plan__review_sessions"),
            plan_took_place=Coalesce(Subquery(took_place, output_field=IntegerField()), 0),
            review_recorded=Exists(
                PlanReview.objects.filter(plan_id=plan, session_number=OuterRef("plan_session__number"))
            ),
        )
    )
    # The same rule, checked on the instances: a row is on the day when its local date is the day.
    day_rows = []
    for a in rows:
        a.location = by_pk[a.location_id]
        if a.start.astimezone(a.location.tz).date() == day:
            day_rows.append(a)
    return day_rows


def my_day_clinical(appointments: Sequence[Any], *, user, day_start: dt.datetime) -> dict:
    """The clinical additions for rows from day_appointments(); the page's attributes (visit_pk,
    last_visit, plan_done, review_due) are put on each one."""
    appts: list[Any] = list(appointments)
    summaries = last_visit_summaries({a.patient_id for a in appts}, before=day_start)
    reviews_due = []
    for a in appts:
        a.visit_pk = a.visit_id
        a.visit_signed = bool(a.visit_signed_at)
        a.last_visit = summaries.get(a.patient_id, "")
        session = getattr(a, "plan_session", None)
        a.plan_done = a.review_due = None
        if session is not None:
            a.plan_done = f"{a.plan_took_place} of {a.plan_planned} done"
            if is_review(session.number, a.plan_planned, a.plan_review_sessions) and not a.review_recorded:
                a.review_due = session.number
                reviews_due.append(a)
    shown = sorted({a.patient_id for a in appts if a.last_visit})
    if shown:
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=user,
                action="visit.view",
                object_type="patients.patient",
                object_id=str(pid),
                patient_id=pid,
                detail="last visit summary on My day",
            )
            for pid in shown
        )
    return {"unsigned_notes": unsigned_notes(user), "reviews_due": reviews_due}


def my_day_reads(
    profile_id: int, day: dt.date, *, user, locations: Iterable[Location] | None = None, now: dt.datetime | None = None
) -> tuple[list[Any], dict]:
    """Everything My day shows for one practitioner's day: the appointments with each patient's
    alerts, intake status and the two buttons the page offers (check in, no-show: by the rules the
    services enforce; the desk's full set of actions is more than this page shows), and the
    clinical additions (last visits, plan progress, unsigned notes, reviews due)."""
    now = now or timezone.now()
    appointments: list[Any] = list(day_appointments(profile_id, day, locations=locations))
    alerts = alerts_for_patients({a.patient_id for a in appointments})
    statuses = intake_statuses({a.patient_id for a in appointments})
    for a in appointments:
        a.alerts = alerts.get(a.patient_id)
        a.patient.intake_status = statuses.get(a.patient_id)
        a.can_check_in = not rules.check_in_refusal(a, now)
        a.can_no_show = not rules.no_show_refusal(a, now)
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return appointments, my_day_clinical(appointments, user=user, day_start=day_start)
