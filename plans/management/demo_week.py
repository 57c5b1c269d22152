"""seed_demo's week of appointments, in each location's own time: past visits (completed, and a few no-shows),
today's (done, under way, checked in, still to come) and the next days' bookings.

Every visit is booked through `scheduling.services` as the front desk would book it, so it passes the real rules
(working hours, rooms, capacity, a new patient starts with one initial consultation); a time the rules refuse is
skipped, never forced. Times come from the practitioners' working hours, and today's from the clock, so the demo
always has something under way while the clinic is open.

Idempotent by day: a location's day that already has appointments is left as it is. Running the seed twice adds
nothing; running it on a later day fills only the days new to the window.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Service, ServiceKind, User, WorkingHours
from patients.models import Patient
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentStatus

DAYS_BACK, DAYS_AHEAD = 4, 5
# The desk took each booking at least this long before the visit, so the minimum notice is met.
BOOKED_AHEAD = dt.timedelta(days=2)
# Slots are this far apart: the longest service (the initial consultation) with its buffer fits between two.
SPACING = dt.timedelta(minutes=90)
LONGEST = dt.timedelta(minutes=75)
NO_SHOW_EVERY = 5  # one past visit in five
ARRIVES_EARLY = dt.timedelta(minutes=30)  # a patient due this soon is already in the waiting room
ESTABLISHED = (AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN)
# What became of the visits, in the order of a visit's life (for the summary seed_demo prints).
OUTCOMES = (
    "completed",
    "no-show",
    "under way (not arrived)",
    "under way (checked in)",
    "waiting (checked in)",
    "booked",
)


@dataclass(frozen=True)
class Slot:
    practitioner: PractitionerProfile
    start: dt.datetime  # aware, in the location's zone


@dataclass
class WeekResult:
    booked: Counter
    skipped: int = 0

    def summary(self) -> str:
        if not self.booked:
            return "no new appointments (each day of the week already has some)"
        parts = [f"{label}: {self.booked[label]}" for label in OUTCOMES if self.booked[label]]
        skipped = f"; {self.skipped} times the rules refused were skipped" if self.skipped else ""
        return f"{sum(self.booked.values())} new appointments ({', '.join(parts)}{skipped})"


def _floor(when: dt.datetime, minutes: int = 15) -> dt.datetime:
    return when.replace(minute=when.minute - when.minute % minutes, second=0, microsecond=0)


def _blocks(profile: PractitionerProfile, location: Location, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    hours = WorkingHours.objects.filter(practitioner=profile, location=location, weekday=day.weekday())
    # combine() with the zone gives that date's wall-clock time, daylight saving included.
    return [
        (dt.datetime.combine(day, h.start, tzinfo=location.tz), dt.datetime.combine(day, h.end, tzinfo=location.tz))
        for h in hours.order_by("start")
    ]


def _slots(profile: PractitionerProfile, nth: int, location: Location, day: dt.date, now: dt.datetime) -> list[Slot]:
    """One visit a block, early or late by date. Today the practitioners also have, in turn, a visit that started
    a quarter of an hour ago or one due in half an hour; the rest of the day fills around it."""
    blocks = _blocks(profile, location, day)
    wanted = [start + SPACING * (day.toordinal() % 2) for start, _ in blocks]
    if day == now.astimezone(location.tz).date():
        local_now = _floor(now.astimezone(location.tz))
        relative = [local_now - dt.timedelta(minutes=15), local_now + ARRIVES_EARLY]
        wanted = [*(relative if nth % 2 == 0 else relative[::-1]), *wanted]
    chosen: list[dt.datetime] = []
    for start in wanted:
        inside = any(bs <= start and start + LONGEST <= be for bs, be in blocks)
        overlapping = sum(abs(start - other) < SPACING for other in chosen)
        if inside and overlapping < profile.capacity:
            chosen.append(start)
    return [Slot(profile, start) for start in sorted(chosen)]


def _has_appointments(location: Location, day: dt.date) -> bool:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=location.tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=location.tz)
    return Appointment.objects.filter(location=location, start__gte=start, start__lt=end).exists()


def _pick_patient(patients: Sequence[Patient], turn: int, day: dt.date, location: Location) -> Patient | None:
    """Whose visit this is: first a returning patient not seen the day before or after, else the next new patient
    in turn (a new patient books one initial consultation at a time, so one with it booked waits)."""
    new_patient = None
    for patient in [*patients[turn:], *patients[:turn]]:
        visits = list(patient.appointments.exclude(status=AppointmentStatus.CANCELLED))
        days = {a.start.astimezone(location.tz).date() for a in visits}
        if any(abs((other - day).days) < 2 for other in days):
            continue
        if any(a.status in ESTABLISHED for a in visits):
            return patient
        if new_patient is None and not any(a.status == AppointmentStatus.BOOKED for a in visits):
            new_patient = patient
    return new_patient


def _service_for(patient: Patient, services: Mapping[str, Service]) -> Service:
    attended = patient.appointments.filter(status__in=ESTABLISHED).count()
    if attended == 0:
        return services[ServiceKind.INITIAL]
    # Every fourth visit reviews the progress.
    return services[ServiceKind.RE_EVALUATION if attended % 4 == 3 else ServiceKind.FOLLOW_UP]


def _play_out(appt: Appointment, *, now: dt.datetime, desk: User | None, no_show: bool, under_way: int) -> str:
    """Move the visit on as its day went, through the services the desk uses. Returns what it became."""
    end = appt.start + appt.service.duration
    arrived = appt.start - dt.timedelta(minutes=5)
    if end <= now and no_show:
        later = appt.start + dt.timedelta(minutes=20)
        scheduling_services.appointment_mark_no_show(appointment=appt, by=desk, now=later)
        return "no-show"
    if end <= now:
        scheduling_services.appointment_check_in(appointment=appt, by=desk, now=arrived)
        scheduling_services.appointment_complete(appointment=appt)
        return "completed"
    if appt.start <= now:
        # Alternately the patient has not come yet (the desk may mark a no-show) or is in with the practitioner.
        if under_way % 2 == 1:
            scheduling_services.appointment_check_in(appointment=appt, by=desk, now=arrived)
            return "under way (checked in)"
        return "under way (not arrived)"
    if appt.start - now <= ARRIVES_EARLY:
        scheduling_services.appointment_check_in(appointment=appt, by=desk, now=now)
        return "waiting (checked in)"
    return "booked"


def seed_week(
    *,
    patients_by_location: Mapping[Location, Sequence[Patient]],
    services: Mapping[str, Service],
    desk: User | None,
    now: dt.datetime | None = None,
) -> WeekResult:
    """Book the week around `now` at each location for its patients, with its practitioners."""
    now = now or timezone.now()
    result = WeekResult(booked=Counter())
    for location, patients in patients_by_location.items():
        here = list(PractitionerProfile.objects.filter(locations=location, active=True).order_by("pk"))
        patients = [p for p in patients if not p.archived]
        today = now.astimezone(location.tz).date()
        turn = past_visits = under_way = 0
        for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
            day = today + dt.timedelta(days=offset)
            if _has_appointments(location, day):
                continue
            slots = sorted(
                (slot for nth, p in enumerate(here) for slot in _slots(p, nth, location, day, now)),
                key=lambda slot: slot.start,
            )
            for slot in slots:
                patient = _pick_patient(patients, turn, day, location)
                if patient is None:
                    continue
                turn = patients.index(patient) + 1
                try:
                    appt = scheduling_services.appointment_book(
                        patient=patient,
                        service=_service_for(patient, services),
                        practitioner=slot.practitioner,
                        location=location,
                        start=slot.start,
                        booked_by=desk,
                        now=min(now, slot.start - BOOKED_AHEAD),
                        notify=False,
                    )
                except scheduling_services.BookingError:
                    result.skipped += 1  # time off, say, or a booking made in the demo since
                    continue
                if day < today:
                    past_visits += 1
                no_show = day < today and past_visits % NO_SHOW_EVERY == 0
                outcome = _play_out(appt, now=now, desk=desk, no_show=no_show, under_way=under_way)
                under_way += outcome.startswith("under way")
                result.booked[outcome] += 1
    return result
