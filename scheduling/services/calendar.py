"""The practitioner's private calendar feed token."""

from __future__ import annotations

import secrets

from django.db import transaction

from clinic.models import PractitionerProfile


@transaction.atomic
def practitioner_calendar_token_rotate(*, practitioner: PractitionerProfile) -> str:
    """Replace the private feed token; the old feed URL stops working at once."""
    practitioner.calendar_token = secrets.token_urlsafe(24)
    practitioner.save(update_fields=["calendar_token"])
    return practitioner.calendar_token
