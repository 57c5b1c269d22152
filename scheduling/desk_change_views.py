"""The front desk's changes to one appointment: cancel (with a reason) and reschedule.

The old time is kept until the new one is secured (appointment_reschedule is atomic); a taken
time shows the nearest free times, never a 500.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import access
from clinic.models import ClinicPolicy

from . import desk_queries, queries, rules, services
from .desk_forms import DeskCancelForm, DeskRescheduleForm
from .desk_schedule_views import STAFF, desk_appointment_or_404
from .emails import local_when
from .picker import slot_picker
from .view_helpers import date_param


@access.role_required(STAFF)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm page with the reason and the late-cancellation warning; the POST cancels."""
    appt = desk_appointment_or_404(pk)
    desk_queries.annotate_actions([appt], timezone.now())
    form = DeskCancelForm(request.POST or None)
    ctx = {
        "appointment": appt,
        "when": local_when(appt.start, appt.location.tz),
        "form": form,
        "late": appt.can_cancel and queries.cancellation_is_late(appt),
        "window_hours": ClinicPolicy.get().cancellation_window_hours,
    }
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appt = services.appointment_cancel(
                    appointment=appt, cancelled_by=request.user, reason=form.cleaned_data["reason"]
                )
            except services.BookingError as exc:
                ctx["error"] = exc.message
                status = 409
            else:
                if appt.late_cancel:
                    messages.warning(
                        request, f"Cancelled {appt.patient.full_name}'s appointment. Recorded as a late cancellation."
                    )
                else:
                    messages.success(request, f"Cancelled {appt.patient.full_name}'s appointment.")
                return redirect("scheduling:desk_appointment", pk=appt.pk)
        else:
            status = 400
    return render(request, "scheduling/desk/cancel.html", ctx, status=status)


@access.role_required(STAFF)
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a practitioner, day and time (and optionally a room), give a reason, move it."""
    appt = desk_appointment_or_404(pk)
    loc = appt.location
    source = request.POST if request.method == "POST" else request.GET
    override = source.get("override") in ("on", "1", "true")
    practitioners = list(queries.practitioners_for(service=appt.service, location=loc))
    try:
        chosen_pid = int(source.get("practitioner") or appt.practitioner_id)
    except ValueError:
        chosen_pid = appt.practitioner_id
    practitioner = next((p for p in practitioners if p.pk == chosen_pid), appt.practitioner)
    # A room picked on the board's rooms view comes preselected (an unknown one selects nothing).
    form = DeskRescheduleForm(
        request.POST or None, location=loc, initial={"reason": "", "room": request.GET.get("room")}
    )
    ctx: dict = {
        "appointment": appt,
        "when": local_when(appt.start, loc.tz),
        "form": form,
        "practitioners": practitioners,
        "practitioner": practitioner,
        "override": override,
    }
    status = 200
    day = date_param(request, "day")
    if refusal := rules.move_refusal(appt, timezone.now(), override_notice=override):
        ctx["error"] = refusal
        return render(request, "scheduling/desk/reschedule.html", ctx, status=409)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.appointment_reschedule(
                    appointment=appt,
                    start=data["start"],
                    practitioner=data.get("practitioner") or practitioner,
                    room=data.get("room"),
                    changed_by=request.user,
                    reason=data["reason"],
                    override_notice=override,
                )
            except services.SlotUnavailable as exc:
                ctx["error"] = exc.message
                ctx["alternatives"] = [{"iso": a.isoformat(), "when": local_when(a, loc.tz)} for a in exc.alternatives]
                day = data["start"].astimezone(loc.tz).date()
                status = 409
            except services.BookingError as exc:
                ctx["error"] = exc.message
                status = 409
            else:
                messages.success(
                    request, f"Moved {appt.patient.full_name}'s appointment. The patient is emailed the new time."
                )
                return redirect("scheduling:desk_appointment", pk=appt.pk)
        else:
            status = 400
            if form.cleaned_data.get("start"):
                day = form.cleaned_data["start"].astimezone(loc.tz).date()
    base = {"practitioner": practitioner.pk, **({"override": "on"} if override else {})}
    ctx["picker"] = slot_picker(
        service=appt.service,
        location=loc,
        practitioner=practitioner,
        day=day,
        start_from=date_param(request, "start_from"),
        page_url=lambda **q: "?" + urlencode({**base, **q}),
        choose="radio",
        override_notice=override,
        exclude_appointment_id=appt.pk,
        selected=request.POST.get("start", "") or request.GET.get("start", ""),  # a time picked on the board
    )
    return render(request, "scheduling/desk/reschedule.html", ctx, status=status)
