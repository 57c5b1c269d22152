from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_message_consent_backfill"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="phone_to_check",
            field=models.BooleanField(
                db_index=True, default=False, editable=False, verbose_name="phone number to check"
            ),
        ),
    ]
