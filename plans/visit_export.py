"""A patient's visits: the list (front desk sees dates only), the patient's advice, and the STRICTA export.

STRICTA (Revised STandards for Reporting Interventions in Clinical Trials of Acupuncture, 2010) items
this record can fill: 1 rationale (pattern), 2 needling details (points with laterality, needle count,
depth is not recorded, response sought, stimulation, retention, needle type), 3 treatment regimen
(session date), 4 other components (moxibustion, cupping, heat, advice).
"""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from clinic import access
from clinic.models import Role
from patients.models import Patient
from patients.queries import patient_for_user

from . import visit_queries
from .visit_models import VisitRecord

STRICTA_COLUMNS = (
    "visit_id",
    "date",
    "signed",
    "practitioner",
    "rationale_pattern",
    "points",
    "needle_count",
    "needle_gauge",
    "needle_length",
    "response_sought_de_qi",
    "stimulation_manual",
    "electro",
    "electro_hz",
    "electro_intensity",
    "electro_pairs",
    "retention_minutes",
    "moxibustion",
    "cupping",
    "heat",
    "advice_given",
    "adverse_events",
    "leg_pain_before",
    "leg_pain_after",
    "back_pain_before",
    "back_pain_after",
)


def stricta_row(v: VisitRecord) -> dict:
    return {
        "visit_id": v.pk,
        "date": v.appointment.start.date().isoformat(),
        "signed": v.is_signed,
        "practitioner": v.author.full_name,
        "rationale_pattern": v.pattern_label,
        "points": " ".join(f"{p.point.code}:{p.laterality}" for p in v.points.all()),
        "needle_count": v.needle_count,
        "needle_gauge": v.needle_gauge,
        "needle_length": v.needle_length,
        "response_sought_de_qi": v.de_qi,
        "stimulation_manual": v.manual,
        "electro": v.electro,
        "electro_hz": str(v.electro_hz) if v.electro_hz is not None else None,
        "electro_intensity": v.electro_intensity,
        "electro_pairs": v.electro_pairs,
        "retention_minutes": v.retention_minutes,
        "moxibustion": v.moxibustion,
        "cupping": v.cupping,
        "heat": v.heat,
        "advice_given": bool(v.advice),
        "adverse_events": "; ".join(f"{e.type}/{e.severity}" for e in v.adverse_events.all()),
        "leg_pain_before": v.leg_pain_before,
        "leg_pain_after": v.leg_pain_after,
        "back_pain_before": v.back_pain_before,
        "back_pain_after": v.back_pain_after,
    }


@access.role_required(access.PRACTITIONER, access.FRONT_DESK)
def patient_visits(request, patient_pk: int):
    """Practitioners read the notes; the front desk sees only that a visit was recorded."""
    patient = get_object_or_404(Patient, pk=patient_pk)
    clinical = access.can_read_clinical(request.user)
    visits = visit_queries.visits_for_patient(patient, actor=request.user, content=clinical)
    return render(request, "plans/visit_list.html", {"patient": patient, "visits": visits, "clinical": clinical})


def _safe_cell(value):
    """Spreadsheet formula injection: text starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@access.role_required(access.PRACTITIONER)
def visit_export(request, patient_pk: int, fmt: str):
    if fmt not in ("print", "csv", "json"):
        raise Http404("No such format.")
    patient = get_object_or_404(Patient, pk=patient_pk)
    visits = visit_queries.visits_for_patient(patient, actor=request.user, content=True)
    if fmt == "print":
        return render(
            request, "plans/visit_print.html", {"patient": patient, "visits": visits, "printed_at": timezone.now()}
        )
    rows = [stricta_row(v) for v in visits]
    name = f"visits-patient-{patient.pk}"
    if fmt == "json":
        body = json.dumps({"patient_id": patient.pk, "standard": "STRICTA 2010", "visits": rows}, indent=2)
        response = HttpResponse(body, content_type="application/json")
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=STRICTA_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _safe_cell(v) for k, v in row.items()})
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@access.role_required(access.PATIENT)
def my_visits(request):
    """The patient's advice and their own pain scores from signed notes; nothing else of the note."""
    patient = patient_for_user(request.user)
    if patient is None or request.user.role != Role.PATIENT:
        raise Http404("No record.")
    return render(request, "plans/my_visits.html", {"visits": visit_queries.signed_advice_for_patient(patient)})
