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
from patients.queries import alerts_for_patients, intake_statuses
from scheduling import rules

from .day_queries import day_appointments, my_day_clinical
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
        appointments = day_appointments(profile.pk, day, locations=locations)
        alerts = alerts_for_patients({a.patient_id for a in appointments})
        statuses = intake_statuses({a.patient_id for a in appointments})
        for a in appointments:
            a.alerts = alerts.get(a.patient_id)
            a.patient.intake_status = statuses.get(a.patient_id)
        now = timezone.now()
        for a in appointments:
            # The buttons My day offers, by the rules the services enforce (the desk's full set of
            # actions and URLs, desk_queries.annotate_actions, is more than this page shows).
            a.can_check_in = not rules.check_in_refusal(a, now)
            a.can_no_show = not rules.no_show_refusal(a, now)
        day_start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        clinical = my_day_clinical(appointments, user=request.user, day_start=day_start)
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
