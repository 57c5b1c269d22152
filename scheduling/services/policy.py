"""Who may book what: the per-patient booking rules, in one function for every path.

`booking_refusal` is the rule. Pages ask it through `patient_self_book_decisions` (to grey out a
service with the reason); every service that creates or moves an appointment asks it again
through `patient_booking_check`, under a lock on the patient row, inside its transaction:
self-booking, the desk, a series, a waitlist claim and a reschedule.

Online (the patient books): the service must be bookable online; a safety hold stops booking; a
new patient (no visit attended yet) may book only an initial consultation. Everyone, the desk
included: an archived record gets no booking, and a new patient holds one initial consultation
at a time (the desk moves the one they have instead of booking a second).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clinic.models import Location, PractitionerProfile, Service, ServiceKind
from patients.models import Patient
from patients.queries import email_verification_hold, patient_treatment_booking_hold

from ..queries import patient_newness, practitioner_offers, practitioner_works_at
from .errors import NotAllowed
from .locking import lock_patient


@dataclass(frozen=True)
class SelfBookDecision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class PatientFacts:
    """What the rules need to know about the patient, read once for any number of services."""

    name: str
    archived: bool
    hold: str
    is_new: bool
    initial_booked: bool


def patient_online_hold(patient: Patient) -> str:
    """Why online booking is held for this patient (safety review, unconfirmed email), or "".

    The desk books after talking to the patient, so these holds apply to online booking only.
    """
    return patient_treatment_booking_hold(patient) or email_verification_hold(patient) or ""


def patient_facts(patient: Patient, *, online: bool, exclude_appointment_id: int | None = None) -> PatientFacts:
    is_new, initial_booked = patient_newness(patient, exclude_appointment_id=exclude_appointment_id)
    return PatientFacts(
        name=patient.full_name,
        archived=patient.archived,
        hold=patient_online_hold(patient) if online else "",
        is_new=is_new,
        initial_booked=initial_booked,
    )


def archived_refusal(name: str, *, online: bool) -> str:
    if online:
        return "Your record is closed; please call the clinic."
    return f"{name}'s record is archived. Restore it before booking."


def booking_refusal(
    facts: PatientFacts, service: Service, *, online: bool, moving: bool = False, count: int = 1
) -> str:
    """Why this patient may not book `count` sessions of `service` (or move one), or "" if they may.

    `moving`: the patient already holds the service and keeps it; only the rules about the
    patient's record and their initial consultations apply.
    """
    if facts.archived:
        return archived_refusal(facts.name, online=online)
    if online and not moving:
        if not service.active or not service.bookable_online:
            return f"{service.name} cannot be booked online. Please call the clinic to book it."
        if facts.hold:
            return facts.hold
        if facts.is_new and service.kind != ServiceKind.INITIAL:
            return "New patients start with an initial consultation. Please book that first."
    if facts.is_new and service.kind == ServiceKind.INITIAL:
        if facts.initial_booked and online:
            return (
                "You already have an initial consultation booked. "
                "You can move it from My appointments; further sessions are booked after it."
            )
        if facts.initial_booked:
            return (
                f"{facts.name} already has an initial consultation booked. "
                "Move that one instead; further sessions are booked after it."
            )
        if count > 1:
            return "A new patient books one initial consultation at a time; book further sessions after it."
    return ""


def patient_self_book_decisions(patient: Patient, services: Sequence[Service]) -> dict[int, SelfBookDecision]:
    """May the patient book each of `services` online (service pk → decision)?

    The patient-level facts are read once, so the booking page costs the same whatever the number
    of services. The booking service asks again under the patient lock when they confirm.
    """
    facts = patient_facts(patient, online=True)
    out: dict[int, SelfBookDecision] = {}
    for service in services:
        reason = booking_refusal(facts, service, online=True)
        out[service.pk] = SelfBookDecision(not reason, reason)
    return out


def patient_booking_refusal(patient: Patient, service: Service, *, online: bool) -> str:
    """`booking_refusal` for a page (no lock): the desk sees at once why a booking would be refused."""
    return booking_refusal(patient_facts(patient, online=online), service, online=online)


def patient_may_self_book(patient: Patient, service: Service) -> SelfBookDecision:
    """May this patient book `service` online? (For pages; the services re-check under the lock.)"""
    return patient_self_book_decisions(patient, [service])[service.pk]


def patient_booking_check(
    *, patient: Patient, service: Service, online: bool, moving_appointment_id: int | None = None, count: int = 1
) -> Patient:
    """Lock the patient row, then apply `booking_refusal` to what is committed now.

    Call it first inside the booking transaction (lock order: patient, practitioners, appointment).
    Raises NotAllowed with the reason; returns the freshly locked patient.
    """
    locked = lock_patient(patient)
    facts = patient_facts(locked, online=online, exclude_appointment_id=moving_appointment_id)
    reason = booking_refusal(facts, service, online=online, moving=moving_appointment_id is not None, count=count)
    if reason:
        raise NotAllowed(reason, field="service")
    return locked


def practitioner_mismatch(
    practitioner: PractitionerProfile | None, *, service: Service | None, location: Location | None
) -> str:
    """Why this practitioner cannot be chosen for this service here, or "" (booking steps)."""
    if practitioner is None:
        return ""
    if service is not None and not practitioner_offers(practitioner, service):
        return f"{practitioner} does not offer {service.name}."
    if location is not None and not practitioner_works_at(practitioner, location):
        return f"{practitioner} does not work at {location.name}."
    return ""
