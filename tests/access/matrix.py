"""The table behind test_access_matrix.

Each app owns one module `rows_<app>.py` defining ROWS: {url_name: Row}. A Row gives the
expected status for every role, and how to build the URL's kwargs from the shared `world`
(objects owned by "patient", never by "other_patient").

Status conventions (clinic/access.py): anonymous → 302 to login; wrong role → 403; another
patient's object → 404, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anon", "patient", "other_patient", "practitioner", "front_desk", "manager")


@dataclass(frozen=True)
class Row:
    anon: int
    patient: int
    other_patient: int
    practitioner: int
    front_desk: int
    manager: int
    kwargs: Callable[[dict], dict] = field(default=lambda world: {})
    query: str = ""

    def expected(self, role: str) -> int:
        return getattr(self, role)


def everyone(status: int, **kw) -> Row:
    return Row(status, status, status, status, status, status, **kw)


def only(*roles: str, ok: int = 200, **kw) -> Row:
    """Logged-in users in `roles` get `ok`; other logged-in users get 403; anonymous → login."""
    statuses = {r: (ok if r in roles else 403) for r in ROLES if r != "anon"}
    if "patient" in roles:
        statuses["other_patient"] = ok
    return Row(anon=302, **statuses, **kw)


def owner_only(*staff_roles: str, ok: int = 200, **kw) -> Row:
    """For a patient's own object: the owner and `staff_roles` get `ok`; the other patient 404."""
    statuses = {r: (ok if r in staff_roles else 403) for r in ("practitioner", "front_desk", "manager")}
    return Row(anon=302, patient=ok, other_patient=404, **statuses, **kw)
