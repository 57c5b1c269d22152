"""Overlapping working-hour blocks are refused by the database, not only by forms.

PostgreSQL: an exclusion constraint (btree_gist) over (practitioner, weekday, time range).
SQLite: triggers that abort an INSERT or UPDATE creating an overlap.
"""

from django.db import migrations

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE clinic_workinghours ADD CONSTRAINT workinghours_no_overlap EXCLUDE USING gist (
        practitioner_id WITH =, weekday WITH =,
        tsrange(DATE '2000-01-01' + "start", DATE '2000-01-01' + "end") WITH &&)""",
]
PG_DOWN = ["ALTER TABLE clinic_workinghours DROP CONSTRAINT IF EXISTS workinghours_no_overlap"]

_SQLITE_CHECK = """
    WHEN EXISTS (SELECT 1 FROM clinic_workinghours w
                 WHERE w.practitioner_id = NEW.practitioner_id AND w.weekday = NEW.weekday
                   AND w.id IS NOT NEW.id AND w."start" < NEW."end" AND w."end" > NEW."start")
    BEGIN SELECT RAISE(ABORT, 'workinghours_no_overlap'); END"""
SQLITE_UP = [
    f"CREATE TRIGGER workinghours_no_overlap_ins BEFORE INSERT ON clinic_workinghours {_SQLITE_CHECK}",
    f"CREATE TRIGGER workinghours_no_overlap_upd BEFORE UPDATE ON clinic_workinghours {_SQLITE_CHECK}",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS workinghours_no_overlap_ins",
    "DROP TRIGGER IF EXISTS workinghours_no_overlap_upd",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
