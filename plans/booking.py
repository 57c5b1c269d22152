"""Booking a plan: a proposed time for every remaining session, then all of them in one transaction.

Proposals follow the plan's cadence from an anchor (the first booked session, else the first time
chosen, else the first free time from the plan's start date), keep the anchor's weekday and local
wall-clock time (so a DST change inside the series keeps 10:00 at 10:00), never put two sessions
on one day, and read the practitioner's availability once for the whole range.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from clinic.models import Location, Role
from scheduling import services as booking
from scheduling.queries import availability_inputs

from .models import PlanEventKind, PlanSession, PlanStatus, TreatmentPlan
from .queries import booked_sessions
from .services import PlanError, _event, _locked

# How far either side of its cadence day a session may move when that day is full: the same
# weekday first, then the nearest days, later before earlier (a later day keeps the gap to the
# previous session).
_DAY_SEARCH = (0, 1, -1, 2, -2, 3, -3, 4, 5, 6, 7)
_SLACK = dt.timedelta(days=14)  # room for the anchor's first week and the last session's week-long search


def day_offsets(count: int, cadence: Sequence[int]) -> list[int]:
    """Days from session 1 to each session 1..count. Week w holds cadence[w] sessions (the last
    number repeats), spread through the week: 2 a week → days 0 and 3 (Mon/Thu), 3 → 0, 2, 4."""
    out: list[int] = []
    week = 0
    while len(out) < count:
        per = cadence[min(week, len(cadence) - 1)]
        out.extend(7 * week + (j * 7) // per for j in range(per))
        week += 1
    return out[:count]


@dataclass
class Proposal:
    number: int
    target: dt.datetime  # the cadence's local date and time
    start: dt.datetime | None  # aware, in the location's zone; None when nothing is free nearby
    review: bool = False
    alternatives: list[dt.datetime] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.start == self.target

    @property
    def note(self) -> str:
        if self.start is None:
            return f"No free time within a week of {self.target:%a %d %b}: choose one."
        if self.exact:
            return ""
        if self.start.date() == self.target.date():
            return f"{self.target:%H:%M} is taken; nearest time that day."
        return f"{self.target:%a %d %b} is full or not a working day; nearest free day."


def _pick(
    by_day: Mapping[dt.date, list[dt.datetime]], target: dt.datetime, *, after: dt.date | None, used: set[dt.date]
) -> dt.datetime | None:
    minutes = target.hour * 60 + target.minute
    for delta in _DAY_SEARCH:
        day = target.date() + dt.timedelta(days=delta)
        if (after is not None and day <= after) or day in used:
            continue
        starts = by_day.get(day)
        if starts:
            return min(starts, key=lambda s: (abs(s.hour * 60 + s.minute - minutes), s))
    return None


def propose_times(
    *,
    numbers: Sequence[int],
    planned: int,
    cadence: Sequence[int],
    anchor: tuple[int, dt.datetime],
    free: Sequence[dt.datetime],
    tz,
    today: dt.date,
    fixed: Mapping[int, dt.datetime] | None = None,
) -> dict[int, tuple[dt.datetime, dt.datetime | None]]:
    """Pure: (cadence target, chosen start or None) for each of `numbers`, from one availability read.

    anchor: (session number, its local start). `fixed`: sessions already booked (number → start),
    whose days are taken and which later sessions must follow.
    """
    offsets = day_offsets(planned, cadence)
    a_number, a_start = anchor
    a_local = a_start.astimezone(tz)
    by_day: dict[dt.date, list[dt.datetime]] = {}
    for s in free:
        local = s.astimezone(tz)
        by_day.setdefault(local.date(), []).append(local)
    fixed_local = {n: s.astimezone(tz) for n, s in (fixed or {}).items()}
    used = {s.date() for s in fixed_local.values()}
    chosen: dict[int, tuple[dt.datetime, dt.datetime | None]] = {}
    shift = 0
    for n in range(1, planned + 1):
        if n in fixed_local or n not in numbers:
            continue
        day = a_local.date() + dt.timedelta(days=offsets[n - 1] - offsets[a_number - 1] + shift)
        while day < today:  # a plan picked up again after a gap: same weekday, from this week on
            day += dt.timedelta(days=7)
            shift += 7
        # combine() with the zone gives this date's wall-clock time, whatever the UTC offset is that day.
        target = dt.datetime.combine(day, a_local.time().replace(tzinfo=None), tzinfo=tz)
        earlier = [chosen[k][1] if k in chosen else fixed_local.get(k) for k in range(1, n)]
        after = max((s.date() for s in earlier if s is not None), default=None)
        pick = _pick(by_day, target, after=after, used=used)
        chosen[n] = (target, pick)
        if pick is not None:
            used.add(pick.date())
    return chosen


def remaining_numbers(plan: TreatmentPlan, booked: Sequence) -> list[int]:
    taken = {a.plan_session.number for a in booked}
    return [n for n in range(1, plan.planned_sessions + 1) if n not in taken]


def plan_booking_proposals(
    *,
    plan: TreatmentPlan,
    location: Location,
    first_start: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[Proposal]:
    """A proposed time for every unbooked session, in a constant number of queries.

    `first_start` (aware) fixes the first remaining session when no session is booked yet.
    """
    now = now or timezone.now()
    tz = location.tz
    today = now.astimezone(tz).date()
    booked = booked_sessions(plan)
    numbers = remaining_numbers(plan, booked)
    if not numbers:
        return []
    fixed = {a.plan_session.number: a.start for a in booked}
    offsets = day_offsets(plan.planned_sessions, plan.cadence)
    if booked:
        anchor = (booked[0].plan_session.number, booked[0].start.astimezone(tz))
    elif first_start is not None:
        anchor = (numbers[0], first_start.astimezone(tz))
    else:
        anchor = None
    base = max(today, plan.start_date) if anchor is None else max(today, anchor[1].date())
    span = dt.timedelta(days=offsets[-1] - offsets[numbers[0] - 1])
    inputs = availability_inputs(
        service=plan.service,
        location=location,
        date_from=today if anchor else base,  # a chosen or booked anchor may move a session a few days earlier
        date_to=base + span + _SLACK,
        practitioner_ids=[plan.practitioner_id],
        now=now,
    )
    free = inputs.starts().get(plan.practitioner_id, [])
    if anchor is None:
        later = [s for s in free if s.astimezone(tz).date() >= base]
        if not later:
            return [Proposal(n, dt.datetime.combine(base, dt.time(9), tzinfo=tz), None) for n in numbers]
        anchor = (numbers[0], later[0].astimezone(tz))
    chosen = propose_times(
        numbers=numbers,
        planned=plan.planned_sessions,
        cadence=plan.cadence,
        anchor=anchor,
        free=free,
        tz=tz,
        today=today,
        fixed=fixed,
    )
    return [Proposal(n, *chosen[n], review=plan.is_review(n)) for n in numbers]


class PlanClash(PlanError):
    """One session's time cannot be booked: nothing was booked. Carries that session's nearest free times."""

    def __init__(self, message: str, *, number: int | None, alternatives: Sequence[dt.datetime] = ()):
        super().__init__(message, field=f"session_{number}" if number else None)
        self.number = number
        self.alternatives = list(alternatives)


_SERIES_INDEX = re.compile(r"^Session (\d+) ")


def _check_days(plan: TreatmentPlan, *, new: Mapping[int, dt.datetime], fixed: Mapping[int, dt.datetime], tz) -> None:
    merged = sorted({**fixed, **new}.items())
    seen: dict[dt.date, int] = {}
    for n, start in merged:
        day = start.astimezone(tz).date()
        if day in seen:
            raise PlanClash(f"Sessions {seen[day]} and {n} are on the same day ({day:%a %d %b}).", number=n)
        seen[day] = n
    for (n1, s1), (n2, s2) in zip(merged, merged[1:], strict=False):
        if s2 <= s1:
            raise PlanClash(f"Session {n2} must come after session {n1} ({s1.astimezone(tz):%a %d %b}).", number=n2)


@transaction.atomic
def plan_book(
    *,
    plan: TreatmentPlan,
    location: Location,
    starts: Mapping[int, dt.datetime],
    by,
    now: dt.datetime | None = None,
) -> list:
    """Book the given sessions (number → aware start) in one transaction: all of them or none.

    Each is re-checked by scheduling's series booking; a clash names the session and carries its
    nearest free times. Booked appointments are linked to their plan sessions ("session k of N").
    """
    now = now or timezone.now()
    plan = _locked(plan)
    if plan.status != PlanStatus.ACTIVE:
        raise PlanError("Only an accepted plan can be booked.")
    if by.role == Role.PATIENT:
        if plan.patient.user_id != by.pk:
            raise PlanError("Only the patient can book their plan online.")
        hold = booking.patient_online_hold(plan.patient)
        if hold:
            raise PlanError(hold)
    if plan.service is None or not plan.service.active:
        raise PlanError("This plan's service is no longer offered; please call the clinic.")
    booked = booked_sessions(plan)
    open_numbers = set(remaining_numbers(plan, booked))
    starts = {int(n): s for n, s in starts.items()}
    if not starts:
        raise PlanError("Choose a time for at least one session.")
    for n, s in starts.items():
        if n not in open_numbers:
            raise PlanClash(f"Session {n} is not open for booking.", number=n)
        if s.tzinfo is None:
            raise ValueError("starts must be aware datetimes")
    tz = location.tz
    _check_days(plan, new=starts, fixed={a.plan_session.number: a.start for a in booked}, tz=tz)
    numbers = sorted(starts)  # chronological too (checked above)
    try:
        appointments = booking.appointment_book_series(
            patient=plan.patient,
            service=plan.service,
            practitioner=plan.practitioner,
            location=location,
            starts=[starts[n] for n in numbers],
            booked_by=by,
            now=now,
        )
    except booking.SlotUnavailable as exc:
        match = _SERIES_INDEX.match(exc.message)
        number = numbers[int(match.group(1)) - 1] if match and int(match.group(1)) <= len(numbers) else None
        message = _SERIES_INDEX.sub(f"Session {number} ", exc.message) if number else exc.message
        raise PlanClash(message, number=number, alternatives=exc.local_alternatives)
    except booking.BookingError as exc:
        raise PlanError(exc.message)
    existing = {s.number: s for s in PlanSession.objects.filter(plan=plan, number__in=numbers)}
    for n, appt in zip(numbers, sorted(appointments, key=lambda a: a.start), strict=True):
        session = existing.get(n) or PlanSession(plan=plan, number=n)
        session.appointment = appt
        session.of_total = plan.planned_sessions
        session.save()
    if plan.location_id != location.pk:
        plan.location = location
        plan.save(update_fields=["location"])
    listed = ", ".join(f"{n} ({starts[n].astimezone(tz):%a %d %b %H:%M})" for n in numbers)
    _event(plan, by=by, kind=PlanEventKind.BOOKED, what=f"Booked session {listed}"[:500], now=now)
    return appointments
