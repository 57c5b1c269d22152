"""The audit log as CSV rows, for a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils import timezone

from .models import AuditEvent

HEADER = ["when", "who", "role", "email", "action", "record", "record type", "record id", "patient id", "ip", "detail"]


class _Line:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection): quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_rows(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    tz = timezone.get_current_timezone()
    for e in events.iterator(chunk_size=500) if hasattr(events, "iterator") else events:
        actor = e.actor
        yield writer.writerow(
            [
                _cell(v)
                for v in (
                    e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"),
                    actor.full_name if actor else "system",
                    actor.get_role_display() if actor else "",
                    actor.email if actor else "",
                    e.action,
                    e.record_label,
                    e.object_type,
                    e.object_id,
                    e.patient_id,
                    e.ip_address,
                    e.detail,
                )
            ]
        )
