"""Domain errors of the scheduling services: each carries the message the user sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .. import availability as av

# --- domain errors -------------------------------------------------------------------------


class BookingError(Exception):
    """A booking rule said no. `message` is safe to show to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(BookingError):
    """The action is not allowed at all (policy, state), whatever the time."""


class SlotUnavailable(BookingError):
    """This time cannot be booked. `alternatives`: nearest free starts (UTC), `tz`: for display."""

    def __init__(self, message: str, *, alternatives: Sequence[dt.datetime] = (), tz: str = "UTC"):
        super().__init__(message)
        self.alternatives = list(alternatives)
        self.tz = tz

    @property
    def local_alternatives(self) -> list[dt.datetime]:
        from zoneinfo import ZoneInfo

        return [a.astimezone(ZoneInfo(self.tz)) for a in self.alternatives]


class SlotTaken(SlotUnavailable):
    """Somebody else holds the time (practitioner at capacity or no room free)."""

    def __init__(self, message: str = "That time was just taken.", **kw):
        super().__init__(message, **kw)


_PROBLEM_MESSAGES = {
    av.Problem.TOO_SOON: "That time is too soon to book online; please choose a later time or call us.",
    av.Problem.TOO_FAR: "That time is too far ahead; bookings open {days} days in advance.",
    av.Problem.LICENCE: "This practitioner cannot be booked on that date.",
    av.Problem.OUTSIDE_HOURS: "The practitioner does not work at that time.",
    av.Problem.PRACTITIONER_BUSY: "That time was just taken.",
    av.Problem.NO_ROOM: "That time was just taken.",
}
_TAKEN = (av.Problem.PRACTITIONER_BUSY, av.Problem.NO_ROOM)
