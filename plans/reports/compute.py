"""The operational reports from plain rows (no ORM): utilisation, attendance, new patients and
rebooking, plan completion. Each function's docstring is the definition the page states.

Times are aware datetimes (UTC from the database); working hours are local wall-clock blocks turned
into instants by scheduling.availability.wall_instant, the one home of the DST rule.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scheduling.availability import wall_instant


def rate(part: int | float, whole: int | float) -> float | None:
    """A share in percent, one decimal; None (shown as "–") when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --- utilisation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    practitioner_id: int
    location_id: int
    weekday: int
    start: dt.time
    end: dt.time


@dataclass
class Utilisation:
    practitioner_id: int
    working_hours: float
    booked_hours: float

    @property
    def percent(self) -> float | None:
        return rate(self.booked_hours, self.working_hours)


def _subtract(spans: list[tuple[int, int]], holes: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for start, end in spans:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            pieces = [
                part for s, e in pieces for part in ((s, min(e, h_start)), (max(s, h_end), e)) if part[1] > part[0]
            ]
        out.extend(pieces)
    return out


def utilisation(
    *,
    first: dt.date,
    last: dt.date,
    blocks: Iterable[Block],
    zones: Mapping[int, ZoneInfo],
    capacity: Mapping[int, int],
    time_off: Mapping[int, Sequence[tuple[dt.datetime, dt.datetime]]],
    booked: Iterable[tuple[int, dt.datetime, dt.datetime]],
) -> list[Utilisation]:
    """Booked hours ÷ working hours, per practitioner, for the local days first..last.

    Working hours: each weekly block on each day of the range, in its location's zone (a DST day
    is an hour shorter or longer), minus time off, times the practitioner's parallel capacity (two
    lanes working 8 hours offer 16 bookable hours). Booked hours: the part of each booked,
    checked-in or completed appointment (practitioner, start, end) that falls inside those working
    hours; no-shows and cancellations freed their time and do not count.
    """
    by_prac: dict[int, list[tuple[int, int]]] = defaultdict(list)
    by_weekday: dict[int, list[Block]] = defaultdict(list)
    for b in blocks:
        by_weekday[b.weekday].append(b)
        by_prac.setdefault(b.practitioner_id, [])  # listed even with no working day in the range
    for day in days(first, last):
        for b in by_weekday.get(day.weekday(), ()):
            tz = zones[b.location_id]
            start, end = wall_instant(day, b.start, tz), wall_instant(day, b.end, tz)
            if end > start:
                by_prac[b.practitioner_id].append((start, end))
    working: dict[int, list[tuple[int, int]]] = {}
    for pid, spans in by_prac.items():
        holes = sorted((int(s.timestamp()), int(e.timestamp())) for s, e in time_off.get(pid, ()))
        working[pid] = sorted(_subtract(sorted(spans), holes))
    booked_seconds: Counter[int] = Counter()
    for pid, appt_start, appt_end in booked:
        mine = working.get(pid)
        if not mine:
            continue
        s, e = int(appt_start.timestamp()), int(appt_end.timestamp())
        i = max(bisect.bisect_right(mine, (s, s)) - 1, 0)
        while i < len(mine) and mine[i][0] < e:
            booked_seconds[pid] += max(0, min(e, mine[i][1]) - max(s, mine[i][0]))
            i += 1
    out = []
    for pid, spans in working.items():
        hours = sum(e - s for s, e in spans) / 3600 * capacity.get(pid, 1)
        out.append(Utilisation(pid, round(hours, 2), round(booked_seconds[pid] / 3600, 2)))
    return out


# --- attendance -------------------------------------------------------------------------------


@dataclass
class Attendance:
    attended: int  # checked in or completed
    no_shows: int
    late_cancellations: int
    early_cancellations: int
    unresolved: int  # still "booked": in the future, or not yet marked

    @property
    def denominator(self) -> int:
        return self.attended + self.no_shows + self.late_cancellations

    @property
    def no_show_rate(self) -> float | None:
        return rate(self.no_shows, self.denominator)

    @property
    def late_cancellation_rate(self) -> float | None:
        return rate(self.late_cancellations, self.denominator)


def attendance(rows: Iterable[tuple[str, bool]]) -> Attendance:
    """From (status, late_cancel) of the appointments starting in the range.

    Denominator: appointments whose outcome is known and that the clinic had kept the time for:
    attended (checked in or completed) + no-shows + late cancellations. Cancellations made before
    the cancellation window, and appointments still "booked", are counted but left out of it.
    """
    counts: Counter[str] = Counter()
    for status, late in rows:
        if status == "cancelled":
            counts["late" if late else "early"] += 1
        elif status in ("checked_in", "completed"):
            counts["attended"] += 1
        else:
            counts[status] += 1
    return Attendance(counts["attended"], counts["no_show"], counts["late"], counts["early"], counts["booked"])


# --- new patients and rebooking ---------------------------------------------------------------


@dataclass
class Rebooking:
    new_patients: int
    completed_visits: int
    rebooked: int

    @property
    def rebook_rate(self) -> float | None:
        return rate(self.rebooked, self.completed_visits)


def rebooking(
    *, first_visits: Iterable[dt.date], visits: Iterable[tuple[dt.datetime, dt.datetime | None]]
) -> Rebooking:
    """New patients: patients whose first ever attended visit (checked in or completed, at any of
    the clinic's locations) falls in the range, at the chosen location. `first_visits` are those
    visits' local dates, already filtered.

    Rebook rate: of the completed visits in the range, the share whose patient has another
    appointment (booked, attended or a no-show, not cancelled) starting later, wherever and
    whenever it was booked. `visits` are (visit start, the patient's latest such start).
    """
    visits = list(visits)
    rebooked = sum(1 for start, latest in visits if latest is not None and latest > start)
    return Rebooking(len(list(first_visits)), len(visits), rebooked)


# --- plan completion --------------------------------------------------------------------------


@dataclass
class PlanCompletion:
    by_status: dict[str, int]
    reached: list[tuple[int, int]]  # (session k, plans that attended at least k sessions)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def ended(self) -> int:
        return self.by_status.get("completed", 0) + self.by_status.get("discontinued", 0)

    @property
    def completion_rate(self) -> float | None:
        return rate(self.by_status.get("completed", 0), self.ended)

    def drop_off(self) -> list[dict]:
        rows, before = [], self.total
        for k, n in self.reached:
            rows.append({"session": k, "reached": n, "percent": rate(n, self.total), "lost": before - n})
            before = n
        return rows


def plan_completion(plans: Iterable[tuple[str, int, int]]) -> PlanCompletion:
    """From (status, sessions attended, sessions planned) of the plans started in the range.

    Completion rate: completed plans ÷ plans that have ended (completed or discontinued); active
    plans are counted but not in the rate. Drop-off: for each session number k, how many of the
    plans had attended at least k sessions (completed appointments), and how many were lost since k−1.
    """
    plans = list(plans)
    by_status = Counter(status for status, _, _ in plans)
    top = max((max(attended, planned) for _, attended, planned in plans), default=0)
    reached = [(k, sum(1 for _, attended, _ in plans if attended >= k)) for k in range(1, top + 1)]
    return PlanCompletion(dict(by_status), reached)
