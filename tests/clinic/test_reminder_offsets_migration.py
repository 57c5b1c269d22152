"""Migration clinic.0009 turns the policy's old list of hours into reminder rows with a channel,
losing no setting, and going back restores the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("clinic", "0008_location_country_phones_e164")]
AFTER = [("clinic", "0009_reminder_offsets_per_service")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the data migrations' rows
def test_the_old_offsets_are_carried_over_with_the_old_channel_rule_and_restored_going_back():
    try:
        old = migrate(BEFORE)
        old.get_model("clinic", "ClinicPolicy").objects.create(pk=1, reminder_offsets_hours=[72, 24, 3, 1, 3])
        new = migrate(AFTER)
        rows = new.get_model("clinic", "ReminderOffset").objects.filter(policy_id=1)
        assert sorted(rows.values_list("minutes_before", "channel"), reverse=True) == [
            (72 * 60, "email"),
            (24 * 60, "email"),
            (3 * 60, "sms"),
            (60, "sms"),
        ]
        old = migrate(BEFORE)
        assert old.get_model("clinic", "ClinicPolicy").objects.get(pk=1).reminder_offsets_hours == [72, 24, 3, 1]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
