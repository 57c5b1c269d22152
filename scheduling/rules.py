"""The action rules on one appointment: may it be moved, cancelled, checked in, marked a no-show,
completed? Pure functions (no queries), each the one home of its rule.

Each returns "" when the action is allowed, else the reason a person reads. The services raise
the reason as NotAllowed (inside their transaction, on the locked row); pages and the desk's
schedule show or hide the action's button with the same function.
"""

from __future__ import annotations

import datetime as dt

from .models import Appointment, AppointmentStatus

BOOKED = AppointmentStatus.BOOKED
CHECKED_IN = AppointmentStatus.CHECKED_IN


def _status(appt: Appointment) -> str:
    return appt.get_status_display().lower()


def move_refusal(appt: Appointment, now: dt.datetime, *, override_notice: bool = False) -> str:
    """Only a booked appointment that has not started (the desk may move a late walk-in)."""
    if appt.status != BOOKED:
        return f"Only booked appointments can be moved; this one is {_status(appt)}."
    if appt.start <= now and not override_notice:
        return "This appointment has already started; it can no longer be moved."
    return ""


def cancel_refusal(appt: Appointment, now: dt.datetime) -> str:
    """Only a booked appointment that has not started; after its start it is a no-show."""
    if appt.status != BOOKED:
        return f"This appointment is {_status(appt)}; it cannot be cancelled."
    if appt.start <= now:
        return "This appointment has already started. The front desk can mark it as a no-show."
    return ""


def confirm_refusal(appt: Appointment, now: dt.datetime) -> str:
    """The patient can confirm they will come to a booked appointment that has not started."""
    if appt.status != BOOKED:
        return f"This appointment is {_status(appt)}; there is nothing to confirm."
    if appt.start <= now:
        return "This appointment has already started."
    return ""


def check_in_refusal(appt: Appointment, now: dt.datetime) -> str:
    """A booked appointment, on its local day only."""
    tz = appt.location.tz
    if now.astimezone(tz).date() != appt.start.astimezone(tz).date():
        return "Patients can only be checked in on the day of their appointment."
    if appt.status != BOOKED:
        return f"Cannot check in: the appointment is {_status(appt)}."
    return ""


def no_show_refusal(appt: Appointment, now: dt.datetime) -> str:
    """A booked appointment, once its start time has passed."""
    if now < appt.start:
        return "A no-show can only be recorded after the appointment's start time."
    if appt.status != BOOKED:
        return f"Cannot mark a no-show: the appointment is {_status(appt)}."
    return ""


def complete_refusal(appt: Appointment) -> str:
    """A visit that was booked or checked in."""
    if appt.status not in (BOOKED, CHECKED_IN):
        return f"Cannot complete the visit: the appointment is {_status(appt)}."
    return ""
