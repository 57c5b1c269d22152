"""Questionnaire responses: save a section (validated, rescored, flags raised), drafts, submit, requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.audit import audit
from clinic.models import ClinicPolicy, User

from ..models import FlagCategory, Patient, QuestionnaireResponse, ResponseContext, ResponseStatus, SafetyFlag
from ..questionnaire import Definition, get_definition, validate
from ..scoring import score
from .errors import AnswersInvalid, PatientError
from .safety import _sync_flags

# Called in the submitting transaction with the patient's id. The plans app registers its outcome summaries
# here (plans/apps.py): it is built on patients, and patients never imports it.
RESPONSE_SUBMITTED: list[Callable[[int], None]] = []


def on_response_submitted(hook: Callable[[int], None]) -> None:
    if hook not in RESPONSE_SUBMITTED:
        RESPONSE_SUBMITTED.append(hook)


def _score_context(today: dt.date | None = None) -> dict:
    policy = ClinicPolicy.get()
    return {
        "today": today or timezone.localdate(),
        "acute_cutoff_weeks": policy.acute_cutoff_weeks,
        "chronic_cutoff_weeks": policy.chronic_cutoff_weeks,
    }


@dataclass
class SaveResult:
    response: QuestionnaireResponse
    new_red_flags: list[SafetyFlag] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return any(f.category == FlagCategory.CAUDA_EQUINA for f in self.new_red_flags)


def _section_items(definition: Definition, section: str) -> set[str]:
    return {it.key for it in definition.section(section).items}


@transaction.atomic
def response_section_save(*, response: QuestionnaireResponse, section: str, answers: Mapping[str, Any]) -> SaveResult:
    """Save one section's answers (validated again here), rescore, and raise any safety flags."""
    response = (
        QuestionnaireResponse.objects.select_for_update(of=("self",)).select_related("patient").get(pk=response.pk)
    )
    if response.is_submitted:
        raise PatientError("These answers were already sent and can no longer be changed.")
    definition = response.definition
    mine = _section_items(definition, section)
    others = {k: v for k, v in response.answers.items() if k not in mine}
    clean, errors = validate(definition, answers, sections=[section], context=others, today=timezone.localdate())
    if errors:
        raise AnswersInvalid(errors)
    response.answers = {**others, **clean}
    # An answer in a later section that depended on this one may be hidden now; drop it.
    later_ok, _ = validate(definition, response.answers, today=timezone.localdate())
    response.answers = {k: v for k, v in response.answers.items() if k in later_ok or k in clean}
    response.drafts = {k: v for k, v in response.drafts.items() if k != section}
    if section not in response.sections_done:
        response.sections_done = [*response.sections_done, section]
    response.scores = score(definition, response.answers, _score_context())
    response.updated_at = timezone.now()
    response.full_clean()
    response.save()
    new_red = _sync_flags(response=response, definition=definition, sections=[section])
    return SaveResult(response=response, new_red_flags=new_red)


def _storable(value: Any) -> Any:
    """A draft as JSON that every database accepts: PostgreSQL's jsonb refuses the NUL character.

    A NUL byte is never meaningful typed text (the form shows a message for it), so dropping it
    from the draft loses nothing the patient wrote.
    """
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


@transaction.atomic
def response_draft_save(*, response: QuestionnaireResponse, section: str, raw: Mapping[str, Any]) -> None:
    """Keep what was typed into a section that is not valid yet, so a reload shows it again."""
    response = QuestionnaireResponse.objects.select_for_update().get(pk=response.pk)
    if response.is_submitted:
        return
    response.drafts = {**response.drafts, section: _storable(raw)}
    response.updated_at = timezone.now()
    response.save(update_fields=["drafts", "updated_at"])


@transaction.atomic
def response_submit(*, response: QuestionnaireResponse) -> QuestionnaireResponse:
    """Final: every section valid, scores computed; no further changes."""
    response = QuestionnaireResponse.objects.select_for_update().get(pk=response.pk)
    if response.is_submitted:
        return response
    definition = response.definition
    clean, errors = validate(definition, response.answers, today=timezone.localdate())
    if errors:
        raise AnswersInvalid(errors)
    now = timezone.now()
    response.answers = clean
    response.scores = score(definition, clean, _score_context())
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = now
    response.updated_at = now
    response.drafts = {}
    response.full_clean()
    response.save()
    for hook in RESPONSE_SUBMITTED:
        hook(response.patient_id)
    return response


@transaction.atomic
def questionnaire_request(
    *,
    patient: Patient,
    instrument_key: str,
    requested_by: User | None = None,
    context: str = ResponseContext.REQUESTED,
    request: HttpRequest | None = None,
) -> QuestionnaireResponse:
    """Ask the patient to fill in a questionnaire (newest version). Reuses an unfinished one.

    A request by a practitioner is audited (`request` only gives the audit row its address).
    """
    definition = get_definition(instrument_key)
    if definition.kind != "questionnaire":
        raise PatientError("That form cannot be sent as a questionnaire.")
    open_one = QuestionnaireResponse.objects.filter(
        patient=patient, instrument_key=instrument_key, status=ResponseStatus.DRAFT, intake__isnull=True
    ).first()
    response = open_one or QuestionnaireResponse(
        patient=patient,
        context=context,
        instrument_key=definition.key,
        instrument_version=definition.version,
        requested_by=requested_by,
    )
    if not open_one:
        response.full_clean()
        response.save()
    if requested_by is not None:
        audit(
            request=request,
            actor=requested_by,
            action="request",
            obj=response,
            patient_id=patient.pk,
            detail=response.instrument_key,
        )
    return response


def checkin_request(*, patient: Patient, requested_by: User | None = None) -> QuestionnaireResponse:
    """The short outcome check-in (pain + function index), e.g. at a plan's review session."""
    return questionnaire_request(
        patient=patient, instrument_key="outcome_checkin", requested_by=requested_by, context=ResponseContext.CHECKIN
    )


@transaction.atomic
def questionnaire_section_save(
    *,
    response: QuestionnaireResponse,
    section: str,
    answers: Mapping[str, Any],
    actor: User | None,
    request: HttpRequest | None = None,
) -> SaveResult:
    """A section of a check-in or requested questionnaire; the last one sends the whole response.

    `request` only gives the audit row its address. `actor` is None for the patient filling it in
    through a one-click check-in link without logging in.
    """
    result = response_section_save(response=response, section=section, answers=answers)
    audit(
        request=request,
        actor=actor,
        action="update",
        obj=result.response,
        patient_id=result.response.patient_id,
        detail=f"section {section}",
    )
    keys = result.response.definition.section_keys
    if all(k in result.response.sections_done for k in keys):
        result.response = response_submit(response=result.response)
    return result
