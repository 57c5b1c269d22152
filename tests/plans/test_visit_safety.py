"""Safety rules at the needle, through the service (the one path every save takes)."""

from __future__ import annotations

import pytest

from plans import needle_safety
from plans import visit_services as vs
from plans.models import SafetyAcknowledgement, VisitRecord
from tests import factories as f

from .visit_helpers import flag, save, started


def test_pregnancy_and_a_forbidden_point_needs_a_reason_naming_the_point(practitioner):
    patient = f.PatientFactory()
    flag(patient, "pregnancy")
    started(practitioner, f.PatientFactory())  # an earlier patient: this is not about first visits
    visit = started(practitioner, patient)

    with pytest.raises(vs.VisitError, match="BL60 is traditionally forbidden") as exc:
        save(visit, practitioner.user, ["BL60", "GB34"], subjective="draft")
    assert exc.value.field == "acknowledgements"
    assert VisitRecord.objects.get(pk=visit.pk).subjective == ""  # nothing saved

    save(visit, practitioner.user, ["BL60"], reasons={"pregnancy_forbidden:BL60": "Breech, midwife agreed"})
    ack = SafetyAcknowledgement.objects.get(visit=visit, rule="pregnancy_forbidden")
    assert (ack.point_code, ack.reason, ack.by) == ("BL60", "Breech, midwife agreed", practitioner.user)


def test_pregnancy_and_a_blank_flag_point_says_check_first_without_blocking(practitioner):
    patient = f.PatientFactory()
    flag(patient, "pregnancy")
    visit = started(practitioner, patient)
    save(visit, practitioner.user, ["EX-B2"])
    ack = SafetyAcknowledgement.objects.get(visit=visit, rule="pregnancy_check")
    assert "check first" in ack.message and ack.point_code == "EX-B2"


def test_no_pregnancy_no_point_warning(practitioner):
    visit = started(practitioner)
    save(visit, practitioner.user, ["BL60", "EX-B2"])
    assert not SafetyAcknowledgement.objects.filter(visit=visit, rule__startswith="pregnancy").exists()


def test_pacemaker_refuses_electroacupuncture_with_the_reason(practitioner):
    patient = f.PatientFactory()
    flag(patient, "implant", label="Pacemaker or implanted device")
    visit = started(practitioner, patient)
    with pytest.raises(vs.VisitError, match="pacemaker") as exc:
        save(visit, practitioner.user, ["BL40"], electro=True, electro_hz="2")
    assert exc.value.field == "electro"
    save(visit, practitioner.user, ["BL40"], manual=True)  # without electro it is fine
    assert VisitRecord.objects.get(pk=visit.pk).manual


def test_anticoagulant_shows_a_banner(practitioner):
    patient = f.PatientFactory()
    flag(patient, "anticoagulant_warfarin")
    visit = started(practitioner, patient)
    findings = vs.safety_findings(visit=visit, points=[], electro=False)
    assert any(x.rule == "anticoagulant" and "fine needles" in x.message for x in findings)


def test_fainting_history_or_first_visit_means_lying_down():
    assert needle_safety.check(flag_codes=["fainting"])[0].rule == "lying_down"
    first = needle_safety.check(flag_codes=[], first_visit=True)
    assert [x.message for x in first] == ["Treat lying down (first visit): fainting happens with upright patients."]
    assert needle_safety.check(flag_codes=[], first_visit=False) == []


def test_a_withdrawn_precaution_no_longer_applies(practitioner):
    from django.utils import timezone

    patient = f.PatientFactory()
    flag(patient, "implant").__class__.objects.filter(patient=patient).update(withdrawn_at=timezone.now())
    visit = started(practitioner, patient)
    save(visit, practitioner.user, electro=True)
    assert VisitRecord.objects.get(pk=visit.pk).electro
