"""The manager sets reminder offsets in setup: the clinic's default on the policy, and a service's
own list on the service. Bad rows get a message next to the field; a change re-plans the pending
reminders of booked future appointments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicPolicy, ReminderOffset
from scheduling.models import Notification, NotificationKind, NotificationStatus
from scheduling.services import appointment_book
from tests import factories as f

POLICY = {
    "min_notice_hours": 0,
    "max_advance_days": 90,
    "slot_step_minutes": 15,
    "cancellation_window_hours": 24,
    "acute_cutoff_weeks": 6,
    "chronic_cutoff_weeks": 12,
}


def rows_data(rows, *, existing=()):
    """The inline's POST data: `existing` are the rows on the page, `rows` what the form says."""
    data = {"reminder_offsets-TOTAL_FORMS": len(rows), "reminder_offsets-INITIAL_FORMS": len(existing)}
    for i, row in enumerate(rows):
        amount, unit, channel = row[:3]
        data |= {f"reminder_offsets-{i}-amount": amount, f"reminder_offsets-{i}-unit": unit}
        data[f"reminder_offsets-{i}-channel"] = channel
        if i < len(existing):
            data[f"reminder_offsets-{i}-id"] = existing[i].pk
        if len(row) > 3 and row[3] == "delete":
            data[f"reminder_offsets-{i}-DELETE"] = "on"
    return data


def post_policy(client, rows, existing=()):
    url = reverse("admin:clinic_clinicpolicy_change", args=[ClinicPolicy.get().pk])
    return client.post(url, POLICY | rows_data(rows, existing=existing))


def service_data(service):
    return {
        "name": service.name,
        "kind": service.kind,
        "duration_minutes": service.duration_minutes,
        "buffer_minutes": service.buffer_minutes,
        "bookable_online": "on",
        "description": "",
        "active": "on",
    }


def offsets(**owner):
    return list(ReminderOffset.objects.filter(**owner).values_list("minutes_before", "channel"))


def test_a_new_clinic_starts_with_email_48_hours_and_sms_2_hours_before(db):
    assert offsets(policy=ClinicPolicy.get()) == [(48 * 60, "email"), (120, "sms")]


def test_the_policy_page_shows_the_default_reminders_in_hours(manager_client):
    ClinicPolicy.get()
    page = manager_client.get(reverse("admin:clinic_clinicpolicy_change", args=[1])).content.decode()
    assert "Default reminders (for every service without its own" in page
    assert 'name="reminder_offsets-0-amount" value="48"' in page


def test_a_manager_sets_the_default_in_hours_and_minutes(manager_client):
    existing = list(ReminderOffset.objects.filter(policy=ClinicPolicy.get()))
    rows = [("24", "hours", "email"), ("90", "minutes", "sms"), ("10", "minutes", "email")]
    response = post_policy(manager_client, rows, existing)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(offsets(policy=ClinicPolicy.get())) == [(10, "email"), (90, "sms"), (24 * 60, "email")]


@pytest.mark.parametrize(
    "amount, unit, channel, field, message",
    [
        ("3", "minutes", "email", "amount", "A reminder must be at least 5 minutes before the appointment."),
        ("337", "hours", "email", "amount", "A reminder can be at most 14 days (336 hours) before the appointment."),
        ("99999999999999999999", "hours", "email", "amount", "at most 14 days"),
        ("0", "hours", "sms", "amount", "Enter a number of hours or minutes above zero."),
        ("1.5", "hours", "sms", "amount", "Enter a whole number, e.g. 48."),
        ("4\x008", "hours", "sms", "amount", "Enter a whole number, e.g. 48."),
        ("48", "weeks", "email", "unit", "Select a valid choice."),
        ("48", "hours", "pigeon", "channel", "Select a valid choice."),
        ("48", "hours", "", "channel", "This field is required."),
    ],
)
def test_bad_offsets_get_a_message_and_nothing_changes(manager_client, amount, unit, channel, field, message):
    before = offsets(policy=ClinicPolicy.get())
    response = post_policy(manager_client, [(amount, unit, channel)])
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert any(message in e for e in errors[field]), errors
    assert offsets(policy=ClinicPolicy.get()) == before


def test_the_same_moment_twice_on_one_channel_is_pointed_out(manager_client):
    service = f.ServiceFactory()
    url = reverse("admin:clinic_service_change", args=[service.pk])
    rows = [("2", "hours", "sms"), ("120", "minutes", "sms"), ("2", "hours", "email")]
    response = manager_client.post(url, service_data(service) | rows_data(rows))
    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert forms[1].errors["amount"] == ["SMS 2 hours before is already in the list."]
    assert not forms[0].errors and not forms[2].errors
    assert offsets(service=service) == []


def test_a_service_gets_its_own_offsets_and_its_booked_reminders_follow(
    manager_client, django_capture_on_commit_callbacks
):
    clinic = f.bookable_setup(tz="Europe/London")
    f.policy(min_notice_hours=0)
    patient = f.PatientFactory()
    start = (
        (timezone.now() + dt.timedelta(days=5))
        .astimezone(clinic.location.tz)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    appt = appointment_book(
        patient=patient, service=clinic.service, practitioner=clinic.practitioner, location=clinic.location, start=start
    )
    url = reverse("admin:clinic_service_change", args=[clinic.service.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, service_data(clinic.service) | rows_data([("24", "hours", "email")]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert offsets(service=clinic.service) == [(24 * 60, "email")]
    pending = Notification.objects.filter(
        appointment=appt, kind=NotificationKind.REMINDER, status=NotificationStatus.PENDING
    )
    assert [appt.start - n.scheduled_for for n in pending] == [dt.timedelta(hours=24)]
