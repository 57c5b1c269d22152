"""The admin is the manager's setup area: everything needed to set up the practice, nothing clinical."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, ClinicPolicy, Location, Role, User, WorkingHours
from tests import factories as f

SETUP_PAGES = [
    "admin:clinic_location_changelist",
    "admin:clinic_location_add",
    "admin:clinic_room_changelist",
    "admin:clinic_service_changelist",
    "admin:clinic_service_add",
    "admin:clinic_practitionerprofile_changelist",
    "admin:clinic_practitionerprofile_add",
    "admin:clinic_workinghours_changelist",
    "admin:clinic_timeoff_changelist",
    "admin:clinic_user_changelist",
    "admin:clinic_auditevent_changelist",
    "admin:clinic_acupuncturepoint_changelist",
]


@pytest.mark.parametrize("name", SETUP_PAGES)
def test_a_manager_can_open_every_setup_page(manager_client, practitioner, name):
    f.RoomFactory()
    response = manager_client.get(reverse(name))
    assert response.status_code == 200


def test_the_setup_index_lists_the_practice_for_a_manager(manager_client):
    page = manager_client.get(reverse("admin:index")).content.decode()
    for label in ("Locations", "Rooms", "Services", "Practitioner profiles", "Working hours", "Time off"):
        assert label in page
    assert "Clinic policy" in page


@pytest.mark.parametrize("who", ["patient_client", "practitioner_client", "front_desk_client"])
def test_nobody_but_managers_gets_into_setup(request, who):
    client = request.getfixturevalue(who)
    response = client.get(reverse("admin:clinic_location_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_manager_adds_a_location_with_its_rooms_in_one_go(manager_client):
    response = manager_client.post(
        reverse("admin:clinic_location_add"),
        {
            "name": "Acuclinic Leeds",
            "address": "2 Park Row, Leeds",
            "phone": "+44 113 496 0000",
            "timezone": "Europe/London",
            "active": "on",
            "rooms-TOTAL_FORMS": "2",
            "rooms-INITIAL_FORMS": "0",
            "rooms-0-name": "Room 1",
            "rooms-0-active": "on",
            "rooms-1-name": "Room 2",
            "rooms-1-active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    location = Location.objects.get(name="Acuclinic Leeds")
    assert sorted(location.rooms.values_list("name", flat=True)) == ["Room 1", "Room 2"]


@pytest.mark.parametrize("initial", ["-1", "0", "7"])
def test_a_tampered_room_count_gets_a_message_not_an_error_page(manager_client, initial):
    location = f.LocationFactory(name="Acuclinic Leeds")
    room = f.RoomFactory(location=location, name="Room 1")
    data = {
        "name": location.name,
        "address": location.address,
        "phone": location.phone,
        "timezone": location.timezone,
        "active": "on",
        "rooms-TOTAL_FORMS": "1",
        "rooms-INITIAL_FORMS": initial,
        "rooms-0-id": str(room.pk),
        "rooms-0-location": str(location.pk),
        "rooms-0-name": "Room 1",
        "rooms-0-active": "on",
    }
    response = manager_client.post(reverse("admin:clinic_location_change", args=[location.pk]), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "A room with this name already exists at this location." in response.content.decode()
    assert list(location.rooms.values_list("name", flat=True)) == ["Room 1"]


def test_two_new_rooms_with_one_name_are_pointed_out(manager_client):
    location = f.LocationFactory(name="Acuclinic Leeds")
    data = {
        "name": location.name,
        "address": location.address,
        "timezone": location.timezone,
        "active": "on",
        "rooms-TOTAL_FORMS": "2",
        "rooms-INITIAL_FORMS": "0",
        "rooms-0-name": "Room 1",
        "rooms-1-name": "room 1",
    }
    response = manager_client.post(reverse("admin:clinic_location_change", args=[location.pk]), data)
    assert "Two rooms here have this name." in response.content.decode()
    assert not location.rooms.exists()


def test_a_location_needs_a_real_time_zone(manager_client):
    response = manager_client.post(
        reverse("admin:clinic_location_add"),
        {
            "name": "Nowhere",
            "address": "x",
            "timezone": "Mars/Olympus",
            "rooms-TOTAL_FORMS": "0",
            "rooms-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    assert not Location.objects.filter(name="Nowhere").exists()


def test_managers_retire_locations_instead_of_deleting_them(manager_client):
    location = f.LocationFactory()
    response = manager_client.get(reverse("admin:clinic_location_delete", args=[location.pk]))
    assert response.status_code == 403
    assert Location.objects.filter(pk=location.pk).exists()


def test_there_is_one_clinic_policy_and_the_list_opens_it(manager_client):
    response = manager_client.get(reverse("admin:clinic_clinicpolicy_changelist"))
    policy = ClinicPolicy.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:clinic_clinicpolicy_change", args=[policy.pk])
    assert manager_client.get(reverse("admin:clinic_clinicpolicy_add")).status_code == 403
    assert manager_client.get(reverse("admin:clinic_clinicpolicy_delete", args=[policy.pk])).status_code == 403


def test_a_manager_changes_the_cancellation_window(manager_client):
    policy = ClinicPolicy.get()
    data = {
        "min_notice_hours": 12,
        "max_advance_days": 90,
        "slot_step_minutes": 15,
        "cancellation_window_hours": 48,
        "reminder_offsets-TOTAL_FORMS": 0,
        "reminder_offsets-INITIAL_FORMS": 0,
        "acute_cutoff_weeks": 6,
        "chronic_cutoff_weeks": 12,
    }
    response = manager_client.post(reverse("admin:clinic_clinicpolicy_change", args=[policy.pk]), data)
    assert response.status_code == 302
    assert ClinicPolicy.get().cancellation_window_hours == 48

    data["chronic_cutoff_weeks"] = 4
    response = manager_client.post(reverse("admin:clinic_clinicpolicy_change", args=[policy.pk]), data)
    assert "The chronic cut-off must be longer than the acute one." in response.content.decode()


@pytest.mark.parametrize(
    "field, limit",
    [
        ("min_notice_hours", 336),
        ("max_advance_days", 730),
        ("slot_step_minutes", 240),
        ("cancellation_window_hours", 336),
        ("chronic_cutoff_weeks", 520),
    ],
)
def test_a_policy_value_with_extra_zeros_is_refused_and_booking_keeps_working(
    manager_client, patient_client, field, limit
):
    policy = ClinicPolicy.get()
    data = {
        "min_notice_hours": 12,
        "max_advance_days": 90,
        "slot_step_minutes": 15,
        "cancellation_window_hours": 24,
        "reminder_offsets-TOTAL_FORMS": 0,
        "reminder_offsets-INITIAL_FORMS": 0,
        "acute_cutoff_weeks": 6,
        "chronic_cutoff_weeks": 12,
        field: 90000000,
    }
    response = manager_client.post(reverse("admin:clinic_clinicpolicy_change", args=[policy.pk]), data)

    assert response.status_code == 200
    assert f"Ensure this value is less than or equal to {limit}." in response.content.decode()
    assert getattr(ClinicPolicy.get(), field) == getattr(policy, field)
    assert patient_client.get(reverse("scheduling:book")).status_code == 200


def test_the_audit_log_in_setup_can_be_read_but_never_changed(manager_client, manager_user):
    event = AuditEvent.objects.create(actor=manager_user, action="view", object_type="plans.visit", object_id="7")
    assert manager_client.get(reverse("admin:clinic_auditevent_change", args=[event.pk])).status_code == 200
    response = manager_client.post(
        reverse("admin:clinic_auditevent_change", args=[event.pk]), {"action": "nothing-happened"}
    )
    assert response.status_code == 403
    assert manager_client.get(reverse("admin:clinic_auditevent_add")).status_code == 403
    assert (
        manager_client.post(reverse("admin:clinic_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.action == "view"


@pytest.mark.parametrize("term", ["BL40", "Weizhong", "Wěizhōng"])
def test_acupuncture_points_are_found_by_code_or_pinyin(manager_client, term):
    page = manager_client.get(reverse("admin:clinic_acupuncturepoint_changelist"), {"q": term}).content.decode()
    assert "BL40" in page
    assert "1 result" in page


def test_acupuncture_points_are_reference_data(manager_client):
    assert manager_client.get(reverse("admin:clinic_acupuncturepoint_add")).status_code == 403


def test_the_practitioner_list_flags_an_expired_licence(manager_client):
    today = timezone.localdate()
    f.PractitionerFactory(user__full_name="Expired Ellis", licence_expiry=today)
    f.PractitionerFactory(user__full_name="Soon Sato", licence_expiry=today + dt.timedelta(days=20))
    f.PractitionerFactory(user__full_name="Valid Vance", licence_expiry=today + dt.timedelta(days=400))
    url = reverse("admin:clinic_practitionerprofile_changelist")

    page = manager_client.get(url).content.decode()
    assert "EXPIRED" in page and "expires in 20 days" in page

    expired_only = manager_client.get(url, {"licence": "expired"}).content.decode()
    assert "Expired Ellis" in expired_only
    assert "Soon Sato" not in expired_only and "Valid Vance" not in expired_only


def test_opening_an_expired_practitioner_warns_the_manager(manager_client):
    profile = f.PractitionerFactory(licence_expiry=timezone.localdate() - dt.timedelta(days=3))
    page = manager_client.get(reverse("admin:clinic_practitionerprofile_change", args=[profile.pk])).content.decode()
    assert "cannot be booked" in page


def _practitioner_form(profile, hours_rows):
    data = {
        "active": "on",
        "licence_number": profile.licence_number,
        "licence_body": profile.licence_body,
        "licence_expiry": profile.licence_expiry.isoformat(),
        "bio": "",
        "specialties": "",
        "capacity": "1",
        "working_hours-TOTAL_FORMS": str(len(hours_rows)),
        "working_hours-INITIAL_FORMS": "0",
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
    }
    for i, (weekday, start, end, location) in enumerate(hours_rows):
        data.update(
            {
                f"working_hours-{i}-weekday": str(weekday),
                f"working_hours-{i}-start": start,
                f"working_hours-{i}-end": end,
                f"working_hours-{i}-location": str(location.pk),
            }
        )
    return data


def test_a_day_with_a_lunch_break_is_saved_as_two_blocks(manager_client):
    profile, location = f.PractitionerFactory(), f.LocationFactory()
    data = _practitioner_form(profile, [(0, "09:00", "12:30", location), (0, "13:30", "17:00", location)])
    response = manager_client.post(reverse("admin:clinic_practitionerprofile_change", args=[profile.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert WorkingHours.objects.filter(practitioner=profile, weekday=0).count() == 2


def test_two_new_overlapping_blocks_on_one_page_get_a_message_not_an_error_page(manager_client):
    profile, location = f.PractitionerFactory(), f.LocationFactory()
    data = _practitioner_form(profile, [(0, "09:00", "13:00", location), (0, "12:00", "17:00", location)])
    response = manager_client.post(reverse("admin:clinic_practitionerprofile_change", args=[profile.pk]), data)
    assert response.status_code == 200
    assert "This block overlaps 09:00–13:00 on the same day." in response.content.decode()
    assert not WorkingHours.objects.filter(practitioner=profile).exists()


# Adding a colleague from the admin opens the Staff page: see test_account_admin.py.


def test_a_manager_cannot_take_over_a_superuser_account(manager_client):
    root = User.objects.create_superuser(email="root@example.org", password="x" * 16, full_name="Root")
    response = manager_client.post(
        reverse("admin:clinic_user_change", args=[root.pk]),
        {"email": "attacker@example.org", "full_name": "Root", "role": Role.MANAGER, "is_active": "on"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.org"


def test_a_manager_cannot_make_anyone_a_superuser(manager_client, front_desk_user):
    response = manager_client.post(
        reverse("admin:clinic_user_change", args=[front_desk_user.pk]),
        {
            "email": front_desk_user.email,
            "full_name": front_desk_user.full_name,
            "role": Role.FRONT_DESK,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    front_desk_user.refresh_from_db()
    assert not front_desk_user.is_superuser and not front_desk_user.is_staff


def test_promoting_someone_to_manager_in_the_admin_opens_setup_for_them(manager_client, front_desk_user):
    manager_client.post(
        reverse("admin:clinic_user_change", args=[front_desk_user.pk]),
        {
            "email": front_desk_user.email,
            "full_name": front_desk_user.full_name,
            "role": Role.MANAGER,
            "is_active": "on",
        },
    )
    front_desk_user.refresh_from_db()
    assert front_desk_user.is_staff


@pytest.mark.parametrize("term", ["abc", "42", "prac@"])
def test_searching_the_audit_events_in_setup_never_fails(manager_client, practitioner, term):
    AuditEvent.objects.create(actor=practitioner.user, action="view", object_type="plans.visit", patient_id=42)
    response = manager_client.get(reverse("admin:clinic_auditevent_changelist"), {"q": term})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name, query",
    [
        ("admin:scheduling_appointment_changelist", {"start__year": "9999"}),
        ("admin:scheduling_appointment_changelist", {"start__year": "1", "start__month": "1", "start__day": "1"}),
        ("admin:clinic_timeoff_changelist", {"start__year": "9999", "start__month": "12"}),
        ("admin:clinic_auditevent_changelist", {"at__year": "9999", "at__month": "12", "at__day": "31"}),
        ("admin:clinic_auditevent_changelist", {"at__year": "2026", "at__month": "13"}),
    ],
)
def test_a_date_drill_down_outside_the_calendar_gets_a_message(manager_client, name, query):
    response = manager_client.get(reverse(name), query, follow=True)
    assert response.status_code == 200
    assert "Enter a date between 2000 and 2999. Showing all dates instead." in response.content.decode()


def test_a_date_drill_down_inside_the_calendar_still_works(manager_client, practitioner):
    f.TimeOffFactory(practitioner=practitioner)
    year = timezone.now().year
    response = manager_client.get(reverse("admin:clinic_timeoff_changelist"), {"start__year": str(year)})
    assert response.status_code == 200 and "Showing all dates" not in response.content.decode()
    assert response.context["cl"].result_count == 1


def test_a_filter_holding_a_nul_byte_is_left_out_with_a_message(manager_client):
    response = manager_client.get(reverse("admin:clinic_service_changelist"), {"kind__exact": "a\x00b"})
    assert response.status_code == 200
    assert "A filter held a character that cannot be searched for" in response.content.decode()
