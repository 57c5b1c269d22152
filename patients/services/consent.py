"""Signed consent: the typed name must match the record; a row is never changed afterwards."""

from __future__ import annotations

import hashlib
import re

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.audit import audit
from clinic.models import User

from .. import intake_flow
from ..models import Consent, Intake, Patient
from ..questionnaire import Definition, get_definition
from .errors import PatientError
from .intake import _intake_complete, _mark_step


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", (name or "").strip()).casefold()


def consent_text(definition: Definition) -> str:
    """The full text the patient agrees to, as stored with the signature."""
    parts = [definition.consent_text, "", "Common effects:"]
    parts += [f"- {r}" for r in definition.consent_risks]
    parts += ["", "Rare risks:"]
    parts += [f"- {r}" for r in definition.consent_rare_risks]
    parts += ["", definition.consent_statement]
    return "\n".join(parts).strip()


@transaction.atomic
def consent_sign(
    *,
    patient: Patient,
    typed_name: str,
    agreed: bool,
    ip_address: str | None,
    user_agent: str = "",
    intake: Intake | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Consent:
    """Record a signed consent. The typed name must match the record's name (case and spacing aside).

    A Consent row is never changed afterwards; signing again makes a new row. The signature is
    audited in the same transaction (`request` only gives the audit row its address).
    """
    if not agreed:
        raise PatientError("Please tick the box to confirm you agree.", field="agree")
    if normalise_name(typed_name) != normalise_name(patient.full_name):
        raise PatientError(
            f"Please type your full name exactly as on your record: {patient.full_name}.", field="typed_name"
        )
    definition = get_definition(intake_flow.CONSENT_KEY)
    text = consent_text(definition)
    consent = Consent(
        patient=patient,
        intake=intake,
        text_key=definition.key,
        text_version=definition.version,
        text=text,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        typed_name=typed_name.strip()[:150],
        agreed=True,
        signed_at=timezone.now(),
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:255],
    )
    consent.full_clean()
    consent.save()
    audit(
        request=request,
        actor=actor or patient.user,
        action="sign",
        obj=consent,
        patient_id=patient.pk,
        detail="consent",
    )
    if intake is not None:
        intake = Intake.objects.select_for_update().get(pk=intake.pk)
        _mark_step(intake, "consent")
        if not intake.is_complete and intake_flow.first_missing(intake.steps_done) is None:
            _intake_complete(intake)
    return consent
