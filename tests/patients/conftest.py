"""Helpers for walking through the intake as a patient would, with the test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from patients import intake_flow
from tests.factories import FUNCTION_INDEX_ANSWERS

WARNING_ITEMS = [
    "ce_bladder",
    "ce_saddle",
    "ce_bowel",
    "ce_sexual",
    "ce_both_legs_weak",
    "ce_pain_both_sides",
    "rf_cancer",
    "rf_weight_loss",
    "rf_fever",
    "rf_trauma",
    "rf_steroids",
    "rf_immunosuppression",
    "rf_injected_drugs",
    "rf_new_pain_age",
    "rf_night_pain",
    "rf_foot_drop",
]


def step_posts(full_name: str = "Pat Owner") -> dict[str, dict]:
    """A plain, valid run through every step: no red flags, no precautions."""
    ten_weeks_ago = timezone.localdate() - dt.timedelta(weeks=10)
    return {
        "where": {
            "pain_map__lower_back": "both",
            "pain_map__thigh": "left",
            "pain_map__calf": "left",
            "symptoms": ["shooting", "numbness_tingling"],
            "onset_date": ten_weeks_ago.isoformat(),
            "cause": "herniated_disc",
        },
        "warning-signs": {k: "no" for k in WARNING_ITEMS},
        "health": {
            "bleeding_disorder": "no",
            "blood_thinners": ["none"],
            "pregnant": "no",
            "implant": "no",
            "metal_allergy": "no",
            "needle_fear": "no",
            "fainting": "no",
            "lie_still": "no",
            "diabetes": "no",
            "skin_condition": "no",
            "medications": "Ibuprofen when needed",
            "allergies": "none",
        },
        "treatments": {
            "treatments_tried": ["painkillers", "physiotherapy"],
            "helped_painkillers": "a_little",
            "helped_physiotherapy": "quite_a_lot",
        },
        "pain-scores": {
            "leg_pain_now": "7",
            "leg_pain_average": "6",
            "leg_pain_worst": "9",
            "back_pain_now": "4",
            "back_pain_average": "4",
            "back_pain_worst": "6",
        },
        "daily-life": {"sleep": "moderately", "stress": "6", "goals": "Walk the dog for an hour again"},
        "function": dict(FUNCTION_INDEX_ANSWERS),
        "consent": {"typed_name": full_name, "agree": "on"},
    }


def step_url(slug: str) -> str:
    return reverse("patients:intake_step", kwargs={"slug": slug})


class IntakeWalker:
    def __init__(self, client, full_name: str):
        self.client = client
        self.posts = step_posts(full_name)

    def post(self, slug: str, **overrides):
        data = {**self.posts[slug], **overrides}
        return self.client.post(step_url(slug), {k: v for k, v in data.items() if v is not None})

    def through(self, last_slug: str, **overrides_by_step):
        """Post every step up to and including `last_slug`; each must be accepted."""
        for step in intake_flow.STEPS:
            response = self.post(step.slug, **overrides_by_step.get(step.slug, {}))
            assert response.status_code == 302, (step.slug, response.content.decode()[:2000])
            if step.slug == last_slug:
                return response
        return response

    def complete(self, **overrides_by_step):
        return self.through("consent", **overrides_by_step)


@pytest.fixture
def walker(patient_client, patient):
    return IntakeWalker(patient_client, patient.full_name)
