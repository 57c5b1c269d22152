"""No input gives a 500: every form and every list filter, admin included, gets hostile values.

What is attacked is discovered (tests/security/hostile.py): the URLs come from the access matrix and the
admin site's registry, and the fields from the pages' own HTML, so a form added later is covered.
tests/integration/test_hostile_input_postgres.py runs these same tests on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from clinic.models import AuditEvent, Role, User
from tests import factories as f
from tests.access.test_access_matrix import ROWS
from tests.access.world import build_world

from .hostile import Attacker

# Pages that are known to answer junk with a 500: none. Keyed by (URL name, part of the request's
# description) when one must be tolerated for a while; keep it empty.
KNOWN_500S_FIXED_ELSEWHERE: dict[tuple[str, str], str] = {}

ROLES = ("anon", "patient", "practitioner", "front_desk", "manager")


def _roles_for(name: str) -> list[str]:
    row = ROWS[name]
    roles = []
    for role in ROLES:
        status = row.expected(role)
        # A public page that only redirects logged-in people home has nothing to attack for them.
        if status in (200, 405) or (status == 302 and role != "anon" and row.expected("anon") != 200):
            roles.append(role)
    return roles


URL_CASES = [(name, role) for name in sorted(ROWS) if not name.startswith("admin:") for role in _roles_for(name)]
# The superuser sees every model and every field; the manager's pages are the same code with fewer fields,
# except the account form, whose choices and rules depend on who is asking.
MANAGER_SPECIFIC = {"clinic.user"}
# The superuser's largest admin pages (many fields and inlines, ~1,000 attacks each) are split into parts that run
# in parallel; together the parts send exactly the requests one test would.
ADMIN_PARTS = {"clinic.practitionerprofile": 6, "clinic.location": 4, "clinic.service": 2, "clinic.clinicpolicy": 2}
ADMIN_CASES = [
    (model._meta.label_lower, role, (part, ADMIN_PARTS.get(model._meta.label_lower, 1) if role == "superuser" else 1))
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label_lower)
    for role in ("superuser", "manager")
    if role == "superuser" or model._meta.label_lower in MANAGER_SPECIFIC
    for part in range(ADMIN_PARTS.get(model._meta.label_lower, 1) if role == "superuser" else 1)
]


@pytest.fixture
def world(settings, patient, other_patient, practitioner, front_desk_user, manager_user):
    # Throttling on, as in production (the login form's hostile values go through django-axes), with a limit
    # high enough that the attack itself is never locked out.
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 10_000
    world = build_world(
        patient=patient,
        other_patient=other_patient,
        practitioner=practitioner,
        front_desk=front_desk_user,
        manager=manager_user,
    )
    world["superuser"] = User.objects.create_superuser(email="root@example.org", password="x", full_name="Root")
    f.TimeOffFactory(practitioner=practitioner)
    AuditEvent.objects.create(actor=manager_user, action="view", object_type="patients.patient", object_id="1")
    return world


def _client(role: str, world: dict) -> Client:
    users = {
        "anon": None,
        "patient": world["patient"].user,
        "practitioner": world["practitioner"].user,
        "front_desk": world["front_desk"],
        "manager": world["manager"],
        "superuser": world["superuser"],
    }
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    return client


def _report(attacker: Attacker) -> None:
    assert attacker.requests > 0
    if attacker.failures:
        lines = "\n".join(str(f) for f in attacker.failures[:40])
        pytest.fail(f"{len(attacker.failures)} of {attacker.requests} hostile requests gave a 500:\n{lines}")


@pytest.mark.parametrize("name, role", URL_CASES)
def test_no_page_or_form_answers_hostile_input_with_a_500(name, role, world):
    row = ROWS[name]
    kwargs = row.kwargs(world)
    attacker = Attacker(_client(role, world), KNOWN_500S_FIXED_ELSEWHERE)
    attacker.attack_page(reverse(name, kwargs=kwargs) + row.query)
    if "pk" in kwargs:
        attacker.attack_unknown_ids(lambda pk: reverse(name, kwargs={**kwargs, "pk": pk}))
    _report(attacker)


@pytest.mark.parametrize(
    "model, role, shard",
    ADMIN_CASES,
    ids=[f"{m}-{r}" + (f"-part{k + 1}of{n}" if n > 1 else "") for m, r, (k, n) in ADMIN_CASES],
)
def test_no_admin_list_filter_or_form_answers_hostile_input_with_a_500(model, role, shard, world):
    app_label, model_name = model.split(".")
    model_cls = next(m for m in admin.site._registry if m._meta.label_lower == model)
    attacker = Attacker(_client(role, world), KNOWN_500S_FIXED_ELSEWHERE, shard=shard)
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = attacker.get(changelist)
    if response.status_code == 200 and "cl" in response.context:
        attacker.attack_changelist(changelist, response.context["cl"], response.wsgi_request)
        attacker.attack_page(changelist)
    try:
        add = reverse(f"admin:{app_label}_{model_name}_add")
    except NoReverseMatch:
        add = None
    if add and attacker.get(add).status_code == 200:
        attacker.attack_page(add)
    obj = model_cls._default_manager.order_by("pk").first()
    if obj is not None:
        change = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
        attacker.attack_page(change, subpages=True)
    attacker.attack_unknown_ids(lambda pk: reverse(f"admin:{app_label}_{model_name}_change", args=[pk]))
    for odd in ("abc", "%00", "-1"):
        attacker.get(reverse(f"admin:{app_label}_{model_name}_change", args=[odd]), what=f"object id {odd}")
    _report(attacker)


def test_the_admin_login_refuses_hostile_values_without_a_500(world):
    attacker = Attacker(Client(), KNOWN_500S_FIXED_ELSEWHERE)
    attacker.attack_page(reverse("admin:login"))
    _report(attacker)


def test_every_role_was_attacked_somewhere():
    """The discovery itself: a matrix or registry change that empties the cases would make this test vacuous."""
    roles = {role for _, role in URL_CASES}
    assert roles == set(ROLES)
    assert len(ADMIN_CASES) >= 10
    assert Role.MANAGER in {r.value for r in Role}
