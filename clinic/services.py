"""Writes for the practice. Views and tasks call these; they hold the rules."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import JobHeartbeat, PractitionerProfile, Role, User


def heartbeat_record(*, name: str, at: dt.datetime | None = None) -> JobHeartbeat:
    hb, _ = JobHeartbeat.objects.update_or_create(name=name, defaults={"last_run_at": at or timezone.now()})
    return hb


@transaction.atomic
def staff_create(*, email: str, full_name: str, role: str, password: str | None = None, phone: str = "") -> User:
    if role == Role.PATIENT:
        raise ValueError("Patients sign up themselves or are created by the front desk.")
    user = User(email=email.lower(), full_name=full_name, role=role, phone=phone, is_staff=(role == Role.MANAGER))
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def practitioners_with_expired_licence(*, on: dt.date | None = None):
    on = on or timezone.localdate()
    return PractitionerProfile.objects.select_related("user").filter(active=True, licence_expiry__lte=on)


def practitioners_with_licence_expiring(*, days: int, on: dt.date | None = None):
    on = on or timezone.localdate()
    return PractitionerProfile.objects.select_related("user").filter(
        active=True, licence_expiry__gt=on, licence_expiry__lte=on + dt.timedelta(days=days)
    )


def staff_list():
    return User.objects.exclude(role=Role.PATIENT).order_by("role", "full_name")
