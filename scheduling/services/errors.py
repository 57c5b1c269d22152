"""Domain errors of the scheduling services, and the one map from availability problems to the
message a person reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from .. import availability as av


class BookingError(Exception):
    """A booking rule said no. `message` is safe to show to the user; `field` names the form field
    it belongs next to, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(BookingError):
    """The action is not allowed at all (policy, state), whatever the time."""


class FieldErrors(NotAllowed):
    """Several problems with a request, each next to its form field (`errors`: field → message)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), field=next(iter(errors), None))
        self.errors = dict(errors)


class SlotUnavailable(BookingError):
    """This time cannot be booked. `alternatives`: nearest free starts (UTC), `tz`: for display."""

    def __init__(self, message: str, *, alternatives: Sequence[dt.datetime] = (), tz: str = "UTC"):
        super().__init__(message)
        self.alternatives = list(alternatives)
        self.tz = tz

    @property
    def local_alternatives(self) -> list[dt.datetime]:
        """The alternatives as wall-clock times where the visit is (for a page that lists them)."""
        return [a.astimezone(ZoneInfo(self.tz)) for a in self.alternatives]


class SlotTaken(SlotUnavailable):
    """Somebody else holds the time (practitioner at capacity or no room free)."""

    def __init__(self, message: str = "That time was just taken.", **kw: Any):
        super().__init__(message, **kw)


TAKEN_PROBLEMS = (av.Problem.PRACTITIONER_BUSY, av.Problem.NO_ROOM)

# Patients and the desk read the same words, except where the desk can do something about it.
_PROBLEM_MESSAGES = {
    av.Problem.TOO_SOON: "That time is too soon to book online; please choose a later time or call us.",
    av.Problem.TOO_FAR: "That time is too far ahead; bookings open {days} days in advance.",
    av.Problem.LICENCE: "This practitioner cannot be booked on that date (licence expiry).",
    av.Problem.OUTSIDE_HOURS: "The practitioner does not work at that time.",
    av.Problem.PRACTITIONER_BUSY: "That time was just taken.",
    av.Problem.NO_ROOM: "That time was just taken.",
}
_DESK_PROBLEM_MESSAGES = {
    av.Problem.TOO_SOON: "That time is inside the minimum booking notice. "
    "Tick “Override the minimum notice” to book it anyway.",
}


def problem_message(problem: str, *, max_advance_days: int, desk: bool = False) -> str:
    """What to tell the patient (or, with desk=True, the front desk) about an availability problem."""
    text = (_DESK_PROBLEM_MESSAGES.get(problem) if desk else None) or _PROBLEM_MESSAGES.get(problem)
    return (text or "That time cannot be booked.").format(days=max_advance_days)
