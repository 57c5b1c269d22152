"""Writing audit events: who viewed or changed a clinical record, what, when and from where."""

from __future__ import annotations

from django.http import HttpRequest

from .access import client_ip
from .models import AuditEvent


def audit(
    *,
    request: HttpRequest | None,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    patient_id: int | None = None,
    detail: str = "",
    actor=None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        ip_address=client_ip(request),
        detail=detail[:255],
    )
