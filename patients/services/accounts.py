"""Patient logins: the email verification link after sign-up, and the front desk's invitation.

Sign-up sends a signed link (TimestampSigner, valid `VERIFY_MAX_AGE`); until it is used the patient
may fill in the intake but not book online (`patients.queries.email_verification_hold`). The link
signs the user id *and* the email, so a link sent to an old address stops working when it changes.

A patient the front desk created has no login; the desk sends an invitation, a set-password link
(Django's password-reset token, so it works once). Setting the password from it proves the
address too, so the account is verified at the same time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic.audit import audit
from clinic.messaging import queue_email
from clinic.models import Role, User

from ..models import Patient
from .errors import PatientError

VERIFY_SALT = "patients.email-verification"
VERIFY_MAX_AGE = dt.timedelta(days=3)

LINK_EXPIRED = "This link has expired. Log in and use “Send the link again” to get a new one."
LINK_INVALID = (
    "This link is not valid: it may have been copied incompletely, or your email address has changed since. "
    "Log in and use “Send the link again” to get a new one."
)


def email_verification_token(user: User) -> str:
    return signing.TimestampSigner(salt=VERIFY_SALT).sign_object({"u": user.pk, "e": user.email.lower()})


def _site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(*, template: str, to: str, context: dict) -> None:
    """Queue the email in the outbox, in the caller's transaction (it goes out after commit)."""
    context = {"clinic_name": settings.CLINIC_NAME, **context}
    queue_email(
        kind=template,
        to=to,
        subject=" ".join(render_to_string(f"emails/{template}_subject.txt", context).split()),
        text=render_to_string(f"emails/{template}_body.txt", context),
        html=render_to_string(f"emails/{template}_body.html", context),
        user=context.get("user"),
    )


def email_verification_send(*, user: User) -> None:
    """Email the sign-up verification link (again). Sent after the surrounding transaction commits."""
    if user.email_verified_at is not None:
        return
    link = _site_link(reverse("patients:verify_email", kwargs={"token": email_verification_token(user)}))
    context = {"user": user, "link": link, "valid_days": VERIFY_MAX_AGE.days}
    _send(template="email_verify", to=user.email, context=context)


def email_verification_check(token: str) -> User:
    """The user a verification link belongs to. Raises PatientError with a friendly message when it
    has expired, was tampered with, or names an email the account no longer has."""
    try:
        data = signing.TimestampSigner(salt=VERIFY_SALT).unsign_object(token, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise PatientError(LINK_EXPIRED)
    except (signing.BadSignature, ValueError, TypeError):
        raise PatientError(LINK_INVALID)
    if not isinstance(data, dict):
        raise PatientError(LINK_INVALID)
    user = User.objects.filter(pk=str(data.get("u", "")), is_active=True).first()
    if user is None or user.email.lower() != str(data.get("e", "")):
        raise PatientError(LINK_INVALID)
    return user


@transaction.atomic
def email_verify(*, token: str, request: HttpRequest | None = None) -> User:
    """Mark the account's email verified (using the link twice is harmless)."""
    user = email_verification_check(token)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit(request=request, actor=user, action="update", obj=user, detail="email verified")
    return user


@transaction.atomic
def patient_invite(*, patient: Patient, actor: User, request: HttpRequest | None = None) -> User:
    """The front desk invites a patient who has no login: a login is made (no password) and a
    set-password link is emailed. Sending it again makes a fresh link."""
    patient = Patient.objects.select_for_update(of=("self",)).select_related("user").get(pk=patient.pk)
    if patient.archived:
        raise PatientError("This record is archived. Restore it before sending an invitation.")
    if not patient.email:
        raise PatientError("Add the patient's email address first: the invitation is sent by email.")
    user = patient.user
    if user is not None and user.has_usable_password():
        raise PatientError("This patient already has a login. They can use “Forgot your password?” if needed.")
    if user is None:
        if User.objects.filter(email__iexact=patient.email).exists():
            raise PatientError("Another login already uses this email. Please check the record's email address.")
        user = User.objects.create_user(
            email=patient.email, password=None, full_name=patient.full_name, phone=patient.phone, role=Role.PATIENT
        )
        patient.user = user
        patient.save(update_fields=["user"])
    path = reverse(
        "patients:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "link": _site_link(path),
        "login_url": _site_link(reverse("login")),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    _send(template="patient_invite", to=user.email, context=context)
    audit(request=request, actor=actor, action="invite", obj=patient, patient_id=patient.pk, detail="login invitation")
    return user


@transaction.atomic
def invitation_accepted(*, user: User, request: HttpRequest | None = None) -> None:
    """The invited patient set their password from the emailed link: the address is theirs."""
    if user.email_verified_at is None:
        User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
        user.email_verified_at = timezone.now()
        audit(request=request, actor=user, action="update", obj=user, detail="email verified (invitation)")
