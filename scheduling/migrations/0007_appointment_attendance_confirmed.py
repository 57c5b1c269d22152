"""Attendance confirmed (link, SMS reply or desk).

On SQLite, adding a NOT NULL column makes Django rebuild the appointment table, and a rebuilt table loses its
triggers: the room-overlap triggers of 0003 are created again after the new columns.
"""

import importlib

from django.db import migrations, models

_room_triggers = importlib.import_module("scheduling.migrations.0003_room_overlap_trigger_bounded")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0006_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="attendance_confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="attendance_confirmed_via",
            field=models.CharField(
                blank=True,
                choices=[("link", "Link in a message"), ("sms", "SMS reply"), ("desk", "Front desk")],
                max_length=8,
            ),
        ),
        migrations.RunPython(
            _room_triggers._run(_room_triggers._DROP + _room_triggers._create(_room_triggers._BOUNDED)),
            _room_triggers._run(_room_triggers._DROP + _room_triggers._create(_room_triggers._BOUNDED)),
        ),
    ]
