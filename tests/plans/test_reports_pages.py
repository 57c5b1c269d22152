"""Manager reports through the database and the pages: figures, CSV, filters, query budgets, privacy."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEvent
from plans.models import PlanSession, PlanTemplate, TreatmentPlan
from plans.reports import queries
from plans.reports.queries import Scope
from tests import factories as f

from .conftest import checkin, intake

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
WEEK = {"start": "2026-03-02", "end": "2026-03-08"}
KINDS = ("utilisation", "attendance", "rebooking", "plans", "outcomes")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def london(db, practitioner):
    return f.bookable_setup(practitioner=practitioner, weekdays=range(5), duration=60, buffer=0)


def appt(setup, day: int, hour: int, status: str = "completed", **kw):
    start = dt.datetime(2026, 3, day, hour, tzinfo=setup.location.tz)
    if status == "cancelled":
        kw.setdefault("cancelled_at", start - dt.timedelta(days=1))
    return f.AppointmentFactory(
        start=start,
        location=setup.location,
        service=setup.service,
        practitioner=setup.practitioner,
        room=setup.rooms[0],
        status=status,
        **kw,
    )


def get(client, kind, **params):
    return client.get(reverse("plans:report", args=[kind]), params)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_attendance_page_and_csv_give_the_hand_computed_rates(manager_client, london):
    appt(london, 2, 9)
    appt(london, 2, 10, status="checked_in")
    appt(london, 3, 9, status="no_show")
    appt(london, 3, 10, status="cancelled", late_cancel=True)
    appt(london, 4, 9, status="cancelled")  # in good time: not in the denominator
    appt(london, 9, 9)  # the next week: outside the range

    html = get(manager_client, "attendance", **WEEK).content.decode()
    assert "The denominator is every appointment" in html  # the definition is on the page
    assert "<svg" in html and "No-show rate 25.0%, late-cancellation rate 25.0%, of 4 appointments." in html

    rows = csv_rows(manager_client.get(reverse("plans:report_csv", args=["attendance"]), WEEK))
    assert ["No-shows", "1", "25.0"] in rows
    assert ["Late cancellations", "1", "25.0"] in rows
    assert ["Denominator (attended + no-shows + late cancellations)", "4", ""] in rows
    assert ["Cancelled in good time (not in the denominator)", "1", ""] in rows


def test_the_location_filter_and_local_dates_decide_what_counts(manager_client, london, practitioner):
    ny = f.bookable_setup(tz="America/New_York", practitioner=practitioner, weekdays=[5])
    appt(london, 2, 9, status="no_show")
    appt(ny, 8, 21)  # Sunday 8 March 21:00 in New York is Monday 01:00 UTC: still in the range
    scope = Scope(dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert (queries.attendance(scope).attended, queries.attendance(scope).no_shows) == (1, 1)
    only_ny = Scope(scope.first, scope.last, ny.location)
    assert (queries.attendance(only_ny).attended, queries.attendance(only_ny).no_shows) == (1, 0)


def test_utilisation_per_practitioner_from_the_database(london, practitioner):
    # Mon-Fri 09:00-17:00 = 40 h; Wednesday off (8 h) leaves 32 h; 4 one-hour visits + a no-show.
    f.TimeOffFactory(
        practitioner=practitioner,
        start=dt.datetime(2026, 3, 4, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 3, 5, 0, tzinfo=dt.UTC),
    )
    for day in (2, 3, 5, 6):
        appt(london, day, 10)
    appt(london, 6, 11, status="no_show")
    (row,) = queries.utilisation(Scope(dt.date(2026, 3, 2), dt.date(2026, 3, 8)))
    assert (row["u"].working_hours, row["u"].booked_hours, row["u"].percent) == (32.0, 4.0, 12.5)


def test_new_patients_and_rebook_rate(london):
    new, regular, gone = f.PatientFactory(), f.PatientFactory(), f.PatientFactory()
    appt(london, 2, 9, patient=regular)  # before the range... no: the range starts the 3rd below
    appt(london, 3, 9, patient=regular)  # rebooked (the 20th)
    appt(london, 20, 9, status="booked", patient=regular)
    appt(london, 4, 9, patient=new)  # first ever visit; rebooked only by a cancelled one: no
    appt(london, 19, 9, status="cancelled", patient=new)
    appt(london, 5, 9, patient=gone)  # first visit, nothing later
    r = queries.rebooking(Scope(dt.date(2026, 3, 3), dt.date(2026, 3, 8)))
    assert (r.new_patients, r.completed_visits, r.rebooked, r.rebook_rate) == (2, 3, 1, 33.3)


def _plan(london, patient, *, template, status="completed", attended=3, planned=3, leg=(7, 4), by):
    plan = TreatmentPlan.objects.create(
        patient=patient,
        practitioner=london.practitioner,
        template=template,
        acuity=template.acuity,
        start_date=dt.date(2026, 3, 2),
        planned_sessions=planned,
        cadence=[2],
        review_sessions=[2],
        location=london.location,
        status=status,
        status_reason="moved away" if status == "discontinued" else "",
        created_by=by,
    )
    intake(patient, weeks=2, leg=leg[0], when=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC))
    hour = 8 + TreatmentPlan.objects.count()  # one hour per plan, so the room is free
    for n in range(1, attended + 1):
        a = appt(london, 2 + n, hour, patient=patient)
        PlanSession.objects.create(plan=plan, number=n, appointment=a, of_total=planned)
    checkin(patient, when=dt.datetime(2026, 3, 2 + attended, 15, tzinfo=dt.UTC), leg=leg[1], back=5)
    return plan


def test_plan_completion_and_outcomes_pages(manager_client, manager_user, london):
    acute = PlanTemplate.objects.get(name="Sciatica - acute")
    for leg in ((7, 4), (8, 5), (6, 3), (7, 6), (5, 5)):
        _plan(london, f.PatientFactory(), template=acute, leg=leg, by=manager_user)
    _plan(london, f.PatientFactory(), template=acute, status="discontinued", attended=1, by=manager_user)

    p = queries.plan_completion(Scope(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    assert (p.by_status, p.completion_rate) == ({"completed": 5, "discontinued": 1}, 83.3)
    assert [d["reached"] for d in p.drop_off()] == [6, 5, 5]

    html = get(manager_client, "outcomes", start="2026-03-01", end="2026-03-31").content.decode()
    # End of plan: 6 patients; leg pain −3, −3, −3, −1, 0 and −3 (the discontinued one) → −13/6 = −2.2;
    # improved: 4 of 6 (−1 of 7 and 0 are not meaningful; back pain 5 → 5 everywhere).
    assert "66.7% (n=6)" in html and "-2.2 (n=6)" in html
    assert "-22.0" in html  # on the trial's 0-100 scale
    assert "Tu et al. 2024" in html and "not a promise" in html
    assert AuditEvent.objects.filter(action="view", object_type="report", object_id="outcomes").exists()


def test_a_small_group_is_never_shown(manager_client, manager_user, london):
    acute = PlanTemplate.objects.get(name="Sciatica - acute")
    for leg in ((7, 4), (8, 5), (6, 3), (9, 1)):
        _plan(london, f.PatientFactory(), template=acute, leg=leg, by=manager_user)
    html = get(manager_client, "outcomes", start="2026-03-01", end="2026-03-31").content.decode()
    assert "fewer than 5 patients" in html
    # Their mean leg-pain change (-3, -3, -3, -8 → -4.25) is not shown, nor its n, in the table or chart.
    assert "(n=4)" not in html and "-4.2" not in html and "-4.3" not in html and "-42" not in html

    rows = csv_rows(manager_client.get(reverse("plans:report_csv", args=["outcomes"]), WEEK | {"end": "2026-03-31"}))
    assert any("fewer than 5 patients" in cell for row in rows for cell in row)


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_range_shows_an_empty_report(manager_client, kind):
    response = get(manager_client, kind, start="2030-01-01", end="2030-01-31")
    assert response.status_code == 200
    assert "How it is counted" in response.content.decode()
    assert csv_rows(
        manager_client.get(reverse("plans:report_csv", args=[kind]), {"start": "2030-01-01", "end": "2030-01-31"})
    )


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-02-30"}, "start", "Enter a valid date"),
        ({"start": "0001-01-01"}, "start", "Choose a date between 2000 and 2100"),
        ({"end": "9999-12-31"}, "end", "Choose a date between 2000 and 2100"),
        ({"start": "2026-03-09", "end": "2026-03-02"}, "end", "on or after the start date"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "end", "at most 366 days"),
        ({"start": "2026-03-02\x00"}, "start", "Enter a valid date"),
        ({"end": "x" * 10_000}, "end", "Enter a valid date"),
        ({"location": "99999999999999999999999"}, "location", "Select a valid choice"),
    ],
)
def test_bad_filters_get_a_message_by_the_field(manager_client, params, field, message):
    response = get(manager_client, "outcomes", **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert manager_client.get(reverse("plans:report_csv", args=["outcomes"]), params).status_code == 400


def test_an_unknown_report_is_404(manager_client):
    assert get(manager_client, "salaries").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_only_managers_see_reports(front_desk_client, practitioner_client, kind):
    for client in (front_desk_client, practitioner_client):
        assert get(client, kind).status_code == 403
        assert client.get(reverse("plans:report_csv", args=[kind])).status_code == 403


@pytest.mark.parametrize("kind", KINDS)
def test_report_queries_do_not_grow_with_the_data(
    manager_client, manager_user, london, kind, django_assert_max_num_queries
):
    acute = PlanTemplate.objects.get(name="Sciatica - acute")
    for _ in range(8):
        _plan(london, f.PatientFactory(), template=acute, by=manager_user)
    for day in (9, 10, 11, 12, 13):
        for hour in (9, 10, 11):
            appt(london, day, hour, status="no_show")
    with django_assert_max_num_queries(12):
        response = get(manager_client, kind, start="2026-03-01", end="2026-03-31")
    assert response.status_code == 200
