"""seed_demo's treatment-plan history: three months of finished sciatica plans, so the manager's outcome report
("Outcomes by plan type") has figures and a chart for both the acute and the chronic plan.

Each history patient is a patient of their own (added by the front desk, no login), so the demo week's patients
and their visits stay as they were. For each: an intake with pain and function scores (acute or chronic by the
symptom duration), a plan proposed by the practitioner and accepted in person, its sessions booked, checked in
and completed through the plan and scheduling services, an outcome check-in before the mid-plan review and one
after the last session, the review decided, and the plan discharged at the last session. Most patients improve
meaningfully; a few (NOT_BETTER) do not. Everything is dated in the past by the services' `now` arguments.

The questionnaire responses are stored already submitted with their dates in the past (the questionnaire
services stamp the current time), scored by the app's own scoring (patients.scoring), and the plans' outcome
summaries are then refreshed by plans.services.plan_outcome_refresh, as response_submit's hook does.

Idempotent by patient: a history patient who already has a plan is left as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Service, User, WorkingHours
from patients import services as patient_services
from patients.models import Patient, QuestionnaireResponse
from patients.questionnaire import get_definition
from patients.scoring import score
from plans import booking as plan_booking
from plans import services as plan_services
from plans.models import PlanTemplate, ReviewDecision, TreatmentPlan
from scheduling import services as scheduling_services
from scheduling.models import Appointment

# Seven patients per plan type: figures from fewer than five are not shown, and each plan's visits go through the
# real services (about half a second each), so more would slow the seed for little.
# (full name, date of birth, plan acuity, days before today the plan started, leg pain at intake 0-10).
# Starts fall inside the report's default range (the last 90 days) and every plan ends over a week before
# today, clear of the demo week.
HISTORY = [
    ("Ian Fletcher", "1961-04-02", "acute", 80, 8),
    ("Rachel Dunn", "1979-08-14", "acute", 74, 7),
    ("Owen Price", "1987-01-23", "acute", 68, 9),
    ("Sophie Turner", "1992-06-30", "acute", 62, 6),
    ("Liam Gallagher", "1970-03-11", "acute", 56, 8),
    ("Peter Lawson", "1955-09-19", "acute", 44, 8),
    ("Colin Reid", "1966-07-27", "acute", 32, 6),
    ("Victor Alvarez", "1968-05-04", "chronic", 84, 7),
    ("Diane Porter", "1958-10-21", "chronic", 80, 6),
    ("Marcus Bell", "1981-02-13", "chronic", 76, 8),
    ("Yuki Tanaka", "1976-09-09", "chronic", 72, 7),
    ("Brenda Shaw", "1963-01-29", "chronic", 68, 6),
    ("Ahmed Farouk", "1971-06-17", "chronic", 64, 8),
    ("Tariq Malik", "1978-03-15", "chronic", 50, 7),
]
# Not meaningfully better (the others gain about 40-60% on leg pain, 30% on function).
NOT_BETTER = {"Peter Lawson", "Colin Reid", "Brenda Shaw", "Tariq Malik"}
FUNCTION_ANSWERS = {  # a moderate disability at intake; the scale is 0-5 per item
    "fi_pain": 3,
    "fi_personal_care": 2,
    "fi_lifting": 4,
    "fi_walking": 3,
    "fi_sitting": 3,
    "fi_standing": 3,
    "fi_sleeping": 3,
    "fi_sex_life": 2,
    "fi_social_life": 3,
    "fi_travelling": 3,
}
ONSET_WEEKS = {"acute": 3, "chronic": 40}


@dataclass
class HistoryResult:
    plans: int = 0

    def summary(self) -> str:
        return f"{self.plans} new finished treatment plans" if self.plans else "no new treatment plans"


def _respond(patient: Patient, key: str, context: str, answers: dict, when: dt.datetime) -> None:
    definition = get_definition(key, 1)
    response = QuestionnaireResponse(
        patient=patient,
        context=context,
        instrument_key=key,
        instrument_version=definition.version,
        status="submitted",
        answers=answers,
        scores=score(definition, answers, {"today": when.date()}),
        submitted_at=when,
        created_at=when,
        updated_at=when,
    )
    response.full_clean()
    response.save()


def _function_answers(share_left: float) -> dict:
    return {k: str(max(0, round(v * share_left))) for k, v in FUNCTION_ANSWERS.items()}


def _checkin(patient: Patient, when: dt.datetime, leg: int, share_left: float) -> None:
    answers = {
        "leg_pain_average": max(0, round(leg * share_left)),
        "back_pain_average": max(0, round(5 * share_left)),
    }
    _respond(patient, "outcome_checkin", "checkin", answers, when)
    _respond(patient, "function_index", "checkin", _function_answers(share_left), when)


def _patient(full_name: str, dob: str, n: int, location: Location, desk: User | None) -> Patient:
    date_of_birth = dt.date.fromisoformat(dob)
    patient = Patient.objects.filter(full_name=full_name, date_of_birth=date_of_birth).first()
    if patient is None:
        phone = f"+447700900{300 + n:03d}" if location.country == "GB" else f"+1212555{200 + n:04d}"
        patient = patient_services.patient_create(
            full_name=full_name,
            email="",
            phone=phone,
            date_of_birth=date_of_birth,
            user=None,
            created_by=desk,
            consent_sms=True,
        )
    return patient


def _book_initial(
    patient: Patient,
    practitioner: PractitionerProfile,
    location: Location,
    service: Service,
    first_day: dt.date,
    desk: User,
) -> Appointment:
    """The first time from `first_day` on that the rules accept, tried block by block as the desk would."""
    for offset in range(14):
        day = first_day + dt.timedelta(days=offset)
        hours = WorkingHours.objects.filter(practitioner=practitioner, location=location, weekday=day.weekday())
        for block in hours.order_by("start"):
            start = dt.datetime.combine(day, block.start, tzinfo=location.tz)
            while start + service.duration <= dt.datetime.combine(day, block.end, tzinfo=location.tz):
                try:
                    return scheduling_services.appointment_book(
                        patient=patient,
                        service=service,
                        practitioner=practitioner,
                        location=location,
                        start=start,
                        booked_by=desk,
                        now=start - dt.timedelta(days=3),
                        notify=False,
                    )
                except scheduling_services.BookingError:
                    start += dt.timedelta(minutes=30)
    raise RuntimeError(f"No time for {patient.full_name}'s initial consultation from {first_day}.")


def _history_plan(
    patient: Patient,
    *,
    template: PlanTemplate,
    practitioner: PractitionerProfile,
    location: Location,
    first_day: dt.date,
    leg: int,
    better: bool,
    desk: User,
    initial_service: Service,
) -> TreatmentPlan:
    tz = location.tz
    # The first visit is the initial consultation, on the practitioner's first free morning from `first_day`; the
    # intake is filled in the evening before, the plan proposed and accepted at it, its sessions from two days on.
    initial = _book_initial(patient, practitioner, location, initial_service, first_day, desk)
    intake_at = initial.start - dt.timedelta(hours=14)
    start_date = initial.start.astimezone(tz).date() + dt.timedelta(days=2)
    onset = (intake_at - dt.timedelta(weeks=ONSET_WEEKS[template.acuity])).date().isoformat()
    intake_answers = {"onset_date": onset, "leg_pain_average": leg, "back_pain_average": 5}
    _respond(patient, "sciatica_intake", "intake", intake_answers, intake_at)
    _respond(patient, "function_index", "intake", _function_answers(1.0), intake_at)
    scheduling_services.appointment_check_in(appointment=initial, by=desk, now=initial.start - dt.timedelta(minutes=5))
    scheduling_services.appointment_complete(appointment=initial)
    proposed_at = initial.start + initial.service.duration
    plan = plan_services.plan_propose(
        patient=patient,
        practitioner=practitioner,
        template=template,
        by=practitioner.user,
        start_date=start_date,
        now=proposed_at,
    )
    plan = plan_services.plan_accept(plan=plan, by=desk, now=proposed_at)
    proposals = plan_booking.plan_booking_proposals(plan=plan, location=location, now=proposed_at)
    plan_booking.plan_book(
        plan=plan, location=location, starts={p.number: p.start for p in proposals}, by=desk, now=proposed_at
    )
    appointments = sorted(
        (s.appointment for s in plan.sessions.select_related("appointment__service")), key=lambda a: a.start
    )
    review = plan.review_sessions[0]
    for number, appt in enumerate(appointments, start=1):
        if number == review:
            # The check-in the patient fills in before the review visit.
            share = (0.75 if better else 0.95) if template.acuity == "acute" else (0.8 if better else 1.0)
            _checkin(patient, appt.start - dt.timedelta(hours=20), leg, share)
        scheduling_services.appointment_check_in(appointment=appt, by=desk, now=appt.start - dt.timedelta(minutes=5))
        scheduling_services.appointment_complete(appointment=appt)
        if number == review:
            plan_services.plan_review_record(
                plan=plan,
                by=practitioner.user,
                decision=ReviewDecision.CONTINUE,
                reason="" if better else "Little change yet; continuing as planned before deciding.",
                now=appt.start + appt.service.duration,
            )
    last = appointments[-1]
    _checkin(patient, last.start + dt.timedelta(hours=4), leg, (0.4 if better else 0.9))
    # The summary as response_submit's hook leaves it, before the last review reads the scores.
    plan_services.plan_outcome_refresh(patient_id=patient.pk)
    plan_services.plan_review_record(
        plan=plan,
        by=practitioner.user,
        decision=ReviewDecision.DISCHARGE,
        reason="Course complete." if better else "Course complete; little change, advised to see the GP.",
        now=last.start + dt.timedelta(days=1),
    )
    return plan


def seed_history(
    *,
    locations: Sequence[Location],
    practitioners: Sequence[PractitionerProfile],
    templates: Mapping[str, PlanTemplate],
    initial_service: Service,
    desk: User,
    now: dt.datetime | None = None,
) -> HistoryResult:
    now = now or timezone.now()
    result = HistoryResult()
    for n, (full_name, dob, acuity, days_ago, leg) in enumerate(HISTORY):
        practitioner = practitioners[n % len(practitioners)]
        location = next(loc for loc in locations if practitioner.locations.filter(pk=loc.pk).exists())
        patient = _patient(full_name, dob, n, location, desk)
        if TreatmentPlan.objects.filter(patient=patient).exists():
            continue
        start_date = now.astimezone(location.tz).date() - dt.timedelta(days=days_ago)
        _history_plan(
            patient,
            template=templates[acuity],
            practitioner=practitioner,
            location=location,
            first_day=start_date,
            leg=leg,
            better=full_name not in NOT_BETTER,
            desk=desk,
            initial_service=initial_service,
        )
        result.plans += 1
    return result
