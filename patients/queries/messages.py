"""Why a patient does or does not get each group of messages, worded for the front desk:
"No SMS: no consent recorded.", "Opted out of appointment reminders by email on 3 Dec via the
unsubscribe link.". The rule itself is patients.message_prefs.block_reason; this adds the when
and how from the consent history (one query)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from .. import message_prefs as mp
from ..models import ConsentSource, MessageConsentChange, Patient


@dataclass(frozen=True)
class ChannelStatus:
    group: mp.Group
    channel: str
    sent: bool
    text: str

    @property
    def channel_label(self) -> str:
        return mp.CHANNEL_LABELS[self.channel]


def _latest_changes(patient: Patient) -> dict[tuple[str, str], MessageConsentChange]:
    latest: dict[tuple[str, str], MessageConsentChange] = {}
    for change in MessageConsentChange.objects.filter(patient=patient).order_by("-at", "-pk"):
        latest.setdefault((change.channel, change.group), change)
    return latest


def _explain(block: mp.Block, latest: dict[tuple[str, str], MessageConsentChange]) -> str:
    change = latest.get((block.channel, block.group))
    if change is None or change.allowed:
        return block.text
    when = date_format(timezone.localtime(change.at), "j M Y")
    how = ConsentSource(change.source).label
    if block.code == "no_sms_consent":
        return f"No SMS: consent withdrawn on {when} {how}."
    return f"{block.text.rstrip('.')} on {when} {how}."


def message_statuses(patient: Patient, groups: tuple[mp.Group, ...] = mp.GROUPS) -> list[ChannelStatus]:
    """Each group on each channel the clinic uses for it: sent, or why not."""
    latest = _latest_changes(patient)
    out = []
    for group in groups:
        for channel in group.channels:
            block = mp.block_reason(patient, group.kinds[0], channel)
            text = "Sent." if block is None else _explain(block, latest)
            out.append(ChannelStatus(group, channel, block is None, text))
    return out


def reminder_statuses(patient: Patient) -> list[ChannelStatus]:
    """The appointment page's "why no reminders": the reminders group only."""
    return message_statuses(patient, (mp.GROUPS_BY_KEY["reminders"],))


def sms_consent_record(patient: Patient) -> MessageConsentChange | None:
    """The latest record of SMS consent given or withdrawn (None: never recorded)."""
    return _latest_changes(patient).get((mp.SMS, mp.ALL))
