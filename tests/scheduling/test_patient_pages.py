"""The patient's booking pages: the steps without JavaScript, the htmx partials, the conflict
message, My appointments, cancel with warning, reschedule keeping the original."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from scheduling import services
from scheduling.models import Appointment, AppointmentStatus
from tests import factories as f
from tests.scheduling.helpers import local


def test_new_patient_walks_the_steps_without_javascript(clinic, initial_service, patient, patient_client):
    book_url = reverse("scheduling:book")
    page = patient_client.get(book_url).content.decode()
    # The follow-up is refused with the reason; the initial consultation is preselected.
    assert "New patients start with an initial consultation" in page
    assert f'value="{initial_service.pk}" id="svc-{initial_service.pk}"\n               checked' in page

    day = local(clinic, 2, 0).date()
    query = {"service": initial_service.pk, "location": clinic.location.pk, "practitioner": "", "day": day.isoformat()}
    page = patient_client.get(book_url, query).content.decode()
    assert f'data-day="{day.isoformat()}"' in page
    confirm_link = (
        reverse("scheduling:book_confirm")
        + "?"
        + urlencode(
            {"service": initial_service.pk, "location": clinic.location.pk, "start": local(clinic, 2, 9).isoformat()}
        )
    )
    assert confirm_link.replace("&", "&amp;") in page

    confirm = patient_client.get(confirm_link)
    assert "Confirm booking" in confirm.content.decode()
    response = patient_client.post(
        reverse("scheduling:book_confirm"),
        {
            "service": initial_service.pk,
            "location": clinic.location.pk,
            "practitioner": "",
            "start": local(clinic, 2, 9).isoformat(),
        },
    )
    appt = Appointment.objects.get(patient=patient)
    assert response.status_code == 302 and response["Location"] == reverse(
        "scheduling:appointment_detail", args=[appt.pk]
    )
    assert appt.start == local(clinic, 2, 9) and appt.booked_by == patient.user
    detail = patient_client.get(response["Location"]).content.decode()
    assert reverse("scheduling:appointment_ics", args=[appt.pk]) in detail


def test_htmx_gets_only_the_picker(clinic, initial_service, patient_client):
    day = local(clinic, 2, 0).date()
    response = patient_client.get(
        reverse("scheduling:book"),
        {"service": initial_service.pk, "location": clinic.location.pk, "day": day.isoformat(), "part": "picker"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-testid="times"' in html and ">09:00<" in html
    # Without the htmx header the same URL is the whole page (a reload or no JavaScript).
    full = patient_client.get(
        reverse("scheduling:book"),
        {"service": initial_service.pk, "location": clinic.location.pk, "day": day.isoformat(), "part": "picker"},
    )
    assert "<html" in full.content.decode()


def test_bad_query_values_get_a_message_not_a_500(clinic, initial_service, patient_client):
    response = patient_client.get(reverse("scheduling:book"), {"service": "999999", "day": "not-a-date"})
    assert response.status_code == 200
    response = patient_client.get(reverse("scheduling:book_confirm"), {"service": initial_service.pk, "start": "x"})
    assert response.status_code == 400
    assert "Start again" in response.content.decode()


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00"])
def test_a_start_at_the_ends_of_the_calendar_asks_to_start_again(
    clinic, initial_service, patient, patient_client, start
):
    params = {"service": initial_service.pk, "location": clinic.location.pk, "start": start}

    for response in (
        patient_client.get(reverse("scheduling:book_confirm"), params),
        patient_client.post(reverse("scheduling:book_confirm"), params),
    ):
        assert response.status_code == 400
        assert "Start again" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_time_taken_meanwhile_shows_the_message_and_alternatives(clinic, initial_service, patient, patient_client):
    start = local(clinic, 2, 10)
    services.appointment_book(
        patient=f.PatientFactory(),
        service=initial_service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=start,
        notify=False,
    )
    response = patient_client.post(
        reverse("scheduling:book_confirm"),
        {"service": initial_service.pk, "location": clinic.location.pk, "practitioner": "", "start": start.isoformat()},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken." in html
    assert 'data-testid="alternatives"' in html
    assert not Appointment.objects.filter(patient=patient).exists()


def _own(clinic, patient, days=3, hour=10, **kw):
    return services.appointment_book(
        patient=patient,
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=local(clinic, days, hour),
        notify=False,
        **kw,
    )


def test_my_appointments_lists_upcoming_and_past_in_constant_queries(
    clinic, patient, patient_client, django_assert_max_num_queries
):
    _own(clinic, patient)
    with django_assert_max_num_queries(8):
        small = patient_client.get(reverse("scheduling:my_appointments"))
    for d in range(4, 14):
        _own(clinic, patient, days=d)
    f.AppointmentFactory(
        patient=patient,
        practitioner=clinic.practitioner,
        service=clinic.service,
        location=clinic.location,
        room=clinic.rooms[0],
        start=local(clinic, -10, 10),
        status=AppointmentStatus.COMPLETED,
    )
    with django_assert_max_num_queries(8):
        big = patient_client.get(reverse("scheduling:my_appointments"))
    assert small.status_code == big.status_code == 200
    html = big.content.decode()
    assert html.count("list-group-item d-flex") == 11
    assert "Completed" in html


def test_patient_home_shows_the_next_appointments(clinic, patient, patient_client):
    appt = _own(clinic, patient)
    html = patient_client.get(reverse("patients:home")).content.decode()
    assert reverse("scheduling:appointment_detail", args=[appt.pk]) in html


def test_cancel_warns_inside_the_window_then_cancels_late(clinic, patient, patient_client):
    appt = _own(clinic, patient, days=1, hour=10)
    url = reverse("scheduling:appointment_cancel", args=[appt.pk])
    with time_machine.travel(appt.start - dt.timedelta(hours=3), tick=False):
        page = patient_client.get(url).content.decode()
        assert 'data-testid="late-warning"' in page and "late cancellation" in page
        assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.BOOKED  # GET changes nothing
        response = patient_client.post(url, {"reason": "Car broke down"})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and appt.late_cancel
    assert appt.cancellation_reason == "Car broke down" and appt.cancelled_by == patient.user


def test_cancel_outside_the_window_has_no_warning(clinic, patient, patient_client):
    appt = _own(clinic, patient, days=5)
    page = patient_client.get(reverse("scheduling:appointment_cancel", args=[appt.pk])).content.decode()
    assert "late-warning" not in page
    patient_client.post(reverse("scheduling:appointment_cancel", args=[appt.pk]))
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and not appt.late_cancel


def test_reschedule_page_moves_and_a_taken_time_keeps_the_original(clinic, patient, patient_client):
    appt = _own(clinic, patient, days=3, hour=10)
    url = reverse("scheduling:appointment_reschedule", args=[appt.pk])
    day = local(clinic, 4, 0).date()
    page = patient_client.get(url, {"day": day.isoformat()}).content.decode()
    assert f'value="{local(clinic, 4, 14).isoformat()}"' in page

    taken = local(clinic, 4, 10)
    _own(clinic, f.PatientFactory(), days=4, hour=10)
    response = patient_client.post(url, {"start": taken.isoformat()})
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken." in html and "Your appointment is unchanged." in html
    appt.refresh_from_db()
    assert appt.start == local(clinic, 3, 10)

    response = patient_client.post(url, {"start": local(clinic, 4, 14).isoformat()})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.start == local(clinic, 4, 14)


@pytest.mark.parametrize(
    "name", ["appointment_detail", "appointment_cancel", "appointment_reschedule", "appointment_ics"]
)
def test_another_patients_appointment_is_404(clinic, patient, other_patient_client, name):
    appt = _own(clinic, patient)
    assert other_patient_client.get(reverse(f"scheduling:{name}", args=[appt.pk])).status_code == 404
    assert other_patient_client.post(reverse(f"scheduling:{name}", args=[appt.pk])).status_code in (404, 405)
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED


def test_a_practitioner_who_does_not_offer_the_service_falls_back_to_first_available(
    clinic, initial_service, patient_client
):
    other_service = f.ServiceFactory(name="Cupping", kind="initial")
    stranger = f.bookable_setup(location=clinic.location, service=other_service, rooms=0).practitioner
    response = patient_client.get(
        reverse("scheduling:book"),
        {"service": initial_service.pk, "location": clinic.location.pk, "practitioner": stranger.pk},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "does not offer Initial consultation" in html
    assert 'data-testid="times"' in html  # the first available practitioner's times are shown


def test_booking_page_queries_do_not_grow_with_services_or_appointments(
    clinic, initial_service, patient, patient_client, django_assert_max_num_queries
):
    query = {"service": initial_service.pk, "location": clinic.location.pk}
    with django_assert_max_num_queries(18):
        assert patient_client.get(reverse("scheduling:book"), query).status_code == 200
    for n in range(6):
        f.ServiceFactory(name=f"Extra {n}", kind="follow_up")
    for d in range(1, 15):
        _own(clinic, f.PatientFactory(), days=d, hour=10)
    with django_assert_max_num_queries(18):
        html = patient_client.get(reverse("scheduling:book"), query).content.decode()
    assert 'data-testid="times"' in html


def test_the_booked_page_and_email_lead_to_the_intake(
    clinic, initial_service, patient, patient_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appt = services.appointment_book(
            patient=patient,
            service=initial_service,
            practitioner=clinic.practitioner,
            location=clinic.location,
            start=local(clinic, 2, 9),
        )
    intake_url = reverse("patients:intake")
    page = patient_client.get(reverse("scheduling:appointment_detail", args=[appt.pk])).content.decode()
    assert 'data-testid="intake-prompt"' in page and intake_url in page
    (confirmation,) = mail.outbox
    assert intake_url in confirmation.body


def test_the_move_page_of_a_cancelled_appointment_does_not_claim_it_is_still_booked(
    clinic, initial_service, patient, patient_client
):
    appt = services.appointment_book(
        patient=patient,
        service=initial_service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=local(clinic, 3, 9),
        notify=False,
    )
    services.appointment_cancel(appointment=appt, notify=False)
    response = patient_client.get(reverse("scheduling:appointment_reschedule", args=[appt.pk]))
    html = response.content.decode()
    assert response.status_code == 409
    assert "Only booked appointments can be moved; this one is cancelled." in html
    assert "stays booked" not in html


def test_services_are_offered_in_the_order_care_runs(clinic, initial_service, patient_client):
    f.ServiceFactory(name="Aaa re-evaluation", kind="re_evaluation")
    page = patient_client.get(reverse("scheduling:book")).content.decode()
    first, follow_up, review = (
        page.index(initial_service.name),
        page.index(clinic.service.name),
        page.index("Aaa re-evaluation"),
    )
    assert first < follow_up < review
