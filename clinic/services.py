"""Writes for the practice. Views, the admin and tasks call these; they hold the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import phones, queries
from .audit import audit
from .messaging import queue_email
from .models import JobHeartbeat, Location, PractitionerProfile, Role, Service, User

# What a manager may change on a staff account (the admin's user form); superusers may also set these.
ACCOUNT_FIELDS = ("email", "full_name", "phone", "role", "is_active")
SUPERUSER_FIELDS = ("is_superuser",)


def _staff_phone(phone: str) -> str:
    """Staff numbers are stored in E.164 too; without a + code they are the main location's country."""
    try:
        return phones.to_e164(phone, region=queries.phone_region())
    except phones.PhoneError as exc:
        raise ValidationError({"phone": exc.message}) from exc


def heartbeat_record(*, name: str, at: dt.datetime | None = None) -> JobHeartbeat:
    hb, _ = JobHeartbeat.objects.update_or_create(name=name, defaults={"last_run_at": at or timezone.now()})
    return hb


def staff_flag_for(*, role: str, is_superuser: bool = False) -> bool:
    """Only managers (and superusers) may open the admin, which is the clinic's setup area."""
    return role == Role.MANAGER or is_superuser


@transaction.atomic
def staff_create(
    *,
    email: str,
    full_name: str,
    role: str,
    password: str | None = None,
    phone: str = "",
    licence_number: str = "",
    licence_body: str = "",
    licence_expiry: dt.date | None = None,
    locations: Iterable[Location] = (),
    services: Iterable[Service] = (),
    actor: User | None = None,
) -> User:
    """A staff login; for a practitioner also the profile that makes them bookable.

    Without a password the account cannot log in until its owner follows the emailed link
    (staff_invite_send). Raises ValidationError (by field) when the data is not acceptable.
    """
    if role == Role.PATIENT:
        raise ValidationError({"role": "Patients sign up themselves or are created by the front desk."})
    if role == Role.PRACTITIONER:
        missing = {
            name: "Practitioners need their licence details."
            for name, value in (
                ("licence_number", licence_number),
                ("licence_body", licence_body),
                ("licence_expiry", licence_expiry),
            )
            if not value
        }
        if missing:
            raise ValidationError(missing)
    user = User(email=email.strip().lower(), full_name=full_name.strip(), role=role, phone=_staff_phone(phone))
    user.is_staff = staff_flag_for(role=role)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    if role == Role.PRACTITIONER:
        profile = PractitionerProfile(
            user=user,
            licence_number=licence_number.strip(),
            licence_body=licence_body.strip(),
            licence_expiry=licence_expiry,  # type: ignore[misc]  # None: full_clean() says it is required
        )
        profile.full_clean()
        profile.save()
        profile.locations.set(locations)
        profile.services.set(services)
    audit(action="create", obj=user, detail=f"staff account, role {user.get_role_display()}", actor=actor)
    return user


def account_change_problems(*, actor: User, user: User, changes: dict[str, object]) -> dict[str, str]:
    """Why `actor` may not make `changes` (field name → new value) to `user`'s account, by field; {} if allowed.

    The rules keep a manager (who sees no clinical content) from reaching it through an account: they
    cannot change their own role, give an existing account the practitioner role, or move a
    practitioner's login to an address they read. The superuser, made with createsuperuser and not a
    clinic role, may do all of these.
    """
    if actor.is_superuser:
        return {}
    problems: dict[str, str] = {}
    for name in changes:
        if name not in ACCOUNT_FIELDS:
            problems[name] = "Only the administrator (superuser) can change this."
    if "role" in changes:
        new_role = changes["role"]
        if user.pk == actor.pk:
            problems["role"] = "You cannot change your own role. Ask the administrator or another manager."
        elif Role.PATIENT in (user.role, new_role):
            problems["role"] = "Patient accounts are not staff accounts; the front desk manages patients."
        elif new_role == Role.PRACTITIONER:
            problems["role"] = (
                "Only the administrator (superuser) can make an existing account a practitioner, because "
                "practitioners read clinical records. Create a new practitioner account under Staff instead."
            )
    if changes.get("is_active") is False and user.pk == actor.pk:
        problems["is_active"] = "You cannot close your own account."
    if "email" in changes and user.role == Role.PRACTITIONER:
        problems["email"] = (
            "A practitioner's login email can only be changed by the administrator (superuser): whoever "
            "holds the address can reset the password and read clinical records."
        )
    return problems


@transaction.atomic
def account_update(*, actor: User, user: User, changes: dict[str, object]) -> User:
    """Change a login's details, role or status; every change is audited, role changes on their own row.

    Raises ValidationError by field (see account_change_problems).
    """
    if "phone" in changes:
        changes["phone"] = _staff_phone(str(changes["phone"] or ""))
    changes = {k: v for k, v in changes.items() if getattr(user, k) != v}
    problems = account_change_problems(actor=actor, user=user, changes=changes)
    if problems:
        raise ValidationError(problems)
    if not changes:
        return user
    before = {name: getattr(user, name) for name in changes}
    old_role = user.get_role_display()
    for name, value in changes.items():
        setattr(user, name, value)
    if "email" in changes:
        user.email = str(user.email).strip().lower()
    user.is_staff = staff_flag_for(role=user.role, is_superuser=user.is_superuser)
    user.full_clean()
    user.save()
    if "role" in changes:
        audit(action="role_change", obj=user, detail=f"role {old_role} → {user.get_role_display()}", actor=actor)
    if "is_superuser" in changes:
        granted = "granted" if user.is_superuser else "removed"
        audit(action="role_change", obj=user, detail=f"superuser {granted}", actor=actor)
    if "is_active" in changes:
        audit(action="reactivate" if user.is_active else "deactivate", obj=user, actor=actor)
    other = [name for name in before if name not in ("role", "is_active", "is_superuser")]
    if other:
        audit(action="update", obj=user, detail=f"changed {', '.join(other)}", actor=actor)
    return user


def audit_export_record(*, filters: dict[str, object], actor: User | None = None) -> None:
    """Exporting the log is recorded too: the file says who read which records."""
    shown = ", ".join(f"{k}={v}" for k, v in filters.items() if v not in ("", None)) or "no filters"
    audit(action="export", object_type="clinic.auditevent", object_repr="Audit log (CSV)", detail=shown, actor=actor)


def staff_invite_send(*, user: User, base_url: str) -> None:
    """Email a new staff member a one-time link to choose their password.

    The link is Django's password-reset token: it stops working once a password is set, and after
    PASSWORD_RESET_TIMEOUT (3 days). After that, "Forgot your password?" sends a fresh one.
    """
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "clinic_name": settings.CLINIC_NAME,
        "link": base_url.rstrip("/") + path,
        "login_url": base_url.rstrip("/") + reverse("login"),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    queue_email(  # the outbox (scheduling), in the caller's transaction
        kind="staff_invite",
        to=user.email,
        subject=" ".join(render_to_string("emails/staff_invite_subject.txt", context).split()),
        text=render_to_string("emails/staff_invite_body.txt", context),
        html=render_to_string("emails/staff_invite_body.html", context),
        user=user,
    )
    audit(action="password_link", obj=user, detail="emailed a link to choose a password")
