"""Every write to a treatment plan: propose, accept, adjust, review, discontinue.

Public API (keyword-only; each raises PlanError whose `.message` (and `.field`) the page shows):

    plan_propose(*, patient, practitioner, template, by, start_date, planned_sessions=None, count_reason="",
                 acuity_reason="", goals=(), service=None, cadence=None, now=None) -> TreatmentPlan
    plan_accept(*, plan, by, now=None) -> TreatmentPlan          # the patient, or the desk in person
    plan_adjust(*, plan, by, reason, planned_sessions=None, cadence=None, now=None) -> TreatmentPlan
    plan_discontinue(*, plan, by, reason, now=None) -> TreatmentPlan
    plan_review_record(*, plan, by, decision, reason="", planned_sessions=None, cadence=None, now=None)
    booking (plans.booking): plan_booking_proposals(...), plan_book(...)
    plan_outcome_refresh(*, plan_ids=None, patient_id=None, appointment_id=None) -> int

Every write adds a PlanEvent (who, when, what, why) and an audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from clinic.audit import audit
from clinic.models import PractitionerProfile, Role, Service
from patients.models import Patient

from . import progress
from .models import (
    Acuity,
    PlanEvent,
    PlanEventKind,
    PlanOutcome,
    PlanReview,
    PlanSession,
    PlanStatus,
    PlanTemplate,
    ReviewDecision,
    TreatmentPlan,
    validate_cadence,
)
from .queries import booked_numbers, intake_acuity, open_plan, plan_progress
from .reports import outcomes
from .reports import queries as report_queries


class PlanError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def expected_template_acuity(intake: str) -> str:
    """Subacute patients start on the acute course (FACTS.md); the practitioner may choose otherwise."""
    return Acuity.CHRONIC if intake == Acuity.CHRONIC else Acuity.ACUTE


def _event(plan: TreatmentPlan, *, by, kind: str, what: str, why: str = "", data=None, now=None) -> PlanEvent:
    event = PlanEvent(plan=plan, by=by, kind=kind, what=what[:500], why=why[:500], data=data or {})
    event.at = now or timezone.now()
    event.full_clean()
    event.save()
    audit(request=None, action=kind, obj=plan, patient_id=plan.patient_id, detail=what, actor=by)
    return event


def _reason(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PlanError(message, field=field)
    return text


def _check_count(template: PlanTemplate, count: int, reason: str, *, field: str = "count_reason") -> str:
    if not template.sessions_min <= count <= template.sessions_max:
        return _reason(
            reason,
            field,
            f"{count} sessions is outside this plan's usual {template.sessions_min}–{template.sessions_max}. Say why.",
        )
    return (reason or "").strip()


def _clean_goals(goals: Iterable[Mapping]) -> list[dict]:
    out = []
    for g in goals:
        measure = g.get("measure")
        if measure not in progress.MEASURES:
            raise PlanError(f"Unknown measure {measure!r}.", field="goals")
        top = progress.MEASURES[measure].top
        target = g.get("target")
        baseline = g.get("baseline")
        for value in (target, baseline):
            if value is not None and not (isinstance(value, int | float) and 0 <= value <= top):
                raise PlanError(f"{progress.MEASURES[measure].label}: use a number from 0 to {top}.", field="goals")
        if target is None:
            continue
        out.append({"measure": measure, "baseline": baseline, "target": target})
    return out


def _full_clean(plan: TreatmentPlan) -> None:
    try:
        plan.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise PlanError(" ".join(messages), field=None if field == "__all__" else field)


@transaction.atomic
def plan_propose(
    *,
    patient: Patient,
    practitioner: PractitionerProfile,
    template: PlanTemplate,
    by,
    start_date: dt.date,
    planned_sessions: int | None = None,
    count_reason: str = "",
    acuity_reason: str = "",
    goals: Iterable[Mapping] = (),
    service: Service | None = None,
    cadence: list[int] | None = None,
    now: dt.datetime | None = None,
) -> TreatmentPlan:
    """The practitioner's plan, proposed to the patient. Acuity comes from the intake."""
    now = now or timezone.now()
    if patient.archived:
        raise PlanError(f"{patient.full_name}'s record is archived.")
    if not template.active:
        raise PlanError("That plan template is no longer offered.", field="template")
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # two tabs cannot propose twice
    if open_plan(patient=patient, condition=template.condition) is not None:
        raise PlanError(
            "This patient already has a proposed or active plan for this condition. "
            "Discontinue it before proposing another.",
            field="template",
        )
    intake = intake_acuity(patient)
    acuity_reason = (acuity_reason or "").strip()
    if intake and template.acuity != expected_template_acuity(intake):
        _reason(
            acuity_reason,
            "acuity_reason",
            f"The intake says {intake}; this is a {template.acuity} plan. Say why you chose it.",
        )
    count = planned_sessions if planned_sessions is not None else template.sessions_default
    count_reason = _check_count(template, count, count_reason)
    service = service or template.follow_up_service
    if service is None or not service.active:
        raise PlanError("Choose the service each session books.", field="service")
    plan = TreatmentPlan(
        patient=patient,
        practitioner=practitioner,
        template=template,
        condition=template.condition,
        intake_acuity=intake or "",
        acuity=template.acuity,
        acuity_reason=acuity_reason,
        goals=_clean_goals(goals),
        start_date=start_date,
        planned_sessions=count,
        count_reason=count_reason,
        cadence=list(cadence) if cadence is not None else list(template.cadence),
        review_sessions=[n for n in template.review_sessions if n < count],
        service=service,
        created_by=by,
        created_at=now,
    )
    _full_clean(plan)
    plan.save()
    _event(
        plan,
        by=by,
        kind=PlanEventKind.PROPOSED,
        what=f"Proposed {template.name}: {count} sessions from {start_date:%d %b %Y}",
        why="; ".join(r for r in (acuity_reason, count_reason) if r),
        now=now,
    )
    plan_outcome_refresh(plan_ids=[plan.pk])
    return plan


def _locked(plan: TreatmentPlan) -> TreatmentPlan:
    return TreatmentPlan.objects.select_for_update(of=("self",)).select_related("template", "patient").get(pk=plan.pk)


@transaction.atomic
def plan_accept(*, plan: TreatmentPlan, by, now: dt.datetime | None = None) -> TreatmentPlan:
    """Acceptance makes the plan active: by the patient in the portal, or recorded by the desk in person."""
    now = now or timezone.now()
    plan = _locked(plan)
    if plan.status != PlanStatus.PROPOSED:
        raise PlanError(f"This plan is {plan.get_status_display().lower()}; only a proposed plan can be accepted.")
    if by.role == Role.PATIENT and plan.patient.user_id != by.pk:
        raise PlanError("Only the patient can accept their plan online.")
    plan.status = PlanStatus.ACTIVE
    plan.accepted_at = now
    plan.accepted_by = by
    _full_clean_active(plan)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise PlanError("There is already an active plan for this condition; it must end before another starts.")
    how = "online by the patient" if by.role == Role.PATIENT else f"in person, recorded by {by.full_name}"
    _event(plan, by=by, kind=PlanEventKind.ACCEPTED, what=f"Accepted {how}", now=now)
    plan_outcome_refresh(plan_ids=[plan.pk])
    return plan


def _full_clean_active(plan: TreatmentPlan) -> None:
    # validate_constraints would report the one-active-plan clash as a form error; the database
    # constraint is the guard that also holds between two concurrent acceptances.
    try:
        plan.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise PlanError(" ".join(exc.messages))


def _apply_adjustment(plan: TreatmentPlan, *, planned_sessions: int | None, cadence, reason: str) -> list[str]:
    changes = []
    if planned_sessions is not None and planned_sessions != plan.planned_sessions:
        highest = max(booked_numbers(plan), default=0)
        if planned_sessions < highest:
            raise PlanError(
                f"Session {highest} is booked. Cancel sessions after {planned_sessions} before shortening the plan.",
                field="planned_sessions",
            )
        _check_count(plan.template, planned_sessions, reason, field="reason")
        changes.append(f"sessions {plan.planned_sessions} → {planned_sessions}")
        plan.planned_sessions = planned_sessions
        PlanSession.objects.filter(plan=plan).update(of_total=planned_sessions)
    if cadence is not None and list(cadence) != list(plan.cadence):
        try:
            validate_cadence(list(cadence))
        except ValidationError as exc:
            raise PlanError(" ".join(exc.messages), field="cadence")
        changes.append(f"cadence {progress.cadence_text(plan.cadence)} → {progress.cadence_text(cadence)}")
        plan.cadence = list(cadence)
    return changes


@transaction.atomic
def plan_adjust(
    *,
    plan: TreatmentPlan,
    by,
    reason: str,
    planned_sessions: int | None = None,
    cadence: list[int] | None = None,
    now: dt.datetime | None = None,
) -> TreatmentPlan:
    """Change the number of sessions or the cadence of an open plan; a reason is always kept."""
    plan = _locked(plan)
    if not plan.is_open:
        raise PlanError("This plan has ended and can no longer be changed.")
    reason = _reason(reason, "reason", "Say why the plan changes.")
    changes = _apply_adjustment(plan, planned_sessions=planned_sessions, cadence=cadence, reason=reason)
    if not changes:
        raise PlanError("Nothing changed.", field="planned_sessions")
    _full_clean_active(plan)
    plan.save()
    _event(plan, by=by, kind=PlanEventKind.ADJUSTED, what="Adjusted: " + "; ".join(changes), why=reason, now=now)
    plan_outcome_refresh(plan_ids=[plan.pk])  # the number of sessions decides the review session
    return plan


def _end(plan: TreatmentPlan, *, status: str, reason: str, now: dt.datetime) -> None:
    plan.status = status
    plan.status_reason = reason
    plan.ended_at = now
    _full_clean_active(plan)
    plan.save()


@transaction.atomic
def plan_discontinue(*, plan: TreatmentPlan, by, reason: str, now: dt.datetime | None = None) -> TreatmentPlan:
    """End an open plan early. Booked sessions stay booked: cancelling them is a separate, visible step."""
    now = now or timezone.now()
    plan = _locked(plan)
    if not plan.is_open:
        raise PlanError("This plan has already ended.")
    reason = _reason(reason, "reason", "Say why the plan is discontinued.")
    _end(plan, status=PlanStatus.DISCONTINUED, reason=reason, now=now)
    _event(plan, by=by, kind=PlanEventKind.DISCONTINUED, what="Discontinued", why=reason, now=now)
    plan_outcome_refresh(plan_ids=[plan.pk])
    return plan


@transaction.atomic
def plan_review_record(
    *,
    plan: TreatmentPlan,
    by,
    decision: str,
    reason: str = "",
    planned_sessions: int | None = None,
    cadence: list[int] | None = None,
    now: dt.datetime | None = None,
) -> PlanReview:
    """The practitioner's decision at a review, kept with the scores it was made on.

    Without a meaningful improvement every decision needs a reason; with one, "continue" is one click.
    Discharge completes the plan, refer discontinues it, adjust changes it (plan_adjust's rules).
    """
    now = now or timezone.now()
    plan = _locked(plan)
    if plan.status != PlanStatus.ACTIVE:
        raise PlanError("Only an active plan can be reviewed.")
    if decision not in ReviewDecision.values:
        raise PlanError("Choose continue, adjust, refer or discharge.", field="decision")
    state = plan_progress(plan, now=now).review
    reason = (reason or "").strip()
    if not (state.improved and decision == ReviewDecision.CONTINUE):
        reason = _reason(reason, "reason", "Say why: this decision is kept with the scores it was made on.")
    if state.session_number is None:
        raise PlanError("No review session has been reached yet.")
    review = PlanReview(
        plan=plan,
        session_number=state.session_number,
        decision=decision,
        reason=reason,
        improved=state.improved,
        scores=state.scores_json(),
        decided_at=now,
        decided_by=by,
    )
    review.full_clean()
    review.save()
    what = f"Review at session {state.session_number}: {review.get_decision_display()}"
    if decision == ReviewDecision.ADJUST:
        changes = _apply_adjustment(plan, planned_sessions=planned_sessions, cadence=cadence, reason=reason)
        if not changes:
            raise PlanError("Change the number of sessions or the cadence.", field="planned_sessions")
        what += " (" + "; ".join(changes) + ")"
        plan.save()
    elif decision == ReviewDecision.DISCHARGE:
        _end(plan, status=PlanStatus.COMPLETED, reason=reason or "Discharged at review", now=now)
    elif decision == ReviewDecision.REFER:
        _end(plan, status=PlanStatus.DISCONTINUED, reason=f"Referred: {reason}", now=now)
    _event(plan, by=by, kind=PlanEventKind.REVIEWED, what=what, why=reason, data={"scores": review.scores}, now=now)
    plan_outcome_refresh(plan_ids=[plan.pk])
    return review


def plan_outcome_refresh(
    *, plan_ids: Iterable[int] | None = None, patient_id: int | None = None, appointment_id: int | None = None
) -> int:
    """Recompute and store the outcome summary (PlanOutcome) of the plans whose inputs just changed: the given
    plans, every plan of a patient (a questionnaire was submitted), or the plan an appointment is a session of
    (it was attended). Returns how many plans were refreshed; at most 6 queries, 1 when nothing matches.

    The one home of the summary: every service that writes its inputs calls it inside its own transaction
    (patients.services.responses.response_submit, scheduling's appointment_check_in and appointment_complete,
    and the plan services here). The figures come from plans.reports.outcomes.plan_outcome, the function the
    report used to run on every request, so the stored summary and a recomputation cannot disagree.
    """
    plans: QuerySet[TreatmentPlan] = TreatmentPlan.objects.all()
    if plan_ids is not None:
        plans = plans.filter(pk__in=list(plan_ids))
    if patient_id is not None:
        plans = plans.filter(patient_id=patient_id)
    if appointment_id is not None:
        plans = plans.filter(sessions__appointment_id=appointment_id)
    targets = list(plans.values_list("pk", "patient_id"))
    if not targets:
        return 0
    # Per-patient: a check-in and a submitted questionnaire of the same patient at the same moment must not each
    # store a summary computed without the other's change. The second waits here, then reads what the first
    # committed.
    list(Patient.objects.select_for_update().filter(pk__in={p for _, p in targets}).values_list("pk", flat=True))
    scored = report_queries.plan_scores(TreatmentPlan.objects.filter(pk__in=[pk for pk, _ in targets]))
    now = timezone.now()
    summaries = [
        PlanOutcome(
            plan_id=pk, start=scores.start, updated_at=now, **outcomes.summary_columns(outcomes.plan_outcome(scores))
        )
        for pk, scores in scored
    ]
    PlanOutcome.objects.bulk_create(
        summaries,
        update_conflicts=True,
        unique_fields=["plan"],
        update_fields=["start", "updated_at", *outcomes.SUMMARY_COLUMNS],
    )
    return len(summaries)
