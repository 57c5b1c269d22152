"""The practitioner's private calendar feed: the page with the link, replacing the link, and the
feed itself (the secret token is the credential)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import access
from clinic.models import PractitionerProfile

from . import ics, queries, services
from .emails import site_url


@access.role_required(access.PRACTITIONER)
def practitioner_calendar(request: HttpRequest) -> HttpResponse:
    """The practitioner's private feed link, and a button to replace (revoke) it."""
    profile = get_object_or_404(PractitionerProfile, user=request.user)
    feed = site_url(reverse("scheduling:practitioner_feed", kwargs={"token": profile.calendar_token}))
    return render(request, "scheduling/practitioner_calendar.html", {"profile": profile, "feed_url": feed})


@require_POST
@access.role_required(access.PRACTITIONER)
def practitioner_calendar_rotate(request: HttpRequest) -> HttpResponse:
    profile = get_object_or_404(PractitionerProfile, user=request.user)
    services.practitioner_calendar_token_rotate(practitioner=profile)
    messages.success(request, "Your calendar link was replaced. The old link no longer works.")
    return redirect("scheduling:practitioner_calendar")


FEED_PAST = dt.timedelta(days=30)
FEED_FUTURE = dt.timedelta(days=180)


@access.public
def practitioner_feed(request: HttpRequest, token: str) -> HttpResponse:
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
