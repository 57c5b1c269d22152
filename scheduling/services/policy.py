"""Who may book what online: the self-booking policy and the per-patient rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clinic.models import Service, ServiceKind
from patients.models import Patient
from patients.services import patient_treatment_booking_hold

from ..models import (
    AppointmentStatus,
)
from .errors import NotAllowed

# --- self-booking policy -------------------------------------------------------------------


@dataclass(frozen=True)
class SelfBookDecision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def patient_is_new(patient: Patient) -> bool:
    """New until they have attended a visit (a completed or checked-in appointment)."""
    return not patient.appointments.filter(
        status__in=(AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN)
    ).exists()


def patient_self_book_decisions(patient: Patient, services: Sequence[Service]) -> dict[int, SelfBookDecision]:
    """`patient_may_self_book` for several services at once (service pk → decision).

    The patient-level facts (archived, intake hold, new or not, an initial consultation already
    booked) are read once, so the booking page costs the same whatever the number of services.
    """
    if patient.archived:
        closed = SelfBookDecision(False, "Your record is closed; please call the clinic.")
        return {s.pk: closed for s in services}
    hold = patient_treatment_booking_hold(patient)
    is_new = patient_is_new(patient)
    initial_booked = (
        is_new
        and patient.appointments.filter(service__kind=ServiceKind.INITIAL, status=AppointmentStatus.BOOKED).exists()
    )
    out: dict[int, SelfBookDecision] = {}
    for service in services:
        if not service.active or not service.bookable_online:
            out[service.pk] = SelfBookDecision(
                False, f"{service.name} cannot be booked online. Please call the clinic to book it."
            )
        elif hold:
            out[service.pk] = SelfBookDecision(False, hold)
        elif is_new and service.kind != ServiceKind.INITIAL:
            out[service.pk] = SelfBookDecision(
                False, "New patients start with an initial consultation. Please book that first."
            )
        elif initial_booked:
            out[service.pk] = SelfBookDecision(
                False,
                "You already have an initial consultation booked. "
                "You can move it from My appointments; further sessions are booked after it.",
            )
        else:
            out[service.pk] = SelfBookDecision(True)
    return out


def patient_may_self_book(patient: Patient, service: Service) -> SelfBookDecision:
    """May this patient book `service` online? The one place that decides it.

    - the service must be active and bookable online;
    - the intake's safety screening may put online booking on hold (patients.services);
    - a new patient (no visit attended yet) may only book an initial consultation, one at a time.
    """
    return patient_self_book_decisions(patient, [service])[service.pk]


def _refuse_archived(patient: Patient) -> None:
    # The desk's booking steps refuse an archived record, but a confirm page opened before the
    # record was archived (or reached with the back button) still posts here.
    if patient.archived:
        raise NotAllowed(f"{patient.full_name}'s record is archived. Restore it before booking.")
