"""Patients' stored phone numbers become E.164.

It lives in scheduling because the default region for a number typed without a + code is the country
of the location the patient is booked at (their latest appointment), else the main location's
(clinic.queries.phone_region), and only this app knows both patients and appointments.

A number that cannot be read is kept exactly as typed and the record gets `phone_to_check`: the
desk's patient list shows those records ("Phone numbers to check"), and the edit form asks for a
readable number. The search keys (phone_key, phone_digits) are recomputed from the new text, and SMS
already queued in the outbox get the E.164 number too.
Going back leaves E.164 in place (valid text for the old code too).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery

from clinic import phones
from clinic.queries import phone_region
from patients.models import phone_digits, phone_key

BATCH = 2000
FIELDS = ("phone", "emergency_contact_phone")


def convert_patient_phones(apps, schema_editor=None) -> None:
    Patient = apps.get_model("patients", "Patient")
    Appointment = apps.get_model("scheduling", "Appointment")
    Location = apps.get_model("clinic", "Location")
    locations = {loc.pk: loc for loc in Location.objects.all()}
    regions = {pk: phone_region(loc, location_model=Location) for pk, loc in locations.items()}
    default = phone_region(location_model=Location)
    latest_location = Appointment.objects.filter(patient=OuterRef("pk")).order_by("-start").values("location_id")[:1]
    rows = (
        Patient.objects.exclude(phone="", emergency_contact_phone="")
        .annotate(booked_at=Subquery(latest_location))
        .only("id", *FIELDS)
        .order_by("pk")
    )
    batch = []
    for patient in rows.iterator(chunk_size=BATCH):
        region = regions.get(patient.booked_at, default)
        to_check = False
        for name in FIELDS:
            value = getattr(patient, name)
            if not value:
                continue
            try:
                setattr(patient, name, phones.to_e164(value, region=region))
            except phones.PhoneError:
                to_check = True  # kept as typed
        patient.phone_key = phone_key(patient.phone)
        patient.phone_digits = phone_digits(patient.phone)
        patient.phone_to_check = to_check
        batch.append(patient)
        if len(batch) >= BATCH:
            Patient.objects.bulk_update(batch, [*FIELDS, "phone_key", "phone_digits", "phone_to_check"])
            batch = []
    Patient.objects.bulk_update(batch, [*FIELDS, "phone_key", "phone_digits", "phone_to_check"])

    # SMS already queued carry the number as it was typed: the provider wants E.164 too.
    Notification = apps.get_model("scheduling", "Notification")
    latest_for_row = Appointment.objects.filter(patient=OuterRef("patient_id")).order_by("-start").values("location_id")
    queued = Notification.objects.filter(channel="sms", status__in=["pending", "sending"]).annotate(
        booked_at=Subquery(latest_for_row[:1])
    )
    for row in queued.only("id", "recipient").iterator(chunk_size=BATCH):
        try:
            number = phones.to_e164(row.recipient, region=regions.get(row.booked_at, default))
        except phones.PhoneError:
            continue  # sent as it is, it fails and lands on the desk's "call these patients" list
        if number != row.recipient:
            Notification.objects.filter(pk=row.pk).update(recipient=number)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0008_sms_reply"),
        ("patients", "0006_patient_phone_to_check"),
        ("clinic", "0008_location_country_phones_e164"),
    ]

    operations = [
        migrations.RunPython(convert_patient_phones, migrations.RunPython.noop),
    ]
