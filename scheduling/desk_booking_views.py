"""The front desk books for a caller: find (or create) the caller, choose the service, location,
practitioner or first available, a day and a time, then confirm with a room and notes.

Thin views: forms validate, scheduling.services decides; a taken time shows the nearest free
times as links back to the confirm page, never a 500.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clinic import access
from clinic.models import ClinicPolicy, Location
from clinic.queries import phone_region
from patients import queries as patient_queries
from patients import services as patient_services
from patients.models import Patient
from patients.queries.search import SearchError, find_patients

from . import desk_queries, queries, services
from .desk_forms import CallerForm, DeskBookingForm, DeskConfirmForm, PatientSearchForm
from .desk_schedule_views import STAFF
from .emails import local_when
from .picker import slot_picker
from .services.policy import archived_refusal, booking_refusal, patient_facts


def _book_url(**params) -> str:
    return f"{reverse('scheduling:desk_book')}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _confirm_url(
    *, patient, service, location, practitioner_id: int, start: dt.datetime, override: bool, any_: bool, room=None
):
    query = {
        "patient": patient.pk,
        "service": service.pk,
        "location": location.pk,
        "practitioner": practitioner_id,
        "start": start.isoformat(),
    }
    if room is not None:
        query["room"] = room.pk
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
def book(request: HttpRequest) -> HttpResponse:
    """Find the caller (or create them), then service → location → practitioner → day → time."""
    patient = _caller(request, request.GET)
    if patient is None:
        search = PatientSearchForm(request.GET)
        search.is_valid()
        q = search.cleaned_data.get("q", "")
        try:  # the one patient search: typos, partial phones in any format, dates of birth, best first
            found = find_patients(q) if q else []
        except SearchError as exc:
            search.add_error("q", exc.message)
            found = []
        if search.errors:  # keep what was typed in the box, minus what no page can show
            q = request.GET.get("q", "").replace("\x00", "")[:100]
        results = patient_queries.with_intake_status(found) if found else []
        return render(
            request,
            "scheduling/desk/book_find.html",
            {
                "search": search,
                "q": q,
                "results": results,
                "caller_form": _caller_form(_carry(request.GET)),
                "carry": _carry(request.GET),
            },
        )
    if patient.archived:
        messages.error(request, archived_refusal(patient.full_name, online=False))
        return redirect("scheduling:desk_book")
    patient.intake_status = patient_queries.intake_status(patient)
    form = DeskBookingForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    service, location = data.get("service"), data.get("location")
    practitioner = data.get("practitioner") if "practitioner" not in form.errors else None
    override = bool(data.get("override"))
    # The practitioner stays chosen before the service is (e.g. from an empty cell of the board).
    ctx: dict = {
        "patient": patient,
        "form": form,
        "service": service,
        "override": override,
        "practitioner": practitioner,
    }
    if service:
        locations = list(queries.locations_for(service=service))
        if location is None and len(locations) == 1:
            location = locations[0]
        ctx["locations"] = locations
        facts = patient_facts(patient, online=False)
        ctx["is_new"] = facts.is_new
        ctx["refusal"] = booking_refusal(facts, service, online=False)
    ctx["location"] = location
    room, chosen_start = data.get("room"), data.get("start")
    if service and location and room and chosen_start and not practitioner and not ctx.get("refusal"):
        # An empty cell of the rooms view: whoever offers the service and is free then, in that room.
        practitioner = desk_queries.free_practitioner_at(
            service=service, location=location, start=chosen_start, room=room, override_notice=override
        )
        if practitioner is None:
            ctx["room_refusal"] = (
                f"Nobody who offers {service.name} is free at {local_when(chosen_start, location.tz)} "
                f"in {room.name}. Choose another time below."
            )
    if service and location and practitioner and chosen_start and not ctx.get("refusal"):
        # Booked from an empty cell of the board: that practitioner (and room) and time, straight to confirm.
        return redirect(
            _confirm_url(
                patient=patient,
                service=service,
                location=location,
                practitioner_id=practitioner.pk,
                start=chosen_start,
                override=override,
                any_=room is not None and data.get("practitioner") is None,
                room=room,
            )
        )
    ctx["start"] = request.GET.get("start", "") if chosen_start and "room_refusal" not in ctx else ""
    ctx["room"] = room
    if service and location:
        ctx["practitioners"] = list(queries.practitioners_for(service=service, location=location))
        ctx["practitioner"] = practitioner
        base = {
            "patient": patient.pk,
            "service": service.pk,
            "location": location.pk,
            "practitioner": practitioner.pk if practitioner else "",
            **({"override": "on"} if override else {}),
        }
        ctx["show_names"] = practitioner is None
        ctx["picker"] = slot_picker(
            service=service,
            location=location,
            practitioner=practitioner,
            day=data.get("day"),
            start_from=data.get("start_from"),
            page_url=lambda **q: "?" + urlencode({**base, **q}),
            link_for=lambda start, pid: _confirm_url(
                patient=patient,
                service=service,
                location=location,
                practitioner_id=practitioner.pk if practitioner else pid,
                start=start,
                override=override,
                any_=practitioner is None,
            ),
            override_notice=override,
            with_names=True,
        )
    return render(request, "scheduling/desk/book.html", ctx)


def _carry(source) -> dict:
    """Booking choices made before the caller was found (e.g. from the schedule), kept across steps."""
    return {k: source.get(k) for k in ("service", "location", "practitioner", "day", "start", "room") if source.get(k)}


def _caller_form(carry: dict, data=None) -> CallerForm:
    """A new caller's number without a + code is read as a number of the location being booked, once chosen."""
    location_id = str(carry.get("location", ""))
    location = None
    if location_id.isdigit() and len(location_id) < 10:  # a tampered id is ignored, never a database error
        location = Location.objects.filter(pk=int(location_id)).first()
    return CallerForm(data, phone_region=phone_region(location))


@access.role_required(STAFF)
def patient_new(request: HttpRequest) -> HttpResponse:
    """Create the caller's record on the spot. A likely duplicate is shown, with a link to use it."""
    form = _caller_form(_carry(request.POST), request.POST or None)
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
def book_confirm(request: HttpRequest) -> HttpResponse:
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
        is_new=queries.patient_is_new(patient),
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
    elif refusal := services.patient_booking_refusal(patient, service, online=False):
        ctx["error"] = refusal
    else:
        problem, rooms = desk_queries.slot_check(
            service=service, location=location, practitioner=practitioner, start=start, override_notice=override
        )
        if problem:
            ctx["error"] = services.problem_message(
                problem, max_advance_days=ClinicPolicy.get().max_advance_days, desk=True
            )
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
