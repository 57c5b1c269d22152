import datetime as dt

from django.shortcuts import render
from django.utils import timezone

from clinic import access
from clinic.models import Location, WorkingHours


@access.role_required(access.SCHEDULE_STAFF)
def schedule(request):
    """The day's schedule across practitioners and rooms."""
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    hours = (
        WorkingHours.objects.filter(weekday=day.weekday())
        .select_related("practitioner__user", "location")
        .order_by("location__name", "practitioner__user__full_name", "start")
    )
    context = {
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "working_hours": hours,
        "locations": Location.objects.filter(active=True),
        "appointments": [],
    }
    return render(request, "scheduling/schedule.html", context)
