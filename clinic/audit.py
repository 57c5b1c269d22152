"""Writing audit events: who viewed or changed what, when, from which address, with a readable label.

Services call `audit(...)` inside their own transaction, so an event commits or rolls back with the
change it records. A service called from a view need not pass the request: `AuditRequestMiddleware`
keeps the current request in a context variable, and `audit()` takes the actor and the address from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.db import models
from django.http import HttpRequest, HttpResponse

from .access import client_ip
from .models import AuditEvent, User

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_current_request", default=None)


class AuditRequestMiddleware:
    """Makes the request being served available to `audit()` in services (after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def label_for(obj: models.Model) -> str:
    """What a person reads in the log: "Patient Pat Owner", not "patients.patient #33"."""
    return f"{str(obj._meta.verbose_name).capitalize()} {obj}"[: AuditEvent.REPR_LENGTH]


def _actor_and_ip(request: HttpRequest | None, actor: User | None) -> tuple[User | None, str | None]:
    request = request if request is not None else current_request()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    return actor, client_ip(request)


def audit(
    *,
    request: HttpRequest | None = None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    patient_id: int | None = None,
    detail: str = "",
    actor: User | None = None,
    object_repr: str = "",
) -> AuditEvent:
    """Record one event. `request` may be None (a service): the current request, if any, is used."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or label_for(obj)
    actor, ip = _actor_and_ip(request, actor)
    return AuditEvent.objects.create(
        actor=actor,
        action=action[:32],
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        object_repr=object_repr[: AuditEvent.REPR_LENGTH],
        patient_id=patient_id,
        ip_address=ip,
        detail=detail[:255],
    )


def audit_patients_viewed(
    *,
    patients: Iterable[models.Model],
    detail: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """One "view" event per patient whose clinical data a page showed, in one insert."""
    actor, ip = _actor_and_ip(request, actor)
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action="view",
            object_type=p._meta.label_lower,
            object_id=str(p.pk),
            object_repr=label_for(p),
            patient_id=p.pk,
            ip_address=ip,
            detail=detail[:255],
        )
        for p in patients
    )
