"""Showing appointments in the location's local time, and the patient's appointments card.

Django's |date and |time filters convert aware datetimes to the site's TIME_ZONE before
formatting, which is wrong for a clinic in another zone; these filters format in the
appointment's own location zone instead.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from .. import queries
from ..emails import local_when
from .local_time import format_local

register = template.Library()


@register.filter
def when(appointment) -> str:
    """ "Monday 9 March 2026, 09:00 EDT" at the appointment's location."""
    return local_when(appointment.start, appointment.location.tz)


@register.filter
def local_format(appointment, fmt: str = "D j M, H:i") -> str:
    """The appointment's start formatted with a Django date format, in the location's zone (with
    the zone's abbreviation when the time falls in a repeated hour)."""
    return format_local(appointment.start, appointment.location.tz, fmt)


@register.inclusion_tag("scheduling/_patient_appointments.html")
def patient_appointments(patient, limit: int = 3):
    """The patient home's appointments card: the next few, with links to book and manage."""
    upcoming: list = []
    if patient is not None:
        upcoming, _past = queries.patient_appointments(patient=patient, now=timezone.now())
    return {"upcoming": upcoming[:limit], "more": max(0, len(upcoming) - limit), "patient": patient}


@register.inclusion_tag("scheduling/_desk_patient_appointments.html")
def desk_patient_appointments(patient, past_limit: int = 5):
    """The staff patient record's appointments: all upcoming, the last few past, and a Book link."""
    upcoming, past = queries.patient_appointments(patient=patient, now=timezone.now())
    return {
        "upcoming": upcoming,
        "past": past[:past_limit],
        "more_past": max(0, len(past) - past_limit),
        "patient": patient,
    }
