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

from .messaging import queue_email
from .models import JobHeartbeat, Location, PractitionerProfile, Role, Service, User


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
    user = User(email=email.strip().lower(), full_name=full_name.strip(), role=role, phone=phone.strip())
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
    return user


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
