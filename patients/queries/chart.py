"""The practitioner's chart, readable responses, and outcome scores over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from .. import intake_flow
from ..models import Consent, Patient, QuestionnaireResponse, ResponseStatus, SafetyReview
from ..questionnaire import Definition, UnknownQuestionnaire, get_definition, raised_flags, readable_answers
from ..scoring import function_index_change, pain_change
from .alerts import patient_alerts, pregnancy_points_to_avoid
from .status import current_intake, intake_status


def _definition_or_none(response: QuestionnaireResponse) -> Definition | None:
    try:
        return response.definition
    except UnknownQuestionnaire:
        return None


def response_view(response: QuestionnaireResponse, *, for_patient: bool = False) -> dict:
    """A response as readable sections and scores, for the summary, the chart and the detail page.

    `for_patient`: the patient's own view shows their answers and plain-language results, never
    the clinician's scoring (counts of warning signs, bands).
    """
    definition = _definition_or_none(response)
    sections = readable_answers(definition, response.answers) if definition else []
    if definition and definition.flags:
        # Answers that raised a flag stand out on the page.
        flagged = set().union(*(f.when.items() for f in raised_flags(definition, response.answers))) or set()
        for section in sections:
            for row in section["rows"]:
                row["flagged"] = row["key"] in flagged
    scores = [dict(key=k, **v) for k, v in (response.scores or {}).items()]
    if not response.is_submitted:
        # Unfinished: show what was answered, not a wall of "not answered" and "incomplete".
        sections = [s for s in sections if s["key"] in response.sections_done]
        scores = [s for s in scores if s.get("status") == "ok"]
    if for_patient:
        return {
            "response": response,
            "definition": definition,
            "sections": sections,
            "scores": [],
            "results": patient_results(scores),
        }
    return {"response": response, "definition": definition, "sections": sections, "scores": scores}


# The results a patient sees about their own answers, in their words. Everything else in the
# scoring (warning-sign counts, severity bands, symptom counts) is for the practitioner.
PATIENT_RESULTS = {
    "leg_pain_now": "Your leg pain now",
    "leg_pain_average": "Your leg pain on average",
    "leg_pain_worst": "Your leg pain at its worst",
    "back_pain_now": "Your back pain now",
    "back_pain_average": "Your back pain on average",
    "back_pain_worst": "Your back pain at its worst",
    "function_index": "How much the pain gets in the way of daily life",
}


def _whole(x: float) -> str:
    return str(int(x)) if float(x) == int(x) else str(x)


def patient_results(scores: Iterable[dict]) -> list[dict]:
    """Plain sentences for the scores a patient may see: "Your leg pain now: 7 out of 10"."""
    out = []
    for s in scores:
        label = PATIENT_RESULTS.get(s.get("key", ""))
        if not label or s.get("status") != "ok" or s.get("value") is None:
            continue
        text = f"{_whole(s['value'])} out of {_whole(s['max'])}" if s.get("max") is not None else _whole(s["value"])
        if s["key"] == "function_index":
            text += " (0 means not at all)"
        out.append({"key": s["key"], "label": label, "text": text})
    return out


def response_history(patient: Patient) -> QuerySet[QuestionnaireResponse]:
    return QuestionnaireResponse.objects.filter(patient=patient).order_by("-created_at", "-id")


def chart(patient: Patient) -> dict:
    """Everything the practitioner's chart shows, in a fixed handful of queries."""
    intake = current_intake(patient)
    history = list(response_history(patient))
    intake_views = []
    if intake:
        by_key = {r.instrument_key: r for r in history if r.intake_id == intake.pk}
        for key in intake_flow.INSTRUMENTS:
            if key in by_key:
                intake_views.append(response_view(by_key[key]))
    alerts = patient_alerts(patient)
    reviews = list(SafetyReview.objects.filter(patient=patient).select_related("reviewed_by").prefetch_related("flags"))
    # Red flags stay on the chart after a review, with the decision: "no alerts" would hide that
    # the patient reported them (the answers still show them).
    reviewed_flags = [f for r in reviews for f in r.flags.all()]
    patient.intake_status = intake_status(patient)  # type: ignore[attr-defined]  # the badge tag reuses it
    return {
        "patient": patient,
        "intake": intake,
        "intake_steps_total": len(intake_flow.STEPS),
        "intake_views": intake_views,
        "key_scores": key_scores(history),
        "history": history,
        "alerts": alerts,
        "reviews": reviews,
        "reviewed_flags": sorted(reviewed_flags, key=lambda f: (f.raised_at, f.pk)),
        "consents": list(Consent.objects.filter(patient=patient).order_by("-signed_at")),
        "pregnancy_points": pregnancy_points_to_avoid() if alerts.pregnancy else [],
        "status": patient.intake_status,  # type: ignore[attr-defined]
        "outcomes": outcome_changes(history),
    }


KEY_SCORES = (
    "duration",
    "leg_pain_now",
    "leg_pain_average",
    "leg_pain_worst",
    "back_pain_now",
    "back_pain_average",
    "back_pain_worst",
    "function_index",
)


def key_scores(history: list[QuestionnaireResponse]) -> list[dict]:
    """The baseline (first answered) value of each headline score."""
    found: dict[str, dict] = {}
    for r in sorted(history, key=lambda r: (r.created_at, r.pk)):
        for k, v in (r.scores or {}).items():
            if k in KEY_SCORES and k not in found and v.get("status") == "ok":
                found[k] = {"key": k, **v, "at": r.submitted_at or r.updated_at}
    return [found[k] for k in KEY_SCORES if k in found]


SCORE_LABELS = {
    "leg_pain_now": "Leg pain now",
    "leg_pain_average": "Leg pain (average)",
    "leg_pain_worst": "Leg pain (worst)",
    "back_pain_now": "Back pain now",
    "back_pain_average": "Back pain (average)",
    "back_pain_worst": "Back pain (worst)",
    "function_index": "Function index",
}


def outcome_series(history: Iterable[QuestionnaireResponse]) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Each outcome measure over time, from submitted responses: {score key: [(when, value)]}."""
    series: dict[str, list[tuple[dt.datetime, float]]] = {}
    done = [r for r in history if r.status == ResponseStatus.SUBMITTED]
    for r in sorted(done, key=lambda r: (r.submitted_at, r.pk)):
        when = r.submitted_at
        if when is None:  # submitted rows always have it; the type does not know
            continue
        for k, v in (r.scores or {}).items():
            if k in KEY_SCORES and k != "duration" and v.get("value") is not None:
                series.setdefault(k, []).append((when, v["value"]))
    return series


def outcome_changes(history: Iterable[QuestionnaireResponse]) -> list[dict]:
    """Baseline vs latest for each measure, with whether the change is meaningful."""
    out = []
    for key, points in outcome_series(history).items():
        if len(points) < 2:
            continue
        (_, first), (when, last) = points[0], points[-1]
        change = function_index_change(first, last) if key == "function_index" else pain_change(first, last)
        out.append(
            {
                "key": key,
                "label": SCORE_LABELS.get(key, key),
                "baseline": first,
                "latest": last,
                "at": when,
                "change": change,
            }
        )
    return out


def patient_outcomes(patient: Patient) -> dict:
    """For the plans app: series and baseline-vs-latest changes of the patient's outcome scores."""
    history = list(response_history(patient))
    return {"series": outcome_series(history), "changes": outcome_changes(history)}


def definition_title(key: str, version: int) -> str:
    try:
        return get_definition(key, version).title
    except UnknownQuestionnaire:
        return key
