"""The waitlist: joining, leaving, offering a freed time, claiming an offer."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Service
from patients.models import Patient
from patients.services import patient_treatment_booking_hold

from ..models import (
    Appointment,
    NotificationKind,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from ..queries import availability_inputs
from .booking import appointment_book
from .errors import NotAllowed, SlotTaken, SlotUnavailable
from .locking import _local_day
from .notifications import _notify

# --- waitlist ------------------------------------------------------------------------------


@transaction.atomic
def waitlist_join(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    earliest: dt.date,
    latest: dt.date,
    practitioner: PractitionerProfile | None = None,
    created_by=None,
    note: str = "",
) -> WaitlistEntry:
    if latest < earliest:
        raise NotAllowed("The last day must be on or after the first day.")
    entry = WaitlistEntry(
        patient=patient,
        service=service,
        location=location,
        practitioner=practitioner,
        earliest=earliest,
        latest=latest,
        created_by=created_by,
        note=note[:255],
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def waitlist_withdraw(*, entry: WaitlistEntry) -> WaitlistEntry:
    entry.status = WaitlistStatus.WITHDRAWN
    entry.save(update_fields=["status"])
    return entry


def _offer_freed_on_commit(*, practitioner_id: int, location_id: int, start: dt.datetime, end: dt.datetime) -> None:
    from ..tasks import offer_freed_time

    offer_freed_time.delay_on_commit(practitioner_id, location_id, start.isoformat(), end.isoformat())


MAX_OFFERS_PER_FREED_TIME = 5


@transaction.atomic
def waitlist_offer_freed_time(
    *, practitioner_id: int, location_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> list[WaitlistOffer]:
    """A time was freed: offer it to the first few matching waitlisted patients.

    A patient matches when they wait for this practitioner (or any), at this location, with a
    date range holding the freed local date, for a service the practitioner offers. Each gets
    the first bookable start of *their* service inside the freed time (re-computed, so the offer
    is real right now); whoever books it first gets it, through the normal booking path.
    """
    now = now or timezone.now()
    location = Location.objects.get(pk=location_id)
    day = _local_day(start, location)
    entries = (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING,
            location_id=location_id,
            earliest__lte=day,
            latest__gte=day,
            service__practitioners__pk=practitioner_id,
        )
        .filter(Q(practitioner__isnull=True) | Q(practitioner_id=practitioner_id))
        .select_related("service", "patient")
        .order_by("created_at")
    )
    offers: list[WaitlistOffer] = []
    cache: dict[int, dt.datetime | None] = {}
    for entry in entries:
        if len(offers) >= MAX_OFFERS_PER_FREED_TIME:
            break
        if entry.service_id not in cache:
            inputs = availability_inputs(
                service=entry.service,
                location=location,
                date_from=day,
                date_to=day,
                practitioner_ids=[practitioner_id],
                now=now,
            )
            fits = [s for s in inputs.starts().get(practitioner_id, []) if start <= s < end]
            cache[entry.service_id] = fits[0] if fits else None
        offer_start = cache[entry.service_id]
        if offer_start is None:
            continue
        offer, created = WaitlistOffer.objects.get_or_create(
            entry=entry, practitioner_id=practitioner_id, start=offer_start, defaults={"offered_at": now}
        )
        if created:
            _notify(kind=NotificationKind.WAITLIST_OFFER, patient=entry.patient, waitlist_offer=offer)
            offers.append(offer)
    return offers


def waitlist_claim(*, offer: WaitlistOffer, user=None, now: dt.datetime | None = None) -> Appointment:
    """Book an offered time through appointment_book (lock + re-check): first come, first served.

    When someone else was first, the offer is marked taken (the entry stays on the waitlist)
    and SlotTaken is raised.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            offer = (
                WaitlistOffer.objects.select_for_update(of=("self",))
                .select_related("entry__service", "entry__location", "entry__patient", "practitioner")
                .get(pk=offer.pk)
            )
            entry = offer.entry
            if offer.status != WaitlistOfferStatus.OPEN or entry.status != WaitlistStatus.WAITING:
                raise NotAllowed("This offer has already been used.")
            # The safety screening may have put the patient on hold after they joined the list.
            hold = patient_treatment_booking_hold(entry.patient)
            if hold:
                raise NotAllowed(hold)
            appt = appointment_book(
                patient=entry.patient,
                service=entry.service,
                practitioner=offer.practitioner,
                location=entry.location,
                start=offer.start,
                booked_by=user,
                now=now,
            )
            offer.status = WaitlistOfferStatus.CLAIMED
            offer.appointment = appt
            offer.save(update_fields=["status", "appointment"])
            entry.status = WaitlistStatus.BOOKED
            entry.save(update_fields=["status"])
            return appt
    except SlotUnavailable as exc:
        WaitlistOffer.objects.filter(pk=offer.pk, status=WaitlistOfferStatus.OPEN).update(
            status=WaitlistOfferStatus.TAKEN
        )
        reason = (
            "Sorry, someone else booked this time first."
            if isinstance(exc, SlotTaken)
            else "Sorry, this time can no longer be booked online."
        )
        raise SlotTaken(f"{reason} You are still on the waitlist.", tz=offer.entry.location.timezone) from None
