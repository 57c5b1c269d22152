"""The patient books: service → location → practitioner or first available → day → time → confirm.

Views are thin: forms validate, services decide, domain errors become messages on the page. The
day/time picker is plain links and GET forms; with htmx the same view returns just the picker
partial (request.htmx), so everything works without JavaScript too.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clinic import access
from clinic.models import Location, PractitionerProfile, Service
from patients.models import Patient
from patients.queries import patient_for_user

from . import queries, services
from .emails import local_when
from .forms import BookingQueryForm, ConfirmForm
from .picker import slot_label, slot_picker


def patient_or_404(request: HttpRequest) -> Patient:
    patient = patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record for this login.")
    return patient


def _confirm_url(
    *, service: Service, location: Location, practitioner: PractitionerProfile | None, start: dt.datetime
) -> str:
    query = {"service": service.pk, "location": location.pk, "start": start.isoformat()}
    if practitioner is not None:
        query["practitioner"] = practitioner.pk
    return f"{reverse('scheduling:book_confirm')}?{urlencode(query)}"


@access.role_required(access.PATIENT)
def book(request: HttpRequest) -> HttpResponse:
    """Step by step: service → location → practitioner or first available → day → time."""
    patient = patient_or_404(request)
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
            base = {
                "service": service.pk,
                "location": location.pk,
                "practitioner": practitioner.pk if practitioner else "",
            }
            book_url = reverse("scheduling:book")
            ctx["picker"] = slot_picker(
                service=service,
                location=location,
                practitioner=practitioner,
                day=form.cleaned_data.get("day"),
                start_from=form.cleaned_data.get("start_from"),
                page_url=lambda **q: f"{book_url}?{urlencode({**base, **q})}",
                link_for=lambda s, _pid: _confirm_url(
                    service=service, location=location, practitioner=practitioner, start=s
                ),
                htmx=True,
            )
            ctx["waitlist_url"] = f"{reverse('scheduling:waitlist_join')}?{urlencode(base)}"
    part = request.GET.get("part") if request.htmx else None
    if part == "picker":
        return render(request, "scheduling/_booking_picker.html", ctx)
    if part == "booking":
        return render(request, "scheduling/_booking.html", ctx)
    return render(request, "scheduling/book.html", ctx)


@access.role_required(access.PATIENT)
def book_confirm(request: HttpRequest) -> HttpResponse:
    """GET: the summary with a Confirm button. POST: book; a taken time shows alternatives."""
    patient = patient_or_404(request)
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
                {
                    "iso": a.isoformat(),
                    "label": slot_label(a, location.tz),
                    "url": _confirm_url(service=service, location=location, practitioner=practitioner, start=a),
                    "when": local_when(a, location.tz),
                }
                for a in exc.alternatives
            ]
            return render(request, "scheduling/book_confirm.html", ctx, status=409)
        except services.BookingError as exc:
            ctx["error"] = exc.message
            return render(request, "scheduling/book_confirm.html", ctx, status=409)
        messages.success(request, "You're booked. We have emailed you the details.")
        return redirect("scheduling:appointment_detail", pk=appt.pk)
    return render(request, "scheduling/book_confirm.html", ctx)
