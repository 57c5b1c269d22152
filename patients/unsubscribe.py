"""Unsubscribe links: a signed token naming one patient and one group of messages (or "all"
non-essential email). It works without logging in and does nothing but that one unsubscribe.

Signed with Django's signing and a salt of its own, so no other token of the app (an email
verification, a confirm or cancel link) is accepted here, nor this one there. It expires after a
year: long enough for an old email in an inbox, short enough that a forwarded link does not
work forever; an expired link points the patient at their details page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from . import message_prefs as mp

SALT = "acuclinic.patients.unsubscribe.email"
MAX_AGE = dt.timedelta(days=365)


@dataclass(frozen=True)
class Unsubscribe:
    patient_id: int
    group: str  # a message_prefs group key, or "all"

    @property
    def label(self) -> str:
        if self.group == mp.ALL:
            return "emails from the clinic other than the essential ones"
        return f"{mp.GROUPS_BY_KEY[self.group].label} by email"


class BadToken(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def make_token(*, patient_id: int, group: str) -> str:
    if group != mp.ALL and group not in mp.GROUPS_BY_KEY:
        raise ValueError(f"Unknown message group {group!r}")
    return signing.dumps({"p": patient_id, "g": group}, salt=SALT)


def read_token(token: str) -> Unsubscribe:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BadToken(
            "This unsubscribe link is too old to use. Log in and open My details to choose which messages you get, "
            "or call the clinic."
        ) from exc
    except signing.BadSignature as exc:
        raise BadToken(
            "This unsubscribe link is not valid (perhaps it was cut short when copied). Log in and open My details "
            "to choose which messages you get, or call the clinic."
        ) from exc
    group = data.get("g") if isinstance(data, dict) else None
    patient_id = data.get("p") if isinstance(data, dict) else None
    if not isinstance(patient_id, int) or (group != mp.ALL and group not in mp.GROUPS_BY_KEY):
        raise BadToken("This unsubscribe link is not valid. Please call the clinic.")
    return Unsubscribe(patient_id=patient_id, group=group)


def unsubscribe_url(*, patient_id: int, kind: str) -> str:
    """The absolute link for an email of `kind` to that patient: its group, or all non-essential email."""
    group = mp.group_for_kind(kind)
    token = make_token(patient_id=patient_id, group=group.key if group else mp.ALL)
    return settings.SITE_URL.rstrip("/") + reverse("patients:unsubscribe", kwargs={"token": token})
