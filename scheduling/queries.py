"""Reads for scheduling. Availability inputs load in at most 5 queries, whatever the data size.

The five: the policy; working hours joined to their practitioners; the location's active rooms;
the window's active appointments (only four columns, only the window, through the
(location, start) and (practitioner, start) indexes); the window's time off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import BigIntegerField, Case, Count, Func, Q, QuerySet, Value, When
from django.utils import timezone

from clinic.models import ClinicPolicy, Location, PractitionerProfile, Room, Service, ServiceKind, TimeOff, WorkingHours
from patients.models import Patient

from . import availability as av
from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)

# The longest an appointment can hold a room: 480 min service + 120 min buffer (Service
# validators). Appointments that started this long before the window may still reach into it.
MAX_SPAN = dt.timedelta(hours=10)


class EpochSeconds(Func):
    """A datetime column as integer seconds since 1970 UTC, computed by the database.

    The window's appointments are the bulk of what availability loads (thousands of rows for a
    busy location over four weeks); building two aware datetimes per row in Python cost more
    than the query itself. The availability module takes epoch seconds as well as datetimes.
    """

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as UTC text. unixepoch() (SQLite 3.38+) is about twice as fast as strftime here.
        if connection.Database.sqlite_version_info >= (3, 38):
            return self.as_sql(compiler, connection, template="unixepoch(%(expressions)s)", **extra)
        # '%%%%s' survives both Func's %-formatting and the '%s' → '?' placeholder rewrite of
        # Django's SQLite cursor, reaching SQLite as strftime('%s', ...).
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        # date_part returns a float (EXTRACT a slower numeric); floor() truncates like SQLite does.
        return self.as_sql(
            compiler, connection, template="CAST(floor(date_part('epoch', %(expressions)s)) AS BIGINT)", **extra
        )


@dataclass
class AvailabilityInputs:
    """What `scheduling.availability` needs for one service at one location over some dates."""

    rules: av.Rules
    practitioners: list[av.PractitionerSchedule]
    rooms: dict[int, list[av.Interval]]
    date_from: dt.date
    date_to: dt.date
    policy: ClinicPolicy = field(repr=False)

    def by_id(self) -> dict[int, av.PractitionerSchedule]:
        return {p.id: p for p in self.practitioners}

    def starts(self) -> dict[int, list[dt.datetime]]:
        """Per practitioner id, the bookable starts over the whole window."""
        return av.bookable_starts_many(
            self.practitioners, rules=self.rules, rooms=self.rooms, date_from=self.date_from, date_to=self.date_to
        )

    def merged(self) -> list[tuple[dt.datetime, list[int]]]:
        """Each bookable start once, with the practitioners free then ("first available")."""
        return av.merged_starts(self.starts())

    def days(self) -> list[dt.date]:
        return av.available_days(
            self.practitioners, rules=self.rules, rooms=self.rooms, date_from=self.date_from, date_to=self.date_to
        )

    def first(self, limit: int = 1) -> list[tuple[dt.datetime, int]]:
        return av.first_available(
            self.practitioners,
            rules=self.rules,
            rooms=self.rooms,
            date_from=self.date_from,
            date_to=self.date_to,
            limit=limit,
        )


def rules_for(
    *, service: Service, location: Location, policy: ClinicPolicy, now: dt.datetime, override_notice: bool = False
) -> av.Rules:
    return av.Rules(
        tz=location.timezone,
        duration_minutes=service.duration_minutes,
        buffer_minutes=service.buffer_minutes,
        step_minutes=policy.slot_step_minutes or 15,
        # The front desk may book a walk-in: no minimum notice, and a start up to 30 minutes ago
        # (the patient is at the desk for the 10:00 slot at 10:05).
        min_notice=dt.timedelta(minutes=-30) if override_notice else dt.timedelta(hours=policy.min_notice_hours),
        max_advance=dt.timedelta(days=policy.max_advance_days),
        now=now,
    )


def availability_inputs(
    *,
    service: Service,
    location: Location,
    date_from: dt.date,
    date_to: dt.date,
    practitioner_ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
    policy: ClinicPolicy | None = None,
    override_notice: bool = False,
    exclude_appointment_id: int | None = None,
) -> AvailabilityInputs:
    """Load everything availability needs, in at most 5 queries.

    practitioner_ids=None means every active practitioner who offers `service` and has working
    hours at `location` ("first available"). `exclude_appointment_id` leaves one appointment out
    of the busy time (a reschedule must not collide with itself). Dates are the location's local
    dates, both inclusive.
    """
    now = now or timezone.now()
    policy = policy or ClinicPolicy.get()  # query 1
    tz = location.tz
    window_start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    window_end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)

    # query 2: hours and the practitioner facts, joined, so practitioners without hours here drop out
    hours = WorkingHours.objects.filter(
        location_id=location.pk, practitioner__active=True, practitioner__services=service.pk
    )
    if practitioner_ids is not None:
        hours = hours.filter(practitioner_id__in=list(practitioner_ids))
    facts: dict[int, tuple[int, dt.date]] = {}
    blocks: dict[int, list[av.Block]] = {}
    for pid, capacity, expiry, weekday, start, end in hours.order_by().values_list(
        "practitioner_id", "practitioner__capacity", "practitioner__licence_expiry", "weekday", "start", "end"
    ):
        facts[pid] = (capacity, expiry)
        blocks.setdefault(pid, []).append(av.Block(weekday, start, end))

    room_ids = list(
        Room.objects.filter(location_id=location.pk, active=True).order_by("id").values_list("id", flat=True)
    )  # q3
    rooms: dict[int, list[av.Interval]] = {rid: [] for rid in room_ids}
    own: dict[int, list[av.Interval]] = {pid: [] for pid in facts}
    off: dict[int, list[av.Interval]] = {pid: [] for pid in facts}

    if facts:
        pids = list(facts)
        appts = Appointment.objects.filter(
            status__in=ACTIVE_STATUSES,
            start__lt=window_end,
            start__gte=window_start - MAX_SPAN,
            busy_until__gt=window_start,
        )
        if exclude_appointment_id is not None:
            appts = appts.exclude(pk=exclude_appointment_id)

        def columns(qs: QuerySet[Appointment]) -> QuerySet:
            return (
                qs.order_by()
                .annotate(s=EpochSeconds("start"), e=EpochSeconds("busy_until"))
                .values_list("practitioner_id", "room_id", "s", "e")
            )

        # Two arms instead of `location OR practitioner`: each is then an index-only range scan of
        # its covering index; with the OR, PostgreSQL read every row of the location.
        rows = columns(appts.filter(location_id=location.pk)).union(
            columns(appts.filter(practitioner_id__in=pids).exclude(location_id=location.pk)), all=True
        )
        # Executed directly: the rows are plain integers, so Django's per-row converters are skipped.
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
        with connections[rows.db].cursor() as cursor:  # q4
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        for pid, rid, busy_from, busy_until in fetched:
            if rid in rooms:
                rooms[rid].append((busy_from, busy_until))
            if pid in own:
                own[pid].append((busy_from, busy_until))
        for pid, off_start, off_end in (
            TimeOff.objects.filter(  # q5
                practitioner_id__in=pids, start__lt=window_end, end__gt=window_start
            )
            .order_by()
            .values_list("practitioner_id", "start", "end")
        ):
            off[pid].append((off_start, off_end))

    practitioners = [
        av.PractitionerSchedule(
            id=pid,
            capacity=facts[pid][0],
            licence_expiry=facts[pid][1],
            blocks=tuple(blocks[pid]),
            time_off=tuple(off[pid]),
            busy=tuple(own[pid]),
        )
        for pid in sorted(facts)
    ]
    if practitioner_ids is not None:
        order = {pid: i for i, pid in enumerate(practitioner_ids)}
        practitioners.sort(key=lambda p: order.get(p.id, len(order)))
    return AvailabilityInputs(
        rules=rules_for(service=service, location=location, policy=policy, now=now, override_notice=override_notice),
        practitioners=practitioners,
        rooms=rooms,
        date_from=date_from,
        date_to=date_to,
        policy=policy,
    )


def bookable_services() -> QuerySet[Service]:
    """In the order a course of care runs: initial consultation, follow-ups, re-evaluation."""
    care_order = Case(
        When(kind=ServiceKind.INITIAL, then=Value(0)),
        When(kind=ServiceKind.FOLLOW_UP, then=Value(1)),
        default=Value(2),
    )
    return Service.objects.filter(active=True, bookable_online=True).order_by(care_order, "name")


def practitioners_for(*, service: Service, location: Location | None = None) -> QuerySet[PractitionerProfile]:
    """Active practitioners who offer `service` (at `location`: they have working hours there)."""
    qs = PractitionerProfile.objects.filter(active=True, services=service).select_related("user")
    if location is not None:
        qs = qs.filter(working_hours__location=location)
    return qs.distinct().order_by("user__full_name")


def locations_for(*, service: Service) -> QuerySet[Location]:
    return (
        Location.objects.filter(
            active=True,
            working_hours__practitioner__services=service,
            working_hours__practitioner__active=True,
        )
        .distinct()
        .order_by("name")
    )


def practitioner_works_at(practitioner: PractitionerProfile, location: Location) -> bool:
    """The one meaning of "works at": has working hours there (availability reads the same hours)."""
    return WorkingHours.objects.filter(practitioner=practitioner, location=location).exists()


def practitioner_offers(practitioner: PractitionerProfile, service: Service) -> bool:
    return practitioner.services.filter(pk=service.pk).exists()


def patient_is_new(patient: Patient) -> bool:
    """New until they have attended a visit (a completed or checked-in appointment)."""
    return not patient.appointments.filter(
        status__in=(AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN)
    ).exists()


def patient_newness(patient: Patient, *, exclude_appointment_id: int | None = None) -> tuple[bool, bool]:
    """(is the patient new, do they hold a booked initial consultation other than the one being
    moved), in one query: what the one-initial-consultation rule needs."""
    initial = Q(service__kind=ServiceKind.INITIAL, status=AppointmentStatus.BOOKED)
    if exclude_appointment_id is not None:
        initial &= ~Q(pk=exclude_appointment_id)
    counts = patient.appointments.aggregate(
        attended=Count("pk", filter=Q(status__in=(AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN))),
        initial=Count("pk", filter=initial),
    )
    return counts["attended"] == 0, counts["initial"] > 0


def cancellation_is_late(
    appointment: Appointment, *, now: dt.datetime | None = None, policy: ClinicPolicy | None = None
) -> bool:
    """Would cancelling now be a late cancellation (inside the policy window)?"""
    now = now or timezone.now()
    window = dt.timedelta(hours=(policy or ClinicPolicy.get()).cancellation_window_hours)
    return appointment.start - now < window


def _appointment_qs() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("service", "location", "room", "practitioner__user", "patient")


def patient_appointments(
    *, patient: Patient, now: dt.datetime | None = None
) -> tuple[list[Appointment], list[Appointment]]:
    """(upcoming, past) for a patient's "My appointments". Upcoming: booked/checked in, not ended."""
    from .desk_queries import with_plan_progress  # "session k of N" from the plans app, in the same query

    now = now or timezone.now()
    rows = list(with_plan_progress(_appointment_qs().filter(patient=patient)).order_by("start"))
    upcoming = [a for a in rows if a.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN) and a.end > now]
    past = [a for a in reversed(rows) if a not in upcoming]
    return upcoming, past


def patient_waitlist(
    *, patient: Patient, now: dt.datetime | None = None
) -> tuple[list[WaitlistEntry], list[WaitlistOffer]]:
    """The patient's waiting entries and their open offers still in the future, soonest first.

    One offer per time: a patient who waits twice (say for "any practitioner" and for one of
    them) and got both entries offered the same freed time sees it once.
    """
    now = now or timezone.now()
    entries = list(
        WaitlistEntry.objects.filter(patient=patient, status=WaitlistStatus.WAITING)
        .select_related("service", "location", "practitioner__user")
        .order_by("earliest", "pk")
    )
    offers: dict[tuple[int, dt.datetime], WaitlistOffer] = {}
    for offer in (
        WaitlistOffer.objects.filter(
            entry__patient=patient,
            status=WaitlistOfferStatus.OPEN,
            entry__status=WaitlistStatus.WAITING,
            start__gt=now,
        )
        .select_related("entry__service", "entry__location", "practitioner__user")
        .order_by("start", "pk")
    ):
        offers.setdefault((offer.practitioner_id, offer.start), offer)
    return entries, list(offers.values())


def appointment_for_patient(*, patient: Patient, pk: int) -> Appointment:
    """The patient's own appointment, or Appointment.DoesNotExist (views turn it into 404)."""
    return _appointment_qs().get(patient=patient, pk=pk)


def appointments_between(
    *,
    start: dt.datetime,
    end: dt.datetime,
    location: Location | None = None,
    practitioner_id: int | None = None,
    include_cancelled: bool = False,
) -> QuerySet[Appointment]:
    """Appointments starting in [start, end), for schedules and feeds (front desk, practitioner)."""
    qs = _appointment_qs().filter(start__gte=start, start__lt=end)
    if location is not None:
        qs = qs.filter(location=location)
    if practitioner_id is not None:
        qs = qs.filter(practitioner_id=practitioner_id)
    if not include_cancelled:
        qs = qs.exclude(status=AppointmentStatus.CANCELLED)
    return qs.order_by("start", "room__name")


def nearest_free(
    *,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner_ids: Sequence[int] | None = None,
    override_notice: bool = False,
    exclude_appointment_id: int | None = None,
    n: int = 3,
    now: dt.datetime | None = None,
) -> list[tuple[dt.datetime, int]]:
    """The n free starts nearest to `start` (from the day before to a week after), each with the
    first practitioner free then. For "first available" the alternatives span every practitioner."""
    now = now or timezone.now()
    day = start.astimezone(location.tz).date()
    today = now.astimezone(location.tz).date()
    inputs = availability_inputs(
        service=service,
        location=location,
        date_from=max(day - dt.timedelta(days=1), today),
        date_to=day + dt.timedelta(days=7),
        practitioner_ids=practitioner_ids,
        now=now,
        override_notice=override_notice,
        exclude_appointment_id=exclude_appointment_id,
    )
    who = dict(inputs.merged())
    return [(s, who[s][0]) for s in av.nearest(who, start, n)]
