"""Booking for a caller: find them (or create them on the spot), pick a time, confirm; conflicts explained."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEvent, ServiceKind
from patients.models import Patient
from scheduling import services
from scheduling.models import Appointment
from tests import factories as f

# Tuesday 10 March 2026, 08:00 in London (GMT).
NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
BOOK = reverse("scheduling:desk_book")
NEW = reverse("scheduling:desk_patient_new")
CONFIRM = reverse("scheduling:desk_book_confirm")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clinic(db):
    f.policy(min_notice_hours=12, max_advance_days=60, cancellation_window_hours=24)
    return f.bookable_setup(tz="Europe/London")


@pytest.fixture
def caller(db):
    return f.PatientFactory(full_name="Carol Caller", phone="07700 900123", date_of_birth=dt.date(1980, 4, 23))


def at(clinic, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=clinic.location.tz)


def html(response) -> str:
    return response.content.decode()


def confirm_params(caller, clinic, start: dt.datetime, **extra) -> dict:
    return {
        "patient": caller.pk,
        "service": clinic.service.pk,
        "location": clinic.location.pk,
        "practitioner": clinic.practitioner.pk,
        "start": start.isoformat(),
        **extra,
    }


# --- finding the caller -----------------------------------------------------------------------


@pytest.mark.parametrize("q", ["carol", "Caller Carol", "+44 7700 900123", "900123", "23/04/1980", "1980-04-23"])
def test_the_caller_is_found_by_name_phone_or_date_of_birth(front_desk_client, caller, q):
    f.PatientFactory(full_name="Somebody Else", phone="020 7946 0999", date_of_birth=dt.date(1990, 1, 1))

    page = html(front_desk_client.get(BOOK, {"q": q}))

    assert "Carol Caller" in page and "Somebody Else" not in page
    assert f"?patient={caller.pk}" in page
    assert 'data-testid="intake-status"' in page


@pytest.mark.parametrize("q", ["Carlo Calelr", "7700-900-12", "(0)7700 9001", "Caler 23.04.1980"])
def test_the_caller_is_found_despite_typos_and_partial_phones_in_any_format(front_desk_client, caller, q):
    f.PatientFactory(full_name="Somebody Else", phone="020 7946 0999", date_of_birth=dt.date(1990, 1, 1))

    page = html(front_desk_client.get(BOOK, {"q": q}))

    assert "Carol Caller" in page and "Somebody Else" not in page


def test_the_best_match_is_listed_first(front_desk_client, caller):
    f.PatientFactory(full_name="Carolina Callerton-Smythe")

    page = html(front_desk_client.get(BOOK, {"q": "Carol Caller"}))

    assert page.index("Carol Caller<") < page.index("Carolina Callerton-Smythe")


@pytest.mark.parametrize("q", ["carol\x00", "c" * 150])
def test_a_search_that_cannot_be_run_is_explained_next_to_the_box(front_desk_client, caller, q):
    response = front_desk_client.get(BOOK, {"q": q})

    assert response.status_code == 200
    page = html(response)
    assert 'data-testid="search-error"' in page and "Carol Caller" not in page
    assert 'value="' + q.replace("\x00", "")[:100] + '"' in page  # what was typed stays in the box


def test_no_match_says_so_and_offers_the_new_patient_form(front_desk_client, caller):
    page = html(front_desk_client.get(BOOK, {"q": "Zebedee"}))

    assert "Nobody matches “Zebedee”" in page
    assert 'action="/schedule/desk/book/new-patient/"' in page


# --- creating the caller on the spot ----------------------------------------------------------


def test_a_new_caller_is_created_and_the_desk_goes_straight_on_to_booking(front_desk_client, front_desk_user, clinic):
    response = front_desk_client.post(
        NEW,
        {
            "full_name": "  Nina   New ",
            "phone": "07700 900555",
            "date_of_birth": "1985-06-01",
            "email": "",
            "service": clinic.service.pk,
        },
    )

    nina = Patient.objects.get(full_name="Nina New")
    assert response.status_code == 302
    assert response["Location"] == f"{BOOK}?patient={nina.pk}&service={clinic.service.pk}"
    assert nina.user is None and nina.created_by == front_desk_user and nina.email == ""
    assert nina.phone_key == "700900555"
    assert AuditEvent.objects.filter(action="create", patient_id=nina.pk, actor=front_desk_user).exists()
    page = html(front_desk_client.get(response["Location"]))
    assert "Record created for Nina New" in page
    assert "Booking for <strong>Nina New</strong>" in page


def test_a_likely_duplicate_is_shown_with_a_link_to_book_for_them_instead(front_desk_client, caller):
    data = {"full_name": "Caroline Caller", "phone": "+44 7700 900123", "date_of_birth": "1980-04-23"}

    response = front_desk_client.post(NEW, data)

    assert response.status_code == 409
    page = html(response)
    assert "This looks like a patient we already have" in page
    assert "Carol Caller" in page and "same phone and date of birth" in page
    assert f"{BOOK}?patient={caller.pk}" in page
    assert 'value="Caroline Caller"' in page  # what was typed is kept
    assert Patient.objects.count() == 1

    forced = front_desk_client.post(NEW, {**data, "force": "on"})
    assert forced.status_code == 302
    assert Patient.objects.filter(full_name="Caroline Caller").exists()


def test_the_same_email_cannot_be_forced_into_a_second_record(front_desk_client, caller):
    caller.email = "carol@example.org"
    caller.save()
    data = {
        "full_name": "Carol Two",
        "phone": "020 7946 0001",
        "date_of_birth": "1970-01-01",
        "email": "Carol@Example.org",
        "force": "on",
    }

    response = front_desk_client.post(NEW, data)

    assert response.status_code == 409
    assert "same email" in html(response)
    assert "cannot have it" in html(response)
    assert not Patient.objects.filter(full_name="Carol Two").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "call me", "Enter a phone number we can call or text"),
        ("phone", "", "This field is required."),
        ("date_of_birth", "2030-01-01", "The date of birth must be in the past."),
        ("full_name", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_bad_caller_details_get_a_message_next_to_the_field(front_desk_client, db, field, value, message):
    data = {"full_name": "Val Id", "phone": "07700 900777", "date_of_birth": "1990-02-03", "email": ""}
    data[field] = value

    response = front_desk_client.post(NEW, data)

    assert response.status_code == 400
    error = re.search(rf'id="id_{field}_error">(.*?)</div>', html(response))
    assert error and message in error.group(1)
    assert not Patient.objects.exists()


# --- choosing a time --------------------------------------------------------------------------


def test_the_desk_sees_free_days_and_times_and_each_time_links_to_the_confirm_page(front_desk_client, caller, clinic):
    page = html(
        front_desk_client.get(
            BOOK,
            {"patient": caller.pk, "service": clinic.service.pk, "location": clinic.location.pk, "day": "2026-03-11"},
        )
    )

    times = re.findall(r'data-start="([^"]+)"', page)
    assert times[0] == at(clinic, 11, 9).isoformat()
    link = re.search(r'href="(/schedule/desk/book/confirm/\?[^"]+)" data-start="' + re.escape(times[0]), page).group(1)
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["practitioner"] == [str(clinic.practitioner.pk)]  # first available resolved to who is free
    assert query["any"] == ["on"]
    assert 'data-day="2026-03-11"' in page


def test_inside_the_minimum_notice_times_appear_only_with_the_override(front_desk_client, caller, clinic):
    params = {"patient": caller.pk, "service": clinic.service.pk, "location": clinic.location.pk, "day": "2026-03-10"}

    without = html(front_desk_client.get(BOOK, params))
    with_override = html(front_desk_client.get(BOOK, {**params, "override": "on"}))

    assert "No free times on this day" in without
    assert f'data-start="{at(clinic, 10, 9).isoformat()}"' in with_override  # 09:00 today, an hour from now


def test_services_that_are_not_bookable_online_can_be_booked_by_the_desk(front_desk_client, caller, clinic):
    desk_only = f.ServiceFactory(name="Cupping", bookable_online=False)
    clinic.practitioner.services.add(desk_only)

    page = html(front_desk_client.get(BOOK, {"patient": caller.pk, "service": desk_only.pk, "day": "2026-03-11"}))

    assert "Cupping" in page and "desk only" in page
    assert f'data-start="{at(clinic, 11, 9).isoformat()}"' in page  # the only location was picked for us


def test_a_new_patient_booking_a_follow_up_gets_a_note(front_desk_client, caller, clinic):
    page = html(front_desk_client.get(BOOK, {"patient": caller.pk, "service": clinic.service.pk}))

    assert "has not attended an initial consultation yet" in page


def test_the_booking_page_needs_a_fixed_number_of_queries(
    front_desk_client, caller, clinic, django_assert_max_num_queries
):
    params = {"patient": caller.pk, "service": clinic.service.pk, "location": clinic.location.pk, "day": "2026-03-11"}
    with django_assert_max_num_queries(22):
        front_desk_client.get(BOOK, params)
    for day in range(11, 18):
        for hour in (9, 11, 13, 15):
            f.AppointmentFactory(
                practitioner=clinic.practitioner,
                service=clinic.service,
                location=clinic.location,
                room=clinic.rooms[0],
                start=at(clinic, day, hour),
            )

    with django_assert_max_num_queries(22):
        response = front_desk_client.get(BOOK, params)
    assert response.status_code == 200


# --- confirming -------------------------------------------------------------------------------


def test_confirm_shows_the_free_rooms_and_books_the_chosen_one_with_notes(
    front_desk_client, front_desk_user, caller, clinic
):
    start = at(clinic, 11, 10)
    params = confirm_params(caller, clinic, start)

    page = html(front_desk_client.get(CONFIRM, params))
    assert "Wednesday 11 March 2026, 10:00 GMT" in page
    for room in clinic.rooms:
        assert f'<option value="{room.pk}"' in page

    response = front_desk_client.post(
        CONFIRM, {**params, "room": clinic.rooms[1].pk, "front_desk_notes": "Uses a wheelchair"}
    )

    appt = Appointment.objects.get(patient=caller)
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:desk_appointment", args=[appt.pk])
    assert appt.start == start and appt.room == clinic.rooms[1]
    assert appt.booked_by == front_desk_user and appt.front_desk_notes == "Uses a wheelchair"
    page = html(front_desk_client.get(response["Location"]))
    assert "Booked Carol Caller" in page and clinic.rooms[1].name in page


def test_the_override_books_inside_the_minimum_notice(front_desk_client, caller, clinic):
    start = at(clinic, 10, 9)  # an hour from now; the policy asks for 12 hours

    refused = front_desk_client.post(CONFIRM, confirm_params(caller, clinic, start))
    booked = front_desk_client.post(CONFIRM, confirm_params(caller, clinic, start, override="on"))

    assert refused.status_code == 409
    assert booked.status_code == 302
    assert Appointment.objects.get(patient=caller).start == start


def test_confirm_says_at_once_when_the_time_has_gone_and_offers_the_nearest(front_desk_client, caller, clinic):
    start = at(clinic, 11, 10)
    services.appointment_book(
        patient=f.PatientFactory(),
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=start,
        notify=False,
    )

    response = front_desk_client.get(CONFIRM, confirm_params(caller, clinic, start))

    page = html(response)
    assert "That time was just taken." in page
    assert 'data-testid="alternatives"' in page
    assert "Confirm booking</button>" not in page


def test_a_time_taken_between_choosing_and_confirming_is_a_clear_message_not_a_500(front_desk_client, caller, clinic):
    start = at(clinic, 11, 10)
    params = confirm_params(caller, clinic, start, any="on")
    assert "Confirm booking</button>" in html(front_desk_client.get(CONFIRM, params))
    # Another desk (or a patient online) books the same practitioner's time first.
    services.appointment_book(
        patient=f.PatientFactory(),
        service=clinic.service,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=start,
        notify=False,
    )

    response = front_desk_client.post(CONFIRM, params)

    assert response.status_code == 409
    page = html(response)
    assert "That time was just taken." in page
    alternatives = re.findall(r'data-testid="alternatives">(.*?)</div>', page, re.S)[0]
    assert "Wednesday 11 March 2026, 09:00 GMT" in alternatives  # just before
    assert "Wednesday 11 March 2026, 11:00 GMT" in alternatives  # just after
    assert not Appointment.objects.filter(patient=caller).exists()


def test_first_available_alternatives_include_other_practitioners(front_desk_client, caller, clinic):
    other = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0, weekdays=[2])
    start = at(clinic, 11, 10)
    for prac in (clinic.practitioner, other.practitioner):
        for hour in (9, 10, 11):
            services.appointment_book(
                patient=f.PatientFactory(),
                service=clinic.service,
                practitioner=prac,
                location=clinic.location,
                start=at(clinic, 11, hour),
                notify=False,
            )
    # Free again from 12:00: only the other practitioner at 12:00 (the first one is off).
    f.TimeOffFactory(practitioner=clinic.practitioner, start=at(clinic, 11, 12), end=at(clinic, 11, 13))

    response = front_desk_client.post(CONFIRM, confirm_params(caller, clinic, start, any="on"))

    links = re.findall(r'href="([^"]+)" data-start="' + re.escape(at(clinic, 11, 12).isoformat()), html(response))
    assert links and f"practitioner={other.practitioner.pk}" in links[0]


def test_a_room_of_another_location_is_refused(front_desk_client, caller, clinic):
    elsewhere = f.RoomFactory()
    params = confirm_params(caller, clinic, at(clinic, 11, 10), room=elsewhere.pk)

    response = front_desk_client.post(CONFIRM, params)

    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_an_incomplete_confirm_link_asks_to_start_again(front_desk_client, caller, clinic):
    response = front_desk_client.get(CONFIRM, {"patient": caller.pk, "service": clinic.service.pk, "start": "soon"})

    assert response.status_code == 400
    assert "This booking link is not complete" in html(response)


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00"])
def test_a_start_at_the_ends_of_the_calendar_asks_to_start_again(front_desk_client, caller, clinic, start):
    params = {**confirm_params(caller, clinic, at(clinic, 11, 10)), "start": start}

    for response in (front_desk_client.get(CONFIRM, params), front_desk_client.post(CONFIRM, params)):
        assert response.status_code == 400
        assert "too far from today" in html(response)
    assert not Appointment.objects.exists()


def test_a_record_archived_while_the_confirm_page_was_open_is_not_booked(front_desk_client, caller, clinic):
    params = confirm_params(caller, clinic, at(clinic, 11, 10))
    caller.archived = True
    caller.save()

    response = front_desk_client.post(CONFIRM, params)

    assert response.status_code == 409
    assert "record is archived. Restore it before booking." in html(response)
    assert not Appointment.objects.exists()


def test_an_initial_consultation_booked_by_the_desk_skips_the_online_rules(front_desk_client, caller, clinic):
    initial = f.ServiceFactory(name="Initial", kind=ServiceKind.INITIAL, duration_minutes=60, bookable_online=False)
    clinic.practitioner.services.add(initial)
    f.SafetyFlagFactory(patient=caller)  # online booking is on hold; the desk may still book by phone
    params = {**confirm_params(caller, clinic, at(clinic, 12, 9)), "service": initial.pk}

    response = front_desk_client.post(CONFIRM, params)

    assert response.status_code == 302
    assert Appointment.objects.get(patient=caller).service == initial


def test_patients_cannot_use_the_desk_booking(patient_client, caller, clinic):
    assert patient_client.get(BOOK).status_code == 403
    assert patient_client.post(NEW, {"full_name": "X"}).status_code == 403
    assert patient_client.post(CONFIRM, confirm_params(caller, clinic, at(clinic, 11, 10))).status_code == 403
    assert not Appointment.objects.exists()


def test_the_desk_is_told_at_once_that_a_new_patient_already_has_an_initial_consultation(
    front_desk_client, caller, clinic
):
    initial = f.ServiceFactory(name="Initial consultation", kind=ServiceKind.INITIAL)
    clinic.practitioner.services.add(initial)
    first = services.appointment_book(
        patient=caller,
        service=initial,
        practitioner=clinic.practitioner,
        location=clinic.location,
        start=at(clinic, 12, 10),
        notify=False,
    )
    page = html(front_desk_client.get(BOOK, {"patient": caller.pk, "service": initial.pk}))
    assert "Carol Caller already has an initial consultation booked" in page

    params = {**confirm_params(caller, clinic, at(clinic, 13, 10)), "service": initial.pk}
    assert "already has an initial consultation booked" in html(front_desk_client.get(CONFIRM, params))
    response = front_desk_client.post(CONFIRM, params)
    assert response.status_code == 409
    assert list(caller.appointments.all()) == [first]
