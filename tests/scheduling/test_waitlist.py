"""The waitlist: a freed time is offered to waiting patients; the first to book it gets it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from scheduling import services
from scheduling.models import (
    AppointmentStatus,
    Notification,
    NotificationKind,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from tests import factories as f
from tests.scheduling.helpers import local, returning


@pytest.fixture
def full_day(clinic):
    """The practitioner's whole day 3 is booked by one patient each hour (one room)."""
    appts = []
    for hour in range(9, 16):
        appts.append(
            services.appointment_book(
                patient=f.PatientFactory(),
                service=clinic.service,
                practitioner=clinic.practitioner,
                location=clinic.location,
                start=local(clinic, 3, hour),
                room=clinic.rooms[0],
                notify=False,
            )
        )
    return appts


def join(clinic, patient, **kw):
    """A returning patient (new ones may only book an initial consultation) joins for day 3."""
    returning(clinic, patient)
    day = local(clinic, 3, 0).date()
    return services.waitlist_join(
        patient=patient,
        service=clinic.service,
        location=clinic.location,
        earliest=kw.pop("earliest", day),
        latest=kw.pop("latest", day),
        **kw,
    )


def test_a_cancellation_offers_the_time_to_waiting_patients(
    clinic, full_day, patient, other_patient, django_capture_on_commit_callbacks
):
    join(clinic, patient, practitioner=clinic.practitioner)
    join(clinic, other_patient)  # any practitioner
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=full_day[2], notify=False)  # 11:00 frees up

    offers = WaitlistOffer.objects.order_by("entry__created_at")
    assert [o.entry.patient for o in offers] == [patient, other_patient]
    assert all(o.start == local(clinic, 3, 11) for o in offers)
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {patient.email, other_patient.email}
    offer_mail = sent[patient.email]
    assert offer_mail.subject.startswith("A time has come free")
    assert reverse("scheduling:waitlist_claim", args=[offers[0].pk]) in offer_mail.body
    assert Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER).count() == 2


def test_whoever_books_first_gets_it(clinic, full_day, patient, other_patient, django_capture_on_commit_callbacks):
    join(clinic, patient)
    join(clinic, other_patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=full_day[2], notify=False)
    first, second = WaitlistOffer.objects.order_by("entry__created_at")

    appt = services.waitlist_claim(offer=second)
    assert appt.patient == other_patient and appt.start == local(clinic, 3, 11)
    second.refresh_from_db()
    assert second.status == WaitlistOfferStatus.CLAIMED and second.entry.status == WaitlistStatus.BOOKED

    with pytest.raises(services.SlotTaken) as caught:
        services.waitlist_claim(offer=first)
    assert "someone else booked this time first" in caught.value.message
    first.refresh_from_db()
    assert first.status == WaitlistOfferStatus.TAKEN
    assert first.entry.status == WaitlistStatus.WAITING  # still on the list


def test_no_offer_outside_the_patients_dates_or_for_another_practitioner(
    clinic, full_day, patient, other_patient, django_capture_on_commit_callbacks
):
    later = local(clinic, 10, 0).date()
    join(clinic, patient, earliest=later, latest=later)
    someone_else = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0).practitioner
    join(clinic, other_patient, practitioner=someone_else)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=full_day[2], notify=False)
    assert not WaitlistOffer.objects.exists()
    assert mail.outbox == []


def test_a_reschedule_also_frees_the_old_time(clinic, full_day, patient, django_capture_on_commit_callbacks):
    join(clinic, patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=full_day[0], start=local(clinic, 4, 9), notify=False)
    (offer,) = WaitlistOffer.objects.all()
    assert offer.start == local(clinic, 3, 9)


def test_claim_page(
    clinic, full_day, patient, patient_client, other_patient_client, django_capture_on_commit_callbacks
):
    join(clinic, patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=full_day[2], notify=False)
    offer = WaitlistOffer.objects.get()
    url = reverse("scheduling:waitlist_claim", args=[offer.pk])
    assert other_patient_client.get(url).status_code == 404
    page = patient_client.get(url)
    assert "Book this time" in page.content.decode()
    response = patient_client.post(url)
    assert response.status_code == 302
    assert patient.appointments.get(status=AppointmentStatus.BOOKED).start == local(clinic, 3, 11)


def test_join_form_keeps_input_on_error(clinic, patient, patient_client):
    returning(clinic, patient)
    earliest, latest = local(clinic, 10, 0).date(), local(clinic, 1, 0).date()
    response = patient_client.post(
        reverse("scheduling:waitlist_join"),
        {
            "service": clinic.service.pk,
            "location": clinic.location.pk,
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The last day must be on or after the first day." in html
    assert f'value="{earliest.isoformat()}"' in html
    assert not WaitlistEntry.objects.exists()


def test_an_offer_for_a_time_that_has_passed_says_so(clinic, full_day, patient, django_capture_on_commit_callbacks):
    join(clinic, patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=full_day[2], notify=False)
    offer = WaitlistOffer.objects.get()
    with (
        time_machine.travel(offer.start + dt.timedelta(hours=1), tick=False),
        pytest.raises(services.SlotTaken) as caught,
    ):
        services.waitlist_claim(offer=offer)
    assert "can no longer be booked" in caught.value.message


def test_a_patient_put_on_hold_after_joining_cannot_claim_an_offer(
    clinic, full_day, patient, django_capture_on_commit_callbacks
):
    join(clinic, patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=full_day[2], notify=False)
    offer = WaitlistOffer.objects.get()
    f.SafetyFlagFactory(patient=patient)  # a red flag reported after joining, not yet reviewed

    with pytest.raises(services.NotAllowed):
        services.waitlist_claim(offer=offer)
    assert not patient.appointments.filter(status=AppointmentStatus.BOOKED).exists()
    offer.refresh_from_db()
    assert offer.status == WaitlistOfferStatus.OPEN


def test_join_form_refuses_days_beyond_the_booking_horizon_and_a_practitioner_elsewhere(clinic, patient_client):
    elsewhere = f.LocationFactory(name="Other clinic")
    roaming = f.bookable_setup(location=elsewhere, service=clinic.service, rooms=0).practitioner
    far = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    response = patient_client.post(
        reverse("scheduling:waitlist_join"),
        {
            "service": clinic.service.pk,
            "location": clinic.location.pk,
            "practitioner": roaming.pk,
            "earliest": far,
            "latest": far,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "We take bookings up to" in html
    assert f"does not work at {clinic.location.name}" in html
    assert f'value="{far}"' in html
    assert not WaitlistEntry.objects.exists()


# --- the waitlist pages ------------------------------------------------------------------------


def test_the_join_form_shows_its_default_dates_to_the_browser(clinic, patient_client):
    html = patient_client.get(reverse("scheduling:waitlist_join")).content.decode()
    # <input type="date"> shows nothing unless its value is ISO YYYY-MM-DD
    today = local(clinic, 0, 0).date()
    assert f'type="date" name="earliest" value="{today.isoformat()}"' in html
    assert f'type="date" name="latest" value="{(today + dt.timedelta(days=14)).isoformat()}"' in html


def test_from_my_appointments_the_service_is_preselected(clinic, initial_service, patient, patient_client):
    page = patient_client.get(reverse("scheduling:my_appointments")).content.decode()
    join_url = re.search(r'href="([^"]*)" data-testid="join-waitlist"', page).group(1).replace("&amp;", "&")
    assert f"service={initial_service.pk}" in join_url  # a new patient starts with the initial consultation

    services.appointment_self_book(
        patient=patient, service=initial_service, location=clinic.location, start=local(clinic, 2, 10)
    )
    page = patient_client.get(reverse("scheduling:my_appointments")).content.decode()
    join_url = re.search(r'href="([^"]*)" data-testid="join-waitlist"', page).group(1).replace("&amp;", "&")
    form = patient_client.get(join_url).content.decode()
    assert re.search(rf'<option value="{initial_service.pk}"\s+selected>', form)
    assert re.search(rf'<option value="{clinic.location.pk}"\s+selected>', form)


def test_an_offer_on_my_appointments_shows_its_local_time_once(
    clinic, full_day, patient, patient_client, django_capture_on_commit_callbacks
):
    join(clinic, patient)  # any practitioner
    services.waitlist_join(  # and again for this practitioner: the same freed time matches both
        patient=patient,
        service=clinic.service,
        location=clinic.location,
        practitioner=clinic.practitioner,
        earliest=local(clinic, 3, 0).date(),
        latest=local(clinic, 3, 0).date(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=full_day[2], notify=False)  # 11:00 frees up

    assert WaitlistOffer.objects.filter(entry__patient=patient).count() == 1
    assert len([m for m in mail.outbox if m.to == [patient.email]]) == 1
    html = patient_client.get(reverse("scheduling:my_appointments")).content.decode()
    offers = re.findall(r'data-testid="offer">(.*?)</li>', html, re.S)
    day = local(clinic, 3, 11)
    assert len(offers) == 1
    assert f"{day:%A} {day.day} {day:%B %Y}, 11:00 GMT" in offers[0]


def test_the_waitlist_service_keeps_its_own_date_limits(clinic, patient):
    returning(clinic, patient)
    today = local(clinic, 0, 0).date()

    def problems(earliest, latest):
        with pytest.raises(services.FieldErrors) as caught:
            services.waitlist_join(
                patient=patient, service=clinic.service, location=clinic.location, earliest=earliest, latest=latest
            )
        return caught.value.errors

    assert problems(today - dt.timedelta(days=1), today) == {"earliest": "Choose a day from today onwards."}
    assert (
        "We take bookings up to" in problems(today + dt.timedelta(days=61), today + dt.timedelta(days=62))["earliest"]
    )
    assert problems(today, today + dt.timedelta(days=121)) == {"latest": "Choose a range of at most 120 days."}
    assert problems(today + dt.timedelta(days=2), today) == {
        "latest": "The last day must be on or after the first day."
    }
    assert not WaitlistEntry.objects.exists()
