"""Records for the consents stored before their history was kept: an SMS consent already ticked
(and an email opt-out) gets a "before consent records were kept" entry dated when the record was
made, so every patient who may get SMS has a recorded consent. Reversible: those entries go."""

from django.db import migrations


def forwards(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    Change = apps.get_model("patients", "MessageConsentChange")
    rows = []
    for pk, created_at, sms, email in Patient.objects.values_list("pk", "created_at", "consent_sms", "consent_email"):
        if sms:
            rows.append(
                Change(patient_id=pk, channel="sms", group="all", allowed=True, source="before_records", at=created_at)
            )
        if not email:
            rows.append(
                Change(
                    patient_id=pk, channel="email", group="all", allowed=False, source="before_records", at=created_at
                )
            )
    Change.objects.bulk_create(rows, batch_size=1000)


def backwards(apps, schema_editor):
    apps.get_model("patients", "MessageConsentChange").objects.filter(source="before_records").delete()


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_message_preferences")]
    operations = [migrations.RunPython(forwards, backwards)]
