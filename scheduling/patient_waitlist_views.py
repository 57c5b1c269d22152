"""The patient's waitlist: join (the waitlist_join service checks the request and its errors
show next to their fields), leave, and claim an offer from the email's link."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import access

from . import services
from .emails import local_when
from .forms import WaitlistForm
from .models import WaitlistEntry, WaitlistOffer
from .patient_booking_views import patient_or_404

DEFAULT_WAITLIST_DAYS = 14


@access.role_required(access.PATIENT)
def waitlist_join(request: HttpRequest) -> HttpResponse:
    patient = patient_or_404(request)
    initial: dict = {k: request.GET.get(k) for k in ("service", "location", "practitioner") if request.GET.get(k)}
    today = timezone.localdate()
    initial.setdefault("earliest", today)
    initial.setdefault("latest", today + dt.timedelta(days=DEFAULT_WAITLIST_DAYS))
    form = WaitlistForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.waitlist_join(
                patient=patient,
                service=data["service"],
                location=data["location"],
                practitioner=data.get("practitioner"),
                earliest=data["earliest"],
                latest=data["latest"],
                created_by=request.user,
            )
        except services.FieldErrors as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except services.BookingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "You are on the waitlist. We will email you when a time comes free.")
            return redirect("scheduling:my_appointments")
    return render(request, "scheduling/waitlist_join.html", {"form": form})


@require_POST
@access.role_required(access.PATIENT)
def waitlist_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry, pk=pk, patient=patient_or_404(request))
    services.waitlist_withdraw(entry=entry)
    messages.info(request, "You have left the waitlist.")
    return redirect("scheduling:my_appointments")


@access.role_required(access.PATIENT)
def waitlist_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """The link in a waitlist offer email: show the time, book it on POST (first come, first served)."""
    offer = get_object_or_404(
        WaitlistOffer.objects.select_related("entry__service", "entry__location", "practitioner__user"),
        pk=pk,
        entry__patient=patient_or_404(request),
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
