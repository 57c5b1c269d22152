"""Template helpers for patient pages, and the tags other apps use to show patient status.

- ``{% intake_status_badge patient %}``: complete / missing / started / needs review. Safe for the
  front desk: it never shows an answer. Uses ``patient.intake_status`` when a list page attached it
  with ``queries.with_intake_status`` (no query per row), otherwise asks the database.
- ``{% patient_alert_badges patient %}``: red flags and precautions as short badges. Clinical:
  render it only on practitioner pages (My day, the visit form).
- ``{% email_verification_notice patient %}``: on the patient's own pages (home, booking), why
  online booking waits for the email to be confirmed, with "Send the link again".
"""

from __future__ import annotations

from typing import Any

from django import template

from .. import queries
from ..questionnaire import UnknownQuestionnaire, get_definition

register = template.Library()


@register.filter
def is_selected(value: Any, current: Any) -> bool:
    """Is a choice checked? `current` is a single value or a list (multi-choice)."""
    if current is None:
        return False
    if isinstance(current, list | tuple):
        return str(value) in {str(c) for c in current}
    return str(value) == str(current)


@register.filter
def is_exclusive(item, value: Any) -> bool:
    choice = item.choice(str(value)) if item is not None else None
    return bool(choice and choice.exclusive)


@register.filter
def region_side(current: Any, region: str) -> str:
    if isinstance(current, dict):
        return current.get(region, "")
    return ""


@register.inclusion_tag("patients/_intake_status_badge.html")
def intake_status_badge(patient) -> dict:
    status = getattr(patient, "intake_status", None)
    if not isinstance(status, queries.IntakeStatus):
        status = queries.intake_status(patient)
    return {"status": status}


@register.simple_tag
def intake_status(patient) -> queries.IntakeStatus:
    """``{% intake_status patient as s %}{{ s.label }}``"""
    status = getattr(patient, "intake_status", None)
    return status if isinstance(status, queries.IntakeStatus) else queries.intake_status(patient)


@register.inclusion_tag("patients/_alert_badges.html")
def patient_alert_badges(patient, alerts=None) -> dict:
    """Pass `alerts` from ``queries.alerts_for_patients(ids)[patient.pk]`` on list pages."""
    return {"alerts": alerts if alerts is not None else queries.patient_alerts(patient), "patient": patient}


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


@register.filter
def score_value(score: dict) -> str:
    """A score as a person reads it: "40 / 100 (moderate)", "7 / 10", "9.3 weeks (subacute)", "incomplete"."""
    if not isinstance(score, dict):
        return ""
    if score.get("status") == "incomplete" or score.get("value") is None:
        return "incomplete"
    if "weeks" in score:
        text = f"{_num(score['weeks'])} weeks"
    elif score.get("max") is not None:
        text = f"{_num(score['value'])} / {_num(score['max'])}"
    else:
        text = _num(score["value"])
    if score.get("band"):
        text += f" ({score['band']})"
    return text


@register.filter
def instrument_title(response) -> str:
    """A stored response's questionnaire by its title (e.g. "Function index (v1)"), not its file key."""
    try:
        definition = get_definition(response.instrument_key, response.instrument_version)
    except UnknownQuestionnaire:
        return f"{response.instrument_key} v{response.instrument_version}"
    return f"{definition.title} (v{definition.version})"


@register.inclusion_tag("patients/_email_verification.html", takes_context=True)
def email_verification_notice(context, patient) -> dict:
    request = context.get("request")
    return {
        "hold": queries.email_verification_hold(patient) if patient is not None else None,
        "email": patient.user.email if patient is not None and patient.user_id else "",
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
