"""Which messages a patient may get, by kind and channel: the one home of that rule.

Pure: reads the patient row only (its consent switches and `message_opt_outs`), so the
dispatcher can re-check a whole batch without a query per message. The outbox's kinds are
named here as strings because patients sits below scheduling (which defines NotificationKind);
tests/patients/test_message_prefs.py checks that every kind is classified.

- Essential service messages (booking confirmations, moves and cancellations, account emails)
  always go to the email address on file: they cannot be switched off.
- Every other kind belongs to a group the patient can switch off per channel, and needs the
  channel's master switch: `consent_email` (all non-essential email) or `consent_sms` (SMS
  consent, only ever set with a record of when and how: patients.services.preferences).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

EMAIL, SMS = "email", "sms"
CHANNEL_LABELS = {EMAIL: "email", SMS: "SMS"}

ESSENTIAL_KINDS = frozenset(
    {
        "booking_confirmed",
        "booking_series",
        "booking_rescheduled",
        "booking_cancelled",
        "staff_invite",
        "patient_invite",
        "email_verify",
        "login_email_changed",
        "password_reset",
        # The answer to a text the patient has just sent us (never after an opt-out word).
        "sms_reply_ack",
    }
)
# Essential kinds that go by SMS (all others are email only). Still only with SMS consent.
ESSENTIAL_SMS_KINDS = frozenset({"sms_reply_ack"})


@dataclass(frozen=True)
class Group:
    key: str
    label: str  # "appointment reminders"
    kinds: tuple[str, ...]
    channels: tuple[str, ...]  # the channels the clinic sends this group by


GROUPS: tuple[Group, ...] = (
    Group("reminders", "appointment reminders", ("reminder",), (EMAIL, SMS)),
    Group(
        "care",
        "intake and treatment-plan check-ins and nudges",
        ("intake_pending", "plan_checkin", "plan_unbooked"),
        (EMAIL,),
    ),
    Group("waitlist", "waitlist offers", ("waitlist_offer",), (EMAIL,)),
)
GROUPS_BY_KEY = {g.key: g for g in GROUPS}
GROUP_OF_KIND = {kind: g for g in GROUPS for kind in g.kinds}
# An unsubscribe link for an essential email (a booking confirmation) offers "all non-essential email".
ALL = "all"


class PatientLike(Protocol):
    email: str
    phone: str
    consent_email: bool
    consent_sms: bool
    message_opt_outs: list


def opt_out_key(group: str, channel: str) -> str:
    return f"{group}:{channel}"


def group_for_kind(kind: str) -> Group | None:
    return GROUP_OF_KIND.get(kind)


def is_essential(kind: str) -> bool:
    return kind in ESSENTIAL_KINDS


@dataclass(frozen=True)
class Block:
    """Why a message may not go out: `code` says which switch (for the desk's "since when, how")."""

    code: str  # "no_address", "no_email_consent", "no_sms_consent", "opted_out"
    text: str
    group: str = ""
    channel: str = ""


def block_reason(patient: PatientLike, kind: str, channel: str) -> Block | None:
    """None when `patient` may get a message of `kind` on `channel`; else why not.

    Used when messages are queued, again by the dispatcher just before sending, and for the
    desk's explanations, so the three always agree."""
    if channel == EMAIL:
        if not patient.email:
            return Block("no_address", "No email address.", channel=EMAIL)
        if is_essential(kind):
            return None
        if not patient.consent_email:
            return Block("no_email_consent", "No email: opted out of all non-essential email.", ALL, EMAIL)
    elif channel == SMS:
        if is_essential(kind) and kind not in ESSENTIAL_SMS_KINDS:
            return Block("no_sms_for_kind", "This message is only sent by email.", channel=SMS)
        if not patient.phone:
            return Block("no_address", "No SMS: no mobile number.", channel=SMS)
        if getattr(patient, "phone_to_check", False):
            # Kept as typed because it could not be read as a number: the provider would refuse it.
            return Block("phone_to_check", "No SMS: the phone number must be checked first.", channel=SMS)
        if not patient.consent_sms:
            return Block("no_sms_consent", "No SMS: no consent recorded.", ALL, SMS)
    else:
        return Block("unknown_channel", f"Unknown channel {channel!r}.", channel=channel)
    group = group_for_kind(kind)
    if group is None:
        return None
    if channel not in group.channels:
        return Block("no_sms_for_kind", f"No {CHANNEL_LABELS[channel]}: {group.label} are not sent that way.")
    if opt_out_key(group.key, channel) in (patient.message_opt_outs or ()):
        return Block("opted_out", f"Opted out of {group.label} by {CHANNEL_LABELS[channel]}.", group.key, channel)
    return None


def may_send(patient: PatientLike, kind: str, channel: str) -> bool:
    return block_reason(patient, kind, channel) is None
