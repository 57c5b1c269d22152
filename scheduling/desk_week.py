"""The week view's blocks: a busy location has 700 a week, so they are read as plain rows (only the
columns the block shows, no model instances) and each block's labels are formatted once here, not
by template tags per block.

A block still says everything the day view's block says at a glance: the local time (with the zone
abbreviation in the hour repeated when clocks go back), patient, service, status, "session k of N"
and the flags (intake missing, needs review, first visit, reminder failed). Nothing clinical: a red
flag shows only as the intake badge's "Needs review".

Queries: the appointments with their flags (one, desk_board.with_board_flags) and the intake
badges (one, patients.queries.intake_statuses), whatever the number of appointments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from html import escape  # the standard library's: Django's lazy-aware wrapper costs 3x per call

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from patients.queries import IntakeStatus, intake_statuses

from .desk_board import is_first_visit, with_board_flags
from .models import Appointment, AppointmentStatus
from .templatetags.local_time import format_local

STATUS_CSS = {
    AppointmentStatus.BOOKED: "text-bg-primary",
    AppointmentStatus.CHECKED_IN: "text-bg-info",
    AppointmentStatus.COMPLETED: "text-bg-success",
    AppointmentStatus.NO_SHOW: "text-bg-danger",
}
SHOWN_INTAKE = (IntakeStatus.MISSING, IntakeStatus.NEEDS_REVIEW)  # what the desk must act on

_FIRST_VISIT = (
    '<span class="badge text-bg-light border border-primary text-primary" data-testid="flag-first-visit" '
    'title="First visit">1st</span>'
)
_REMINDER_FAILED = (
    '<span class="badge text-bg-warning" data-testid="flag-reminder-failed" '
    'title="An email or reminder to the patient failed: call them.">Reminder failed</span>'
)


@dataclass(slots=True)
class Block:
    """One appointment on the week view: what the lanes need to place it, and its markup."""

    pk: int
    start: dt.datetime
    status: str
    practitioner_id: int
    room_id: int
    html: SafeString


@lru_cache(maxsize=32)
def _status_badge(status: str, late: bool) -> str:
    label = AppointmentStatus(status).label + (" (late)" if late else "")
    return (
        f'<span class="badge {STATUS_CSS.get(status, "text-bg-secondary")}" data-testid="status" '
        f'data-status="{status}">{escape(label)}</span>'
    )


@lru_cache(maxsize=8)
def _intake_badge(status: IntakeStatus) -> str:
    return (
        f'<span class="badge text-bg-{status.css}" data-testid="intake-status" '
        f'data-status="{status.code}">{escape(status.label)}</span>'
    )


def _has_plans() -> bool:
    return any(f.name == "plan_session" for f in Appointment._meta.get_fields())


@lru_cache(maxsize=256)
def _session_badge(number: int, of_total: int) -> str:
    # The label is the plans app's (PlanSession.progress_label): scheduling cannot import plans.
    session_model = Appointment._meta.get_field("plan_session").related_model
    label = session_model(number=number, of_total=of_total).progress_label
    return f'<span class="badge text-bg-light border" data-testid="plan-progress">{escape(label)}</span>'


def week_blocks(qs: QuerySet[Appointment], *, tz: dt.tzinfo, url_prefix: str) -> list[Block]:
    """The appointments of `qs` (filtered and ordered by the caller) as formatted blocks."""
    columns = [
        "pk",
        "start",
        "status",
        "late_cancel",
        "patient_id",
        "practitioner_id",
        "room_id",
        "patient__full_name",
        "service__name",
        "seen_before",
        "reminder_failed",
    ]
    plans = _has_plans()
    if plans:
        columns += ["plan_session__number", "plan_session__of_total"]
    # Time order is all the week needs (not the room's name: that join costs a tenth of the read).
    rows = list(with_board_flags(qs).order_by("start", "pk").values(*columns))
    intake = intake_statuses({r["patient_id"] for r in rows})
    blocks = []
    for r in rows:
        status = r["status"]
        cancelled = status == AppointmentStatus.CANCELLED
        badges = [_status_badge(status, r["late_cancel"])]
        if plans and r["plan_session__number"]:
            badges.append(_session_badge(r["plan_session__number"], r["plan_session__of_total"]))
        if is_first_visit(status, r["seen_before"]):
            badges.append(_FIRST_VISIT)
        if r["reminder_failed"]:
            badges.append(_REMINDER_FAILED)
        badge = intake.get(r["patient_id"])
        if not cancelled and badge in SHOWN_INTAKE:
            badges.append(_intake_badge(badge))
        # The block's markup is written here once, not by ~10 template nodes per block: with 700
        # blocks a week that was half the page's time. Every value is escaped.
        struck = (" text-body-secondary", ' class="text-decoration-line-through"') if cancelled else ("", "")
        html = (
            f'<li class="mb-1{struck[0]}" data-testid="appointment" data-appointment="{r["pk"]}">'
            f'<a href="{url_prefix}{r["pk"]}/"{struck[1]}>{format_local(r["start"], tz)} '
            f"{escape(r['patient__full_name'])}</a><br>{escape(r['service__name'])} {' '.join(badges)}</li>"
        )
        blocks.append(
            Block(
                pk=r["pk"],
                start=r["start"],
                status=status,
                practitioner_id=r["practitioner_id"],
                room_id=r["room_id"],
                html=SafeString(html),  # fixed markup, every value escaped (not mark_safe: its lazy check costs)
            )
        )
    return blocks
