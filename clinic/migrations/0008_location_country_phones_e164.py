"""Locations get a country (the default region for phone numbers typed without a + code); the
phone numbers already stored on locations and logins are rewritten in E.164.

The country comes from the location's time zone (tzdata's zone.tab: Europe/London -> GB,
America/New_York -> US, Australia/Sydney -> AU). A zone of no single country (UTC, Etc/...) or an old
alias falls back to the country of the TIME_ZONE setting, then to GB; a manager can correct it in
the admin. A number that cannot be read is kept exactly as it was typed (nothing is lost).
Patients' numbers are converted by scheduling's migration, which knows where each patient is booked.
"""

from django.conf import settings
from django.db import migrations, models

import clinic.models
from clinic import phones
from clinic.queries import phone_region


def country_for_location(timezone_name: str) -> str:
    return phones.country_for_timezone(timezone_name) or phones.country_for_timezone(settings.TIME_ZONE) or "GB"


def _convert(value: str, region: str) -> str:
    try:
        return phones.to_e164(value, region=region) or value
    except phones.PhoneError:
        return value  # kept as typed: the admin's form asks for a readable number at the next edit


def fill_countries_and_phones(apps, schema_editor):
    Location = apps.get_model("clinic", "Location")
    User = apps.get_model("clinic", "User")
    for location in Location.objects.all():
        location.country = country_for_location(location.timezone)
        location.phone = _convert(location.phone, location.country)
        location.save(update_fields=["country", "phone"])
    region = phone_region(location_model=Location)
    batch = []
    for user in User.objects.exclude(phone="").only("id", "phone").iterator(chunk_size=2000):
        converted = _convert(user.phone, region)
        if converted != user.phone:
            user.phone = converted
            batch.append(user)
        if len(batch) >= 2000:
            User.objects.bulk_update(batch, ["phone"])
            batch = []
    User.objects.bulk_update(batch, ["phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0007_user_email_verified"),
    ]

    operations = [
        migrations.AddField(
            model_name="location",
            name="country",
            field=models.CharField(
                default="GB",
                help_text="Phone numbers typed without a + code (for patients booked here, and this location's "
                "own) are read as numbers of this country.",
                max_length=2,
                validators=[clinic.models.validate_country],
            ),
            preserve_default=False,
        ),
        # E.164 numbers are valid text for the old code too, so going back needs no rewrite.
        migrations.RunPython(fill_countries_and_phones, migrations.RunPython.noop),
    ]
