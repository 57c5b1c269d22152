"""Hostile input for the patients pages, shared by the SQLite unit tests and the PostgreSQL integration test.

Each check posts one bad value the way a browser would and asserts what the person sees: a message next to the
field (never a 500), and that nothing they typed that can be stored is lost.
"""

from __future__ import annotations

from django.urls import reverse

from patients.models import QuestionnaireResponse
from tests import factories as f

from .conftest import step_posts, step_url

NUL = "\x00"


def _field_error(response, field: str) -> str:
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors
    assert field in errors, dict(errors)
    message = " ".join(errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    return message


def nul_in_a_choice_of_an_intake_step(client, full_name: str) -> None:
    data = {**step_posts(full_name)["where"], "cause": f"herniated{NUL}disc"}
    response = client.post(step_url("where"), data)

    _field_error(response, "cause")
    draft = QuestionnaireResponse.objects.get(instrument_key="sciatica_intake").drafts["where"]
    assert draft["cause"] == "herniateddisc" and draft["onset_date"] == data["onset_date"]


def nul_in_a_text_answer(client, full_name: str) -> None:
    posts = step_posts(full_name)
    for slug in ("where", "warning-signs"):
        assert client.post(step_url(slug), posts[slug]).status_code == 302
    response = client.post(step_url("health"), {**posts["health"], "medications": f"Ibuprofen{NUL} daily"})

    assert "not allowed" in _field_error(response, "medications").lower()
    draft = QuestionnaireResponse.objects.get(instrument_key="safety_screening").drafts["health"]
    assert draft["medications"] == "Ibuprofen daily"


def nul_in_the_autosave(client) -> None:
    response = client.post(
        reverse("patients:intake_autosave", kwargs={"slug": "where"}),
        {"pain_map__foot": f"right{NUL}", "cause": NUL, "symptoms": ["shooting", f"x{NUL}"]},
    )

    assert response.status_code == 204
    draft = QuestionnaireResponse.objects.get(instrument_key="sciatica_intake").drafts["where"]
    assert draft["symptoms"] == ["shooting", "x"] and draft["pain_map"] == {"foot": "right"}


def nul_in_a_questionnaire_field(client, patient) -> None:
    checkin = f.QuestionnaireResponseFactory(
        patient=patient,
        instrument_key="outcome_checkin",
        context="checkin",
        answers={},
        status="draft",
        submitted_at=None,
    )
    url = reverse("patients:questionnaire", kwargs={"pk": checkin.pk}) + "?section=pain"
    response = client.post(url, {"leg_pain_now": f"7{NUL}", "leg_pain_average": "5"})

    _field_error(response, "leg_pain_now")
    checkin.refresh_from_db()
    assert checkin.drafts["pain"]["leg_pain_average"] == "5" and checkin.answers == {}


def nul_in_the_consent_name(client, full_name: str) -> None:
    posts = step_posts(full_name)
    for step in list(posts)[:-1]:
        assert client.post(step_url(step), posts[step]).status_code == 302
    response = client.post(step_url("consent"), {"typed_name": f"{full_name}{NUL}", "agree": "on"})

    _field_error(response, "typed_name")


def nul_in_the_staff_search(client) -> None:
    response = client.get(reverse("patients:list"), {"q": f"smi{NUL}th"})

    assert response.status_code == 200
    assert b'data-testid="search-error"' in response.content
    assert response.context["patients"] == []
