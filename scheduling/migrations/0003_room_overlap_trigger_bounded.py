"""SQLite: bound the room-overlap triggers' search to the day before the new appointment.

The first version compared against every earlier appointment in the room (an index range with
no lower bound), which grows with the clinic's history. No appointment holds a room longer than
10 hours (480 min + 120 min buffer), so only rows starting in the previous day can overlap.
Stored datetimes are ISO text, so the string comparison with datetime(..., '-1 day') is exact.
PostgreSQL is unchanged (its GiST exclusion index is already bounded).
"""

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'completed')"

_BOUNDED = f"""
    WHEN NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM scheduling_appointment a
        WHERE a.room_id = NEW.room_id AND a.id IS NOT NEW.id AND a.status IN {ACTIVE}
          AND a."start" >= datetime(NEW."start", '-1 day')
          AND a."start" < NEW.busy_until AND a.busy_until > NEW."start")
    BEGIN SELECT RAISE(ABORT, 'appointment_room_no_overlap'); END"""

_UNBOUNDED = f"""
    WHEN NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM scheduling_appointment a
        WHERE a.room_id = NEW.room_id AND a.id IS NOT NEW.id AND a.status IN {ACTIVE}
          AND a."start" < NEW.busy_until AND a.busy_until > NEW."start")
    BEGIN SELECT RAISE(ABORT, 'appointment_room_no_overlap'); END"""

_DROP = [
    "DROP TRIGGER IF EXISTS appointment_room_no_overlap_ins",
    "DROP TRIGGER IF EXISTS appointment_room_no_overlap_upd",
]


def _create(check):
    return [
        f"CREATE TRIGGER appointment_room_no_overlap_ins BEFORE INSERT ON scheduling_appointment {check}",
        f"CREATE TRIGGER appointment_room_no_overlap_upd BEFORE UPDATE ON scheduling_appointment {check}",
    ]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_appointment_room_no_overlap")]

    operations = [
        migrations.RunPython(_run(_DROP + _create(_BOUNDED)), _run(_DROP + _create(_UNBOUNDED))),
    ]
