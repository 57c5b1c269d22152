"""The front desk: the day/week schedule, booking for a caller, and changes to appointments.

Thin views: forms validate, scheduling.services decides, domain errors become messages on the
page (a taken time shows the nearest free times, never a 500). Every change is a POST followed by
a redirect with a confirmation message. The front desk sees contact details and the intake
status badge, never clinical answers or safety flags.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic import access
from clinic.models import ClinicPolicy, Location
from patients import queries as patient_queries
from patients import services as patient_services
from patients.models import Patient

from . import availability as av
from . import desk_queries, queries, services
from .desk_forms import (
    CallerForm,
    DeskBookingForm,
    DeskCancelForm,
    DeskConfirmForm,
    DeskRescheduleForm,
    NotesForm,
    PatientSearchForm,
    ScheduleForm,
)
from .emails import local_when
from .models import Appointment, AppointmentStatus

STAFF = access.SCHEDULE_STAFF

# What the desk is told when a chosen time cannot be booked (codes from scheduling.availability).
PROBLEMS = {
    av.Problem.TOO_SOON: "That time is inside the minimum booking notice. "
    "Tick “Override the minimum notice” to book it anyway.",
    av.Problem.TOO_FAR: "That time is further ahead than bookings are open ({days} days).",
    av.Problem.LICENCE: "This practitioner cannot be booked on that date (licence expiry).",
    av.Problem.OUTSIDE_HOURS: "The practitioner does not work at that time.",
    av.Problem.PRACTITIONER_BUSY: "That time was just taken.",
    av.Problem.NO_ROOM: "That time was just taken.",
}


def _problem_message(code: str) -> str:
    return PROBLEMS.get(code, "That time cannot be booked.").format(days=ClinicPolicy.get().max_advance_days)


def _next_url(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=False):
        return nxt
    return default


def _appointment(pk: int) -> Appointment:
    try:
        return desk_queries.desk_appointment(pk)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment.")


# --- the schedule ----------------------------------------------------------------------------


@access.role_required(STAFF)
def schedule(request):
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
    grid = desk_queries.schedule(
        location=location,
        first=first,
        last=last,
        practitioner_id=practitioner.pk if practitioner else None,
        by="room" if view == "day" and by == "room" else "practitioner",
        include_cancelled=bool(data.get("cancelled")),
    )
    desk_queries.annotate_actions(grid["appointments"], now)
    base = {"location": location.pk, "view": view, "by": by}
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
        here=request.get_full_path(),
    )
    return render(request, "scheduling/desk/schedule.html", ctx)


# --- one appointment -------------------------------------------------------------------------


@access.role_required(STAFF)
def appointment(request, pk: int):
    """Everything about one appointment for the desk: contact details, status, actions, history."""
    appt = _appointment(pk)
    desk_queries.attach_intake_status([appt])
    desk_queries.annotate_actions([appt], timezone.now())
    return render(
        request,
        "scheduling/desk/appointment.html",
        {
            "appointment": appt,
            "when": local_when(appt.start, appt.location.tz),
            "history": desk_queries.appointment_history(appt),
            "notes_form": NotesForm(initial={"front_desk_notes": appt.front_desk_notes}),
            "late_if_cancelled_now": appt.can_change and services.cancellation_is_late(appt),
        },
    )


def _simple_action(request, pk: int, action, done: str):
    appt = _appointment(pk)
    try:
        action(appointment=appt, by=request.user)
    except services.BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(name=appt.patient.full_name))
    return redirect(_next_url(request, reverse("scheduling:desk_appointment", kwargs={"pk": appt.pk})))


@require_POST
@access.role_required(STAFF)
def check_in(request, pk: int):
    return _simple_action(request, pk, services.appointment_check_in, "{name} is checked in.")


@require_POST
@access.role_required(STAFF)
def no_show(request, pk: int):
    return _simple_action(request, pk, services.appointment_mark_no_show, "{name} is marked as a no-show.")


@require_POST
@access.role_required(STAFF)
def notes(request, pk: int):
    appt = _appointment(pk)
    form = NotesForm(request.POST)
    if form.is_valid():
        services.appointment_update_notes(appointment=appt, front_desk_notes=form.cleaned_data["front_desk_notes"])
        messages.success(request, "Notes saved.")
    else:
        messages.error(request, " ".join(form.errors.get("front_desk_notes", ["The notes could not be saved."])))
    return redirect("scheduling:desk_appointment", pk=appt.pk)


@access.role_required(STAFF)
def cancel(request, pk: int):
    """Confirm page with the reason and the late-cancellation warning; the POST cancels."""
    appt = _appointment(pk)
    desk_queries.annotate_actions([appt], timezone.now())
    form = DeskCancelForm(request.POST or None)
    ctx = {
        "appointment": appt,
        "when": local_when(appt.start, appt.location.tz),
        "form": form,
        "late": appt.can_change and services.cancellation_is_late(appt),
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


def _date_param(request, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@access.role_required(STAFF)
def reschedule(request, pk: int):
    """Pick a practitioner, day and time (and optionally a room), give a reason, move it.

    The old time is kept until the new one is secured (appointment_reschedule is atomic).
    """
    appt = _appointment(pk)
    loc = appt.location
    source = request.POST if request.method == "POST" else request.GET
    override = source.get("override") in ("on", "1", "true")
    practitioners = list(queries.practitioners_for(service=appt.service, location=loc))
    try:
        chosen_pid = int(source.get("practitioner") or appt.practitioner_id)
    except ValueError:
        chosen_pid = appt.practitioner_id
    practitioner = next((p for p in practitioners if p.pk == chosen_pid), appt.practitioner)
    form = DeskRescheduleForm(request.POST or None, location=loc, initial={"reason": ""})
    ctx: dict = {
        "appointment": appt,
        "when": local_when(appt.start, loc.tz),
        "form": form,
        "practitioners": practitioners,
        "practitioner": practitioner,
        "override": override,
    }
    status = 200
    day = _date_param(request, "day")
    if appt.status != AppointmentStatus.BOOKED or (appt.start <= timezone.now() and not override):
        ctx["error"] = "Only booked appointments that have not started can be moved."
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
    ctx["picker"] = desk_queries.slot_picker(
        service=appt.service,
        location=loc,
        practitioner=practitioner,
        day=day,
        start_from=_date_param(request, "start_from"),
        override_notice=override,
        exclude_appointment_id=appt.pk,
    )
    ctx["base_query"] = urlencode({"practitioner": practitioner.pk, **({"override": "on"} if override else {})})
    return render(request, "scheduling/desk/reschedule.html", ctx, status=status)


# --- booking for a caller --------------------------------------------------------------------


def _book_url(**params) -> str:
    return f"{reverse('scheduling:desk_book')}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _confirm_url(*, patient, service, location, practitioner_id: int, start: dt.datetime, override: bool, any_: bool):
    query = {
        "patient": patient.pk,
        "service": service.pk,
        "location": location.pk,
        "practitioner": practitioner_id,
        "start": start.isoformat(),
    }
    if override:
        query["override"] = "on"
    if any_:
        query["any"] = "on"
    return f"{reverse('scheduling:desk_book_confirm')}?{urlencode(query)}"


def _caller(request, source) -> Patient | None:
    try:
        pk = int(source.get("patient", ""))
    except ValueError:
        return None
    return Patient.objects.filter(pk=pk).first()


@access.role_required(STAFF)
def book(request):
    """Find the caller (or create them), then service → location → practitioner → day → time."""
    patient = _caller(request, request.GET)
    if patient is None:
        search = PatientSearchForm(request.GET)
        search.is_valid()
        q = search.cleaned_data.get("q", "")
        results = patient_queries.with_intake_status(patient_queries.patient_search(q)) if q else []
        return render(
            request,
            "scheduling/desk/book_find.html",
            {"search": search, "q": q, "results": results, "caller_form": CallerForm(), "carry": _carry(request.GET)},
        )
    if patient.archived:
        messages.error(request, f"{patient.full_name}'s record is archived. Restore it before booking.")
        return redirect("scheduling:desk_book")
    patient.intake_status = patient_queries.intake_status(patient)
    form = DeskBookingForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    service, location = data.get("service"), data.get("location")
    practitioner = data.get("practitioner") if "practitioner" not in form.errors else None
    override = bool(data.get("override"))
    ctx: dict = {"patient": patient, "form": form, "service": service, "override": override}
    if service:
        locations = list(queries.locations_for(service=service))
        if location is None and len(locations) == 1:
            location = locations[0]
        ctx["locations"] = locations
        ctx["is_new"] = services.patient_is_new(patient)
    ctx["location"] = location
    if service and location:
        ctx["practitioners"] = list(queries.practitioners_for(service=service, location=location))
        ctx["practitioner"] = practitioner
        ctx["picker"] = picker = desk_queries.slot_picker(
            service=service,
            location=location,
            practitioner=practitioner,
            day=data.get("day"),
            start_from=data.get("start_from"),
            override_notice=override,
        )
        for t in picker["times"]:
            t["url"] = _confirm_url(
                patient=patient,
                service=service,
                location=location,
                practitioner_id=practitioner.pk if practitioner else t["practitioner_id"],
                start=t["start"],
                override=override,
                any_=practitioner is None,
            )
        ctx["base_query"] = urlencode(
            {
                "patient": patient.pk,
                "service": service.pk,
                "location": location.pk,
                "practitioner": practitioner.pk if practitioner else "",
                **({"override": "on"} if override else {}),
            }
        )
    return render(request, "scheduling/desk/book.html", ctx)


def _carry(source) -> dict:
    """Booking choices made before the caller was found (e.g. from the schedule), kept across steps."""
    return {k: source.get(k) for k in ("service", "location", "practitioner", "day") if source.get(k)}


@access.role_required(STAFF)
def patient_new(request):
    """Create the caller's record on the spot. A likely duplicate is shown, with a link to use it."""
    form = CallerForm(request.POST or None)
    ctx: dict = {"caller_form": form, "carry": {}}
    status = 200
    if request.method == "POST":
        ctx["carry"] = _carry(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                patient = patient_services.patient_create(
                    full_name=data["full_name"],
                    phone=data["phone"],
                    date_of_birth=data["date_of_birth"],
                    email=data["email"],
                    created_by=request.user,
                    allow_duplicate=bool(data.get("force")),
                    request=request,
                )
            except patient_services.DuplicatePatient as exc:
                ctx["duplicates"] = [
                    {"patient": p, "reason": reason, "url": _book_url(patient=p.pk, **ctx["carry"])}
                    for p, reason in exc.candidates
                ]
                ctx["forcible"] = exc.forcible
                status = 409
            except patient_services.PatientError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 400
            else:
                messages.success(request, f"Record created for {patient.full_name}. Now choose the appointment.")
                return redirect(_book_url(patient=patient.pk, **ctx["carry"]))
        else:
            status = 400
    return render(request, "scheduling/desk/book_find.html", ctx, status=status)


@access.role_required(STAFF)
def book_confirm(request):
    """GET: the summary, whether the time is still free, the room and notes. POST: book it."""
    source = request.POST if request.method == "POST" else request.GET
    patient = _caller(request, source)
    form = DeskConfirmForm(source if source else None)
    ctx: dict = {"form": form, "patient": patient}
    if patient is None or not form.is_valid():
        status = 400 if source else 200
        return render(request, "scheduling/desk/book_confirm.html", ctx, status=status)
    data = form.cleaned_data
    service, location, practitioner, start = data["service"], data["location"], data["practitioner"], data["start"]
    override, any_ = bool(data.get("override")), bool(data.get("any"))
    patient.intake_status = patient_queries.intake_status(patient)
    ctx.update(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        override=override,
        any=any_,
        when=local_when(start, location.tz),
        is_new=services.patient_is_new(patient),
        again_url=_book_url(
            patient=patient.pk,
            service=service.pk,
            location=location.pk,
            practitioner="" if any_ else practitioner.pk,
            day=start.astimezone(location.tz).date().isoformat(),
            override="on" if override else "",
        ),
    )
    status = 200
    if request.method == "POST":
        try:
            appt = services.appointment_book(
                patient=patient,
                service=service,
                practitioner=practitioner,
                location=location,
                start=start,
                room=data.get("room"),
                booked_by=request.user,
                front_desk_notes=data.get("front_desk_notes", ""),
                override_notice=override,
            )
        except services.SlotUnavailable as exc:
            ctx["error"] = exc.message
            ctx["alternatives"] = _alternatives(ctx, exc, patient=patient)
            status = 409
        except services.BookingError as exc:
            ctx["error"] = exc.message
            status = 409
        else:
            messages.success(
                request,
                f"Booked {patient.full_name}: {service.name} with {appt.practitioner.user.full_name}, "
                f"{local_when(appt.start, location.tz)}, {appt.room.name}.",
            )
            return redirect("scheduling:desk_appointment", pk=appt.pk)
    else:
        problem, rooms = desk_queries.slot_check(
            service=service, location=location, practitioner=practitioner, start=start, override_notice=override
        )
        if problem:
            ctx["error"] = _problem_message(problem)
            ctx["alternatives"] = _alternatives(ctx, None, patient=patient)
        ctx["free_rooms"] = rooms
    return render(request, "scheduling/desk/book_confirm.html", ctx, status=status)


def _alternatives(ctx: dict, exc: services.SlotUnavailable | None, *, patient: Patient) -> list[dict]:
    """Nearest free times as links back to this page: across all practitioners for "first
    available", else the chosen practitioner's (the service already computed those)."""
    service, location, practitioner = ctx["service"], ctx["location"], ctx["practitioner"]
    if exc is not None and not ctx["any"]:
        pairs = [(a, practitioner.pk) for a in exc.alternatives]
    else:
        pairs = queries.nearest_free(
            service=service,
            location=location,
            start=ctx["start"],
            practitioner_ids=None if ctx["any"] else [practitioner.pk],
            override_notice=ctx["override"],
        )
    return [
        {
            "iso": s.isoformat(),
            "when": local_when(s, location.tz),
            "url": _confirm_url(
                patient=patient,
                service=service,
                location=location,
                practitioner_id=pid,
                start=s,
                override=ctx["override"],
                any_=ctx["any"],
            ),
        }
        for s, pid in pairs
    ]
