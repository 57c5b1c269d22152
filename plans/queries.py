"""Reads for treatment plans, shaped for the pages that show them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from patients.models import Patient
from patients.queries import key_scores, patient_outcomes, response_history
from scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

from . import progress
from .models import OPEN_STATUSES, PlanEvent, PlanReview, PlanSession, PlanTemplate, TreatmentPlan
from .visit_queries import visit_pain_series


def intake_acuity(patient: Patient) -> str:
    """acute / subacute / chronic from the intake's symptom duration ("" when it was not answered)."""
    for score in key_scores(list(response_history(patient))):
        if score["key"] == "duration":
            return score.get("band") or ""
    return ""


def templates_for(condition: str | None = None) -> QuerySet[PlanTemplate]:
    qs = PlanTemplate.objects.filter(active=True).select_related("follow_up_service")
    return qs.filter(condition=condition) if condition else qs


def open_plan(*, patient: Patient, condition: str) -> TreatmentPlan | None:
    return TreatmentPlan.objects.filter(patient=patient, condition=condition, status__in=OPEN_STATUSES).first()


def _plan_qs() -> QuerySet[TreatmentPlan]:
    sessions = PlanSession.objects.select_related(
        "appointment__location", "appointment__practitioner__user", "appointment__service"
    ).order_by("number")
    return TreatmentPlan.objects.select_related(
        "patient", "practitioner__user", "template", "service", "location", "accepted_by", "created_by"
    ).prefetch_related(Prefetch("sessions", queryset=sessions))


def plan_detail(pk: int) -> TreatmentPlan:
    """One plan with its sessions' appointments (TreatmentPlan.DoesNotExist → 404 in views)."""
    return _plan_qs().get(pk=pk)


def plans_for_patient(patient: Patient) -> list[TreatmentPlan]:
    return list(_plan_qs().filter(patient=patient))


def plan_history(plan: TreatmentPlan) -> tuple[list[PlanEvent], list[PlanReview]]:
    events = list(PlanEvent.objects.filter(plan=plan).select_related("by"))
    reviews = list(PlanReview.objects.filter(plan=plan).select_related("decided_by"))
    return events, reviews


def session_rows(plan: TreatmentPlan) -> list[dict]:
    """Each planned session 1..N: its appointment when booked, else "unbooked" (cancelled/missed included)."""
    by_number = {s.number: s for s in plan.sessions.all()}
    rows = []
    for n in range(1, plan.planned_sessions + 1):
        s = by_number.get(n)
        appt = s.appointment if s and s.appointment_id else None
        active = appt is not None and appt.status in ACTIVE_STATUSES
        rows.append(
            {
                "number": n,
                "appointment": appt if active else None,
                "lost": appt if appt is not None and not active else None,
                "review": plan.is_review(n),
            }
        )
    return rows


def booked_numbers(plan: TreatmentPlan) -> set[int]:
    """Session numbers that hold an active appointment (one query)."""
    return set(
        PlanSession.objects.filter(plan=plan, appointment__status__in=ACTIVE_STATUSES).values_list("number", flat=True)
    )


def booked_sessions(plan: TreatmentPlan) -> list[Appointment]:
    """The plan's active appointments in session order (their .plan_session is loaded)."""
    return list(
        Appointment.objects.filter(plan_session__plan=plan, status__in=ACTIVE_STATUSES)
        .select_related("plan_session", "location")
        .order_by("plan_session__number")
    )


def completed_count(plan: TreatmentPlan) -> int:
    return PlanSession.objects.filter(plan=plan, appointment__status="completed").count()


@dataclass
class PlanProgress:
    """What the progress bar, the chart and the review prompt show for one plan."""

    planned: int
    completed: int
    booked: int
    series: list[progress.Series]
    review: progress.ReviewState

    @property
    def percent(self) -> int:
        return round(100 * min(self.completed, self.planned) / self.planned) if self.planned else 0


def plan_progress(plan: TreatmentPlan, *, now: dt.datetime | None = None, with_scores: bool = True) -> PlanProgress:
    """Counts, score series and the review state in a fixed handful of queries.

    with_scores=False (the front desk's view) reads no clinical scores at all.
    """
    now = now or timezone.now()
    sessions = list(
        PlanSession.objects.filter(plan=plan, appointment__status__in=ACTIVE_STATUSES)
        .select_related("appointment")
        .order_by("number")
    )
    # The filter on appointment__status keeps only sessions that have an appointment.
    booked = [(s, s.appointment) for s in sessions if s.appointment is not None]
    completed = [s for s, a in booked if a.status == AppointmentStatus.COMPLETED]
    reached = {s.number for s, a in booked if a.start <= now}
    attended = [a.start for s, a in booked if a.status in (AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN)]
    series: list[progress.Series] = []
    if with_scores:
        outcomes = {**patient_outcomes(plan.patient)["series"], **visit_pain_series(plan.patient_id)}
        series = progress.build_series(outcomes, goals=plan.goals, attended=attended)
    reviewed = PlanReview.objects.filter(plan=plan).values_list("session_number", flat=True)
    review = progress.review_state(
        planned=plan.planned_sessions,
        review_numbers=plan.review_sessions or [],
        reviewed=list(reviewed),
        reached=reached,
        series=series,
    )
    return PlanProgress(plan.planned_sessions, len(completed), len(sessions), series, review)


def review_sessions_between(*, start: dt.datetime, end: dt.datetime) -> list[PlanSession]:
    """Booked review sessions of active plans starting in [start, end): the hook for the reminders
    job, which asks each patient for an outcome check-in before the review
    (patients.services.checkin_request). The plan page offers the same request by hand."""
    sessions = (
        PlanSession.objects.filter(
            plan__status="active",
            appointment__status=AppointmentStatus.BOOKED,
            appointment__start__gte=start,
            appointment__start__lt=end,
        )
        .select_related("plan__patient", "appointment")
        .order_by("appointment__start")
    )
    return [s for s in sessions if s.plan.is_review(s.number)]
