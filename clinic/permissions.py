"""Admin permissions that follow the user's role, so no Group or per-user rows can drift.

Managers use the Django admin as the clinic's setup area. Rather than making them superusers (which
would also open every clinical model any app registers in the admin), they get exactly the model
permissions listed here. Other apps may grant managers more by giving their AppConfig a
`manager_permissions` iterable of "app_label.codename" strings; clinic never imports them.

Deliberately missing: delete on locations, rooms, services, practitioners and users (set them
inactive instead, so history keeps pointing at real rows) and any change to the audit log.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.contrib.auth.backends import BaseBackend

from .models import Role


def _perms(model: str, *actions: str) -> set[str]:
    return {f"clinic.{action}_{model}" for action in actions}


CLINIC_MANAGER_PERMISSIONS: frozenset[str] = frozenset(
    _perms("location", "view", "add", "change")
    | _perms("room", "view", "add", "change")
    | _perms("service", "view", "add", "change")
    | _perms("practitionerprofile", "view", "add", "change")
    | _perms("workinghours", "view", "add", "change", "delete")
    | _perms("timeoff", "view", "add", "change", "delete")
    | _perms("clinicpolicy", "view", "change")
    | _perms("reminderoffset", "view", "add", "change", "delete")
    | _perms("user", "view", "add", "change")
    | _perms("auditevent", "view")
    | _perms("acupuncturepoint", "view")
    | _perms("jobheartbeat", "view")
)


@cache
def manager_permissions() -> frozenset[str]:
    extra: set[str] = set()
    for config in apps.get_app_configs():
        extra.update(getattr(config, "manager_permissions", ()))
    return CLINIC_MANAGER_PERMISSIONS | extra


class RolePermissionBackend(BaseBackend):
    """Grants permissions by role. It never authenticates anyone (authenticate() returns None)."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or getattr(user_obj, "role", None) != Role.MANAGER:
            return set()
        return set(manager_permissions())

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
