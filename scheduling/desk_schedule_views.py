"""The front desk's schedule and one appointment's page, with its quick actions (check in,
no-show, notes).

Thin views: forms validate, scheduling.services decides (and writes the audit event), domain
errors become messages. Every change is a POST followed by a redirect. The front desk sees contact
details and the intake status badge, never clinical answers or safety flags.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import access
from clinic.models import Location
from patients import queries as patient_queries

from . import desk_board, desk_queries, outbox_queries, queries, rules, services
from .desk_forms import NotesForm, ScheduleForm
from .emails import local_when
from .models import Appointment
from .view_helpers import safe_next_url

STAFF = access.SCHEDULE_STAFF


def desk_appointment_or_404(pk: int) -> Appointment:
    try:
        return desk_queries.desk_appointment(pk)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment.")


@access.role_required(STAFF)
def schedule(request: HttpRequest) -> HttpResponse:
    """Day or week view of one location, by practitioner or by room, in the location's time."""
    form = ScheduleForm(request.GET)
    form.is_valid()  # a bad filter is dropped (shown next to its field); the rest still applies
    data = form.cleaned_data
    location = data.get("location") or Location.objects.filter(active=True).order_by("name").first()
    ctx: dict = {"form": form, "location": location}
    if location is None:
        return render(request, "scheduling/desk/schedule.html", ctx)
    now = timezone.now()
    today = desk_queries.local_today(location, now)
    day = data.get("day") or today
    view = data.get("view") or "day"
    by = data.get("by") or "practitioner"
    practitioner = data.get("practitioner")
    if view == "week":
        first = desk_queries.week_start(day)
        last, step = first + dt.timedelta(days=6), dt.timedelta(days=7)
    else:
        first = last = day
        step = dt.timedelta(days=1)
    # One reverse() for the week's hundreds of links, not one per block.
    appt_url_prefix = reverse("scheduling:desk_appointment", args=[0])[:-2]
    grid = desk_queries.schedule(
        location=location,
        first=first,
        last=last,
        practitioner_id=practitioner.pk if practitioner else None,
        by="room" if view == "day" and by == "room" else "practitioner",
        include_cancelled=bool(data.get("cancelled")),
        compact_urls=appt_url_prefix if view == "week" else None,  # the week's blocks link to their page
    )
    if view != "week":  # the week's blocks carry no buttons: actions happen on the day view
        desk_queries.annotate_actions(grid["appointments"], now)
        desk_board.attach_flags(grid["appointments"])
    move = _move_target(request.GET.get("move"), now)
    if view == "day":
        _add_slots(grid["lanes"], location=location, day=day, now=now, move=move)
    base = {"location": location.pk, "view": view, "by": by}
    if move:
        base["move"] = move.pk
    if practitioner:
        base["practitioner"] = practitioner.pk
    if data.get("cancelled"):
        base["cancelled"] = "on"
    ctx.update(
        grid,
        view=view,
        by=by,
        day=day,
        today=today,
        first=first,
        last=last,
        practitioner=practitioner,
        prev_url="?" + urlencode({**base, "day": (day - step).isoformat()}),
        next_url="?" + urlencode({**base, "day": (day + step).isoformat()}),
        today_url="?" + urlencode(base),
        day_url_base="?" + urlencode({**base, "view": "day"}),
        book_url=reverse("scheduling:desk_book"),
        appt_url_prefix=appt_url_prefix,
        here=request.get_full_path(),
        move=move,
        cancel_move_url="?" + urlencode({k: v for k, v in base.items() if k != "move"} | {"day": day.isoformat()}),
    )
    return render(request, "scheduling/desk/schedule.html", ctx)


def _move_target(raw: str | None, now: dt.datetime) -> Appointment | None:
    """The appointment being moved (?move=<pk>), if it may still be moved: empty cells then pick its new time."""
    try:
        appt = desk_queries.desk_appointment(int(raw or ""))
    except (ValueError, Appointment.DoesNotExist):
        return None
    return None if rules.move_refusal(appt, now, override_notice=True) else appt


def _add_slots(lanes, *, location: Location, day: dt.date, now: dt.datetime, move: Appointment | None) -> None:
    """The day's rows per practitioner (or room); an empty cell links to booking (or to moving) at
    its time, with that practitioner (or in that room)."""
    base = reverse("scheduling:desk_reschedule", args=[move.pk]) if move else reverse("scheduling:desk_book")
    for lane in lanes:
        c = lane.first_cell
        lane.slots = desk_board.day_slots(
            day=day, tz=location.tz, hours=c.hours, appointments=c.appointments, off=c.off_spans
        )
        for slot in lane.slots:
            slot.free = slot.free and slot.start > now
            if not slot.free:
                continue
            who = {"room": lane.room.pk} if lane.room else {"practitioner": lane.practitioner.pk}
            query = {
                **who,
                "day": day.isoformat(),
                "start": slot.start.astimezone(dt.UTC).isoformat(),
            }
            # What a drop of a dragged block here posts to its reschedule page (static/acuclinic/board_drag.js).
            slot.move_query = urlencode(query)
            slot.url = base + "?" + (slot.move_query if move else urlencode({"location": location.pk, **query}))


@access.role_required(STAFF)
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one appointment for the desk: contact details, status, actions, history."""
    appt = desk_appointment_or_404(pk)
    desk_queries.attach_intake_status([appt])
    desk_queries.annotate_actions([appt], timezone.now())
    return render(
        request,
        "scheduling/desk/appointment.html",
        {
            "appointment": appt,
            "when": local_when(appt.start, appt.location.tz),
            "history": desk_queries.appointment_history(appt),
            "outbox_messages": outbox_queries.appointment_messages(appt),
            "reminder_statuses": patient_queries.reminder_statuses(appt.patient),
            "notes_form": NotesForm(initial={"front_desk_notes": appt.front_desk_notes}),
            "late_if_cancelled_now": appt.can_cancel and queries.cancellation_is_late(appt),
        },
    )


def _quick_action(request: HttpRequest, pk: int, action: Callable[..., Appointment], done: str) -> HttpResponse:
    appt = desk_appointment_or_404(pk)
    try:
        action(appointment=appt, by=request.user)
    except services.BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(name=appt.patient.full_name))
    return redirect(safe_next_url(request, reverse("scheduling:desk_appointment", kwargs={"pk": appt.pk})))


@require_POST
@access.role_required(STAFF)
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _quick_action(request, pk, services.appointment_check_in, "{name} is checked in.")


@require_POST
@access.role_required(STAFF)
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _quick_action(request, pk, services.appointment_mark_no_show, "{name} is marked as a no-show.")


@require_POST
@access.role_required(STAFF)
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    appt = desk_appointment_or_404(pk)
    form = NotesForm(request.POST)
    if form.is_valid():
        services.appointment_update_notes(
            appointment=appt, front_desk_notes=form.cleaned_data["front_desk_notes"], by=request.user
        )
        messages.success(request, "Notes saved.")
    else:
        messages.error(request, " ".join(form.errors.get("front_desk_notes", ["The notes could not be saved."])))
    return redirect("scheduling:desk_appointment", pk=appt.pk)
