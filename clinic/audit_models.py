"""The audit log's model: append-only (the model refuses updates and deletes; on PostgreSQL a trigger too)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who looked at or changed what, and from where. Append-only: the model refuses updates and
    deletes, and on PostgreSQL a trigger refuses them in the database too (migration 0006)."""

    REPR_LENGTH = 200

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    action = models.CharField(max_length=32)  # view, create, update, sign, amend, login, role_change, ...
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    # The record's readable name when the event was written ("Patient Pat Owner"): the row may be renamed
    # or archived later, and the log must still say what it was.
    object_repr = models.CharField("record", max_length=REPR_LENGTH, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=255, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor or 'system'} {self.action} {self.record_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")

    @property
    def record_label(self) -> str:
        if self.object_repr:
            return self.object_repr
        return f"{self.object_type} #{self.object_id}" if self.object_id else self.object_type
