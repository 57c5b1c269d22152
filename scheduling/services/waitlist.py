"""The waitlist: joining, leaving, offering a freed time, claiming an offer."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.audit import audit
from clinic.models import ClinicPolicy, Location, PractitionerProfile, Service, User
from patients.models import Patient

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
from .errors import FieldErrors, NotAllowed, SlotTaken, SlotUnavailable
from .locking import local_day
from .notifications import notify_patient
from .policy import patient_may_self_book, practitioner_mismatch

MAX_WAITLIST_DAYS = 120


def waitlist_join_problems(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    earliest: dt.date,
    latest: dt.date,
    practitioner: PractitionerProfile | None = None,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """What is wrong with this waitlist request, by form field ({} when nothing is).

    Days are the location's local dates: from today to the booking horizon, at most
    MAX_WAITLIST_DAYS long. The patient must be allowed to book the service online, since an
    offer is claimed online.
    """
    today = (now or timezone.now()).astimezone(location.tz).date()
    horizon = today + dt.timedelta(days=ClinicPolicy.get().max_advance_days)
    problems: dict[str, str] = {}
    decision = patient_may_self_book(patient, service)
    if not decision:
        problems["service"] = decision.reason
    if earliest < today:
        problems["earliest"] = "Choose a day from today onwards."
    elif earliest > horizon:
        problems["earliest"] = f"We take bookings up to {horizon:%-d %B %Y}; choose a day before then."
    if latest < earliest:
        problems["latest"] = "The last day must be on or after the first day."
    elif (latest - earliest).days > MAX_WAITLIST_DAYS:
        problems["latest"] = f"Choose a range of at most {MAX_WAITLIST_DAYS} days."
    if mismatch := practitioner_mismatch(practitioner, service=service, location=location):
        problems["practitioner"] = mismatch
    return problems


@transaction.atomic
def waitlist_join(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    earliest: dt.date,
    latest: dt.date,
    practitioner: PractitionerProfile | None = None,
    created_by: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Put the patient on the waitlist, or raise FieldErrors (every problem, by form field)."""
    problems = waitlist_join_problems(
        patient=patient,
        service=service,
        location=location,
        earliest=earliest,
        latest=latest,
        practitioner=practitioner,
        now=now,
    )
    if problems:
        raise FieldErrors(problems)
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
    audit(
        request=None,
        action="waitlist.join",
        obj=entry,
        patient_id=patient.pk,
        actor=created_by,
        detail=f"{service.name} at {location.name}, {earliest.isoformat()} to {latest.isoformat()}",
    )
    return entry


@transaction.atomic
def waitlist_withdraw(*, entry: WaitlistEntry) -> WaitlistEntry:
    entry.status = WaitlistStatus.WITHDRAWN
    entry.save(update_fields=["status"])
    return entry


def offer_freed_on_commit(*, practitioner_id: int, location_id: int, start: dt.datetime, end: dt.datetime) -> None:
    """Queue the waitlist offer for after commit (a rolled-back change frees nothing)."""
    from ..tasks import offer_freed_time  # tasks imports the services

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
    day = local_day(start, location)
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
    offered_patients: set[int] = set()
    for entry in entries:
        if len(offers) >= MAX_OFFERS_PER_FREED_TIME:
            break
        if entry.patient_id in offered_patients:
            # A patient waiting twice (say for "any practitioner" and for this one) gets one offer.
            continue
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
        offered_patients.add(entry.patient_id)
        if WaitlistOffer.objects.filter(
            entry__patient_id=entry.patient_id, practitioner_id=practitioner_id, start=offer_start
        ).exists():
            continue
        offer, created = WaitlistOffer.objects.get_or_create(
            entry=entry, practitioner_id=practitioner_id, start=offer_start, defaults={"offered_at": now}
        )
        if created:
            notify_patient(kind=NotificationKind.WAITLIST_OFFER, patient=entry.patient, waitlist_offer=offer)
            offers.append(offer)
    return offers


def waitlist_claim(*, offer: WaitlistOffer, user: User | None = None, now: dt.datetime | None = None) -> Appointment:
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
            # The online rules apply as on any self-booking, re-read under the patient lock: the
            # safety screening may have put the patient on hold since they joined, or a new
            # patient may have booked an initial consultation meanwhile.
            appt = appointment_book(
                patient=entry.patient,
                service=entry.service,
                practitioner=offer.practitioner,
                location=entry.location,
                start=offer.start,
                booked_by=user,
                online=True,
                now=now,
            )
            offer.status = WaitlistOfferStatus.CLAIMED
            offer.appointment = appt
            offer.save(update_fields=["status", "appointment"])
            entry.status = WaitlistStatus.BOOKED
            entry.save(update_fields=["status"])
            audit(
                request=None,
                action="waitlist.claim",
                obj=appt,
                patient_id=appt.patient_id,
                actor=user,
                detail=f"waitlist offer {offer.pk}",
            )
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
