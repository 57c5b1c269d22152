"""Reminder offsets become rows with an explicit channel, per service or the clinic's default.

The policy's old list of hours is carried over as the default rows, each on the channel the old
rule gave it (24 hours or more by email, shorter by SMS), so no setting is lost. Reversible: going
back writes the default rows' hours into the list again.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

OLD_EMAIL_MIN_HOURS = 24  # scheduling.reminders' old rule: long offsets by email, short by SMS


def carry_over(apps, schema_editor):
    ClinicPolicy = apps.get_model("clinic", "ClinicPolicy")
    ReminderOffset = apps.get_model("clinic", "ReminderOffset")
    for policy in ClinicPolicy.objects.all():
        hours = policy.reminder_offsets_hours if isinstance(policy.reminder_offsets_hours, list) else []
        wanted = {h for h in hours if isinstance(h, int) and 1 <= h <= 14 * 24}
        ReminderOffset.objects.bulk_create(
            ReminderOffset(policy=policy, minutes_before=h * 60, channel="email" if h >= OLD_EMAIL_MIN_HOURS else "sms")
            for h in sorted(wanted, reverse=True)
        )


def restore(apps, schema_editor):
    ClinicPolicy = apps.get_model("clinic", "ClinicPolicy")
    ReminderOffset = apps.get_model("clinic", "ReminderOffset")
    for policy in ClinicPolicy.objects.all():
        minutes = ReminderOffset.objects.filter(policy=policy).values_list("minutes_before", flat=True)
        policy.reminder_offsets_hours = sorted({max(1, -(-m // 60)) for m in minutes}, reverse=True)
        policy.save(update_fields=["reminder_offsets_hours"])


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0008_location_country_phones_e164"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReminderOffset",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "minutes_before",
                    models.PositiveIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(5),
                            django.core.validators.MaxValueValidator(20160),
                        ]
                    ),
                ),
                ("channel", models.CharField(choices=[("email", "Email"), ("sms", "SMS")], max_length=8)),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminder_offsets",
                        to="clinic.clinicpolicy",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminder_offsets",
                        to="clinic.service",
                    ),
                ),
            ],
            options={
                "ordering": ["-minutes_before", "channel"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("policy__isnull", True), ("service__isnull", False)),
                            models.Q(("policy__isnull", False), ("service__isnull", True)),
                            _connector="OR",
                        ),
                        name="reminderoffset_policy_or_service",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("minutes_before__gte", 5), ("minutes_before__lte", 20160)),
                        name="reminderoffset_sane_range",
                    ),
                    models.UniqueConstraint(
                        fields=("policy", "minutes_before", "channel"), name="reminderoffset_policy_once"
                    ),
                    models.UniqueConstraint(
                        fields=("service", "minutes_before", "channel"), name="reminderoffset_service_once"
                    ),
                ],
            },
        ),
        migrations.RunPython(carry_over, restore),
        migrations.RemoveField(
            model_name="clinicpolicy",
            name="reminder_offsets_hours",
        ),
    ]
