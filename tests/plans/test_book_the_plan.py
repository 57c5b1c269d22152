"""Booking a plan: proposals follow the cadence, the series is booked all or nothing, DST keeps local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from plans import booking, services
from plans.models import PlanSession
from scheduling.models import Appointment
from scheduling.services import appointment_cancel
from tests import factories as f

from .conftest import NOW, intake, propose

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    return services.plan_accept(plan=propose(patient, practitioner, acute), by=patient.user)


def local(y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=LONDON)


def proposals(plan, clinic, first=None, **kw):
    return booking.plan_booking_proposals(plan=plan, location=clinic.location, first_start=first, **kw)


def test_proposals_follow_the_cadence_and_the_first_sessions_weekday_and_time(plan, clinic):
    got = proposals(plan, clinic, first=local(2026, 3, 2, 10))
    # 2 a week for 2 weeks (Mon and Thu), then weekly, all at 10:00.
    assert [p.start for p in got] == [
        local(2026, 3, 2, 10),
        local(2026, 3, 5, 10),
        local(2026, 3, 9, 10),
        local(2026, 3, 12, 10),
    ]
    assert [p.review for p in got] == [False, False, True, True]  # session 3 (mid-plan) and the last


def test_without_a_chosen_time_the_first_free_time_from_the_start_date_anchors_the_plan(plan, clinic):
    got = proposals(plan, clinic)
    assert got[0].start == local(2026, 3, 2, 9)
    assert got[1].start == local(2026, 3, 5, 9)


def test_a_taken_time_moves_to_the_nearest_time_that_day(plan, clinic, other_patient):
    f.AppointmentFactory(
        patient=other_patient,
        practitioner=plan.practitioner,
        service=clinic.service,
        location=clinic.location,
        room=clinic.rooms[0],
        start=local(2026, 3, 5, 10),
        end=local(2026, 3, 5, 10, 45),
        busy_until=local(2026, 3, 5, 11),
    )
    got = proposals(plan, clinic, first=local(2026, 3, 2, 10))
    assert got[1].start.date() == dt.date(2026, 3, 5)
    assert got[1].start in (local(2026, 3, 5, 9), local(2026, 3, 5, 11))
    assert "taken" in got[1].note


def test_a_day_off_moves_the_session_to_the_nearest_free_day_never_a_day_with_another_session(plan, clinic):
    f.TimeOffFactory(practitioner=plan.practitioner, start=local(2026, 3, 5, 0), end=local(2026, 3, 6, 0))
    got = proposals(plan, clinic, first=local(2026, 3, 2, 10))
    days = [p.start.date() for p in got]
    assert days[1] == dt.date(2026, 3, 6)  # Friday: Wednesday is nearer backwards but later days come first
    assert len(set(days)) == len(days)
    assert days == sorted(days)


def test_proposals_read_availability_once_whatever_the_number_of_sessions(
    patient, practitioner, clinic, chronic, django_assert_max_num_queries
):
    intake(patient, weeks=20)
    plan = propose(patient, practitioner, chronic, planned_sessions=12)
    plan = services.plan_accept(plan=plan, by=patient.user)
    with django_assert_max_num_queries(7):
        got = proposals(plan, clinic, first=local(2026, 3, 2, 10))
    assert len(got) == 12 and all(p.start for p in got)
    assert len({p.start.date() for p in got}) == 12


def test_booking_books_every_session_and_links_it(plan, clinic, patient):
    starts = {p.number: p.start for p in proposals(plan, clinic, first=local(2026, 3, 2, 10))}
    appts = booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    assert len(appts) == 4
    sessions = list(PlanSession.objects.filter(plan=plan).order_by("number"))
    assert [s.progress_label for s in sessions] == [f"Session {n} of 4" for n in range(1, 5)]
    assert Appointment.objects.get(start=local(2026, 3, 9, 10)).plan_session.number == 3
    assert plan.events.last().kind == "booked"


def test_one_clash_books_nothing_and_names_the_session(plan, clinic, patient, other_patient):
    starts = {p.number: p.start for p in proposals(plan, clinic, first=local(2026, 3, 2, 10))}
    # Someone takes session 3's time after the proposals were shown.
    f.AppointmentFactory(
        patient=other_patient,
        practitioner=plan.practitioner,
        service=clinic.service,
        location=clinic.location,
        room=clinic.rooms[0],
        start=local(2026, 3, 9, 10),
        end=local(2026, 3, 9, 10, 45),
        busy_until=local(2026, 3, 9, 11),
    )
    with pytest.raises(booking.PlanClash) as exc:
        booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    assert exc.value.number == 3
    assert exc.value.message.startswith("Session 3 (Mon 09 Mar 10:00)")
    assert "Nothing was booked" in exc.value.message
    assert exc.value.alternatives
    assert local(2026, 3, 9, 10) not in exc.value.alternatives
    assert Appointment.objects.filter(patient=patient).count() == 0
    assert not PlanSession.objects.exists()


def test_two_sessions_on_one_day_are_refused(plan, clinic, patient):
    starts = {1: local(2026, 3, 2, 10), 2: local(2026, 3, 2, 14), 3: local(2026, 3, 9, 10), 4: local(2026, 3, 12, 10)}
    with pytest.raises(booking.PlanClash, match="Sessions 1 and 2 are on the same day"):
        booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    assert not Appointment.objects.exists()


def test_sessions_must_keep_their_order(plan, clinic, patient):
    starts = {1: local(2026, 3, 5, 10), 2: local(2026, 3, 3, 10)}
    with pytest.raises(booking.PlanClash, match="Session 2 must come after session 1"):
        booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)


def test_a_dst_change_inside_the_series_keeps_the_local_time(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute, start_date=dt.date(2026, 3, 23))
    plan = services.plan_accept(plan=plan, by=patient.user)
    got = proposals(plan, clinic, first=local(2026, 3, 23, 10))
    # London moves to BST on Sunday 29 March: 10:00 local is 10:00 UTC before and 09:00 UTC after.
    assert [p.start.astimezone(dt.UTC).hour for p in got] == [10, 10, 9, 9]
    assert all(p.start.astimezone(LONDON).hour == 10 for p in got)
    booking.plan_book(plan=plan, location=clinic.location, starts={p.number: p.start for p in got}, by=patient.user)
    assert [a.local_start.hour for a in Appointment.objects.order_by("start")] == [10, 10, 10, 10]


def test_a_cancelled_session_is_unbooked_and_can_be_booked_again(plan, clinic, patient):
    starts = {p.number: p.start for p in proposals(plan, clinic, first=local(2026, 3, 2, 10))}
    appts = booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    appointment_cancel(appointment=appts[1], cancelled_by=patient.user, reason="Away")
    again = proposals(plan, clinic)
    assert [p.number for p in again] == [2]
    assert again[0].start.date() == dt.date(2026, 3, 5)  # the cadence day, the anchor's time
    booking.plan_book(plan=plan, location=clinic.location, starts={2: local(2026, 3, 6, 10)}, by=patient.user)
    assert PlanSession.objects.get(plan=plan, number=2).appointment.start == local(2026, 3, 6, 10)


def test_a_proposed_plan_cannot_be_booked(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute)
    with pytest.raises(services.PlanError, match="accepted"):
        booking.plan_book(plan=plan, location=clinic.location, starts={1: local(2026, 3, 2, 10)}, by=patient.user)


def test_day_offsets_spread_each_week():
    assert booking.day_offsets(6, [2, 2, 1]) == [0, 3, 7, 10, 14, 21]
    assert booking.day_offsets(10, [3, 3, 2, 2]) == [0, 2, 4, 7, 9, 11, 14, 17, 21, 24]


def test_the_email_and_the_ics_name_each_session_of_the_plan(plan, clinic, patient, django_capture_on_commit_callbacks):
    from django.core import mail

    from scheduling.ics import appointment_ics

    starts = {p.number: p.start for p in proposals(plan, clinic, first=local(2026, 3, 2, 10))}
    with django_capture_on_commit_callbacks(execute=True):
        appts = booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    body = mail.outbox[-1].body
    assert "(Session 1 of 4)" in body and "(Session 4 of 4)" in body
    sessions_ics = mail.outbox[-1].attachments[0][1]
    sessions_ics = sessions_ics.decode() if isinstance(sessions_ics, bytes) else sessions_ics
    assert "(Session 2 of 4)" in sessions_ics
    assert b"(Session 3 of 4)" in appointment_ics(Appointment.objects.get(pk=appts[2].pk))


def test_proposals_never_share_a_day_and_keep_their_order_whatever_is_free():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    monday = dt.date(2026, 3, 2)

    @settings(max_examples=150, deadline=None)
    @given(
        planned=st.integers(1, 12),
        cadence=st.lists(st.integers(1, 3), min_size=1, max_size=5),
        free_days=st.sets(st.integers(0, 100), max_size=80),
        hours=st.lists(st.integers(9, 16), min_size=1, max_size=3),
    )
    def check(planned, cadence, free_days, hours):
        free = [
            dt.datetime.combine(monday + dt.timedelta(days=d), dt.time(h), tzinfo=LONDON)
            for d in sorted(free_days)
            for h in sorted(set(hours))
        ]
        got = booking.propose_times(
            numbers=list(range(1, planned + 1)),
            planned=planned,
            cadence=cadence,
            anchor=(1, local(2026, 3, 2, 10)),
            free=free,
            tz=LONDON,
            today=monday,
        )
        picked = [got[n][1] for n in range(1, planned + 1) if got[n][1] is not None]
        days = [p.date() for p in picked]
        assert len(days) == len(set(days))
        assert days == sorted(days)
        assert all(p in free for p in picked)
        for n in range(1, planned + 1):
            target, pick = got[n]
            assert target.hour == 10  # the anchor's local time, every week
            if pick is not None:
                assert abs((pick.date() - target.date()).days) <= 7

    check()


def test_the_series_email_lists_each_session_of_the_plan(plan, clinic, patient):
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling import dispatch

    starts = {p.number: p.start for p in proposals(plan, clinic, first=local(2026, 3, 2, 10))}
    booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        dispatch.outbox_dispatch(now=NOW + dt.timedelta(minutes=10))  # after the 3-minute hold
    (email,) = [m for m in mail.outbox if any(a[0] == "sessions.ics" for a in m.attachments)]
    for n in range(1, 5):
        assert f"(Session {n} of 4)" in email.body
    assert len(queries) <= 16  # the series and its plan sessions in one query, not one per session
