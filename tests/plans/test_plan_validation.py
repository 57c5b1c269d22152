"""Making a plan: the session range, the acuity from the intake, one active plan per condition, history."""

from __future__ import annotations

import pytest
import time_machine
from django.db import IntegrityError, transaction

from clinic.models import AuditEvent
from plans import services
from plans.models import PlanEvent, PlanStatus, TreatmentPlan

from .conftest import NOW, intake, propose


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_template_default_needs_no_reason(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute)
    assert (plan.planned_sessions, plan.status, plan.intake_acuity) == (4, PlanStatus.PROPOSED, "acute")
    assert plan.cadence == [2, 2, 1]
    assert plan.service == clinic.service


def test_a_count_outside_the_range_needs_a_reason(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    with pytest.raises(services.PlanError) as exc:
        propose(patient, practitioner, acute, planned_sessions=8)
    assert exc.value.field == "count_reason"
    assert "outside this plan's usual 3–6" in exc.value.message
    assert not TreatmentPlan.objects.exists()

    plan = propose(patient, practitioner, acute, planned_sessions=8, count_reason="Slow to respond last time")
    assert plan.planned_sessions == 8
    assert plan.count_reason == "Slow to respond last time"


def test_a_blank_reason_is_no_reason(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    with pytest.raises(services.PlanError):
        propose(patient, practitioner, acute, planned_sessions=2, count_reason="   ")


def test_subacute_defaults_to_the_acute_template(patient, practitioner, clinic, acute, chronic):
    intake(patient, weeks=8)
    plan = propose(patient, practitioner, acute)
    assert plan.intake_acuity == "subacute" and plan.acuity == "acute" and plan.acuity_reason == ""


def test_overriding_the_intake_acuity_needs_a_reason(patient, practitioner, clinic, acute, chronic):
    intake(patient, weeks=20)  # chronic
    with pytest.raises(services.PlanError) as exc:
        propose(patient, practitioner, acute)
    assert exc.value.field == "acuity_reason"
    assert "intake says chronic" in exc.value.message

    plan = propose(patient, practitioner, acute, acuity_reason="Flare-up of an old problem, settling fast")
    assert plan.acuity == "acute" and plan.intake_acuity == "chronic"
    assert PlanEvent.objects.get(plan=plan).why == "Flare-up of an old problem, settling fast"


def test_a_chronic_plan_for_an_acute_intake_needs_a_reason(patient, practitioner, clinic, chronic):
    intake(patient, weeks=2)
    with pytest.raises(services.PlanError):
        propose(patient, practitioner, chronic)


def test_the_database_refuses_a_second_active_plan(patient, practitioner, clinic, acute, chronic):
    intake(patient, weeks=3)
    first = propose(patient, practitioner, acute)
    services.plan_accept(plan=first, by=patient.user)
    second = TreatmentPlan.objects.get(pk=first.pk)
    second.pk = None
    second.status = PlanStatus.ACTIVE
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_a_second_plan_is_refused_while_one_is_open(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    propose(patient, practitioner, acute)
    with pytest.raises(services.PlanError, match="already has a proposed or active plan"):
        propose(patient, practitioner, acute)


def test_accepting_records_who_and_when_and_keeps_the_history(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute)
    plan = services.plan_accept(plan=plan, by=patient.user)
    assert plan.status == PlanStatus.ACTIVE
    assert (plan.accepted_by, plan.accepted_at) == (patient.user, NOW)
    assert [e.kind for e in plan.events.all()] == ["proposed", "accepted"]
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="accepted").count() == 1
    with pytest.raises(services.PlanError, match="only a proposed plan"):
        services.plan_accept(plan=plan, by=patient.user)


def test_the_desk_records_acceptance_given_in_person(patient, practitioner, clinic, acute, front_desk_user):
    intake(patient, weeks=3)
    plan = services.plan_accept(plan=propose(patient, practitioner, acute), by=front_desk_user)
    assert plan.accepted_by == front_desk_user
    assert "in person" in plan.events.last().what


def test_another_patient_cannot_accept(patient, other_patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    plan = propose(patient, practitioner, acute)
    with pytest.raises(services.PlanError):
        services.plan_accept(plan=plan, by=other_patient.user)


def test_discontinuing_needs_a_reason_and_frees_the_condition(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    plan = services.plan_accept(plan=propose(patient, practitioner, acute), by=patient.user)
    with pytest.raises(services.PlanError) as exc:
        services.plan_discontinue(plan=plan, by=practitioner.user, reason="")
    assert exc.value.field == "reason"
    plan = services.plan_discontinue(plan=plan, by=practitioner.user, reason="Moved away")
    assert (plan.status, plan.status_reason) == (PlanStatus.DISCONTINUED, "Moved away")
    again = propose(patient, practitioner, acute)
    assert TreatmentPlan.objects.count() == 2 and again.status == PlanStatus.PROPOSED


def test_adjusting_keeps_the_reason_and_moves_session_totals(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    plan = services.plan_accept(plan=propose(patient, practitioner, acute), by=patient.user)
    with pytest.raises(services.PlanError):
        services.plan_adjust(plan=plan, by=practitioner.user, reason="", planned_sessions=5)
    plan = services.plan_adjust(plan=plan, by=practitioner.user, reason="Needs one more", planned_sessions=5)
    assert plan.planned_sessions == 5
    assert plan.events.last().what == "Adjusted: sessions 4 → 5"


def test_an_unknown_point_code_in_a_template_is_refused(acute):
    from django.core.exceptions import ValidationError

    acute.point_codes = ["GB30", "XX99"]
    with pytest.raises(ValidationError, match="XX99"):
        acute.full_clean()


def test_goal_values_are_checked(patient, practitioner, clinic, acute):
    intake(patient, weeks=3)
    with pytest.raises(services.PlanError, match="0 to 10"):
        propose(patient, practitioner, acute, goals=[{"measure": "leg_pain_average", "baseline": 7, "target": 30}])
