"""The "book the plan" page, shared by the patient's portal and the front desk.

GET proposes a time for every unbooked session; the user edits any of them and confirms (POST).
A clash re-shows the page with what was typed, the error next to the session and its nearest
free times as buttons ("use" swaps that time in without booking).
"""

from __future__ import annotations

from django import forms as djforms
from django.contrib import messages
from django.shortcuts import redirect, render

from clinic.models import Location

from . import booking
from .forms import StartForm, parse_local
from .models import PlanStatus, TreatmentPlan
from .queries import booked_sessions

_FMT = "%Y-%m-%dT%H:%M"


def plan_locations(plan: TreatmentPlan):
    return (
        Location.objects.filter(active=True, working_hours__practitioner_id=plan.practitioner_id)
        .distinct()
        .order_by("name")
    )


def _location(request, plan: TreatmentPlan, locations) -> tuple[StartForm, Location | None]:
    default = plan.location if plan.location_id else locations.first()
    data = request.GET if "location" in request.GET else None
    form = StartForm(data, locations=locations, initial={"location": default})
    if data is not None and form.is_valid():
        return form, form.cleaned_data["location"]
    return form, default


def booking_page(request, plan: TreatmentPlan, *, template_name: str, done_url: str, extra: dict | None = None):
    locations = plan_locations(plan)
    start_form, location = _location(request, plan, locations)
    context = {"plan": plan, "start_form": start_form, "location": location, "rows": [], **(extra or {})}
    if plan.status != PlanStatus.ACTIVE or location is None:
        return render(request, template_name, context)
    if request.method == "POST":
        try:
            chosen = djforms.ModelChoiceField(queryset=locations, required=False).clean(request.POST.get("location"))
        except djforms.ValidationError:
            chosen = None  # a tampered id: keep the plan's location
        location = chosen or location
        context["location"] = location
        rows, starts, problems = _posted_rows(request, plan, location)
        context["rows"] = rows
        if not problems and "use" not in request.POST:
            try:
                booking.plan_book(plan=plan, location=location, starts=starts, by=request.user)
            except booking.PlanClash as exc:
                _attach(rows, exc)
            except booking.PlanError as exc:
                context["error"] = exc.message
            else:
                messages.success(request, f"Booked {len(starts)} session{'s' if len(starts) != 1 else ''}.")
                return redirect(done_url)
        return render(request, template_name, context)
    first = start_form.first_start() if start_form.is_bound and start_form.is_valid() else None
    for p in booking.plan_booking_proposals(plan=plan, location=location, first_start=first):
        context["rows"].append(
            {
                "number": p.number,
                "value": p.start.strftime(_FMT) if p.start else "",
                "note": p.note,
                "review": p.review,
                "error": "",
                "alternatives": [],
            }
        )
    context["booked"] = booked_sessions(plan)
    return render(request, template_name, context)


def _posted_rows(request, plan: TreatmentPlan, location: Location):
    numbers = booking.remaining_numbers(plan, booked_sessions(plan))
    use = (request.POST.get("use") or "").split("|", 1)
    rows, starts, problems = [], {}, False
    for n in numbers:
        value = (request.POST.get(f"session_{n}") or "")[:32]
        if len(use) == 2 and use[0] == str(n):
            value = use[1][:32]
        row = {"number": n, "value": value, "note": "", "review": plan.is_review(n), "error": "", "alternatives": []}
        if value.strip():
            try:
                starts[n] = parse_local(value, location.tz)
            except djforms.ValidationError as exc:
                row["error"] = " ".join(exc.messages)
                problems = True
        rows.append(row)
    if not starts and not problems:
        rows[0]["error"] = "Choose a time for at least one session."
        problems = True
    return rows, starts, problems


def _attach(rows: list[dict], exc: booking.PlanClash) -> None:
    for row in rows:
        if row["number"] == exc.number:
            row["error"] = exc.message
            row["alternatives"] = [(a.strftime(_FMT), a) for a in exc.alternatives]
            return
    rows[0]["error"] = exc.message
