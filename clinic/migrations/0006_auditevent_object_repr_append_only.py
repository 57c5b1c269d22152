"""Audit events get a readable label, and the database refuses to change or delete them.

PostgreSQL: a trigger raises on UPDATE and DELETE (TRUNCATE, which test set-up uses, is not affected).
SQLite: a trigger raises on UPDATE; DELETE stays possible there because Django's test flush uses it
(the model and its queryset refuse deletes on every database).
"""

from django.db import migrations, models

PG_UP = [
    """CREATE OR REPLACE FUNCTION clinic_auditevent_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON clinic_auditevent
    FOR EACH ROW EXECUTE FUNCTION clinic_auditevent_append_only()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS auditevent_append_only ON clinic_auditevent",
    "DROP FUNCTION IF EXISTS clinic_auditevent_append_only()",
]
SQLITE_UP = [
    """CREATE TRIGGER auditevent_append_only BEFORE UPDATE ON clinic_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS auditevent_append_only"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("clinic", "0005_clinicpolicy_upper_bounds")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="object_repr",
            field=models.CharField(blank=True, max_length=200, verbose_name="record"),
        ),
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
