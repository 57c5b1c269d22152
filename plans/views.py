"""The practitioner's day: today's patients in each clinic's local time, with their alerts."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import render
from django.template.backends.utils import csrf_input
from django.utils import timezone

from clinic import access, dates
from clinic.audit import audit_patients_viewed
from clinic.models import PractitionerProfile, WorkingHours
from clinic.queries import locations_marking_practitioner, zone_of_locations

from .day_queries import my_day_reads
from .day_rows import row_html


@access.role_required(access.PRACTITIONER)
def my_day(request):
    """Today's appointments (or ?day=YYYY-MM-DD), each in its location's time, with the patient's
    alerts (red flags, contraindications, precautions), intake status and a link to the chart.

    Showing alerts is reading clinical data, so each patient whose alerts are shown gets an audit
    event (one insert per page view).
    """
    profile = PractitionerProfile.objects.filter(user=request.user).select_related("user").first()
    # The clinic's locations (for the day's zones) and the practitioner's (for their today) in one read.
    locations = locations_marking_practitioner(profile) if profile is not None else []
    today = timezone.now().astimezone(zone_of_locations([loc for loc in locations if loc.works_here])).date()
    raw_day = request.GET.get("day", "")
    day = dates.parse_day(raw_day) if raw_day else today
    if day is None:
        messages.warning(request, f"“{raw_day[:20]}” is not a day we can show. {dates.OUT_OF_RANGE} Showing today.")
        day = today
    appointments: list = []
    hours: list = []
    clinical: dict = {"unsigned_notes": [], "reviews_due": []}
    if profile is not None:
        appointments, clinical = my_day_reads(profile.pk, day, user=request.user, locations=locations)
        hours = list(
            WorkingHours.objects.filter(practitioner=profile, weekday=day.weekday())
            .select_related("location")
            .order_by("start")
        )
        token, here = csrf_input(request), request.get_full_path()
        for a in appointments:
            a.html = row_html(a, csrf_input=token, here=here)
        shown = {a.patient_id: a.patient for a in appointments if a.alerts and a.alerts.any}
        if shown:
            audit_patients_viewed(
                patients=[shown[pid] for pid in sorted(shown)], detail=f"alerts on My day {day.isoformat()}"
            )
    context = {
        "profile": profile,
        "today": today,
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "working_hours": hours,
        "appointments": appointments,
        "here": request.get_full_path(),
        **clinical,
    }
    return render(request, "plans/my_day.html", context)
