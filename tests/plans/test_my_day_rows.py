"""My day's rows, written in Python (plans/day_rows.py): everything a row shows, escaped; the day in each zone."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from plans import visit_services as vs
from plans.models import PlanReview, PlanSession, PlanTemplate, TreatmentPlan
from tests import factories as f

URL = reverse("plans:my_day")
NOW = dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC)  # Tuesday, 09:00 in New York


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ny(db, practitioner):
    return f.bookable_setup(tz="America/New_York", practitioner=practitioner)


def appt(setup, day: int, hour: int, minute: int = 0, **kw):
    start = dt.datetime(2026, 3, day, hour, minute, tzinfo=setup.location.tz)
    kw.setdefault("room", setup.rooms[0])
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


def row(html: str, appointment) -> str:
    start = html.index(f'data-appointment="{appointment.pk}"')
    end = html.find('data-testid="appointment"', start + 1)
    return html[start : end if end > 0 else len(html)]


def test_a_row_shows_everything_about_the_visit_and_escapes_what_people_typed(practitioner_client, practitioner, ny):
    patient = f.PatientFactory(full_name="<b>Bold</b> Bea", date_of_birth=dt.date(1980, 6, 1))
    a = appt(
        ny,
        10,
        10,
        patient=patient,
        front_desk_notes='Parks at the back <script>alert("x")</script>',
        attendance_confirmed_at=NOW - dt.timedelta(days=1),
        attendance_confirmed_via="sms",
    )
    plan_for(patient, practitioner, {2: a})

    html = row(practitioner_client.get(URL).content.decode(), a)

    assert "&lt;b&gt;Bold&lt;/b&gt; Bea" in html and "<b>Bold</b>" not in html
    assert "(45)" in html  # age on the day
    assert "10:00–10:45" in html and "EDT" in html
    assert f"{a.service.name} · {a.location.name}, {a.room.name}" in html
    assert 'data-status="booked">Booked</span>' in html
    assert 'data-testid="attendance-confirmed"' in html and "attendance (sms reply)" in html
    assert 'data-testid="intake-status" data-status="missing"' in html
    assert "Session 2 of 6" in html and "0 of 6 done" in html
    assert "Desk note:</span> Parks at the back &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert reverse("patients:chart", args=[patient.pk]) in html
    assert reverse("scheduling:desk_appointment", args=[a.pk]) in html
    assert f'action="{reverse("scheduling:desk_check_in", args=[a.pk])}"' in html
    assert f'action="{reverse("plans:visit_start", args=[a.pk])}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="next" value="{URL}"' in html
    assert 'data-testid="no-show"' not in html  # it has not started yet


def test_a_signed_note_links_to_the_note_and_a_past_start_offers_no_show(practitioner_client, practitioner, ny):
    a = appt(ny, 10, 8)  # started an hour ago
    visit = vs.visit_start(appointment=a, by=practitioner.user)
    vs.visit_sign(visit=visit, by=practitioner.user)

    html = row(practitioner_client.get(URL).content.decode(), a)

    assert reverse("plans:visit_detail", args=[visit.pk]) in html and "Visit note (signed)" in html
    assert f'action="{reverse("scheduling:desk_no_show", args=[a.pk])}"' in html
    assert 'data-testid="start-visit"' not in html


def test_a_red_flag_marks_the_row_and_names_the_flag(practitioner_client, ny):
    flagged = f.PatientFactory(full_name="Flagged Flo")
    f.SafetyFlagFactory(patient=flagged, category="red_flag", label="Night pain <unremitting>")
    a = appt(ny, 10, 10, patient=flagged)

    page = practitioner_client.get(URL).content.decode()

    assert f'class="list-group-item alert-banner" data-testid="appointment" data-appointment="{a.pk}"' in page
    assert "Red flag: review" in row(page, a) and "Night pain &lt;unremitting&gt;" in row(page, a)


def test_the_day_is_each_locations_own_day(practitioner_client, practitioner, ny):
    tokyo = f.bookable_setup(tz="Asia/Tokyo", practitioner=practitioner, weekdays=[])
    early = appt(tokyo, 10, 0, 30, patient=f.PatientFactory(full_name="Early Emi"))  # 15:30 UTC on the 9th
    appt(tokyo, 9, 23, 50, room=tokyo.rooms[1], patient=f.PatientFactory(full_name="Late Lee"))  # the 9th in Tokyo
    appt(tokyo, 11, 0, 10, patient=f.PatientFactory(full_name="Next Nao"))  # 15:10 UTC on the 10th
    appt(ny, 10, 23, 0, patient=f.PatientFactory(full_name="Night Nell"))  # 03:00 UTC on the 11th
    appt(ny, 11, 0, 10, patient=f.PatientFactory(full_name="Past Midnight Pat"))

    html = practitioner_client.get(URL, {"day": "2026-03-10"}).content.decode()

    assert "Early Emi" in html and "Night Nell" in html
    assert "Late Lee" not in html and "Next Nao" not in html and "Past Midnight Pat" not in html
    assert "00:30–01:15" in row(html, early) and "JST" in row(html, early)
    assert html.index("Early Emi") < html.index("Night Nell")  # time order across zones


def test_my_day_asks_the_same_queries_for_one_patient_or_ten(practitioner_client, ny, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = f.PatientFactory()
    f.SafetyFlagFactory(patient=first, category="precaution", code="p9", label="Precaution 9")  # audited alike
    appt(ny, 10, 9, patient=first)
    practitioner_client.get(URL)  # the session's first request does more
    with CaptureQueriesContext(connection) as one:
        practitioner_client.get(URL)
    for hour in range(10, 19):
        p = f.PatientFactory()
        f.SafetyFlagFactory(patient=p, category="precaution", code=f"p{hour}", label=f"Precaution {hour}")
        appt(ny, 10, hour, room=ny.rooms[hour % 2], patient=p)

    with django_assert_num_queries(len(one)):
        html = practitioner_client.get(URL).content.decode()
    assert html.count('data-testid="appointment"') == 10


def test_a_recorded_review_is_not_prompted_and_only_sessions_that_took_place_count(
    practitioner_client, practitioner, ny
):
    rob, dana = f.PatientFactory(full_name="Reviewed Rob"), f.PatientFactory(full_name="Due Dana")
    rob_plan = plan_for(
        rob,
        practitioner,
        {1: appt(ny, 3, 10, patient=rob, status="completed"), 2: appt(ny, 6, 10, patient=rob, status="no_show")},
    )
    rob_today = appt(ny, 10, 10, patient=rob)
    PlanSession.objects.create(plan=rob_plan, number=3, appointment=rob_today, of_total=6)
    PlanReview.objects.create(
        plan=rob_plan, session_number=3, decision="continue", improved=True, decided_by=practitioner.user
    )
    dana_today = appt(ny, 10, 11, patient=dana)
    plan_for(
        dana,
        practitioner,
        {
            1: appt(ny, 3, 11, patient=dana, status="completed"),
            2: appt(ny, 6, 11, patient=dana, status="completed"),
            3: dana_today,
        },
    )

    html = practitioner_client.get(URL).content.decode()

    assert "1 of 6 done" in row(html, rob_today) and 'data-testid="review-due"' not in row(html, rob_today)
    assert "2 of 6 done" in row(html, dana_today) and 'data-testid="review-due"' in row(html, dana_today)
    assert "Due Dana (session 3)" in html and "Reviewed Rob (session" not in html
