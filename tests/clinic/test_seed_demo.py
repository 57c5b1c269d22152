"""`manage.py seed_demo` builds the demo clinic, and running it again changes nothing."""

import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from clinic.models import Location, PractitionerProfile, Role, Room, Service, User, WorkingHours
from patients.models import Patient
from plans.management.commands.seed_demo import DEMO_PASSWORD
from plans.management.demo_history import HISTORY
from scheduling.models import Appointment, AppointmentStatus


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def seeded(db):
    return _seed()


def test_running_it_twice_gives_the_same_row_counts(seeded):
    first = _row_counts()
    _seed()
    assert _row_counts() == first


def test_it_prints_the_demo_logins(seeded):
    assert f"password for every account: {DEMO_PASSWORD}" in seeded
    for email in (
        "manager@demo.acuclinic.test",
        "desk@demo.acuclinic.test",
        "practitioner1@demo.acuclinic.test",
        "practitioner2@demo.acuclinic.test",
        "practitioner3@demo.acuclinic.test",
        "patient1@demo.acuclinic.test",
        "patient20@demo.acuclinic.test",
    ):
        assert email in seeded


def test_the_demo_clinic_has_what_the_issue_asks_for(seeded):
    assert sorted(Location.objects.values_list("timezone", flat=True)) == ["America/New_York", "Europe/London"]
    assert Room.objects.count() == 4
    assert {(s.kind, s.duration_minutes) for s in Service.objects.all()} == {
        ("initial", 75),
        ("follow_up", 45),
        ("re_evaluation", 30),
    }
    assert PractitionerProfile.objects.count() == 3
    assert User.objects.filter(role=Role.FRONT_DESK).count() == 1
    assert User.objects.filter(role=Role.MANAGER).count() == 1
    # The demo's 25, and the treatment-plan history's patients (added by the desk, no login).
    assert Patient.objects.count() == 25 + len(HISTORY)
    assert Patient.objects.filter(user__isnull=False).count() == 20


def test_every_practitioner_works_two_blocks_a_day_with_a_lunch_break(seeded):
    for profile in PractitionerProfile.objects.all():
        days = {}
        for block in WorkingHours.objects.filter(practitioner=profile).order_by("weekday", "start"):
            days.setdefault(block.weekday, []).append(block)
        assert days, f"{profile} has no working hours"
        for morning, afternoon in days.values():
            assert morning.end < afternoon.start, "a gap for lunch"
            assert morning.location in profile.locations.all()


def test_each_practitioner_is_licensed_and_offers_every_demo_service(seeded):
    today = timezone.localdate()
    for profile in PractitionerProfile.objects.all():
        assert profile.licence_valid_on(today + dt.timedelta(days=60)), "no licence warnings in a fresh demo"
        assert profile.services.count() == 3


@pytest.mark.parametrize(
    "email, lands_on",
    [
        ("manager@demo.acuclinic.test", "clinic:manager_home"),
        ("desk@demo.acuclinic.test", "scheduling:schedule"),
        ("practitioner3@demo.acuclinic.test", "plans:my_day"),
        ("patient1@demo.acuclinic.test", "patients:home"),
    ],
)
def test_the_printed_logins_work(seeded, client, email, lands_on):
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(lands_on)


def test_the_demo_manager_can_use_the_setup_area(seeded, client):
    client.post(reverse("login"), {"username": "manager@demo.acuclinic.test", "password": DEMO_PASSWORD})
    assert client.get(reverse("admin:clinic_practitionerprofile_changelist")).status_code == 200


# --- the demo week ------------------------------------------------------------------------------------------

# Wednesday 10 June 2026, 15:10 in London (BST) = 10:10 in New York (EDT): both locations are open.
WEDNESDAY = dt.datetime(2026, 6, 10, 14, 10, tzinfo=dt.UTC)


@pytest.fixture
def demo_week(db):
    with time_machine.travel(WEDNESDAY, tick=False):
        out = _seed()
        yield out


def _local_day(appt: Appointment) -> dt.date:
    return appt.start.astimezone(appt.location.tz).date()


def _desk_login(client) -> None:
    client.post(reverse("login"), {"username": "desk@demo.acuclinic.test", "password": DEMO_PASSWORD})


def test_the_desk_sees_today_with_visits_under_way_and_can_mark_a_no_show(demo_week, client):
    london = Location.objects.get(timezone="Europe/London")
    _desk_login(client)
    html = client.get(reverse("scheduling:schedule"), {"location": london.pk}).content.decode()

    today = [a for a in Appointment.objects.filter(location=london) if _local_day(a) == dt.date(2026, 6, 10)]
    assert len(today) >= 4
    for appt in today:
        assert escape(appt.patient.full_name) in html
    assert 'data-status="completed"' in html and 'data-status="checked_in"' in html
    started = [a for a in today if a.status == AppointmentStatus.BOOKED and a.start <= WEDNESDAY]
    assert started, "a visit under way whose patient has not arrived"
    no_show_url = reverse("scheduling:desk_board_action", args=[started[0].pk, "no-show"])  # the board, in place
    assert no_show_url in html

    client.post(no_show_url)
    started[0].refresh_from_db()
    assert started[0].status == AppointmentStatus.NO_SHOW


def test_the_week_has_past_today_and_future_visits_for_every_practitioner(demo_week):
    appts = list(Appointment.objects.select_related("location"))
    statuses = {a.status for a in appts if a.start < WEDNESDAY - dt.timedelta(days=1)}
    assert statuses == {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW}
    future = [a for a in appts if a.start > WEDNESDAY + dt.timedelta(days=1)]
    assert {a.status for a in future} == {AppointmentStatus.BOOKED}
    assert {a.practitioner_id for a in future} == set(PractitionerProfile.objects.values_list("pk", flat=True))
    for location in Location.objects.all():
        today = [a for a in appts if a.location == location and _local_day(a) == dt.date(2026, 6, 10)]
        assert AppointmentStatus.CHECKED_IN in {a.status for a in today}, location
        assert any(a.start <= WEDNESDAY < a.end for a in today), f"nothing under way at {location}"
    assert "The demo week: " in demo_week


def test_every_visit_is_inside_its_practitioners_hours_and_new_patients_start_with_an_initial(demo_week):
    for appt in Appointment.objects.select_related("location", "service").order_by("start"):
        local_start, local_end = appt.start.astimezone(appt.location.tz), appt.end.astimezone(appt.location.tz)
        hours = WorkingHours.objects.filter(
            practitioner=appt.practitioner_id, location=appt.location, weekday=local_start.weekday()
        )
        assert any(h.start <= local_start.time() and local_end.time() <= h.end for h in hours), appt
        earlier = Appointment.objects.filter(patient=appt.patient_id, start__lt=appt.start)
        # The booking rule's "attended": a completed visit, or one they have arrived for.
        if not earlier.filter(status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN]).exists():
            assert appt.service.kind == "initial", f"{appt.patient} has no visit yet but books {appt.service}"


def test_seeding_again_the_same_day_adds_nothing_and_a_later_day_only_fills_new_days(demo_week):
    with time_machine.travel(WEDNESDAY + dt.timedelta(minutes=40), tick=False):
        counts = _row_counts()
        _seed()
        assert _row_counts() == counts

    before = list(Appointment.objects.all())
    with time_machine.travel(WEDNESDAY + dt.timedelta(days=1), tick=False):
        _seed()
    added = Appointment.objects.exclude(pk__in=[a.pk for a in before])
    assert added.exists()
    assert not {(a.location_id, _local_day(a)) for a in added} & {(a.location_id, _local_day(a)) for a in before}


def test_the_manager_sees_outcome_figures_and_a_chart_for_acute_and_chronic_plans(demo_week, client):
    from plans.models import PlanOutcome, TreatmentPlan
    from plans.reports.outcomes import gather, outcomes_by_plan_type
    from plans.reports.queries import Scope, outcome_rows, outcomes_inputs

    with time_machine.travel(WEDNESDAY, tick=False):
        scope = Scope(dt.date(2026, 6, 10) - dt.timedelta(days=89), dt.date(2026, 6, 10))
        rows = gather(outcome_rows(scope))
        # The stored summaries the services refreshed agree with a recomputation from every score.
        assert rows == outcomes_by_plan_type(outcomes_inputs(scope))
        assert PlanOutcome.objects.count() == TreatmentPlan.objects.count() == len(HISTORY)
        # "Sciatica - acute", "Sciatica - chronic (Tu 2024)"
        shown = {(r.plan_type.split()[2].capitalize(), r.moment): r.improved for r in rows}
        for acuity in ("Acute", "Chronic"):
            for moment in ("review", "end"):
                improved = shown[(acuity, moment)]
                assert improved.n >= 5 and improved.value is not None, (acuity, moment, improved)
        assert 0 < shown[("Acute", "end")].value < 100  # most improve, some do not

        client.post(reverse("login"), {"username": "manager@demo.acuclinic.test", "password": DEMO_PASSWORD})
        html = client.get(reverse("plans:report", args=["outcomes"])).content.decode()
        assert "Nothing in this range" not in html
        assert "<svg" in html and "Sciatica - acute" in html and "Sciatica - chronic" in html
    assert "Treatment-plan history (last 3 months): 14 new finished treatment plans." in demo_week
