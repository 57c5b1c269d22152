"""The patient's side of booking: book, my appointments, reschedule, cancel, .ics, waitlist;
and the practitioner's private calendar feed.

Views are thin: forms validate, services decide, domain errors become messages on the page.
The day/time pickers are plain links and GET forms; with htmx the same views return just the
picker partial (request.htmx), so everything works without JavaScript too.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import access
from clinic.models import ClinicPolicy, PractitionerProfile
from patients.queries import patient_for_user

from . import availability as av
from . import ics, queries, services
from .emails import local_when, site_url
from .forms import BookingQueryForm, CancelForm, ConfirmForm, StartForm, WaitlistForm
from .models import Appointment, WaitlistEntry, WaitlistOffer, WaitlistOfferStatus, WaitlistStatus


def _patient(request):
    patient = patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record for this login.")
    return patient


def _own_appointment(request, pk: int) -> Appointment:
    """The logged-in patient's appointment; anyone else's is a 404 (ids cannot be probed)."""
    try:
        return queries.appointment_for_patient(patient=_patient(request), pk=pk)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment.")


def _date_param(request, name: str) -> dt.date | None:
    """A date from the query string; a malformed one is ignored (the page shows the default)."""
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


def _slot(start: dt.datetime, tz, **extra) -> dict:
    local = start.astimezone(tz)
    # Labels are formatted here: Django's |time filter would convert to the site's TIME_ZONE first.
    return {"start": start, "local": local, "label": local.strftime("%H:%M"), "iso": start.isoformat(), **extra}


def _confirm_url(*, service, location, practitioner, start: dt.datetime) -> str:
    query = {"service": service.pk, "location": location.pk, "start": start.isoformat()}
    if practitioner is not None:
        query["practitioner"] = practitioner.pk
    return f"{reverse('scheduling:book_confirm')}?{urlencode(query)}"


def _picker(
    *,
    service,
    location,
    practitioner,
    day: dt.date | None,
    start_from: dt.date | None,
    exclude_appointment_id: int | None = None,
    link_for=None,
) -> dict:
    """Days with free times in a two-week page, and the times of the chosen (or first) day."""
    policy = ClinicPolicy.get()
    page = queries.day_page(location=location, policy=policy, start_from=start_from, day=day)
    first, last_shown = page.first, page.last_shown
    inputs = queries.availability_inputs(
        service=service,
        location=location,
        date_from=first,
        date_to=last_shown,
        practitioner_ids=[practitioner.pk] if practitioner else None,
        policy=policy,
        exclude_appointment_id=exclude_appointment_id,
    )
    days = inputs.days()
    if day is None or day not in days:
        chosen = days[0] if (day is None and days) else day
    else:
        chosen = day
    times: list[dict] = []
    if chosen is not None and first <= chosen <= last_shown:
        per = av.bookable_starts_many(
            inputs.practitioners, rules=inputs.rules, rooms=inputs.rooms, date_from=chosen, date_to=chosen
        )
        for start, _pids in av.merged_starts(per):
            slot = _slot(start, location.tz)
            if link_for:
                slot["url"] = link_for(start)
            times.append(slot)
    return {
        "days": days,
        "day": chosen,
        "times": times,
        "first": first,
        "last_shown": last_shown,
        "prev_from": page.prev_from,
        "next_from": page.next_from,
        "tz_name": location.timezone,
    }


# --- booking -------------------------------------------------------------------------------


@access.role_required(access.PATIENT)
def book(request):
    """Step by step: service → location → practitioner or first available → day → time."""
    patient = _patient(request)
    data = request.GET.copy()
    data.pop("part", None)
    services_list = list(queries.bookable_services())
    by_pk = services.patient_self_book_decisions(patient, services_list)
    decisions = [(s, by_pk[s.pk]) for s in services_list]
    if "service" not in data:
        allowed = [s for s, d in decisions if d]
        if allowed:
            data["service"] = str(allowed[0].pk)
    form = BookingQueryForm(data)
    ctx: dict = {"form": form, "decisions": decisions, "patient": patient}
    # Each step uses whatever is valid so far; a bad value gets its message next to its field and
    # the rest of the page still renders.
    form.is_valid()
    if service := form.cleaned_data.get("service"):
        decision = by_pk[service.pk] if service.pk in by_pk else services.patient_may_self_book(patient, service)
        locations = list(queries.locations_for(service=service))
        location = form.cleaned_data.get("location") or (locations[0] if len(locations) == 1 else None)
        practitioner = form.cleaned_data.get("practitioner")
        ctx.update(
            service=service,
            decision=decision,
            locations=locations,
            location=location,
            practitioner=practitioner,
            practitioners=list(queries.practitioners_for(service=service, location=location)) if location else [],
        )
        if decision and location is not None:
            ctx["picker"] = _picker(
                service=service,
                location=location,
                practitioner=practitioner,
                day=form.cleaned_data.get("day"),
                start_from=form.cleaned_data.get("start_from"),
                link_for=lambda s: _confirm_url(service=service, location=location, practitioner=practitioner, start=s),
            )
            ctx["base_query"] = urlencode(
                {
                    k: v
                    for k, v in {
                        "service": service.pk,
                        "location": location.pk,
                        "practitioner": practitioner.pk if practitioner else "",
                    }.items()
                }
            )
    part = request.GET.get("part") if request.htmx else None
    if part == "picker":
        return render(request, "scheduling/_booking_picker.html", ctx)
    if part == "booking":
        return render(request, "scheduling/_booking.html", ctx)
    return render(request, "scheduling/book.html", ctx)


@access.role_required(access.PATIENT)
def book_confirm(request):
    """GET: the summary with a Confirm button. POST: book; a taken time shows alternatives."""
    patient = _patient(request)
    form = ConfirmForm(request.POST if request.method == "POST" else request.GET)
    ctx: dict = {"form": form}
    if not form.is_valid():
        return render(request, "scheduling/book_confirm.html", ctx, status=400 if request.GET or request.POST else 200)
    service = form.cleaned_data["service"]
    location = form.cleaned_data["location"]
    practitioner = form.cleaned_data.get("practitioner")
    start = form.cleaned_data["start"]
    decision = services.patient_may_self_book(patient, service)
    ctx.update(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        when=local_when(start, location.tz),
        decision=decision,
    )
    if request.method == "POST" and decision:
        try:
            appt = services.appointment_self_book(
                patient=patient,
                service=service,
                location=location,
                start=start,
                practitioner=practitioner,
                user=request.user,
            )
        except services.SlotUnavailable as exc:
            ctx["error"] = exc.message
            ctx["alternatives"] = [
                _slot(
                    a,
                    location.tz,
                    url=_confirm_url(service=service, location=location, practitioner=practitioner, start=a),
                    when=local_when(a, location.tz),
                )
                for a in exc.alternatives
            ]
            return render(request, "scheduling/book_confirm.html", ctx, status=409)
        except services.BookingError as exc:
            ctx["error"] = exc.message
            return render(request, "scheduling/book_confirm.html", ctx, status=409)
        messages.success(request, "You're booked. We have emailed you the details.")
        return redirect("scheduling:appointment_detail", pk=appt.pk)
    return render(request, "scheduling/book_confirm.html", ctx)


# --- my appointments -----------------------------------------------------------------------


@access.role_required(access.PATIENT)
def my_appointments(request):
    patient = _patient(request)
    upcoming, past = queries.patient_appointments(patient=patient)
    waiting = list(
        WaitlistEntry.objects.filter(patient=patient, status=WaitlistStatus.WAITING).select_related(
            "service", "location", "practitioner__user"
        )
    )
    offers = list(
        WaitlistOffer.objects.filter(
            entry__patient=patient,
            status=WaitlistOfferStatus.OPEN,
            entry__status=WaitlistStatus.WAITING,
            start__gt=timezone.now(),
        ).select_related("entry__service", "entry__location", "practitioner__user")
    )
    return render(
        request,
        "scheduling/my_appointments.html",
        {"upcoming": upcoming, "past": past, "waiting": waiting, "offers": offers, "patient": patient},
    )


@access.role_required(access.PATIENT)
def appointment_detail(request, pk: int):
    appt = _own_appointment(request, pk)
    changes = list(appt.changes.all())
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appt,
            "when": local_when(appt.start, appt.location.tz),
            "changes": [(c, local_when(c.old_start, appt.location.tz)) for c in changes],
            "late_if_cancelled_now": appt.is_upcoming and services.cancellation_is_late(appt),
        },
    )


@access.role_required(access.PATIENT, access.SCHEDULE_STAFF)
def appointment_ics(request, pk: int):
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
def appointment_cancel(request, pk: int):
    """A confirm page first (with the late-cancellation warning), then the POST cancels."""
    appt = _own_appointment(request, pk)
    form = CancelForm(request.POST if request.method == "POST" else None)
    late = appt.is_upcoming and services.cancellation_is_late(appt)
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
def appointment_reschedule(request, pk: int):
    """Pick a new time with the same practitioner. The old time is kept until the new one is secured."""
    appt = _own_appointment(request, pk)
    ctx: dict = {"appointment": appt, "when": local_when(appt.start, appt.location.tz)}
    if not appt.is_upcoming:
        ctx["error"] = "Only upcoming booked appointments can be moved."
        return render(request, "scheduling/appointment_reschedule.html", ctx, status=409)
    day, start_from = _date_param(request, "day"), _date_param(request, "start_from")
    status = 200
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid():
            try:
                services.appointment_reschedule(
                    appointment=appt, start=form.cleaned_data["start"], changed_by=request.user, reason="patient"
                )
            except services.SlotUnavailable as exc:
                ctx["error"] = exc.message
                ctx["alternatives"] = [
                    _slot(a, appt.location.tz, when=local_when(a, appt.location.tz)) for a in exc.alternatives
                ]
                day = form.cleaned_data["start"].astimezone(appt.location.tz).date()
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
    ctx["picker"] = _picker(
        service=appt.service,
        location=appt.location,
        practitioner=appt.practitioner,
        day=day,
        start_from=start_from,
        exclude_appointment_id=appt.pk,
    )
    if request.htmx and request.method == "GET":
        return render(request, "scheduling/_reschedule_picker.html", ctx)
    return render(request, "scheduling/appointment_reschedule.html", ctx, status=status)


# --- waitlist ------------------------------------------------------------------------------


@access.role_required(access.PATIENT)
def waitlist_join(request):
    patient = _patient(request)
    initial = {k: request.GET.get(k) for k in ("service", "location", "practitioner") if request.GET.get(k)}
    today = timezone.localdate()
    initial.setdefault("earliest", today)
    initial.setdefault("latest", today + dt.timedelta(days=14))
    form = WaitlistForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = services.patient_may_self_book(patient, data["service"])
        if not decision:
            form.add_error("service", decision.reason)
        else:
            services.waitlist_join(
                patient=patient,
                service=data["service"],
                location=data["location"],
                practitioner=data.get("practitioner"),
                earliest=data["earliest"],
                latest=data["latest"],
                created_by=request.user,
            )
            messages.success(request, "You are on the waitlist. We will email you when a time comes free.")
            return redirect("scheduling:my_appointments")
    return render(request, "scheduling/waitlist_join.html", {"form": form})


@require_POST
@access.role_required(access.PATIENT)
def waitlist_withdraw(request, pk: int):
    entry = get_object_or_404(WaitlistEntry, pk=pk, patient=_patient(request))
    services.waitlist_withdraw(entry=entry)
    messages.info(request, "You have left the waitlist.")
    return redirect("scheduling:my_appointments")


@access.role_required(access.PATIENT)
def waitlist_claim(request, pk: int):
    """The link in a waitlist offer email: show the time, book it on POST (first come, first served)."""
    offer = get_object_or_404(
        WaitlistOffer.objects.select_related("entry__service", "entry__location", "practitioner__user"),
        pk=pk,
        entry__patient=_patient(request),
    )
    location = offer.entry.location
    ctx: dict = {"offer": offer, "when": local_when(offer.start, location.tz)}
    if request.method == "POST":
        try:
            appt = services.waitlist_claim(offer=offer, user=request.user)
        except services.BookingError as exc:
            ctx["error"] = exc.message
            offer.refresh_from_db()
            return render(request, "scheduling/waitlist_claim.html", ctx, status=409)
        messages.success(request, "You're booked. We have emailed you the details.")
        return redirect("scheduling:appointment_detail", pk=appt.pk)
    return render(request, "scheduling/waitlist_claim.html", ctx)


# --- practitioner calendar feed ------------------------------------------------------------


@access.role_required(access.PRACTITIONER)
def practitioner_calendar(request):
    """The practitioner's private feed link, and a button to replace (revoke) it."""
    profile = get_object_or_404(PractitionerProfile, user=request.user)
    feed = site_url(reverse("scheduling:practitioner_feed", kwargs={"token": profile.calendar_token}))
    return render(request, "scheduling/practitioner_calendar.html", {"profile": profile, "feed_url": feed})


@require_POST
@access.role_required(access.PRACTITIONER)
def practitioner_calendar_rotate(request):
    profile = get_object_or_404(PractitionerProfile, user=request.user)
    services.practitioner_calendar_token_rotate(practitioner=profile)
    messages.success(request, "Your calendar link was replaced. The old link no longer works.")
    return redirect("scheduling:practitioner_calendar")


FEED_PAST = dt.timedelta(days=30)
FEED_FUTURE = dt.timedelta(days=180)


@access.public
def practitioner_feed(request, token: str):
    """Private iCal feed: the secret token is the credential. A wrong or rotated token is 404."""
    profile = PractitionerProfile.objects.filter(calendar_token=token, active=True).select_related("user").first()
    if profile is None or len(token) < 16:
        raise Http404("No such calendar.")
    now = timezone.now()
    appts = queries.appointments_between(
        start=now - FEED_PAST, end=now + FEED_FUTURE, practitioner_id=profile.pk, include_cancelled=True
    )
    body = ics.practitioner_feed_ics(appts, name=profile.user.full_name)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
