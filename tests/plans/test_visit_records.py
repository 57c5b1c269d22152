"""Visit records: saving, completing the appointment, signing, the lock on every path, amendments, the hash."""

from __future__ import annotations

import pytest
from django.contrib import admin

from clinic.models import AuditEvent
from plans import visit_services as vs
from plans.models import Amendment, VisitPoint, VisitRecord
from plans.visit_models import VisitLocked
from tests import factories as f

from .visit_helpers import appointment, save, started


def test_saving_records_points_with_laterality_and_completes_the_appointment(practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, [("BL40", "L"), ("GB30", "B")], subjective="Better", leg_pain_before=6)

    visit.refresh_from_db()
    assert visit.subjective == "Better" and visit.leg_pain_before == 6
    assert [(p.point.code, p.laterality) for p in visit.points.filter(removed_at__isnull=True)] == [
        ("BL40", "L"),
        ("GB30", "B"),
    ]
    assert visit.appointment.status == "completed"
    assert AuditEvent.objects.filter(action="visit.save", patient_id=visit.patient_id).exists()


def test_one_note_per_appointment(practitioner):
    appt = appointment(practitioner)
    first = vs.visit_start(appointment=appt, by=practitioner.user)
    assert vs.visit_start(appointment=appt, by=practitioner.user).pk == first.pk


def test_a_cancelled_appointment_cannot_get_a_note(practitioner):
    appt = appointment(practitioner, status="no_show")
    with pytest.raises(vs.VisitError, match="no-show"):
        vs.visit_start(appointment=appt, by=practitioner.user)


def test_a_point_taken_out_of_a_draft_is_kept_as_removed(practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, ["BL40", "GB30"])
    save(visit, practitioner.user, ["GB30"])
    assert VisitPoint.objects.filter(visit=visit).count() == 3
    assert [p.point.code for p in VisitPoint.objects.filter(visit=visit, removed_at__isnull=True)] == ["GB30"]


def test_pain_out_of_range_is_refused_with_the_field(practitioner):
    visit = started(practitioner)
    with pytest.raises(vs.VisitError) as exc:
        save(visit, practitioner.user, leg_pain_before=11)
    assert "leg_pain_before" in exc.value.errors


def test_only_the_author_signs(practitioner):
    visit = started(practitioner)
    colleague = f.PractitionerFactory()
    with pytest.raises(vs.VisitError, match="wrote this note"):
        vs.visit_sign(visit=visit, by=colleague.user)
    assert not VisitRecord.objects.get(pk=visit.pk).is_signed


def test_a_signed_note_refuses_the_service_and_model_saves(practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, ["BL40"], subjective="Original")
    vs.visit_sign(visit=visit, by=practitioner.user)

    with pytest.raises(vs.VisitError, match="signed"):
        save(visit, practitioner.user, subjective="Changed")
    rec = VisitRecord.objects.get(pk=visit.pk)
    rec.subjective = "Changed behind the service"
    with pytest.raises(VisitLocked):
        rec.save()  # what the admin or any ModelForm would call
    with pytest.raises(VisitLocked):
        VisitPoint(visit=rec, point=rec.points.first().point).save()
    with pytest.raises(VisitLocked):
        rec.delete()
    assert VisitRecord.objects.get(pk=visit.pk).subjective == "Original"


def test_visit_models_are_not_in_the_admin():
    for model in (VisitRecord, VisitPoint, Amendment):
        assert model not in admin.site._registry


def test_the_hash_verifies_and_detects_tampering(practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, ["BL40"], subjective="Original", electro_hz="2.5")
    signed = vs.visit_sign(visit=visit, by=practitioner.user)
    assert len(signed.content_hash) == 64
    assert vs.visit_verify(signed)

    VisitRecord.objects.filter(pk=visit.pk).update(subjective="Tampered")  # a raw write around every guard
    assert not vs.visit_verify(signed)


def test_an_amendment_is_appended_and_keeps_the_original(practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, subjective="Left leg")
    vs.visit_sign(visit=visit, by=practitioner.user)
    with pytest.raises(vs.VisitError):
        vs.visit_amend(visit=visit, by=practitioner.user, reason="", text="Right leg, not left")

    a = vs.visit_amend(visit=visit, by=practitioner.user, reason="Wrong side", text="Right leg, not left")

    rec = VisitRecord.objects.get(pk=visit.pk)
    assert rec.subjective == "Left leg" and vs.visit_verify(rec)
    assert list(rec.amendments.values_list("reason", "text")) == [("Wrong side", "Right leg, not left")]
    assert a.author == practitioner.user and a.at
    with pytest.raises(VisitLocked):
        a.save()


def test_an_unsigned_note_cannot_be_amended(practitioner):
    visit = started(practitioner)
    with pytest.raises(vs.VisitError, match="not signed"):
        vs.visit_amend(visit=visit, by=practitioner.user, reason="r", text="t")


def test_an_adverse_event_is_recorded_with_the_visit(practitioner):
    visit = started(practitioner)
    event = {"type": "bruising", "severity": "mild", "action": "Pressure", "patient_told": True}
    save(visit, practitioner.user, adverse_event=event)
    assert list(visit.adverse_events.values_list("type", "severity", "patient_told")) == [("bruising", "mild", True)]
    with pytest.raises(vs.VisitError):
        save(visit, practitioner.user, adverse_event={"type": "nonsense", "severity": "mild"})
