"""The one place that says who may use what.

Every view is wrapped in `role_required(...)` (or `public`) so the access-matrix test can rely on a
single rule: anonymous users are sent to log in, a wrong role gets 403, and per-object checks
(a patient opening someone else's record) answer 404 so ids cannot be probed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from .models import Role

PATIENT = (Role.PATIENT,)
PRACTITIONER = (Role.PRACTITIONER,)
FRONT_DESK = (Role.FRONT_DESK,)
MANAGER = (Role.MANAGER,)
# Who works with the schedule and contact details (no clinical content).
SCHEDULE_STAFF = (Role.PRACTITIONER, Role.FRONT_DESK, Role.MANAGER)
# Who may read clinical records (intake answers, visit notes).
CLINICAL = (Role.PRACTITIONER,)
ANY_ROLE = tuple(Role)


def role_required(*roles: Role | Iterable[Role]) -> Callable:
    """Allow only logged-in users whose role is in `roles` (flattened)."""
    allowed: set[str] = set()
    for r in roles:
        if isinstance(r, str):
            allowed.add(str(r))
        else:
            allowed.update(str(x) for x in r)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in allowed or not user.is_active:
                raise PermissionDenied("Your account does not have access to this page.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, on purpose."""
    view.allowed_roles = "public"  # type: ignore[attr-defined]
    return view


def can_read_clinical(user) -> bool:
    """May this user read clinical content (scores, notes)? Pages shared with the desk ask it."""
    return bool(user.is_authenticated and user.role in CLINICAL)


def require_patient_owner(request: HttpRequest, patient) -> None:
    """A patient may only reach their own record; anyone else who is not staff gets 404."""
    user = request.user
    if not user.is_authenticated:  # role_required sends them to log in first; this keeps the rule total
        raise Http404("No such record.")
    if user.role == Role.PATIENT:
        if patient.user_id != user.id:
            raise Http404("No such record.")
    elif user.role not in SCHEDULE_STAFF:
        raise Http404("No such record.")


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person making the request: the one home for it (audit log, consent, login throttling).

    Behind TRUSTED_PROXY_COUNT proxies, each appends the address it was connected from to X-Forwarded-For,
    so the client is that many entries from the right; anything further left was sent by the client and
    could be forged. With no trusted proxy (the default) the header is ignored. A missing or short header
    falls back to the connecting address.
    """
    if request is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= count:
            ip = _valid_ip(forwarded[-count])
            if ip:
                return ip
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def login_throttle_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The name django-axes counts failures against: the email as the login matches it.

    Without this, "Pat@x.org" and "pat@x.org" would be separate counters for the same account, and
    changing the case would be a way round the lockout.
    """
    data = credentials if credentials is not None else getattr(request, "POST", {})
    # Axes stores at most 255 characters; a longer (hostile) name must not become a database error.
    return (data.get("username") or "").strip().lower().replace("\x00", "")[:255]
