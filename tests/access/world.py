"""The shared world for the access matrix: objects that belong to `patient`.

Apps add what their URLs need in `build_world` (keep each addition in its own block).
"""

from __future__ import annotations


def build_world(*, patient, other_patient, practitioner, front_desk, manager) -> dict:
    world: dict = {
        "patient": patient,
        "other_patient": other_patient,
        "practitioner": practitioner,
        "front_desk": front_desk,
        "manager": manager,
    }
    # --- scheduling ---
    import datetime as _dt

    from scheduling.models import WaitlistEntry, WaitlistOffer
    from tests import factories as _f

    _setup = _f.bookable_setup(practitioner=practitioner)
    world["appointment"] = _f.AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        service=_setup.service,
        location=_setup.location,
        room=_setup.rooms[0],
    )
    _entry = WaitlistEntry.objects.create(
        patient=patient,
        service=_setup.service,
        location=_setup.location,
        earliest=_dt.date.today(),
        latest=_dt.date.today() + _dt.timedelta(days=14),
    )
    world["waitlist_entry"] = _entry
    world["waitlist_offer"] = WaitlistOffer.objects.create(
        entry=_entry, practitioner=practitioner, start=world["appointment"].start + _dt.timedelta(days=1)
    )
    # --- patients ---
    world["response"] = _f.QuestionnaireResponseFactory(patient=patient)
    world["checkin"] = _f.QuestionnaireResponseFactory(
        patient=patient,
        instrument_key="outcome_checkin",
        context="checkin",
        status="draft",
        submitted_at=None,
        answers={},
    )
    world["consent"] = _f.ConsentFactory(patient=patient)
    # --- plans ---
    from plans.models import PlanTemplate, TreatmentPlan

    _template = PlanTemplate.objects.get(name="Sciatica - acute")
    world["plan"] = TreatmentPlan.objects.create(
        patient=patient,
        practitioner=practitioner,
        template=_template,
        acuity="acute",
        start_date=_dt.date.today(),
        planned_sessions=4,
        cadence=[2, 2, 1],
        service=_setup.service,
        status="active",
        created_by=practitioner.user,
    )
    # --- visit records ---
    from plans.models import VisitRecord

    world["visit"] = VisitRecord.objects.create(
        appointment=world["appointment"], patient=patient, practitioner=practitioner, author=practitioner.user
    )
    return world
