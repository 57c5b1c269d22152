"""The step-by-step intake: one questionnaire response per instrument, completed when every step is saved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.audit import audit
from clinic.models import User

from .. import intake_flow
from ..models import Intake, Patient, QuestionnaireResponse, ResponseContext
from ..questionnaire import get_definition
from .errors import AnswersInvalid, PatientError
from .responses import SaveResult, _section_items, response_draft_save, response_section_save, response_submit


@transaction.atomic
def intake_start(*, patient: Patient) -> Intake:
    """The patient's intake: the open one, else the last completed one, else a new one.

    Called on the first POST of a step only: showing a step (GET) reads, it never creates rows.
    """
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # serialise two tabs
    intake = Intake.objects.filter(patient=patient).order_by("-started_at", "-id").first()
    if intake:
        return intake
    intake = Intake(patient=patient)
    intake.full_clean()
    intake.save()
    return intake


@transaction.atomic
def intake_response(*, intake: Intake, instrument_key: str) -> QuestionnaireResponse:
    """The intake's response for one questionnaire, created on first use with the newest version."""
    response = intake.responses.filter(instrument_key=instrument_key).first()
    if response:
        return response
    definition = get_definition(instrument_key)
    response = QuestionnaireResponse(
        patient=intake.patient,
        intake=intake,
        context=ResponseContext.INTAKE,
        instrument_key=definition.key,
        instrument_version=definition.version,
    )
    response.full_clean()
    response.save()
    return response


def _mark_step(intake: Intake, slug: str) -> None:
    if slug not in intake.steps_done:
        intake.steps_done = [*intake.steps_done, slug]
    intake.updated_at = timezone.now()
    intake.save(update_fields=["steps_done", "updated_at"])


@transaction.atomic
def intake_step_save(
    *,
    patient: Patient,
    slug: str,
    answers: Mapping[str, Any],
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> SaveResult:
    """Save one questionnaire step of the intake, starting the intake on the first save.

    The change is audited in the same transaction (`request` only gives the audit row its address).
    """
    intake = Intake.objects.select_for_update().get(pk=intake_start(patient=patient).pk)
    if intake.is_complete:
        raise PatientError("Your intake is complete. Your answers can no longer be changed here.")
    step = intake_flow.step(slug)
    if step.section is None:
        raise ValueError("The consent step is saved by consent_sign().")
    if not intake_flow.may_open(slug, intake.steps_done):
        raise PatientError("Please answer the earlier steps first.")
    response = intake_response(intake=intake, instrument_key=step.instrument)
    result = response_section_save(response=response, section=step.section, answers=answers)
    _mark_step(intake, slug)
    audit(
        request=request,
        actor=actor or patient.user,
        action="update",
        obj=response,
        patient_id=patient.pk,
        detail=f"intake step {slug}",
    )
    return result


@transaction.atomic
def intake_step_draft_save(*, patient: Patient, slug: str, raw: Mapping[str, Any]) -> None:
    """Keep what was typed in a step that is not sent or not valid yet (also the htmx autosave)."""
    intake = intake_start(patient=patient)
    step = intake_flow.step(slug)
    if intake.is_complete or step.section is None or not intake_flow.may_open(slug, intake.steps_done):
        return
    response = intake_response(intake=intake, instrument_key=step.instrument)
    response_draft_save(response=response, section=step.section, raw=raw)


@transaction.atomic
def _intake_complete(intake: Intake) -> Intake:
    """Every step saved: submit each questionnaire and close the intake."""
    for instrument in intake_flow.INSTRUMENTS:
        response = intake_response(intake=intake, instrument_key=instrument)
        try:
            response_submit(response=response)
        except AnswersInvalid as exc:
            # Say which step to go back to (e.g. a definition changed under a half-done intake).
            definition = response.definition
            exc.step = next(
                (
                    st.slug
                    for st in intake_flow.steps_of(instrument)
                    if set(exc.errors) & _section_items(definition, st.section or "")
                ),
                None,
            )
            raise
    intake.completed_at = timezone.now()
    intake.updated_at = intake.completed_at
    intake.save(update_fields=["completed_at", "updated_at"])
    return intake
