"""My day's visit additions: last-visit summary, the visit-note link, plan progress, unsigned notes, reviews due."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from plans import visit_services as vs
from plans.models import PlanSession, PlanTemplate, TreatmentPlan
from tests import factories as f

from .visit_helpers import save

URL = reverse("plans:my_day")
NOW = dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC)  # Tuesday, 09:00 in New York


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ny(db, practitioner):
    return f.bookable_setup(tz="America/New_York", practitioner=practitioner)


def appt(setup, day, hour, **kw):
    start = dt.datetime(2026, 3, day, hour, tzinfo=setup.location.tz)
    kw.setdefault("room", setup.rooms[hour % 2])
    return f.AppointmentFactory(
        start=start, location=setup.location, service=setup.service, practitioner=setup.practitioner, **kw
    )


def plan_for(patient, practitioner, sessions: dict[int, object]):
    plan = TreatmentPlan.objects.create(
        patient=patient,
        practitioner=practitioner,
        template=PlanTemplate.objects.get(name="Sciatica - acute"),
        acuity="acute",
        start_date=dt.date(2026, 3, 1),
        planned_sessions=6,
        cadence=[2],
        review_sessions=[3],
        status="active",
        created_by=practitioner.user,
    )
    for n, a in sessions.items():
        PlanSession.objects.create(plan=plan, number=n, appointment=a, of_total=6)
    return plan


def test_my_day_shows_last_visit_plan_progress_review_and_unsigned(practitioner_client, practitioner, ny):
    pat = f.PatientFactory(full_name="Returning Rita")
    earlier = appt(ny, 6, 10, patient=pat, status="completed")
    last = vs.visit_start(appointment=earlier, by=practitioner.user)
    save(last, practitioner.user, [("BL40", "L"), ("GB30", "B")], leg_pain_before=7, leg_pain_after=4)
    vs.visit_sign(visit=last, by=practitioner.user)
    second = appt(ny, 9, 10, patient=pat, status="completed")
    today = appt(ny, 10, 10, patient=pat)
    plan_for(pat, practitioner, {1: earlier, 2: second, 3: today})
    stale = appt(ny, 8, 12, patient=f.PatientFactory(full_name="Forgotten Fred"))
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        vs.visit_start(appointment=stale, by=practitioner.user)  # started two days ago, never signed

    html = practitioner_client.get(URL).content.decode()

    assert "Last visit:" in html and "BL40, GB30" in html and "leg pain 7→4" in html
    assert "2 of 6 done" in html  # sessions 1 and 2 took place
    assert 'data-testid="review-due"' in html and "Returning Rita (session 3)" in html
    assert 'data-testid="unsigned-notes"' in html and "Forgotten Fred" in html
    assert 'data-testid="start-visit"' in html


def test_a_started_note_is_linked_from_my_day(practitioner_client, practitioner, ny):
    a = appt(ny, 10, 11)
    visit = vs.visit_start(appointment=a, by=practitioner.user)
    html = practitioner_client.get(URL).content.decode()
    assert reverse("plans:visit_edit", kwargs={"pk": visit.pk}) in html


def test_my_day_queries_are_bounded_with_visits_and_plans(
    practitioner_client, practitioner, ny, django_assert_max_num_queries
):
    for hour in range(9, 17):
        p = f.PatientFactory()
        old = appt(ny, 3, hour, patient=p, status="completed")
        v = vs.visit_start(appointment=old, by=practitioner.user)
        save(v, practitioner.user, ["BL40", "GB30"], leg_pain_before=6, leg_pain_after=3)
        plan_for(p, practitioner, {1: old, 2: appt(ny, 10, hour, patient=p)})
    with django_assert_max_num_queries(20):
        html = practitioner_client.get(URL).content.decode()
    assert html.count('data-testid="last-visit"') == 8


def test_a_note_started_today_is_not_yet_listed_as_unsigned(practitioner_client, practitioner, ny):
    a = appt(ny, 10, 9, patient=f.PatientFactory(full_name="Fresh Fiona"))
    with time_machine.travel(NOW - dt.timedelta(hours=23), tick=False):
        vs.visit_start(appointment=a, by=practitioner.user)
    html = practitioner_client.get(URL).content.decode()
    assert 'data-testid="unsigned-notes"' not in html


def test_only_the_latest_of_many_notes_is_summarised_and_history_costs_no_queries(
    practitioner_client, practitioner, ny, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pat = f.PatientFactory(full_name="Regular Rosa")
    appt(ny, 10, 10, patient=pat)

    def note(day: int, points: list[str], leg: tuple[int, int]) -> None:
        v = vs.visit_start(appointment=appt(ny, day, 11, patient=pat, status="completed"), by=practitioner.user)
        save(v, practitioner.user, points, leg_pain_before=leg[0], leg_pain_after=leg[1])
        vs.visit_sign(visit=v, by=practitioner.user)

    note(2, ["ST36"], (8, 7))
    practitioner_client.get(URL)  # the session's first request does more
    with CaptureQueriesContext(connection) as one_note:
        practitioner_client.get(URL)
    note(3, ["SP6", "LI4"], (7, 6))
    note(6, ["BL40", "GB30"], (6, 3))  # the latest

    with django_assert_num_queries(len(one_note)):
        html = practitioner_client.get(URL).content.decode()
    assert "06 Mar · BL40, GB30 · leg pain 6→3" in html
    assert "ST36" not in html and "SP6" not in html and "leg pain 7→6" not in html
