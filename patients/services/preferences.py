"""How a patient wants to be contacted: the channels' consent and the groups switched off.

The one home for changing them: the patient's details page, the desk's record form, an SMS
"STOP" and an unsubscribe link all come here. Each change takes the patient row's lock, updates
the switches on the row (patients.message_prefs reads them), appends a MessageConsentChange (when
and how) and an audit row, and tells the outbox (hooks registered by scheduling) so that pending
messages the patient no longer wants are withdrawn and reminders switched back on are planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.audit import audit
from clinic.models import User

from .. import message_prefs as mp
from ..models import ConsentSource, MessageConsentChange, Patient

# Called in the transaction of a change, with the locked patient (scheduling registers one).
PREFERENCES_CHANGED: list[Callable[[Patient], None]] = []


def on_preferences_changed(hook: Callable[[Patient], None]) -> None:
    if hook not in PREFERENCES_CHANGED:
        PREFERENCES_CHANGED.append(hook)


@dataclass(frozen=True)
class Switch:
    """One switch: a channel's master switch (group "all") or one group on one channel."""

    channel: str
    group: str = mp.ALL

    @property
    def label(self) -> str:
        channel = mp.CHANNEL_LABELS[self.channel]
        if self.group == mp.ALL:
            return "SMS consent" if self.channel == mp.SMS else "non-essential email"
        return f"{mp.GROUPS_BY_KEY[self.group].label} by {channel}"


def source_code(source: str, default: str = "") -> str:
    """ "SMS STOP" (as the SMS-reply code passes it) -> "sms_stop". An unknown source is refused,
    unless the caller names a default (an opt-out must never be lost over a label)."""
    code = source.strip().lower().replace(" ", "_").replace("-", "_")
    if code in ConsentSource.values:
        return code
    if default:
        return default
    raise ValueError(f"Unknown consent source {source!r}")


def _state(patient: Patient, switch: Switch) -> bool:
    if switch.group == mp.ALL:
        return patient.consent_sms if switch.channel == mp.SMS else patient.consent_email
    return mp.opt_out_key(switch.group, switch.channel) not in (patient.message_opt_outs or [])


def _apply(patient: Patient, switch: Switch, allowed: bool) -> list[str]:
    if switch.group == mp.ALL:
        field = "consent_sms" if switch.channel == mp.SMS else "consent_email"
        setattr(patient, field, allowed)
        return [field]
    key = mp.opt_out_key(switch.group, switch.channel)
    outs = [k for k in patient.message_opt_outs or [] if k != key]
    patient.message_opt_outs = sorted(outs if allowed else [*outs, key])
    return ["message_opt_outs"]


@transaction.atomic
def message_preferences_set(
    *,
    patient: Patient,
    changes: Iterable[tuple[Switch, bool]],
    source: str,
    by: User | None = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Patient:
    """Set several switches at once; only real changes are recorded. Idempotent."""
    now = now or timezone.now()
    code = source_code(source)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    fields: set[str] = set()
    for switch, allowed in changes:
        if switch.group != mp.ALL and switch.group not in mp.GROUPS_BY_KEY:
            raise ValueError(f"Unknown message group {switch.group!r}")
        if _state(patient, switch) == bool(allowed):
            continue
        fields.update(_apply(patient, switch, bool(allowed)))
        MessageConsentChange.objects.create(
            patient=patient,
            channel=switch.channel,
            group=switch.group,
            allowed=bool(allowed),
            source=code,
            at=now,
            by=by,
        )
        verb = "given" if allowed and switch.group == mp.ALL else "on" if allowed else "off"
        if switch.channel == mp.SMS and switch.group == mp.ALL:
            what = "SMS opt-in" if allowed else "SMS opt-out"
        else:
            what = f"{switch.label}: {verb}"
        audit(
            request=request,
            actor=by,
            action="update",
            obj=patient,
            patient_id=patient.pk,
            detail=f"{what} ({ConsentSource(code).label})",
        )
    if fields:
        patient.save(update_fields=sorted(fields))
        for hook in PREFERENCES_CHANGED:
            hook(patient)
    return patient


def sms_opt_out(*, patient: Patient, source: str, now: dt.datetime | None = None) -> Patient:
    """The patient no longer wants SMS (e.g. they replied STOP). Idempotent; recorded and audited with its source."""
    code = source_code(source, default=ConsentSource.SMS_STOP)
    return message_preferences_set(patient=patient, changes=[(Switch(mp.SMS), False)], source=code, now=now)


def email_unsubscribe(*, patient: Patient, group: str, now: dt.datetime | None = None) -> Patient:
    """The unsubscribe link: that group's emails off, or all non-essential email for group "all"."""
    return message_preferences_set(
        patient=patient, changes=[(Switch(mp.EMAIL, group), False)], source=ConsentSource.UNSUBSCRIBE_LINK, now=now
    )
