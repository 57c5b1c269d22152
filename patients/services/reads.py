"""Reading a clinical record leaves an audit row: who opened what, when, from where.

Views call these rather than writing audit rows themselves, so every read of a chart, a set of
answers, a consent or an intake summary is recorded the same way. `request` only gives the audit
row its address.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from clinic.audit import audit
from clinic.models import User

from ..models import Consent, Intake, Patient, QuestionnaireResponse


@transaction.atomic
def patient_chart_viewed(*, patient: Patient, actor: User, request: HttpRequest | None = None) -> None:
    audit(request=request, actor=actor, action="view", obj=patient, patient_id=patient.pk, detail="chart")


@transaction.atomic
def response_viewed(*, response: QuestionnaireResponse, actor: User, request: HttpRequest | None = None) -> None:
    audit(request=request, actor=actor, action="view", obj=response, patient_id=response.patient_id, detail="answers")


@transaction.atomic
def consent_viewed(*, consent: Consent, actor: User, request: HttpRequest | None = None) -> None:
    audit(request=request, actor=actor, action="view", obj=consent, patient_id=consent.patient_id, detail="consent")


@transaction.atomic
def intake_summary_viewed(*, intake: Intake, actor: User, request: HttpRequest | None = None) -> None:
    audit(
        request=request,
        actor=actor,
        action="view",
        obj=intake,
        patient_id=intake.patient_id,
        detail="intake summary (own)",
    )
