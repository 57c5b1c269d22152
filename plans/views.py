from django.shortcuts import render
from django.utils import timezone

from clinic import access
from clinic.models import PractitionerProfile, WorkingHours


@access.role_required(access.PRACTITIONER)
def my_day(request):
    """The practitioner's day: today's patients, their alerts and plan progress."""
    profile = PractitionerProfile.objects.filter(user=request.user).first()
    today = timezone.localdate()
    hours = (
        WorkingHours.objects.filter(practitioner=profile, weekday=today.weekday()).select_related("location")
        if profile
        else []
    )
    context = {"profile": profile, "today": today, "working_hours": hours, "appointments": []}
    return render(request, "plans/my_day.html", context)
