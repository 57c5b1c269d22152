"""Every URL pattern, every role: the status each one must get."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import matrix
from .world import build_world

ROWS: dict[str, matrix.Row] = {}
for _name in ("rows_clinic", "rows_patients", "rows_scheduling", "rows_plans"):
    _mod = importlib.import_module(f"tests.access.{_name}")
    overlap = set(ROWS) & set(_mod.ROWS)
    assert not overlap, f"URL names listed twice: {overlap}"
    ROWS.update(_mod.ROWS)


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{prefix}{p.name}" if p.name else f"{prefix}<unnamed {p.pattern}>"


def all_url_names() -> list[str]:
    # The admin's own pages all sit behind its is_staff check; admin:index stands for them.
    return sorted({n for n in _walk(get_resolver().url_patterns) if not n.startswith("admin:") or n == "admin:index"})


def test_every_url_has_a_row():
    missing = [n for n in all_url_names() if n not in ROWS]
    assert not missing, f"URLs with no row in the access matrix: {missing}"


def test_no_stale_rows():
    stale = set(ROWS) - set(all_url_names())
    assert not stale, f"Rows for URLs that no longer exist: {stale}"


@pytest.fixture
def world(patient, other_patient, practitioner, front_desk_user, manager_user):
    return build_world(
        patient=patient,
        other_patient=other_patient,
        practitioner=practitioner,
        front_desk=front_desk_user,
        manager=manager_user,
    )


def _client(role: str, world: dict) -> Client:
    client = Client()
    user = {
        "anon": None,
        "patient": world["patient"].user,
        "other_patient": world["other_patient"].user,
        "practitioner": world["practitioner"].user,
        "front_desk": world["front_desk"],
        "manager": world["manager"],
    }[role]
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", sorted(ROWS))
@pytest.mark.parametrize("role", matrix.ROLES)
def test_access(name, role, world):
    row = ROWS[name]
    url = reverse(name, kwargs=row.kwargs(world)) + row.query
    response = _client(role, world).get(url)
    expected = row.expected(role)
    assert response.status_code == expected, f"{role} GET {url}: {response.status_code}, expected {expected}"
    if role == "anon" and expected == 302:
        assert "login/" in response["Location"]
