"""Treatment plans: templates a manager keeps, the plan a practitioner proposes, its sessions and history.

A plan session row exists once the session has been booked; "unbooked" sessions are the numbers
1..planned_sessions without a session row holding an active appointment. A cancelled or missed
appointment keeps its link until the session is booked again, when the link moves to the new
appointment (the PlanEvent rows keep the whole story).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Service
from patients.models import Patient
from scheduling.models import ACTIVE_STATUSES, Appointment

MAX_SESSIONS = 40


class Acuity(models.TextChoices):
    ACUTE = "acute", "Acute"
    SUBACUTE = "subacute", "Subacute"
    CHRONIC = "chronic", "Chronic"


class Condition(models.TextChoices):
    SCIATICA = "sciatica", "Sciatica"


def validate_cadence(value) -> None:
    if not isinstance(value, list) or not value or len(value) > 52:
        raise ValidationError("Give the sessions per week as a list of whole numbers, e.g. [2, 2, 1].")
    if any(type(n) is not int or not 1 <= n <= 7 for n in value):
        raise ValidationError("Each week needs between 1 and 7 sessions.")


class PlanTemplate(models.Model):
    """A course of care the clinic offers; managers edit these in the admin."""

    name = models.CharField(max_length=120, unique=True)
    condition = models.CharField(max_length=32, choices=Condition.choices, default=Condition.SCIATICA)
    acuity = models.CharField(max_length=12, choices=[(Acuity.ACUTE, "Acute"), (Acuity.CHRONIC, "Chronic")])
    sessions_min = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)])
    sessions_max = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)])
    sessions_default = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)]
    )
    cadence = models.JSONField(
        validators=[validate_cadence],
        help_text="Sessions per week, week by week; the last week's number repeats. E.g. [2, 2, 1].",
    )
    follow_up_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="What each session books."
    )
    review_sessions = models.JSONField(
        default=list,
        blank=True,
        help_text="Mid-plan review session numbers, e.g. [3]. The last session of a plan is always a review.",
    )
    point_codes = models.JSONField(
        default=list, blank=True, help_text='Suggested points (codes from the point list), e.g. ["GB30", "BL40"].'
    )
    description = models.TextField(blank=True, help_text="What to expect, as the patient reads it.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["condition", "acuity", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_min__lte=models.F("sessions_default"))
                & Q(sessions_default__lte=models.F("sessions_max")),
                name="plantemplate_default_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        lo, hi, default = self.sessions_min, self.sessions_max, self.sessions_default
        if None not in (lo, hi, default) and not lo <= default <= hi:
            errors["sessions_default"] = "The default must lie between the minimum and the maximum."
        reviews = self.review_sessions
        if not isinstance(reviews, list) or any(type(n) is not int or not 1 <= n <= MAX_SESSIONS for n in reviews):
            errors["review_sessions"] = "Give review sessions as a list of session numbers, e.g. [3]."
        codes = self.point_codes
        if not isinstance(codes, list) or any(not isinstance(c, str) for c in codes):
            errors["point_codes"] = 'Give point codes as a list, e.g. ["GB30", "BL40"].'
        else:
            from clinic.models import AcupuncturePoint

            known = set(AcupuncturePoint.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                errors["point_codes"] = f"Unknown point codes: {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"


OPEN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)


class TreatmentPlan(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_plans")
    practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.PROTECT, related_name="treatment_plans")
    template = models.ForeignKey(PlanTemplate, on_delete=models.PROTECT, related_name="plans")
    condition = models.CharField(max_length=32, choices=Condition.choices, default=Condition.SCIATICA)
    # What the intake said (blank when it had no symptom duration) and the plan's own acuity.
    intake_acuity = models.CharField(max_length=12, choices=Acuity.choices, blank=True)
    acuity = models.CharField(max_length=12, choices=Acuity.choices)
    acuity_reason = models.CharField("reason for the acuity", max_length=500, blank=True)
    goals = models.JSONField(default=list, blank=True)
    start_date = models.DateField()
    planned_sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)]
    )
    count_reason = models.CharField("reason for the number of sessions", max_length=500, blank=True)
    cadence = models.JSONField(validators=[validate_cadence])
    review_sessions = models.JSONField(default=list, blank=True)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.PROPOSED)
    status_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "condition"],
                condition=Q(status=PlanStatus.ACTIVE),
                name="one_active_plan_per_condition",
            ),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.DISCONTINUED) | ~Q(status_reason=""),
                name="plan_discontinued_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.name} for {self.patient} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_review(self, number: int) -> bool:
        return is_review(number, self.planned_sessions, self.review_sessions)


def is_review(number: int, planned_sessions: int, review_sessions: list[int] | None) -> bool:
    """Is session `number` a review: a planned review session, or the plan's last (My day calls this on values)."""
    return number == planned_sessions or number in (review_sessions or [])


class PlanSession(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="plan_session"
    )
    # A copy of the plan's planned_sessions, kept in step by the services, so the schedule's
    # "session 3 of 6" comes from the one join scheduling already makes (no query per row).
    of_total = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_session_number_once")]

    def __str__(self) -> str:
        return self.progress_label

    @property
    def progress_label(self) -> str:
        return f"Session {self.number} of {self.of_total}"

    @property
    def is_booked(self) -> bool:
        return self.appointment_id is not None and self.appointment.status in ACTIVE_STATUSES


class PlanEventKind(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    BOOKED = "booked", "Sessions booked"
    ADJUSTED = "adjusted", "Adjusted"
    REVIEWED = "reviewed", "Reviewed"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"


class PlanEvent(models.Model):
    """One change to a plan: who, when, what and why. Never edited or deleted."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=PlanEventKind.choices)
    what = models.CharField(max_length=500)
    why = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.what}"


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", "Continue as planned"
    ADJUST = "adjust", "Adjust the number of sessions or the cadence"
    REFER = "refer", "Refer"
    DISCHARGE = "discharge", "Discharge"


class PlanReview(models.Model):
    """The practitioner's decision at a review session, with the scores it was made on."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="reviews")
    session_number = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=12, choices=ReviewDecision.choices)
    reason = models.CharField(max_length=1000, blank=True)
    improved = models.BooleanField()
    scores = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"Review at session {self.session_number}: {self.get_decision_display()}"


class PlanOutcome(models.Model):
    """A plan's outcome summary for the manager's outcomes report: the time of its baseline (`start`) and, per
    moment (review, end), whether any measure improved meaningfully (null: no score at that moment) and each
    measure's change from baseline (null: no score of that measure). One column per moment and measure of
    plans.progress.MEASURES (plans.reports.outcomes.SUMMARY_COLUMNS), so the report reads plain numbers.

    Derived data: written only by plans.services.plan_outcome_refresh, which every write to its inputs
    calls (a submitted questionnaire, a check-in or completed visit of a plan session, a plan's
    proposal, adjustment, review or status change). It does not depend on the plan's status or type,
    which the report reads from the plan itself.
    """

    plan = models.OneToOneField(TreatmentPlan, primary_key=True, on_delete=models.CASCADE, related_name="outcome")
    start = models.DateTimeField()
    review_improved = models.BooleanField(null=True)
    review_leg_pain_average = models.FloatField(null=True)
    review_back_pain_average = models.FloatField(null=True)
    review_function_index = models.FloatField(null=True)
    review_leg_pain_visit = models.FloatField(null=True)
    review_back_pain_visit = models.FloatField(null=True)
    end_improved = models.BooleanField(null=True)
    end_leg_pain_average = models.FloatField(null=True)
    end_back_pain_average = models.FloatField(null=True)
    end_function_index = models.FloatField(null=True)
    end_leg_pain_visit = models.FloatField(null=True)
    end_back_pain_visit = models.FloatField(null=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Outcome summary of plan {self.plan_id}"


# Visit records live in their own module; imported here so Django finds the models.
from .visit_models import (  # noqa: E402,F401
    AdverseEvent,
    Amendment,
    SafetyAcknowledgement,
    VisitPoint,
    VisitRecord,
)
