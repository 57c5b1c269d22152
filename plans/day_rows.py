"""My day's rows as markup written once per appointment here, not by ~60 template nodes and four
included partials per row (issue 12: My day ≤ 30 ms; the template was a third of the page's time).

The same approach as the desk's week view (scheduling.desk_week): fixed markup, every value that
comes from the database or a user escaped with the standard library's `html.escape`. A row shows
what the template showed: local times (with the zone), patient and age, service, location and
room, the status badge (attendance confirmed), intake status, "session k of N", "k of N done",
"Review due", the safety alerts, the last-visit summary, the desk note, and the buttons (check in,
no-show, chart, visit note, appointment). The alert badges are rare and clinical, so they are still
rendered by their one template (patients/_alert_badges.html) for the patients that have any.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from patients.queries import IntakeStatus
from scheduling.desk_week import _intake_badge, _status_badge
from scheduling.models import AppointmentStatus
from scheduling.templatetags.local_time import format_local, is_repeated, zone_abbreviation

_PK = 987654321  # a placeholder id: each URL is reversed once per page, then filled in per row
_VISIT_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


def _pattern(name: str) -> tuple[str, str]:
    prefix, suffix = reverse(name, args=[_PK]).split(str(_PK))
    return prefix, suffix


@lru_cache(maxsize=1)
def _urls() -> dict[str, tuple[str, str]]:
    return {
        name: _pattern(name)
        for name in (
            "scheduling:desk_check_in",
            "scheduling:desk_no_show",
            "scheduling:desk_appointment",
            "patients:chart",
            "plans:visit_start",
            "plans:visit_edit",
            "plans:visit_detail",
        )
    }


def _url(name: str, pk: int) -> str:
    prefix, suffix = _urls()[name]
    return f"{prefix}{pk}{suffix}"


def _confirmed(a: Any) -> str:
    if a.status != AppointmentStatus.BOOKED or not a.attendance_confirmed_at:
        return ""
    via = escape(a.get_attendance_confirmed_via_display().lower())
    return (
        ' <span class="badge text-bg-success" data-testid="attendance-confirmed">Confirmed'
        f'<span class="visually-hidden"> attendance ({via})</span></span>'
    )


def _post(action: str, csrf: str, here: str, button: str) -> str:
    return (
        f'<form method="post" action="{action}" class="d-inline">{csrf}'
        f'<input type="hidden" name="next" value="{here}">{button}</form>'
    )


def row_html(a: Any, *, csrf_input: str, here: str) -> SafeString:
    """One appointment of My day (with the attributes the view and plans.day_queries put on it)."""
    tz = a.location.tz
    start = a.start.astimezone(tz)
    # Django's |date:"T" printed the zone, and nothing in the repeated hour (format_local adds it there).
    zone = "" if is_repeated(start) else zone_abbreviation(start)
    patient = a.patient
    age = patient.age
    alerts = getattr(a, "alerts", None)
    intake = getattr(patient, "intake_status", None)
    badges = [_status_badge(a.status, a.late_cancel) + _confirmed(a)]
    if isinstance(intake, IntakeStatus):
        badges.append(_intake_badge(intake))
    session = getattr(a, "plan_session", None)
    if session is not None:
        label = escape(session.progress_label)
        badges.append(f'<span class="badge text-bg-light border" data-testid="plan-progress">{label}</span>')
    if a.plan_done:
        badges.append(f'<span class="badge text-bg-light border" data-testid="plan-done">{escape(a.plan_done)}</span>')
    if a.review_due:
        badges.append('<span class="badge text-bg-info" data-testid="review-due">Review due</span>')
    if alerts is not None and alerts.any:
        badges.append(render_to_string("patients/_alert_badges.html", {"alerts": alerts, "patient": patient}))
    notes = ""
    if a.last_visit:
        notes += (
            '<div class="small mt-1" data-testid="last-visit"><span class="text-body-secondary">Last visit:</span> '
            f"{escape(a.last_visit)}</div>"
        )
    if a.front_desk_notes:
        notes += (
            '<div class="small mt-1"><span class="text-body-secondary">Desk note:</span> '
            f"{escape(a.front_desk_notes)}</div>"
        )
    here = escape(here)
    buttons = []
    if a.can_check_in:
        buttons.append(
            _post(
                _url("scheduling:desk_check_in", a.pk),
                csrf_input,
                here,
                '<button class="btn btn-sm btn-outline-success" type="submit" data-testid="check-in">Check in</button>',
            )
        )
    if a.can_no_show:
        buttons.append(
            _post(
                _url("scheduling:desk_no_show", a.pk),
                csrf_input,
                here,
                '<button class="btn btn-sm btn-outline-danger" type="submit" data-testid="no-show">No-show</button>',
            )
        )
    buttons.append(f'<a class="btn btn-sm btn-primary" href="{_url("patients:chart", patient.pk)}">Chart</a>')
    if a.visit_pk:
        if a.visit_signed:
            href, label = _url("plans:visit_detail", a.visit_pk), "Visit note (signed)"
        else:
            href, label = _url("plans:visit_edit", a.visit_pk), "Visit note"
        buttons.append(f'<a class="btn btn-sm btn-outline-primary" href="{href}" data-testid="visit-note">{label}</a>')
    elif a.status in _VISIT_STATUSES:
        buttons.append(
            f'<form method="post" action="{_url("plans:visit_start", a.pk)}" class="d-inline">{csrf_input}'
            '<button class="btn btn-sm btn-outline-primary" type="submit" data-testid="start-visit">Visit note</button>'
            "</form>"
        )
    page = _url("scheduling:desk_appointment", a.pk)
    buttons.append(f'<a class="btn btn-sm btn-outline-secondary" href="{page}">Appointment</a>')
    banner = " alert-banner" if alerts is not None and alerts.needs_review else ""
    html = (
        f'<div class="list-group-item{banner}" data-testid="appointment" data-appointment="{a.pk}">'
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2"><div>'
        f"<strong>{format_local(a.start, tz)}–{format_local(a.end, tz)}</strong> "
        f'<small class="text-body-secondary">{zone}</small> '
        f'<span class="ms-1 fs-5">{escape(patient.full_name)}</span>'
        + (f' <small class="text-body-secondary">({age})</small>' if age is not None else "")
        + f"<br><small>{escape(a.service.name)} · {escape(a.location.name)}, {escape(a.room.name)}</small>"
        f'<div class="d-flex flex-wrap gap-1 mt-1">{" ".join(badges)}</div>{notes}</div>'
        f'<div class="d-flex flex-wrap gap-1">{"".join(buttons)}</div></div></div>'
    )
    return SafeString(html)  # fixed markup, every value escaped
