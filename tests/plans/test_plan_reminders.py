"""The plans' messages in the outbox: the check-in before a review session, and the nudge for a
plan with sessions left and none booked."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from plans import booking, reminders, services
from plans.models import PlanSession
from scheduling import dispatch
from scheduling.models import Notification, NotificationKind, NotificationStatus
from scheduling.services import appointment_cancel

from .conftest import NOW, intake, propose

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def plan(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    return services.plan_accept(plan=propose(patient, practitioner, acute), by=patient.user)


def book_all(plan, clinic, patient):
    first = dt.datetime(2026, 3, 2, 10, tzinfo=LONDON)
    proposals = booking.plan_booking_proposals(plan=plan, location=clinic.location, first_start=first)
    starts = {p.number: p.start for p in proposals}
    return booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)


def test_a_plan_with_nothing_booked_gets_one_nudge_a_week(plan, patient, _clock):
    assert reminders.plan_unbooked_queue() == 1
    assert reminders.plan_unbooked_queue() == 0  # the same week: already queued
    dispatch.outbox_dispatch()
    (email,) = [m for m in mail.outbox if "still to book" in m.subject]
    assert f"{plan.planned_sessions} sessions still to book" in email.subject and "/my-plans/" in email.body
    _clock.shift(dt.timedelta(days=7))
    assert reminders.plan_unbooked_queue() == 1


def test_no_nudge_when_a_session_is_booked_ahead_and_a_queued_one_is_withdrawn(plan, clinic, patient):
    reminders.plan_unbooked_queue()
    book_all(plan, clinic, patient)
    dispatch.outbox_dispatch()
    assert not [m for m in mail.outbox if "still to book" in m.subject]
    assert Notification.objects.get(kind=NotificationKind.PLAN_UNBOOKED).status == NotificationStatus.CANCELLED
    assert reminders.plan_unbooked_queue() == 0


def test_the_review_session_brings_a_check_in_two_days_before(plan, clinic, patient, _clock):
    appts = book_all(plan, clinic, patient)
    review = PlanSession.objects.get(plan=plan, number=plan.planned_sessions).appointment
    _clock.move_to(review.start - dt.timedelta(hours=47))
    assert reminders.plan_checkins_queue() == 1
    assert reminders.plan_checkins_queue() == 0
    mail.outbox.clear()
    dispatch.outbox_dispatch()
    (email,) = [m for m in mail.outbox if "check-in" in m.subject]
    assert f"Session {plan.planned_sessions} of {plan.planned_sessions}" in email.body
    # The one-click check-in link (no login needed; scheduling.links), in both parts.
    assert "/schedule/l/check-in/" in email.body and "/schedule/l/check-in/" in email.alternatives[0][0]
    assert len(appts) == plan.planned_sessions


def test_a_cancelled_review_session_withdraws_its_check_in(plan, clinic, patient, _clock):
    book_all(plan, clinic, patient)
    review = PlanSession.objects.get(plan=plan, number=plan.planned_sessions).appointment
    _clock.move_to(review.start - dt.timedelta(hours=47))
    reminders.plan_checkins_queue()
    appointment_cancel(appointment=review)
    dispatch.outbox_dispatch()
    assert Notification.objects.get(kind=NotificationKind.PLAN_CHECKIN).status == NotificationStatus.CANCELLED
