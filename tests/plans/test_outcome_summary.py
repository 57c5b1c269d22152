"""The stored outcome summary (PlanOutcome) stays equal to a recomputation after every kind of write,
and the outcomes report gives the same figures from it as from the scores themselves."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from patients.services import checkin_request, response_submit
from plans import booking, services
from plans.models import PlanOutcome, TreatmentPlan
from plans.reports import outcomes, queries
from plans.reports.queries import Scope
from scheduling.models import Appointment
from scheduling.services import appointment_check_in, appointment_complete
from tests.factories import FUNCTION_INDEX_ANSWERS

from .conftest import NOW, intake, propose

SCOPE = Scope(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def recomputed(plan: TreatmentPlan) -> tuple[dt.datetime, dict[str, outcomes.MomentOutcome]]:
    [(_, scores)] = queries.plan_scores(TreatmentPlan.objects.filter(pk=plan.pk))
    return scores.start, outcomes.plan_outcome(scores)


def stored(plan: TreatmentPlan) -> tuple[dt.datetime, dict[str, outcomes.MomentOutcome]]:
    summary = PlanOutcome.objects.get(plan=plan)
    return summary.start, outcomes.summary_moments([getattr(summary, c) for c in outcomes.SUMMARY_COLUMNS])


def assert_fresh(plan: TreatmentPlan) -> dict[str, outcomes.MomentOutcome]:
    start, moments = stored(plan)
    assert (start, moments) == recomputed(plan)
    return moments


def submit_checkin(patient, *, leg: int, when: dt.datetime) -> None:
    response = checkin_request(patient=patient)
    response.answers = {
        "leg_pain_now": leg,
        "leg_pain_average": leg,
        "back_pain_now": 5,
        "back_pain_average": 5,
        **FUNCTION_INDEX_ANSWERS,
    }
    response.save()
    with time_machine.travel(when, tick=False):
        response_submit(response=response)


def session(number: int) -> Appointment:
    return Appointment.objects.get(plan_session__number=number)


def test_the_summary_follows_every_write_and_the_report_agrees(patient, practitioner, clinic, acute):
    with time_machine.travel(NOW, tick=False):
        intake(patient, weeks=3, leg=7, back=5, when=NOW - dt.timedelta(days=7))
        plan = propose(patient, practitioner, acute)  # proposal: a summary with no figure yet
        assert assert_fresh(plan) == {}
        services.plan_accept(plan=plan, by=patient.user)
        assert_fresh(plan)
        starts = {n: dt.datetime(2026, 3, d, 10, tzinfo=clinic.location.tz) for n, d in ((1, 2), (2, 5), (3, 9))}
        booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    before_visits = stored(plan)[0]

    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 5, tzinfo=dt.UTC), tick=False):
        appointment_check_in(appointment=session(1))  # attended: the baseline is now before session 1
    assert stored(plan)[0] == session(1).start != before_visits
    assert_fresh(plan)

    submit_checkin(patient, leg=4, when=dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC))  # a score after session 1
    moments = assert_fresh(plan)
    assert moments["review"].improved and moments["review"].changes["leg_pain_average"] == -3.0

    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 5, tzinfo=dt.UTC), tick=False):
        appointment_check_in(appointment=session(2))
        appointment_complete(appointment=session(2))
    submit_checkin(patient, leg=6, when=dt.datetime(2026, 3, 6, 9, tzinfo=dt.UTC))  # after 2 sessions: not better
    assert not assert_fresh(plan)["review"].improved

    with time_machine.travel(dt.datetime(2026, 3, 6, 12, tzinfo=dt.UTC), tick=False):
        # More sessions: the review session is still session 3 (no reachable change moves a summary, but the
        # plan's sessions are an input, so the service refreshes it).
        services.plan_adjust(plan=plan, by=practitioner.user, reason="Better than expected", planned_sessions=8)
    assert_fresh(plan)
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 5, tzinfo=dt.UTC), tick=False):
        appointment_complete(appointment=session(3))  # recorded straight from booked
    submit_checkin(patient, leg=2, when=dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC))
    assert assert_fresh(plan)["end"].changes["leg_pain_average"] == -5.0
    with time_machine.travel(dt.datetime(2026, 3, 9, 12, 5, tzinfo=dt.UTC), tick=False):
        services.plan_review_record(plan=plan, by=practitioner.user, decision="discharge", reason="Pain free")
    assert_fresh(plan)

    other = _discontinued_plan(practitioner, clinic, acute)
    assert_fresh(other)

    # The report from the stored summaries = the report computed from the scores themselves.
    from_summaries = outcomes.gather(queries.outcome_rows(SCOPE))
    assert from_summaries == outcomes.outcomes_by_plan_type(queries.outcomes_inputs(SCOPE))
    end = next(r for r in from_summaries if r.moment == "end")
    assert end.improved.n == 2


def _discontinued_plan(practitioner, clinic, template) -> TreatmentPlan:
    from tests import factories as f

    patient = f.PatientFactory(user=f.UserFactory(role="patient"))
    with time_machine.travel(NOW, tick=False):
        intake(patient, weeks=3, leg=8, when=NOW - dt.timedelta(days=3))
        plan = services.plan_accept(plan=propose(patient, practitioner, template), by=patient.user)
        start = dt.datetime(2026, 3, 3, 14, tzinfo=clinic.location.tz)
        booking.plan_book(plan=plan, location=clinic.location, starts={1: start}, by=patient.user)
    with time_machine.travel(dt.datetime(2026, 3, 3, 14, 5, tzinfo=dt.UTC), tick=False):
        appointment_check_in(appointment=Appointment.objects.get(plan_session__plan=plan))
    submit_checkin(patient, leg=7, when=dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC), tick=False):
        services.plan_discontinue(plan=plan, by=practitioner.user, reason="Moved away")
    return plan


@pytest.mark.django_db
def test_a_plan_without_a_summary_is_computed_and_the_report_reads_one_row_per_plan(
    patient, practitioner, clinic, acute, django_assert_num_queries
):
    with time_machine.travel(NOW, tick=False):
        intake(patient, weeks=3, leg=7, back=5, when=NOW - dt.timedelta(days=7))
        plan = services.plan_accept(plan=propose(patient, practitioner, acute), by=patient.user)
        starts = {1: dt.datetime(2026, 3, 2, 10, tzinfo=clinic.location.tz)}
        booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 5, tzinfo=dt.UTC), tick=False):
        appointment_check_in(appointment=session(1))
    submit_checkin(patient, leg=3, when=dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC))
    with django_assert_num_queries(1):
        with_summary = queries.outcome_rows(SCOPE)
    PlanOutcome.objects.all().delete()  # e.g. a plan written before summaries existed
    with django_assert_num_queries(4):
        without = queries.outcome_rows(SCOPE)
    assert with_summary == without and without[0].moments["review"].improved
    assert services.plan_outcome_refresh(plan_ids=[plan.pk]) == 1  # what the migration's backfill runs
    assert_fresh(plan)
