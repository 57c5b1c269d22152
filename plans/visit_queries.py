"""Reads of visit records. Reading a note's content writes an audit event (clinical data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from clinic.audit import audit
from patients.models import Patient

from .visit_models import VisitPoint, VisitRecord, pattern_label
from .visit_services import TECHNIQUE_FIELDS, PointEntry

UNSIGNED_AFTER = dt.timedelta(hours=24)


def _full() -> QuerySet[VisitRecord]:
    return VisitRecord.objects.select_related(
        "appointment__location", "appointment__service", "patient", "author", "signed_by"
    ).prefetch_related(
        Prefetch("points", VisitPoint.objects.filter(removed_at__isnull=True).select_related("point")),
        "adverse_events",
        "acknowledgements",
        "amendments__author",
    )


def visit_for_reading(pk: int, *, actor, detail: str = "") -> VisitRecord:
    """The whole note for a practitioner, with one audit event. Raises VisitRecord.DoesNotExist."""
    visit = _full().get(pk=pk)
    audit(request=None, action="visit.view", obj=visit, patient_id=visit.patient_id, actor=actor, detail=detail)
    return visit


def visits_for_patient(patient: Patient, *, actor, content: bool) -> list[VisitRecord]:
    """The patient's visits, newest first. With content=False (the front desk) no clinical field is read."""
    if not content:
        return list(
            VisitRecord.objects.filter(patient=patient)
            .only("pk", "created_at", "signed_at", "appointment__start", "appointment__location__timezone")
            .select_related("appointment__location")
            .order_by("-appointment__start")
        )
    visits = list(_full().filter(patient=patient).order_by("-appointment__start"))
    audit(
        request=None,
        action="visit.view",
        object_type="plans.visitrecord",
        object_id="list",
        patient_id=patient.pk,
        actor=actor,
        detail=f"{len(visits)} visits",
    )
    return visits


def signed_advice_for_patient(patient: Patient) -> list[VisitRecord]:
    """What the patient may read: advice and their own pain scores from signed notes (no other field)."""
    return list(
        VisitRecord.objects.filter(patient=patient, signed_at__isnull=False)
        .select_related("appointment")
        .only(
            "pk",
            "appointment__start",
            "signed_at",
            "advice_diet",
            "advice_movement",
            "advice_posture",
            "advice_stress_sleep",
            "home_exercises",
            "leg_pain_before",
            "back_pain_before",
            "leg_pain_after",
            "back_pain_after",
        )
        .order_by("-appointment__start")
    )


def visit_pain_series(patient_id: int) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Pain before treatment at each signed visit, for the plan's progress chart."""
    rows = VisitRecord.objects.filter(patient_id=patient_id, signed_at__isnull=False).values_list(
        "appointment__start", "leg_pain_before", "back_pain_before"
    )
    out: dict[str, list[tuple[dt.datetime, float]]] = {"leg_pain_visit": [], "back_pain_visit": []}
    for when, leg, back in rows:
        if leg is not None:
            out["leg_pain_visit"].append((when, float(leg)))
        if back is not None:
            out["back_pain_visit"].append((when, float(back)))
    return out


def last_signed_visit(patient_id: int, *, exclude: int | None = None) -> VisitRecord | None:
    qs = VisitRecord.objects.filter(patient_id=patient_id, signed_at__isnull=False)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return (
        qs.order_by("-appointment__start", "-pk")
        .prefetch_related(
            Prefetch("points", VisitPoint.objects.filter(removed_at__isnull=True).select_related("point"))
        )
        .first()
    )


def same_as_last_time(visit: VisitRecord) -> tuple[list[PointEntry], dict] | None:
    """Points and techniques of the patient's last signed visit, to start this one from."""
    last = last_signed_visit(visit.patient_id, exclude=visit.pk)
    if last is None:
        return None
    points = [PointEntry(p.point.code, p.laterality, p.note) for p in last.points.all()]
    return points, {name: getattr(last, name) for name in TECHNIQUE_FIELDS}


def plan_protocol(visit: VisitRecord) -> list[PointEntry]:
    """The suggested points of the plan this appointment belongs to (bilateral to start with)."""
    session = getattr(visit.appointment, "plan_session", None)
    if session is None:
        return []
    return [PointEntry(code) for code in session.plan.template.point_codes or []]


def unsigned_notes(author, *, now: dt.datetime | None = None) -> list[VisitRecord]:
    """The author's notes still unsigned 24 hours after they were started."""
    cutoff = (now or timezone.now()) - UNSIGNED_AFTER
    return list(
        VisitRecord.objects.filter(author=author, signed_at__isnull=True, created_at__lte=cutoff)
        .select_related("patient", "appointment")
        # What My day's list shows (name, date, link): not the notes' and patients' every column.
        .only("pk", "created_at", "patient__full_name", "appointment__start")
        .order_by("created_at")
    )


def last_visit_summaries(patient_ids: Iterable[int], *, before: dt.datetime) -> dict[int, str]:
    """One line per patient about their last visit before `before`: date, points, pain before → after."""
    ids = list(set(patient_ids))
    if not ids:
        return {}
    # Only each patient's latest visit is read (a window function; Django filters on it in an outer query),
    # as plain values: the cost follows the patients on the page, not their years of notes and points.
    latest = {
        v["patient_id"]: v
        for v in VisitRecord.objects.filter(patient_id__in=ids, appointment__start__lt=before)
        .annotate(
            recency=Window(
                RowNumber(), partition_by=[F("patient_id")], order_by=[F("appointment__start").desc(), "-pk"]
            )
        )
        .filter(recency=1)
        .values(*_SUMMARY_FIELDS)
    }
    codes: dict[int, list[str]] = {}
    points = VisitPoint.objects.filter(visit_id__in=[v["pk"] for v in latest.values()], removed_at__isnull=True)
    for visit_id, code in points.order_by("visit_id", "position", "pk").values_list("visit_id", "point__code"):
        codes.setdefault(visit_id, []).append(code)
    return {pid: _summary(v, codes.get(v["pk"], [])) for pid, v in latest.items()}


_SUMMARY_FIELDS = (
    "pk",
    "patient_id",
    "appointment__start",
    "leg_pain_before",
    "leg_pain_after",
    "pattern",
    "pattern_other",
    "electro",
    "signed_at",
)


def _summary(v: Mapping[str, Any], codes: Sequence[str]) -> str:
    """One line about a visit: date, points, EA, leg pain before → after, pattern, unsigned."""
    parts = [v["appointment__start"].date().strftime("%d %b")]
    if codes:
        parts.append(", ".join(codes[:6]) + ("…" if len(codes) > 6 else ""))
    if v["electro"]:
        parts.append("EA")
    if v["leg_pain_before"] is not None and v["leg_pain_after"] is not None:
        parts.append(f"leg pain {v['leg_pain_before']}→{v['leg_pain_after']}")
    if v["pattern"]:
        parts.append(pattern_label(v["pattern"], v["pattern_other"]))
    if not v["signed_at"]:
        parts.append("unsigned")
    return " · ".join(parts)
