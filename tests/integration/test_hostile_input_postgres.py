"""The every-form hostile-input test (tests/security/test_hostile_input.py) on PostgreSQL.

PostgreSQL refuses what SQLite stores (NUL bytes, strings longer than the column, integers beyond bigint),
so some 500s only show here. The cases and the attack are the same; only the database differs.
"""

from tests.security.test_hostile_input import (  # noqa: F401  (collected here with the integration mark)
    test_no_admin_list_filter_or_form_answers_hostile_input_with_a_500,
    test_no_page_or_form_answers_hostile_input_with_a_500,
    test_the_admin_login_refuses_hostile_values_without_a_500,
    world,
)
