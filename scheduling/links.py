"""One-click links in messages: confirm attendance, cancel, open the check-in questionnaire.

A link's token is the credential (no login): Django signing, with one salt per purpose, so a
cancel token is not a valid confirm token. It is bound to the appointment's id and to its start
at the time the message was built, so a moved appointment's old links stop working, and it
expires with the appointment: confirm and cancel at its start, the check-in at its end (the
practitioner reads the answers during the session). The check-in token also names the one
questionnaire it opens.

Tokens stay short for SMS: "<id>.<start as hex epoch seconds>[.<response id>]:<signature>".
Reading a token never touches the database; `claim_refusal` then checks it against the row.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum

from django.core import signing
from django.urls import reverse

from .models import Appointment


class Purpose(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    CHECKIN = "checkin"


URL_NAMES = {
    Purpose.CONFIRM: "scheduling:link_confirm",
    Purpose.CANCEL: "scheduling:link_cancel",
    Purpose.CHECKIN: "scheduling:link_checkin",
}
MAX_TOKEN_LENGTH = 200


class LinkInvalid(Exception):
    """Tampered, truncated, or made for another purpose: nothing in it can be trusted."""


class LinkRefused(Exception):
    """A genuine link that no longer works (expired, moved, or no longer applies)."""

    def __init__(self, message: str, *, moved: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.moved = moved


@dataclass(frozen=True)
class LinkClaim:
    purpose: Purpose
    appointment_id: int
    start_epoch: int
    response_id: int | None = None


def _signer(purpose: Purpose) -> signing.Signer:
    return signing.Signer(salt=f"scheduling.links.{purpose}")


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def make_token(purpose: Purpose, appointment: Appointment, *, response_id: int | None = None) -> str:
    if (purpose == Purpose.CHECKIN) != (response_id is not None):
        raise ValueError("A check-in link names its questionnaire; other links do not.")
    value = f"{appointment.pk}.{_epoch(appointment.start):x}"
    if response_id is not None:
        value += f".{response_id}"
    return _signer(purpose).sign(value)


def read_token(purpose: Purpose, token: str) -> LinkClaim:
    """The claim in a token signed for `purpose`, or LinkInvalid."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid("Too long.")
    try:
        value = _signer(purpose).unsign(token)
    except signing.BadSignature as exc:
        raise LinkInvalid(str(exc)) from exc
    parts = value.split(".")
    try:
        appointment_id, start_epoch = int(parts[0]), int(parts[1], 16)
        response_id = int(parts[2]) if len(parts) == 3 else None
    except (IndexError, ValueError) as exc:  # only reachable with the secret key, but never a 500
        raise LinkInvalid("Malformed.") from exc
    return LinkClaim(purpose, appointment_id, start_epoch, response_id)


def expires_at(purpose: Purpose, appointment: Appointment) -> dt.datetime:
    return appointment.end if purpose == Purpose.CHECKIN else appointment.start


def claim_refusal(claim: LinkClaim, appointment: Appointment, now: dt.datetime) -> None:
    """Raise LinkRefused when a genuine link for this appointment no longer works."""
    if claim.appointment_id != appointment.pk:
        raise LinkInvalid("Another appointment.")
    if claim.start_epoch != _epoch(appointment.start):
        raise LinkRefused(
            "This link was for the appointment's earlier time. The appointment has been moved since, "
            "so this link no longer works: please use the links in the message about the new time.",
            moved=True,
        )
    if now >= expires_at(claim.purpose, appointment):
        raise LinkRefused("This link has expired: it worked until the appointment's time.")


@functools.cache
def _path_around_token(purpose: Purpose) -> tuple[str, str]:
    # reverse() costs ~10x the signing, and the dispatcher builds links for every reminder it sends.
    before, _, after = reverse(URL_NAMES[purpose], kwargs={"token": "TOKEN"}).partition("TOKEN")
    return before, after


def link_path(purpose: Purpose, appointment: Appointment, *, response_id: int | None = None) -> str:
    before, after = _path_around_token(purpose)
    return before + make_token(purpose, appointment, response_id=response_id) + after
