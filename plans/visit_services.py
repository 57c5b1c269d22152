"""Recording a visit: start the note, save the draft (safety rules checked every time), sign it, amend it.

Every function writes its audit event inside its own transaction. A signed note is refused here and,
below this, by the models' save() (so the admin or a stray script meets the same lock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit
from clinic.models import AcupuncturePoint, PractitionerProfile, Role
from patients.queries import patient_alerts
from scheduling.models import Appointment, AppointmentStatus
from scheduling.services import NotAllowed, appointment_complete

from . import needle_safety
from .visit_models import (
    AdverseEvent,
    Amendment,
    Laterality,
    SafetyAcknowledgement,
    VisitLocked,
    VisitPoint,
    VisitRecord,
)

# The note's own fields, as the form edits them and as the signature hashes them.
NOTE_FIELDS = (
    "subjective",
    "leg_pain_before",
    "back_pain_before",
    "posture",
    "lumbar_rom",
    "slr_angle",
    "slr_side",
    "tension_areas",
    "gait",
    "tongue_colour",
    "tongue_coating",
    "tongue_shape",
    "pulse",
    "pattern",
    "pattern_other",
    "assessment",
    "needle_count",
    "retention_minutes",
    "needle_gauge",
    "needle_length",
    "de_qi",
    "manual",
    "electro",
    "electro_hz",
    "electro_intensity",
    "electro_pairs",
    "moxibustion",
    "cupping",
    "heat",
    "technique_notes",
    "leg_pain_after",
    "back_pain_after",
    "advice_diet",
    "advice_movement",
    "advice_posture",
    "advice_stress_sleep",
    "home_exercises",
    "internal_notes",
)
TECHNIQUE_FIELDS = (
    "needle_count",
    "retention_minutes",
    "needle_gauge",
    "needle_length",
    "de_qi",
    "manual",
    "electro",
    "electro_hz",
    "electro_intensity",
    "electro_pairs",
    "moxibustion",
    "cupping",
    "heat",
)
RECORDABLE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


class VisitError(Exception):
    def __init__(self, message: str, *, field: str | None = None, errors: Mapping[str, Sequence[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = dict(errors or {})


@dataclass(frozen=True)
class PointEntry:
    code: str
    laterality: str = Laterality.BILATERAL
    note: str = ""


def _practitioner(by) -> None:
    if by is None or getattr(by, "role", None) != Role.PRACTITIONER:
        raise VisitError("Only a practitioner records visit notes.")


@transaction.atomic
def visit_start(*, appointment: Appointment, by) -> VisitRecord:
    """The note for this appointment, created on first opening (one per appointment)."""
    _practitioner(by)
    appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
    existing = VisitRecord.objects.filter(appointment=appt).first()
    if existing is not None:
        return existing
    if appt.status not in RECORDABLE:
        raise VisitError(f"Cannot record a visit: the appointment is {appt.get_status_display().lower()}.")
    visit = VisitRecord(
        appointment=appt,
        patient_id=appt.patient_id,
        practitioner=PractitionerProfile.objects.filter(user=by).first() or appt.practitioner,
        author=by,
    )
    visit.full_clean()
    visit.save()
    audit(request=None, action="visit.start", obj=visit, patient_id=visit.patient_id, actor=by)
    return visit


def _resolve_points(entries: Sequence[PointEntry]) -> list[tuple[AcupuncturePoint, PointEntry]]:
    codes = [e.code.strip().upper() for e in entries]
    found = {p.code.upper(): p for p in AcupuncturePoint.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise VisitError(f"Unknown point code: {', '.join(unknown[:5])}.", field="points")
    bad = [e.code for e in entries if e.laterality not in Laterality.values]
    if bad:
        raise VisitError("Choose left, right or bilateral for every point.", field="points")
    if len(entries) > 60:
        raise VisitError("A visit can record at most 60 points.", field="points")
    return [(found[c], e) for c, e in zip(codes, entries, strict=True)]


def safety_findings(
    *, visit: VisitRecord, points: Sequence[AcupuncturePoint], electro: bool
) -> list[needle_safety.Finding]:
    """The rules for this patient and this choice of points and techniques (read by the form too)."""
    alerts = patient_alerts(visit.patient)
    first = not VisitRecord.objects.filter(patient_id=visit.patient_id).exclude(pk=visit.pk).exists()
    return needle_safety.check(
        flag_codes=[f.code for f in alerts.precautions],
        contraindications=[f.label for f in alerts.contraindications],
        points=[needle_safety.ChosenPoint(p.code, p.pregnancy_caution) for p in points],
        electro=electro,
        first_visit=first,
    )


def _locked_visit(visit: VisitRecord) -> VisitRecord:
    fresh = VisitRecord.objects.select_for_update().get(pk=visit.pk)
    if fresh.is_signed:
        raise VisitError(VisitLocked.message)
    return fresh


@transaction.atomic
def visit_save(
    *,
    visit: VisitRecord,
    by,
    data: Mapping[str, Any],
    points: Sequence[PointEntry] = (),
    adverse_event: Mapping[str, Any] | None = None,
    reasons: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> VisitRecord:
    """Save the draft. Refused once signed, for a pacemaker patient with electroacupuncture, and for a
    pregnancy-forbidden point without a reason. The first save completes the appointment."""
    _practitioner(by)
    now = now or timezone.now()
    rec = _locked_visit(visit)
    if rec.author_id != by.pk:
        raise VisitError("Only the practitioner who started this note can change it.")
    for name in NOTE_FIELDS:
        if name in data:
            setattr(rec, name, data[name])
    rec.updated_at = now
    try:
        rec.full_clean()
    except ValidationError as exc:
        raise VisitError("Please correct the marked fields.", errors=exc.message_dict) from exc
    chosen = _resolve_points(points)
    findings = safety_findings(visit=rec, points=[p for p, _ in chosen], electro=rec.electro)
    if refused := needle_safety.refusals(findings):
        raise VisitError(refused[0].message, field="electro")
    reasons = {k: (v or "").strip()[:1000] for k, v in (reasons or {}).items()}
    missing = [f for f in needle_safety.needing_reason(findings) if not reasons.get(f.key)]
    if missing:
        raise VisitError(" ".join(f.message for f in missing), field="acknowledgements")
    rec.save()
    _store_points(rec, chosen, now)
    _store_acknowledgements(rec, findings, reasons, by, now)
    if adverse_event:
        event = AdverseEvent(visit=rec, recorded_by=by, recorded_at=now, **adverse_event)
        try:
            event.full_clean()
        except ValidationError as exc:
            raise VisitError("Please correct the adverse event.", errors=exc.message_dict) from exc
        event.save()
    appt = rec.appointment
    if appt.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        try:
            appointment_complete(appointment=appt, by=by)
        except NotAllowed as exc:  # pragma: no cover - the status was checked just above, under the row lock
            raise VisitError(str(exc)) from exc
    audit(request=None, action="visit.save", obj=rec, patient_id=rec.patient_id, actor=by)
    return rec


def _store_points(rec: VisitRecord, chosen: list[tuple[AcupuncturePoint, PointEntry]], now: dt.datetime) -> None:
    """Keep rows that did not change, mark dropped ones removed (never deleted), add the new ones."""
    current = list(VisitPoint.objects.filter(visit=rec, removed_at__isnull=True))
    wanted = [(p.pk, e.laterality, e.note.strip()[:200]) for p, e in chosen]
    if [(v.point_id, v.laterality, v.note) for v in current] == wanted:
        return
    VisitPoint.objects.filter(pk__in=[v.pk for v in current]).update(removed_at=now)
    VisitPoint.objects.bulk_create(
        VisitPoint(visit=rec, point_id=pk, laterality=lat, note=note, position=i)
        for i, (pk, lat, note) in enumerate(wanted)
    )


def _store_acknowledgements(rec: VisitRecord, findings, reasons: Mapping[str, str], by, now: dt.datetime) -> None:
    seen = set(SafetyAcknowledgement.objects.filter(visit=rec).values_list("rule", "point_code", "reason"))
    for f in findings:
        reason = reasons.get(f.key, "") if f.level == needle_safety.ACKNOWLEDGE else ""
        if (f.rule, f.point_code, reason) in seen:
            continue
        SafetyAcknowledgement.objects.create(
            visit=rec, rule=f.rule, point_code=f.point_code, message=f.message[:500], reason=reason, at=now, by=by
        )


def canonical_content(visit: VisitRecord) -> str:
    """The signed content as one canonical JSON string: the note, its points, events and acknowledgements."""

    def plain(v):
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.UTC).isoformat()
        return v if v is None or isinstance(v, bool | int | str) else str(v)

    content = {
        "visit": visit.pk,
        "appointment": visit.appointment_id,
        "patient": visit.patient_id,
        "author": visit.author_id,
        "signed_by": visit.signed_by_id,
        "signed_at": plain(visit.signed_at),
        "note": {name: plain(getattr(visit, name)) for name in NOTE_FIELDS},
        "points": [
            [p.point.code, p.laterality, p.note]
            for p in VisitPoint.objects.filter(visit=visit, removed_at__isnull=True).select_related("point")
        ],
        "adverse_events": [
            [e.type, e.detail, e.severity, e.action, e.patient_told] for e in AdverseEvent.objects.filter(visit=visit)
        ],
        "acknowledgements": [
            [a.rule, a.point_code, a.reason] for a in SafetyAcknowledgement.objects.filter(visit=visit)
        ],
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(visit: VisitRecord) -> str:
    return hashlib.sha256(canonical_content(visit).encode("utf-8")).hexdigest()


def visit_verify(visit: VisitRecord) -> bool:
    """True when the stored hash still matches the signed content."""
    fresh = VisitRecord.objects.get(pk=visit.pk)
    return fresh.is_signed and fresh.content_hash == content_hash(fresh)


@transaction.atomic
def visit_sign(*, visit: VisitRecord, by, now: dt.datetime | None = None) -> VisitRecord:
    """Sign and lock the note; only its author may."""
    _practitioner(by)
    rec = _locked_visit(visit)
    if rec.author_id != by.pk:
        raise VisitError("Only the practitioner who wrote this note can sign it.")
    rec.signed_at = now or timezone.now()
    rec.signed_by = by
    digest = content_hash(rec)
    # update(), not save(): save() refuses signed rows, and this is the one write that makes it signed.
    VisitRecord.objects.filter(pk=rec.pk, signed_at__isnull=True).update(
        signed_at=rec.signed_at, signed_by=by, content_hash=digest
    )
    rec.content_hash = digest
    audit(request=None, action="visit.sign", obj=rec, patient_id=rec.patient_id, actor=by, detail=f"sha256 {digest}")
    return rec


@transaction.atomic
def visit_amend(*, visit: VisitRecord, by, reason: str, text: str, now: dt.datetime | None = None) -> Amendment:
    """Append a correction to a signed note; the original is untouched."""
    _practitioner(by)
    rec = VisitRecord.objects.select_for_update().get(pk=visit.pk)
    if not rec.is_signed:
        raise VisitError("This note is not signed yet: change it directly.")
    amendment = Amendment(visit=rec, author=by, at=now or timezone.now(), reason=reason.strip(), text=text.strip())
    try:
        amendment.full_clean()
    except ValidationError as exc:
        raise VisitError("Please correct the marked fields.", errors=exc.message_dict) from exc
    amendment.save()
    audit(request=None, action="visit.amend", obj=rec, patient_id=rec.patient_id, actor=by, detail=amendment.reason)
    return amendment
