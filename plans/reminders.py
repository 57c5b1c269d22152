"""The plans' messages in scheduling's outbox (plans sits above scheduling, so it produces them):

- the outcome check-in two days before a plan's review session: the questionnaire is requested
  (patients.services.checkin_request) and the patient is emailed a link to it;
- a nudge once a week for an active plan with sessions left and none booked.

Run hourly by beat (plans.tasks.queue_plan_messages). Each message has a unique outbox key, so
running this twice queues nothing more; the dispatcher re-checks each one when it goes out.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from patients import message_prefs
from patients.services import checkin_request
from scheduling import dispatch
from scheduling.models import ACTIVE_STATUSES, AppointmentStatus, Notification, NotificationKind
from scheduling.services import outbox_enqueue

from .models import PlanStatus, TreatmentPlan
from .queries import review_sessions_between

CHECKIN_BEFORE = dt.timedelta(hours=48)
CHECKIN_NOT_AFTER = dt.timedelta(hours=2)


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def plan_checkins_queue(*, now: dt.datetime | None = None) -> int:
    """Queue the check-in for every review session starting in the next 48 hours (and a bit)."""
    now = now or timezone.now()
    queued = 0
    for session in review_sessions_between(start=now + CHECKIN_NOT_AFTER, end=now + CHECKIN_BEFORE):
        appt, patient = session.appointment, session.plan.patient
        key = f"plan_checkin:a{appt.pk}:s{appt.sequence}"
        blocked = message_prefs.block_reason(patient, NotificationKind.PLAN_CHECKIN, "email")
        if blocked or Notification.objects.filter(key=key).exists():
            continue
        response = checkin_request(patient=patient)
        outbox_enqueue(
            key=key,
            kind=NotificationKind.PLAN_CHECKIN,
            recipient=patient.email,
            patient=patient,
            appointment=appt,
            payload={
                "start": appt.start.isoformat(),
                "questionnaire_url": _url(reverse("patients:questionnaire", kwargs={"pk": response.pk})),
                # The email's one-click check-in link names this questionnaire (scheduling.links).
                "response_id": response.pk,
            },
            not_after=appt.start - CHECKIN_NOT_AFTER,
            now=now,
        )
        queued += 1
    return queued


def _unbooked(plan: TreatmentPlan, now: dt.datetime) -> int:
    """Sessions left to book, or 0 when one is already booked ahead."""
    sessions = list(plan.sessions.select_related("appointment"))
    booked = [s for s in sessions if s.appointment_id and s.appointment.status in ACTIVE_STATUSES]
    if any(s.appointment.status == AppointmentStatus.BOOKED and s.appointment.start > now for s in booked):
        return 0
    return max(0, plan.planned_sessions - len(booked))


@transaction.atomic
def plan_unbooked_queue(*, now: dt.datetime | None = None) -> int:
    """Once a week (ISO week in the key), nudge patients whose active plan has nothing booked."""
    now = now or timezone.now()
    year, week, _ = now.isocalendar()
    queued = 0
    for plan in TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE).select_related("patient"):
        patient = plan.patient
        left = _unbooked(plan, now)
        if not left or message_prefs.block_reason(patient, NotificationKind.PLAN_UNBOOKED, "email"):
            continue
        key = f"plan_unbooked:p{plan.pk}:{year}-W{week:02d}"
        if Notification.objects.filter(key=key).exists():
            continue
        outbox_enqueue(
            key=key,
            kind=NotificationKind.PLAN_UNBOOKED,
            recipient=patient.email,
            patient=patient,
            payload={
                "plan_id": plan.pk,
                "sessions_left": left,
                "book_url": _url(reverse("plans:my_plan_book", kwargs={"pk": plan.pk})),
            },
            now=now,
        )
        queued += 1
    return queued


def _unbooked_still_applies(n: Notification) -> str:
    plan = TreatmentPlan.objects.filter(pk=n.payload.get("plan_id"), status=PlanStatus.ACTIVE).first()
    if plan is None:
        return "The plan is no longer active."
    return "" if _unbooked(plan, timezone.now()) else "A session has been booked since."


dispatch.register_check(NotificationKind.PLAN_UNBOOKED, _unbooked_still_applies)
