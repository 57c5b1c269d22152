"""Two active appointments can never hold one room at the same time: refused by the database.

The held range is [start, busy_until), i.e. the appointment plus the service's buffer (cleaning
time belongs to the room). Active = booked, checked in, completed (see models.ACTIVE_STATUSES).

PostgreSQL: an exclusion constraint (btree_gist, created in clinic 0002) over
(room_id =, tstzrange(start, busy_until, '[)') &&). Back-to-back appointments do not overlap.
SQLite: triggers that abort an INSERT or UPDATE creating an overlap (raised as IntegrityError).
"""

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'completed')"

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_room_no_overlap EXCLUDE USING gist (
        room_id WITH =, tstzrange("start", busy_until, '[)') WITH &&) WHERE (status IN {ACTIVE})""",
]
PG_DOWN = ["ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_room_no_overlap"]

_SQLITE_CHECK = f"""
    WHEN NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM scheduling_appointment a
        WHERE a.room_id = NEW.room_id AND a.id IS NOT NEW.id AND a.status IN {ACTIVE}
          AND a."start" < NEW.busy_until AND a.busy_until > NEW."start")
    BEGIN SELECT RAISE(ABORT, 'appointment_room_no_overlap'); END"""
SQLITE_UP = [
    f"CREATE TRIGGER appointment_room_no_overlap_ins BEFORE INSERT ON scheduling_appointment {_SQLITE_CHECK}",
    f"CREATE TRIGGER appointment_room_no_overlap_upd BEFORE UPDATE ON scheduling_appointment {_SQLITE_CHECK}",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS appointment_room_no_overlap_ins",
    "DROP TRIGGER IF EXISTS appointment_room_no_overlap_upd",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial"), ("clinic", "0002_workinghours_no_overlap")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
