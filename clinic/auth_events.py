"""Logins, failed logins, lockouts and logouts go into the audit log.

Django's login and logout views and django-axes only announce these through signals, so the receivers
here are the hook; each one only calls audit(). Connected in ClinicConfig.ready().
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from .audit import audit
from .models import User


def _typed(username: object) -> str:
    # What was typed into the login form, made safe to store (it may be hostile: NUL bytes, 10,000 characters).
    return str(username or "").replace("\x00", "").strip()[:100]


def _account(username: str) -> User | None:
    return User.objects.filter(email__iexact=username).first() if username else None


def on_login(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    audit(request=request, action="login", obj=user, actor=user)


def on_logout(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if user is not None:
        audit(request=request, action="logout", obj=user, actor=user)


def on_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    typed = _typed(credentials.get("username"))
    account = _account(typed)
    audit(
        request=request,
        action="login_failed",
        object_type="clinic.user",
        object_id=account.pk if account else "",
        object_repr=f"Login as “{typed}”" + ("" if account else " (no such account)"),
    )


def on_locked_out(sender, request: HttpRequest | None, username: str, ip_address: str, **kwargs) -> None:
    typed = _typed(username)
    account = _account(typed)
    audit(
        request=request,
        action="lockout",
        object_type="clinic.user",
        object_id=account.pk if account else "",
        object_repr=f"Login as “{typed}”",
        detail="too many failed logins from this address: refused for a while",
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="clinic_audit_login")
    user_logged_out.connect(on_logout, dispatch_uid="clinic_audit_logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="clinic_audit_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="clinic_audit_locked_out")
