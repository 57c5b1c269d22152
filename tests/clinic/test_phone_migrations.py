"""The migrations that gave locations a country and rewrote the stored phone numbers in E.164.

Run for real: the database is taken back to before them, filled with numbers as people typed them
in the past, and migrated forward again (on SQLite by default, on PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from patients.models import Patient
from patients.queries.search import find_patients
from scheduling.models import Appointment, Notification

BEFORE = [
    ("clinic", "0007_user_email_verified"),
    ("patients", "0005_message_consent_backfill"),
    ("scheduling", "0008_sms_reply"),
]
AFTER = [
    ("clinic", "0008_location_country_phones_e164"),
    ("patients", "0006_patient_phone_to_check"),
    ("scheduling", "0009_patient_phones_e164"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db, django_db_serialized_rollback):
    # Serialized rollback: the flush after this test would otherwise leave the data migrations' rows (content
    # types, points, plan templates) recreated under other ids or not at all for the transactional tests after it.
    apps = _migrate(BEFORE)
    yield apps
    _migrate(executor_leaves())


def executor_leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_world(apps):
    Location = apps.get_model("clinic", "Location")
    User = apps.get_model("clinic", "User")
    Patient = apps.get_model("patients", "Patient")
    london = Location.objects.create(
        name="Islington", address="1 Upper St", timezone="Europe/London", phone="020 7946 0321"
    )
    new_york = Location.objects.create(
        name="Midtown", address="350 W 38th", timezone="America/New_York", phone="(212) 555-0147"
    )
    sydney = Location.objects.create(name="Surry Hills", address="1 Crown St", timezone="Australia/Sydney", phone="")
    utc = Location.objects.create(name="Online", address="-", timezone="UTC", phone="")
    desk = User.objects.create(email="desk@example.org", full_name="Desk", phone="07700 900100", role="front_desk")
    people = {
        "uk": Patient.objects.create(
            full_name="Una Kay", phone="07700 900123", emergency_contact_phone="+44 20 7946 0000"
        ),
        "us": Patient.objects.create(full_name="Sam Yank", phone="(212) 555-0100"),
        "odd": Patient.objects.create(
            full_name="Odd Ball", phone="ring the shop", emergency_contact_phone="07700 900999"
        ),
        "none": Patient.objects.create(full_name="No Phone", phone=""),
    }
    # Sam is booked in New York, so his number without a code is American; the others are never booked.
    Service = apps.get_model("clinic", "Service")
    Room = apps.get_model("clinic", "Room")
    Practitioner = apps.get_model("clinic", "PractitionerProfile")
    Appointment = apps.get_model("scheduling", "Appointment")
    prac_user = User.objects.create(email="p@example.org", full_name="Prac", role="practitioner")
    practitioner = Practitioner.objects.create(
        user=prac_user, licence_number="1", licence_body="BAcC", licence_expiry=dt.date(2099, 1, 1)
    )
    service = Service.objects.create(name="Follow-up", kind="follow_up", duration_minutes=45)
    start = dt.datetime(2027, 1, 12, 15, tzinfo=dt.UTC)
    appointment = Appointment.objects.create(
        patient=people["us"],
        practitioner=practitioner,
        service=service,
        location=new_york,
        room=Room.objects.create(location=new_york, name="A"),
        start=start,
        end=start + dt.timedelta(minutes=45),
        busy_until=start + dt.timedelta(minutes=45),
    )
    apps.get_model("scheduling", "Notification").objects.create(
        key="reminder:old:sms",
        kind="reminder",
        channel="sms",
        recipient="(212) 555-0100",
        patient=people["us"],
        appointment=appointment,
    )
    return {"london": london, "new_york": new_york, "sydney": sydney, "utc": utc, "desk": desk, **people}


def test_migrating_converts_stored_numbers_and_keeps_the_ones_it_cannot_read(old_schema):
    old = _old_world(old_schema)

    apps = _migrate(AFTER)

    Location = apps.get_model("clinic", "Location")
    countries = dict(Location.objects.values_list("name", "country"))
    assert countries == {"Islington": "GB", "Midtown": "US", "Surry Hills": "AU", "Online": "GB"}  # UTC: TIME_ZONE's
    assert Location.objects.get(pk=old["london"].pk).phone == "+442079460321"
    assert Location.objects.get(pk=old["new_york"].pk).phone == "+12125550147"
    assert apps.get_model("clinic", "User").objects.get(pk=old["desk"].pk).phone == "+447700900100"

    rows = {p.full_name: p for p in Patient.objects.all()}
    assert (rows["Una Kay"].phone, rows["Una Kay"].emergency_contact_phone) == ("+447700900123", "+442079460000")
    assert rows["Sam Yank"].phone == "+12125550100"  # read as American: booked in New York
    odd = rows["Odd Ball"]
    assert (odd.phone, odd.emergency_contact_phone, odd.phone_to_check) == ("ring the shop", "+447700900999", True)
    assert not rows["Una Kay"].phone_to_check and not rows["No Phone"].phone_to_check
    # The search keys follow the new text: a partial number typed any way still finds the patient.
    assert rows["Una Kay"].phone_digits == "447700900123" and rows["Una Kay"].phone_key == "700900123"
    assert [p.full_name for p in find_patients("07700 900 123")] == ["Una Kay"]
    assert [p.full_name for p in find_patients("212 555 0100")] == ["Sam Yank"]
    assert Appointment.objects.count() == 1
    assert Notification.objects.get(key="reminder:old:sms").recipient == "+12125550100"  # queued SMS too

    # Run again (a re-run after a partial failure, say): nothing more changes.
    before = list(Patient.objects.order_by("pk").values_list("phone", "emergency_contact_phone", "phone_to_check"))
    import_module("scheduling.migrations.0009_patient_phones_e164").convert_patient_phones(django_apps)
    after = list(Patient.objects.order_by("pk").values_list("phone", "emergency_contact_phone", "phone_to_check"))
    assert after == before
