"""My day's clinical additions (issue 12 item 3): per patient the plan progress, a one-line summary of the
last visit and the visit-note link; the practitioner's unsigned notes; the review prompts that are due.

A fixed number of queries whatever the number of appointments (tests/plans/test_visit_my_day.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from clinic.models import AuditEvent, Location
from scheduling import desk_queries, queries
from scheduling.models import Appointment, AppointmentStatus

from .models import PlanReview, TreatmentPlan
from .visit_models import VisitRecord
from .visit_queries import last_visit_summaries, unsigned_notes


def day_appointments(practitioner_id: int, day: dt.date) -> list[Appointment]:
    """The practitioner's appointments (not cancelled) on `day` in their location's own zone, in time order,
    with "session k of N" joined.

    Each zone the clinic's locations use gets its own 24-hour UTC window (the day there), so only the
    day's rows are read and built, not the 52 hours that hold the day in every zone on Earth (half the
    page's read time on a busy day).
    """
    zones: dict[str, list[int]] = {}
    for pk, name in Location.objects.values_list("pk", "timezone"):
        zones.setdefault(name, []).append(pk)
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
    rows = desk_queries.with_plan_progress(
        queries.appointments_between(
            start=min(s for s, _ in windows.values()),
            end=max(e for _, e in windows.values()),
            practitioner_id=practitioner_id,
        )
        .filter(on_the_day)
        # The practitioner is the viewer: their own row is not joined 26 times.
        .select_related(None)
        .select_related("service", "location", "room", "patient")
    )
    # The same rule, checked on the instances: a row is on the day when its local date is the day.
    return [a for a in rows if a.start.astimezone(a.location.tz).date() == day]


def my_day_clinical(appointments: Sequence[Any], *, user, day_start: dt.datetime) -> dict:
    # Appointment rows; the page's own attributes (visit_pk, last_visit, ...) are put on each one.
    appts: list[Any] = list(appointments)
    visits = {
        v["appointment_id"]: v
        for v in VisitRecord.objects.filter(appointment__in=[a.pk for a in appts]).values(
            "appointment_id", "pk", "signed_at"
        )
    }
    summaries = last_visit_summaries({a.patient_id for a in appts}, before=day_start)
    plan_ids = {a.plan_session.plan_id for a in appts if getattr(a, "plan_session", None) is not None}
    plans: dict[int, TreatmentPlan] = {}
    reviewed: set[tuple[int, int]] = set()
    if plan_ids:
        # Each plan with the number of its sessions that took place, in one query.
        plans = {
            p.pk: p
            for p in TreatmentPlan.objects.filter(pk__in=plan_ids)
            .only("pk", "planned_sessions", "review_sessions")
            .annotate(done=Count("sessions", filter=Q(sessions__appointment__status=AppointmentStatus.COMPLETED)))
            .order_by()
        }
        reviewed = set(PlanReview.objects.filter(plan_id__in=plan_ids).values_list("plan_id", "session_number"))
    reviews_due = []
    for a in appts:
        v = visits.get(a.pk)
        a.visit_pk = v["pk"] if v else None
        a.visit_signed = bool(v and v["signed_at"])
        a.last_visit = summaries.get(a.patient_id, "")
        session = getattr(a, "plan_session", None)
        a.plan_done = a.review_due = None
        if session is not None and session.plan_id in plans:
            plan = plans[session.plan_id]
            done: int = plan.done  # type: ignore[attr-defined]  # annotated by the query above
            a.plan_done = f"{done} of {plan.planned_sessions} done"
            if plan.is_review(session.number) and (plan.pk, session.number) not in reviewed:
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
