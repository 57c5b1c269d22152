"""Reads for the practice pages, each shaped for the page that uses it (select_related, no N+1)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from . import phones
from .models import AuditEvent, Location, PractitionerProfile, Role, User

LICENCE_WARNING_DAYS = 60


def practitioners_with_expired_licence(*, on: dt.date | None = None) -> QuerySet[PractitionerProfile]:
    """Active practitioners who cannot be booked on `on` (see PractitionerProfile.licence_valid_on)."""
    on = on or timezone.localdate()
    return PractitionerProfile.objects.select_related("user").filter(active=True, licence_expiry__lte=on)


def practitioners_with_licence_expiring(
    *, days: int = LICENCE_WARNING_DAYS, on: dt.date | None = None
) -> QuerySet[PractitionerProfile]:
    on = on or timezone.localdate()
    return PractitionerProfile.objects.select_related("user").filter(
        active=True, licence_expiry__gt=on, licence_expiry__lte=on + dt.timedelta(days=days)
    )


def practitioner_zone(practitioner: PractitionerProfile | int | None) -> zoneinfo.ZoneInfo:
    """The zone a practitioner's times are typed and read in: their location's (the first by name, active
    first, if they work at several), else the clinic's TIME_ZONE."""
    if practitioner is None:
        return zone_of_locations([])
    return zone_of_locations(Location.objects.filter(practitioners=practitioner).only("timezone", "name", "active"))


def locations_marking_practitioner(practitioner: PractitionerProfile | int) -> list[Location]:
    """Every location, each with `works_here` (whether the practitioner works there), in one query: for
    pages that need the clinic's zones and the practitioner's (My day: one query instead of two)."""
    mine = Location.objects.filter(pk=OuterRef("pk"), practitioners=practitioner)
    return list(Location.objects.annotate(works_here=Exists(mine)))


def zone_of_locations(locations) -> zoneinfo.ZoneInfo:
    """practitioner_zone's rule on locations already loaded (e.g. prefetched for a list)."""
    ordered = sorted(locations, key=lambda loc: (not loc.active, loc.name))
    return ordered[0].tz if ordered else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def staff_list() -> QuerySet[User]:
    return User.objects.exclude(role=Role.PATIENT).order_by("role", "full_name")


def audit_events(
    *,
    actor: str = "",
    patient_id: int | None = None,
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first. Dates are whole local days in the clinic's TIME_ZONE, inclusive."""
    qs = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    if actor:
        qs = qs.filter(Q(actor__email__icontains=actor) | Q(actor__full_name__icontains=actor))
    if patient_id is not None:
        qs = qs.filter(patient_id=patient_id)
    if action:
        qs = qs.filter(action=action)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def main_location(*, location_model=Location) -> Location | None:
    """The clinic's main location: the first active one set up (lowest id)."""
    return location_model.objects.filter(active=True).order_by("pk").first()


def phone_region(location: Location | None = None, *, location_model=Location) -> str:
    """The country a phone number typed without its + code belongs to. The one home of that rule.

    The location the patient is booked at or registering for, when the caller knows it; else the
    clinic's main location; else the country of the TIME_ZONE setting; else GB. (`location_model`
    lets the phone data migration use its historical model.)
    """
    if location is None or not phones.is_country(location.country):
        location = main_location(location_model=location_model)
    if location is not None and phones.is_country(location.country):
        return location.country
    return phones.country_for_timezone(settings.TIME_ZONE) or "GB"
