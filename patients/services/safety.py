"""Safety flags raised by the screening answers, the practitioner's review, and the online booking hold."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.audit import audit
from clinic.models import User

from ..models import HOLD_CATEGORIES, Patient, QuestionnaireResponse, ReviewDecision, SafetyFlag, SafetyReview
from ..questionnaire import Definition, raised_flags
from .errors import PatientError


def _sync_flags(*, response: QuestionnaireResponse, definition: Definition, sections: list[str]) -> list[SafetyFlag]:
    """Raise the flags these sections' answers trigger. Returns the newly raised red flags.

    Red flags are raised once per response and stay until reviewed, even if the answer is later
    changed (someone reported a sign; a practitioner decides). Precautions mirror the latest answers.
    """
    triggered = raised_flags(definition, response.answers, sections)
    in_scope = {
        f.code
        for f in definition.flags
        if f.when.items() <= {it.key for s in sections for it in definition.section(s).items}
    }
    now = timezone.now()
    new_red: list[SafetyFlag] = []
    existing_red = set(
        SafetyFlag.objects.filter(response=response, category__in=HOLD_CATEGORIES).values_list("code", flat=True)
    )
    active_other = {
        f.code: f
        for f in SafetyFlag.objects.filter(
            patient=response.patient, withdrawn_at__isnull=True, code__in=in_scope
        ).exclude(category__in=HOLD_CATEGORIES)
    }
    triggered_codes = {f.code for f in triggered}
    for code, flag in active_other.items():
        if code not in triggered_codes:
            flag.withdrawn_at = now
            flag.save(update_fields=["withdrawn_at"])
    for rule in triggered:
        is_red = rule.category in HOLD_CATEGORIES
        if (is_red and rule.code in existing_red) or (not is_red and rule.code in active_other):
            continue
        flag = SafetyFlag(
            patient=response.patient,
            response=response,
            category=rule.category,
            code=rule.code,
            label=rule.label[:200],
            alert=rule.alert,
            patient_label=rule.patient_label[:200],
            raised_at=now,
        )
        flag.full_clean()
        flag.save()
        if is_red:
            new_red.append(flag)
    return new_red


@transaction.atomic
def safety_review_record(
    *, patient: Patient, reviewed_by: User, decision: str, note: str, request: HttpRequest | None = None
) -> SafetyReview:
    """A practitioner reviewed the patient's red flags: clear (lifts the booking hold) or refer (keeps it)."""
    note = (note or "").strip()
    if not note:
        raise PatientError("Please add a note saying what you decided and why.", field="note")
    if decision not in ReviewDecision.values:
        raise PatientError("Choose clear or refer.", field="decision")
    review = SafetyReview(
        patient=patient, reviewed_by=reviewed_by, decision=decision, note=note, created_at=timezone.now()
    )
    review.full_clean()
    review.save()
    SafetyFlag.objects.filter(patient=patient, category__in=HOLD_CATEGORIES, review__isnull=True).update(review=review)
    audit(request=request, actor=reviewed_by, action="review", obj=review, patient_id=patient.pk, detail=decision)
    return review
