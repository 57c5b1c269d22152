from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_search_keys"),
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
