"""The patient's own appointments: the list, one appointment, its .ics, cancel and move.

Another patient's appointment is a 404 (ids cannot be probed). Whether an appointment may still be
moved or cancelled is scheduling.rules' decision, the same the services enforce.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clinic import access
from clinic.models import ClinicPolicy

from . import ics, queries, rules, services
from .emails import local_when
from .forms import CancelForm, StartForm
from .models import Appointment
from .patient_booking_views import patient_or_404
from .picker import slot_label, slot_picker
from .view_helpers import date_param


def _own_appointment(request: HttpRequest, pk: int) -> Appointment:
    try:
        return queries.appointment_for_patient(patient=patient_or_404(request), pk=pk)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment.")


@access.role_required(access.PATIENT)
def my_appointments(request: HttpRequest) -> HttpResponse:
    patient = patient_or_404(request)
    now = timezone.now()
    upcoming, past = queries.patient_appointments(patient=patient, now=now)
    waiting, offers = queries.patient_waitlist(patient=patient, now=now)
    for offer in offers:
        offer.when = local_when(offer.start, offer.entry.location.tz)
    # "Join the waitlist" starts from what they book: their next (or latest) appointment's service
    # and clinic, else the first service in care order (an initial consultation for a new patient).
    latest = (upcoming or past or [None])[0]
    if latest is not None:
        waitlist_query = "?" + urlencode({"service": latest.service_id, "location": latest.location_id})
    else:
        first = queries.bookable_services().first()
        waitlist_query = "?" + urlencode({"service": first.pk}) if first else ""
    return render(
        request,
        "scheduling/my_appointments.html",
        {
            "upcoming": upcoming,
            "past": past,
            "waiting": waiting,
            "offers": offers,
            "patient": patient,
            "waitlist_query": waitlist_query,
        },
    )


@access.role_required(access.PATIENT)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appt = _own_appointment(request, pk)
    changes = list(appt.changes.all())
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appt,
            "when": local_when(appt.start, appt.location.tz),
            "changes": [(c, local_when(c.old_start, appt.location.tz)) for c in changes],
            "late_if_cancelled_now": appt.is_upcoming and queries.cancellation_is_late(appt),
        },
    )


@access.role_required(access.PATIENT, access.SCHEDULE_STAFF)
def appointment_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The .ics for one appointment: its patient, or schedule staff (to email or print it)."""
    if request.user.role in access.PATIENT:
        appt = _own_appointment(request, pk)
    else:
        appt = get_object_or_404(
            Appointment.objects.select_related("service", "location", "room", "practitioner__user", "patient"), pk=pk
        )
    response = HttpResponse(ics.appointment_ics(appt), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appt.pk}.ics"'
    return response


@access.role_required(access.PATIENT)
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirm page first (with the late-cancellation warning), then the POST cancels."""
    appt = _own_appointment(request, pk)
    form = CancelForm(request.POST if request.method == "POST" else None)
    late = not rules.cancel_refusal(appt, timezone.now()) and queries.cancellation_is_late(appt)
    ctx = {
        "appointment": appt,
        "when": local_when(appt.start, appt.location.tz),
        "form": form,
        "late": late,
        "window_hours": ClinicPolicy.get().cancellation_window_hours,
    }
    if request.method == "POST" and form.is_valid():
        try:
            appt = services.appointment_cancel(
                appointment=appt, cancelled_by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.BookingError as exc:
            ctx["error"] = exc.message
            return render(request, "scheduling/appointment_cancel.html", ctx, status=409)
        if appt.late_cancel:
            messages.warning(request, "Your appointment is cancelled. It was recorded as a late cancellation.")
        else:
            messages.success(request, "Your appointment is cancelled.")
        return redirect("scheduling:my_appointments")
    return render(request, "scheduling/appointment_cancel.html", ctx)


@access.role_required(access.PATIENT)
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a new time with the same practitioner. The old time is kept until the new one is secured."""
    appt = _own_appointment(request, pk)
    tz = appt.location.tz
    ctx: dict = {"appointment": appt, "when": local_when(appt.start, tz)}
    if refusal := rules.move_refusal(appt, timezone.now()):
        ctx["error"] = refusal
        return render(request, "scheduling/appointment_reschedule.html", ctx, status=409)
    day, start_from = date_param(request, "day"), date_param(request, "start_from")
    status = 200
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid():
            try:
                services.appointment_reschedule(
                    appointment=appt,
                    start=form.cleaned_data["start"],
                    changed_by=request.user,
                    reason="patient",
                    online=True,
                )
            except services.SlotUnavailable as exc:
                ctx["error"] = exc.message
                ctx["alternatives"] = [
                    {"iso": a.isoformat(), "label": slot_label(a, tz), "when": local_when(a, tz)}
                    for a in exc.alternatives
                ]
                day = form.cleaned_data["start"].astimezone(tz).date()
                status = 409
            except services.BookingError as exc:
                ctx["error"] = exc.message
                status = 409
            else:
                messages.success(request, "Your appointment has been moved. We have emailed you the new time.")
                return redirect("scheduling:appointment_detail", pk=appt.pk)
        else:
            ctx["error"] = "Please choose one of the times shown."
            status = 400
    ctx["picker"] = slot_picker(
        service=appt.service,
        location=appt.location,
        practitioner=appt.practitioner,
        day=day,
        start_from=start_from,
        page_url=lambda **q: "?" + urlencode(q),
        choose="submit",
        htmx=True,
        exclude_appointment_id=appt.pk,
    )
    if request.htmx and request.method == "GET":
        return render(request, "scheduling/_picker.html", {**ctx, "times_heading": "New time"})
    return render(request, "scheduling/appointment_reschedule.html", ctx, status=status)
