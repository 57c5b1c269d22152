"""Intake status (safe for the front desk), the patient's own intake progress, and the online booking hold."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from ..models import (
    HOLD_CATEGORIES,
    Intake,
    Patient,
    QuestionnaireResponse,
    ResponseContext,
    ResponseStatus,
    ReviewDecision,
    SafetyFlag,
    SafetyReview,
)
from ..questionnaire import get_definition


class IntakeStatus(enum.Enum):
    MISSING = ("missing", "Intake missing", "secondary")
    IN_PROGRESS = ("in_progress", "Intake started", "warning")
    COMPLETE = ("complete", "Intake complete", "success")
    NEEDS_REVIEW = ("needs_review", "Needs review", "danger")

    def __init__(self, code: str, label: str, css: str):
        self.code = code
        self.label = label
        self.css = css

    def __str__(self) -> str:
        return self.code


def intake_statuses(patient_ids: Iterable[int]) -> dict[int, IntakeStatus]:
    """Intake status of many patients in one query (for schedules and lists).

    Needs review: an open red-flag/cauda-equina flag, or the last safety review referred the
    patient on. Otherwise complete / started / missing from their intakes.
    """
    ids = list({int(i) for i in patient_ids})
    if not ids:
        return {}
    patient = OuterRef("pk")
    latest_review = SafetyReview.objects.filter(patient=patient).order_by("-created_at", "-id").values("decision")[:1]
    rows = (
        Patient.objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            open_flag=Exists(
                SafetyFlag.objects.filter(patient=patient, category__in=HOLD_CATEGORIES, review__isnull=True)
            ),
            last_decision=Subquery(latest_review),
            complete=Exists(Intake.objects.filter(patient=patient, completed_at__isnull=False)),
            started=Exists(Intake.objects.filter(patient=patient)),
        )
        .values_list("pk", "open_flag", "last_decision", "complete", "started")
    )
    out = dict.fromkeys(ids, IntakeStatus.MISSING)
    for pk, open_flag, last_decision, complete, started in rows:
        if open_flag or last_decision == ReviewDecision.REFER:
            out[pk] = IntakeStatus.NEEDS_REVIEW
        elif complete:
            out[pk] = IntakeStatus.COMPLETE
        elif started:
            out[pk] = IntakeStatus.IN_PROGRESS
    return out


def intake_status(patient: Patient) -> IntakeStatus:
    return intake_statuses([patient.pk])[patient.pk]


def with_intake_status(patients: Iterable[Patient]) -> list[Patient]:
    """Attach `.intake_status` to each patient (one batch of queries), for list pages."""
    patients = list(patients)
    statuses = intake_statuses(p.pk for p in patients)
    for p in patients:
        p.intake_status = statuses.get(p.pk, IntakeStatus.MISSING)  # type: ignore[attr-defined]
    return patients


# --- intake progress (the patient's own view) -------------------------------------------------


def current_intake(patient: Patient) -> Intake | None:
    return Intake.objects.filter(patient=patient).order_by("-started_at", "-id").first()


def intake_step_response(*, patient: Patient, intake: Intake | None, instrument_key: str) -> QuestionnaireResponse:
    """The intake's saved response for a step's questionnaire, or an unsaved blank one.

    Showing a step is a read: the intake and its responses are created by the first save (POST).
    """
    if intake is not None:
        saved = intake.responses.filter(instrument_key=instrument_key).first()
        if saved is not None:
            return saved
    definition = get_definition(instrument_key)
    return QuestionnaireResponse(
        patient=patient,
        intake=intake,
        context=ResponseContext.INTAKE,
        instrument_key=definition.key,
        instrument_version=definition.version,
    )


def pending_questionnaires(patient: Patient) -> QuerySet[QuestionnaireResponse]:
    """Check-ins and requested questionnaires the patient has not sent yet."""
    return QuestionnaireResponse.objects.filter(patient=patient, intake__isnull=True, status=ResponseStatus.DRAFT)


# --- online booking hold ---------------------------------------------------------------------

HOLD_MESSAGE = (
    "Some of your health answers need a quick review by one of our acupuncturists before you can book "
    "online. Please call the clinic and we will help you."
)
REFERRED_MESSAGE = (
    "Your acupuncturist has asked you to see a doctor before acupuncture, so online booking is paused. "
    "Please call the clinic once you have seen them."
)


def patient_treatment_booking_hold(patient: Patient) -> str | None:
    """Why online booking is on hold for this patient, or None when it is not.

    `scheduling.services.patient_may_self_book` asks this, and so does the waitlist claim.
    A red flag in the safety screening holds
    ALL online booking (including an initial consultation) until a practitioner reviews the patient:
    "clear" lifts the hold, "refer" keeps it until a later "clear". The front desk can still book
    by phone, after talking to the patient.
    """
    if SafetyFlag.objects.filter(patient=patient, category__in=HOLD_CATEGORIES, review__isnull=True).exists():
        return HOLD_MESSAGE
    latest = SafetyReview.objects.filter(patient=patient).order_by("-created_at", "-id").first()
    if latest and latest.decision == ReviewDecision.REFER:
        return REFERRED_MESSAGE
    return None


UNVERIFIED_MESSAGE = (
    "Please confirm your email address before booking online: open the link we emailed you when you "
    "signed up. You can fill in your health questions in the meantime."
)


def email_verification_hold(patient: Patient) -> str | None:
    """Why online booking waits for the patient's email to be confirmed, or None.

    `scheduling.services.patient_self_book_decisions` asks this next to the safety hold. A record
    without a login cannot book online anyway; the front desk books by phone regardless.
    """
    user = patient.user
    if user is None or user.email_verified_at is not None:
        return None
    return UNVERIFIED_MESSAGE


def booking_hold_reason(patient: Patient) -> str | None:
    """Everything that holds this patient's online booking, most important first (for their pages)."""
    return patient_treatment_booking_hold(patient) or email_verification_hold(patient)
