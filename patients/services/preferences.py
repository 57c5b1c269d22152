"""How a patient wants to be contacted: consent to SMS, opting out.

The one home for changing contact consent outside the details form (an SMS "STOP", an unsubscribe link).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clinic.audit import audit

from ..models import Patient


@transaction.atomic
def sms_opt_out(*, patient: Patient, source: str, now: dt.datetime | None = None) -> Patient:
    """The patient no longer wants SMS (e.g. they replied STOP). Idempotent; audited with its source."""
    now = now or timezone.now()
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.consent_sms:
        patient.consent_sms = False
        patient.save(update_fields=["consent_sms"])
        audit(
            request=None,
            actor=None,
            action="update",
            obj=patient,
            patient_id=patient.pk,
            detail=f"SMS opt-out ({source})",
        )
    return patient
