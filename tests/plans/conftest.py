"""Shared set-up for plan tests: a clinic open Monday to Friday 09:00-17:00 in London, and intakes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans import services
from plans.models import PlanTemplate
from tests import factories as f

# Monday 2 March 2026, 08:00 in London (GMT): before opening time.
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def clinic(db, practitioner):
    f.policy(min_notice_hours=0, max_advance_days=90)
    setup = f.bookable_setup(practitioner=practitioner, weekdays=range(5), duration=45, buffer=15)
    PlanTemplate.objects.update(follow_up_service=setup.service)
    return setup


@pytest.fixture
def acute(db):
    return PlanTemplate.objects.get(name="Sciatica - acute")


@pytest.fixture
def chronic(db):
    return PlanTemplate.objects.get(name="Sciatica - chronic")


def intake(patient, *, weeks: float, leg=7, back=5, fi: dict | None = None, when=None):
    """A submitted intake whose symptom duration is `weeks` before `when`, with pain and function scores."""
    when = when or timezone.now()
    onset = (when - dt.timedelta(weeks=weeks)).date().isoformat()
    answers = {"onset_date": onset, "leg_pain_average": leg, "back_pain_average": back}
    f.QuestionnaireResponseFactory(
        patient=patient,
        instrument_key="sciatica_intake",
        context="intake",
        answers=answers,
        submitted_at=when,
        scores=_scores("sciatica_intake", answers, when),
    )
    fi_answers = fi if fi is not None else dict(f.FUNCTION_INDEX_ANSWERS)
    f.QuestionnaireResponseFactory(
        patient=patient, context="intake", answers=fi_answers, submitted_at=when, created_at=when
    )


def checkin(patient, *, when, leg, back, fi: dict | None = None):
    answers = {"leg_pain_average": leg, "back_pain_average": back, **(fi or {})}
    f.QuestionnaireResponseFactory(
        patient=patient,
        instrument_key="outcome_checkin",
        context="checkin",
        answers=answers,
        submitted_at=when,
        created_at=when,
        scores=_scores("outcome_checkin", answers, when),
    )


def _scores(key, answers, when):
    from patients.questionnaire import get_definition
    from patients.scoring import score

    return score(get_definition(key, 1), answers, {"today": when.date()})


def propose(patient, practitioner, template, **kw):
    kw.setdefault("by", practitioner.user)
    kw.setdefault("start_date", dt.date(2026, 3, 2))
    return services.plan_propose(patient=patient, practitioner=practitioner, template=template, **kw)
