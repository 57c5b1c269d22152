"""Reads about patients, shaped for the pages (and the other apps) that use them.

Public API for the booking / front-desk side:

- ``patient_search(q)``: active patients by name, email, phone (any format) or date of birth.
- ``duplicate_candidates(email=..., phone=..., date_of_birth=...)``: [(patient, reason)].
- ``intake_status(patient)`` / ``intake_statuses(ids)``: MISSING / IN_PROGRESS / COMPLETE /
  NEEDS_REVIEW, with no clinical content, safe to show to the front desk.
- ``alerts_for_patients(ids)``: practitioners only (My day): open red flags and standing precautions.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery

from clinic.models import AcupuncturePoint, PregnancyCaution

from . import intake_flow
from .models import (
    HOLD_CATEGORIES,
    Consent,
    FlagCategory,
    Intake,
    Patient,
    QuestionnaireResponse,
    ResponseStatus,
    ReviewDecision,
    SafetyFlag,
    SafetyReview,
    phone_key,
)
from .questionnaire import UnknownQuestionnaire, get_definition, raised_flags, readable_answers
from .scoring import function_index_change, pain_change

SEARCH_LIMIT = 50
_PHONE_ONLY = re.compile(r"^[\d\s+\-().]+$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


def _as_date(token: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


def patient_search(q: str, *, include_archived: bool = False, limit: int = SEARCH_LIMIT) -> QuerySet[Patient]:
    """Find patients by name (every word), email, phone (any spacing or prefix) or date of birth.

    "smith 17/05/1975" means name contains smith AND born that day. An empty query returns none.
    """
    qs = Patient.objects.all() if include_archived else Patient.objects.filter(archived=False)
    q = (q or "").strip()
    if not q:
        return qs.none()
    digits = "".join(c for c in q if c.isdigit())
    if _PHONE_ONLY.match(q) and len(digits) >= 4 and _as_date(q) is None:
        return qs.filter(phone_key__contains=digits[-9:]).order_by("full_name", "id")[:limit]
    for token in q.split():
        day = _as_date(token)
        if day:
            qs = qs.filter(date_of_birth=day)
        elif token.isdigit() and len(token) >= 4:
            qs = qs.filter(phone_key__contains=token[-9:])
        else:
            qs = qs.filter(Q(full_name__icontains=token) | Q(email__icontains=token))
    return qs.order_by("full_name", "id")[:limit]


def duplicate_candidates(
    *, email: str = "", phone: str = "", date_of_birth: dt.date | None = None, exclude_pk: int | None = None
) -> list[tuple[Patient, str]]:
    """Active records that look like the same person: same email, or same phone AND date of birth."""
    cond = Q()
    email = (email or "").strip().lower()
    key = phone_key(phone)
    if email:
        cond |= Q(email__iexact=email)
    if len(key) >= 7 and date_of_birth:
        cond |= Q(phone_key=key, date_of_birth=date_of_birth)
    if not cond:
        return []
    qs = Patient.objects.filter(cond, archived=False)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    out = []
    for p in qs.order_by("full_name", "id")[:10]:
        reason = "email" if email and p.email.lower() == email else "phone and date of birth"
        out.append((p, reason))
    return out


# --- intake status (safe for the front desk) --------------------------------------------------


class IntakeStatus(enum.Enum):
    MISSING = ("missing", "Intake missing", "secondary")
    IN_PROGRESS = ("in_progress", "Intake started", "warning")
    COMPLETE = ("complete", "Intake complete", "success")
    NEEDS_REVIEW = ("needs_review", "Needs review", "danger")

    def __init__(self, code: str, label: str, css: str):
        self.code = code
        self.label = label
        self.css = css

    def __str__(self) -> str:
        return self.code


def _held_ids(ids: list[int]) -> set[int]:
    open_flags = set(
        SafetyFlag.objects.filter(patient_id__in=ids, category__in=HOLD_CATEGORIES, review__isnull=True).values_list(
            "patient_id", flat=True
        )
    )
    latest = SafetyReview.objects.filter(patient=OuterRef("pk")).order_by("-created_at", "-id").values("decision")[:1]
    referred = set(
        Patient.objects.filter(pk__in=ids)
        .annotate(last_decision=Subquery(latest))
        .filter(last_decision=ReviewDecision.REFER)
        .values_list("pk", flat=True)
    )
    return open_flags | referred


def intake_statuses(patient_ids: Iterable[int]) -> dict[int, IntakeStatus]:
    """Intake status of many patients in three queries (for schedules and lists)."""
    ids = list({int(i) for i in patient_ids})
    if not ids:
        return {}
    held = _held_ids(ids)
    rows = Intake.objects.filter(patient_id__in=ids).values_list("patient_id", "completed_at")
    complete: set[int] = set()
    started: set[int] = set()
    for pid, completed_at in rows:
        (complete if completed_at else started).add(pid)
    out = {}
    for pid in ids:
        if pid in held:
            out[pid] = IntakeStatus.NEEDS_REVIEW
        elif pid in complete:
            out[pid] = IntakeStatus.COMPLETE
        elif pid in started:
            out[pid] = IntakeStatus.IN_PROGRESS
        else:
            out[pid] = IntakeStatus.MISSING
    return out


def intake_status(patient: Patient) -> IntakeStatus:
    return intake_statuses([patient.pk])[patient.pk]


def with_intake_status(patients: Iterable[Patient]) -> list[Patient]:
    """Attach `.intake_status` to each patient (one batch of queries), for list pages."""
    patients = list(patients)
    statuses = intake_statuses(p.pk for p in patients)
    for p in patients:
        p.intake_status = statuses.get(p.pk, IntakeStatus.MISSING)  # type: ignore[attr-defined]
    return patients


# --- intake progress (the patient's own view) -------------------------------------------------


def current_intake(patient: Patient) -> Intake | None:
    return Intake.objects.filter(patient=patient).order_by("-started_at", "-id").first()


def pending_questionnaires(patient: Patient) -> QuerySet[QuestionnaireResponse]:
    """Check-ins and requested questionnaires the patient has not sent yet."""
    return QuestionnaireResponse.objects.filter(patient=patient, intake__isnull=True, status=ResponseStatus.DRAFT)


# --- alerts (practitioners only) --------------------------------------------------------------


@dataclass
class Alerts:
    cauda_equina: list[SafetyFlag] = field(default_factory=list)
    red_flags: list[SafetyFlag] = field(default_factory=list)
    contraindications: list[SafetyFlag] = field(default_factory=list)
    precautions: list[SafetyFlag] = field(default_factory=list)
    last_review: SafetyReview | None = None

    @property
    def needs_review(self) -> bool:
        return bool(self.cauda_equina or self.red_flags)

    @property
    def referred(self) -> bool:
        return bool(self.last_review and self.last_review.decision == ReviewDecision.REFER)

    @property
    def on_hold(self) -> bool:
        return self.needs_review or self.referred

    @property
    def pregnancy(self) -> bool:
        return any(f.code == "pregnancy" for f in self.precautions)

    @property
    def any(self) -> bool:
        return bool(self.needs_review or self.referred or self.contraindications or self.precautions)

    @property
    def all_flags(self) -> list[SafetyFlag]:
        return [*self.cauda_equina, *self.red_flags, *self.contraindications, *self.precautions]


def _active_flags(patient_ids: list[int]) -> QuerySet[SafetyFlag]:
    return SafetyFlag.objects.filter(patient_id__in=patient_ids).filter(
        Q(category__in=HOLD_CATEGORIES, review__isnull=True)
        | (~Q(category__in=HOLD_CATEGORIES) & Q(withdrawn_at__isnull=True))
    )


def alerts_for_patients(patient_ids: Iterable[int]) -> dict[int, Alerts]:
    """Open red flags, standing contraindications/precautions and the last review, in two queries."""
    ids = list({int(i) for i in patient_ids})
    out = {pid: Alerts() for pid in ids}
    for flag in _active_flags(ids).order_by("raised_at", "id"):
        a = out[flag.patient_id]
        {
            FlagCategory.CAUDA_EQUINA: a.cauda_equina,
            FlagCategory.RED_FLAG: a.red_flags,
            FlagCategory.CONTRAINDICATION: a.contraindications,
            FlagCategory.PRECAUTION: a.precautions,
        }[flag.category].append(flag)  # type: ignore[index]  # a TextChoices member is its str value
    latest_ids = (
        Patient.objects.filter(pk__in=ids)
        .annotate(
            last_review_id=Subquery(
                SafetyReview.objects.filter(patient=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
            )
        )
        .values_list("last_review_id", flat=True)
    )
    for review in SafetyReview.objects.filter(pk__in=[i for i in latest_ids if i]).select_related("reviewed_by"):
        out[review.patient_id].last_review = review
    return out


def patient_alerts(patient: Patient) -> Alerts:
    return alerts_for_patients([patient.pk])[patient.pk]


def pregnancy_points_to_avoid() -> list[AcupuncturePoint]:
    """The traditionally forbidden points (from the point reference data)."""
    return list(
        AcupuncturePoint.objects.filter(pregnancy_caution=PregnancyCaution.FORBIDDEN).order_by(
            "channel_code", "number", "code"
        )
    )


# --- chart ------------------------------------------------------------------------------------


def _definition_or_none(response: QuestionnaireResponse):
    try:
        return response.definition
    except UnknownQuestionnaire:
        return None


def response_view(response: QuestionnaireResponse) -> dict:
    """A response as readable sections and scores, for the summary, the chart and the detail page."""
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
    return {"response": response, "definition": definition, "sections": sections, "scores": scores}


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
    status = intake_status(patient)
    patient.intake_status = status  # type: ignore[attr-defined]  # the badge tag reuses it
    return {
        "patient": patient,
        "intake": intake,
        "intake_steps_total": len(intake_flow.STEPS),
        "intake_views": intake_views,
        "key_scores": key_scores(history),
        "history": history,
        "alerts": alerts,
        "reviews": reviews,
        "consents": list(Consent.objects.filter(patient=patient).order_by("-signed_at")),
        "pregnancy_points": pregnancy_points_to_avoid() if alerts.pregnancy else [],
        "status": status,
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
        for k, v in (r.scores or {}).items():
            if k in KEY_SCORES and k != "duration" and v.get("value") is not None:
                series.setdefault(k, []).append((r.submitted_at, v["value"]))  # type: ignore[arg-type]  # submitted
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
