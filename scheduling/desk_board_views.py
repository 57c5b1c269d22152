"""The board's in-place actions (check in, no-show, cancel: htmx, or a plain POST without
JavaScript), today's arrivals and the printable day sheet of one practitioner.

Thin: desk_board.appointment_desk_action decides (on the locked row, with the page's state token),
the services apply their rules and write the audit event.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.models import Location, PractitionerProfile

from . import desk_board, desk_queries, services
from .desk_schedule_views import STAFF, access, desk_appointment_or_404
from .view_helpers import date_param, safe_next_url

ACTIONS = {
    "check-in": "{name} is checked in.",
    "no-show": "{name} is marked as a no-show.",
    "cancel": "{name}'s appointment is cancelled; the time is free again.",
}


@require_POST
@access.role_required(STAFF)
def board_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    appt = desk_appointment_or_404(pk)
    reason = request.POST.get("reason", "").replace("\x00", "").strip()[:255]  # the column holds 255
    ok, error = "", ""
    if action == "cancel" and not reason:
        error = "Say why it is cancelled (e.g. “patient is unwell”)."
    else:
        try:
            desk_board.appointment_desk_action(
                appointment=appt, action=action, seen=request.POST.get("seen", "")[:64], by=request.user, reason=reason
            )
        except services.BookingError as exc:
            error = exc.message
        else:
            ok = ACTIONS[action].format(name=appt.patient.full_name)
    here = safe_next_url(request, reverse("scheduling:schedule"))
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or ok)
        return redirect(here)
    fresh = desk_appointment_or_404(pk)
    desk_queries.attach_intake_status([fresh])
    desk_queries.annotate_actions([fresh], timezone.now())
    desk_board.attach_flags([fresh])
    return render(
        request,
        "scheduling/desk/_appointment_item.html",
        {"a": fresh, "location": fresh.location, "here": here, "block_error": error, "block_ok": ok},
        status=409 if error else 200,
    )


def _location(request: HttpRequest) -> Location | None:
    try:
        return Location.objects.filter(active=True, pk=int(request.GET.get("location", ""))).first()
    except ValueError:
        return Location.objects.filter(active=True).order_by("name").first()


@access.role_required(STAFF)
def arrivals(request: HttpRequest) -> HttpResponse:
    """Today's arrivals at one location: who is due, who is here, who did not come."""
    location = _location(request)
    now = timezone.now()
    appts = desk_board.arrivals(location=location, now=now) if location else []
    desk_queries.annotate_actions(appts, now)
    return render(
        request,
        "scheduling/desk/arrivals.html",
        {
            "location": location,
            "locations": Location.objects.filter(active=True).order_by("name"),
            "appointments": appts,
            "today": desk_queries.local_today(location, now) if location else None,
            "here": request.get_full_path(),
        },
    )


@access.role_required(STAFF)
def day_sheet(request: HttpRequest, practitioner: int) -> HttpResponse:
    """One practitioner's day at one location, laid out for paper (print CSS)."""
    prac = get_object_or_404(PractitionerProfile.objects.select_related("user"), pk=practitioner)
    location = _location(request)
    if location is None:
        raise Http404("No such location.")
    day = date_param(request, "day") or desk_queries.local_today(location)
    grid = desk_queries.schedule(location=location, first=day, last=day, practitioner_id=prac.pk)
    desk_board.attach_flags(grid["appointments"])
    return render(
        request,
        "scheduling/desk/day_sheet.html",
        {"location": location, "practitioner": prac, "day": day, "appointments": grid["appointments"]},
    )
