"""Bookable start times: a pure function of plain data (no ORM, no clock, no settings).

Inputs are frozen dataclasses built by `scheduling.queries.availability_inputs`; outputs are
sorted, aware UTC datetimes.

How a start time `s` is decided (all ranges half-open, [a, b)):
- Working hours are local wall-clock blocks. For each local date, each block is turned into UTC
  with zoneinfo *for that date*, so a 09:00–17:00 block starts at 09:00 local on both DST change
  days. Candidates step from the block's start by `step_minutes`; the appointment itself
  (`duration`) must end inside the block. The buffer may run past the block (cleaning after the
  last patient), but it is still held in the room and against the practitioner.
- A block edge, start or end alike, is the first instant the local clock reads that time or
  later (`wall_instant`): in a skipped hour, the jump (a 01:00–02:30 block ends when 02:00
  becomes 03:00, a 02:30–06:00 block opens then); in a repeated hour, its first pass (fold=0).
- The practitioner is blocked during time off, and wherever their own active appointments already
  reach their parallel capacity (computed with a sweep, so two appointments that do not overlap
  each other never count as two at once).
- A room of the location must be free for the whole [s, s + duration + buffer).
- Policy: s >= now + min_notice and s <= now + max_advance.
- Licence: no start on or after the licence expiry date (the location's local date).

Everything is converted to integer epoch seconds once, and the busy lists are swept with
monotonic pointers, so one practitioner over 28 days is well under a millisecond of work.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = dt.UTC

# [start, end): aware datetimes, or integer epoch seconds (what the loader fetches, for speed).
Interval = tuple[dt.datetime | int, dt.datetime | int]


@dataclass(frozen=True, slots=True)
class Block:
    """A working-hours block at the location, in local wall-clock time. weekday: Monday=0."""

    weekday: int
    start: dt.time
    end: dt.time


@dataclass(frozen=True, slots=True)
class PractitionerSchedule:
    id: int
    capacity: int = 1
    licence_expiry: dt.date | None = None
    blocks: tuple[Block, ...] = ()
    time_off: tuple[Interval, ...] = ()
    # The practitioner's own active appointments anywhere, as [start, busy_until) (buffer included).
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class Rules:
    """The service, the location's zone and the policy for one computation."""

    tz: str
    duration_minutes: int
    buffer_minutes: int = 0
    step_minutes: int = 15
    min_notice: dt.timedelta = dt.timedelta(0)
    max_advance: dt.timedelta = dt.timedelta(days=90)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(UTC))


# room id -> busy intervals of that room (every practitioner's active appointments, buffer included)
RoomBusy = Mapping[int, Sequence[Interval]]


class Problem:
    """Why a given start time cannot be booked (codes; services turn them into sentences)."""

    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    LICENCE = "licence"
    OUTSIDE_HOURS = "outside_hours"
    PRACTITIONER_BUSY = "practitioner_busy"
    NO_ROOM = "no_room"


# --- the wall-clock rule ------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _steady(day: dt.date, tz: ZoneInfo) -> bool:
    """No change of UTC offset on `day` (every day but two a year): each time is read exactly once."""
    start, end = (dt.datetime.combine(d, dt.time(0), tzinfo=tz) for d in (day, day + dt.timedelta(days=1)))
    return start.utcoffset() == end.utcoffset()


def wall_instant(day: dt.date, time: dt.time, tz: ZoneInfo) -> int:
    """The first instant (epoch seconds) the clock in `tz` on `day` reads `time` or later: the one
    home of the rule for local times read twice (the first pass) or never (the jump over them)."""
    # combine() gives the wall-clock time on *that* date, so the offset follows daylight saving.
    local = dt.datetime.combine(day, time, tzinfo=tz)
    ts = int(local.timestamp())
    if _steady(day, tz) or dt.datetime.fromtimestamp(ts, tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return ts
    # In a gap, fold=0 reads the time with the offset from before the jump (an instant after
    # it) and fold=1 with the offset from after (an instant before it): the jump lies between.
    before, after = int(local.replace(fold=1).timestamp()), ts
    offset = dt.datetime.fromtimestamp(before, tz).utcoffset()
    while after - before > 1:
        mid = (before + after) // 2
        before, after = (mid, after) if dt.datetime.fromtimestamp(mid, tz).utcoffset() == offset else (before, mid)
    return after


# --- internal helpers ----------------------------------------------------------------------


def _ts(d: dt.datetime | int) -> int:
    if isinstance(d, int):
        return d
    if d.tzinfo is None:
        raise ValueError("availability works with aware datetimes only")
    return int(d.timestamp())


def _merge(intervals: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted, merged, non-empty intervals as two parallel lists (starts, ends)."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if ends and a <= ends[-1]:
            if b > ends[-1]:
                ends[-1] = b
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _saturated(busy: Iterable[tuple[int, int]], capacity: int) -> list[tuple[int, int]]:
    """Intervals where at least `capacity` of the busy intervals overlap (a sweep line)."""
    events: list[tuple[int, int]] = []
    for a, b in busy:
        if b > a:
            events.append((a, 1))
            events.append((b, -1))
    # At equal times, ends (-1) sort before starts (+1): back-to-back is not overlap.
    events.sort()
    out: list[tuple[int, int]] = []
    depth = 0
    opened = 0
    for t, delta in events:
        before = depth
        depth += delta
        if before < capacity <= depth:
            opened = t
        elif depth < capacity <= before and t > opened:
            out.append((opened, t))
    return out


class _Sweep:
    """Overlap tests against merged intervals for ascending query starts (amortised O(1))."""

    __slots__ = ("starts", "ends", "i", "n")

    def __init__(self, merged: tuple[list[int], list[int]], start_at: int | None = None):
        self.starts, self.ends = merged
        # Queries never start before `start_at`, so intervals that end by then can be skipped at once
        # (a per-day call would otherwise walk the whole list from the beginning every time).
        self.i = 0 if start_at is None else bisect_right(self.ends, start_at)
        self.n = len(self.starts)

    def hits(self, a: int, b: int) -> bool:
        ends, i, n = self.ends, self.i, self.n
        while i < n and ends[i] <= a:
            i += 1
        self.i = i
        return i < n and self.starts[i] < b

    def hits_anywhere(self, a: int, b: int) -> bool:
        """Same test without the pointer, for queries in any order."""
        i = bisect_right(self.ends, a)
        return i < self.n and self.starts[i] < b


def _practitioner_blocked(p: PractitionerSchedule) -> tuple[list[int], list[int]]:
    own = [(_ts(a), _ts(b)) for a, b in p.busy]
    blocked = [(_ts(a), _ts(b)) for a, b in p.time_off]
    blocked.extend(_saturated(own, max(1, p.capacity)))
    return _merge(blocked)


def _room_sweeps(rooms: RoomBusy) -> list[tuple[int, _Sweep]]:
    return [(rid, _Sweep(_merge((_ts(a), _ts(b)) for a, b in busy))) for rid, busy in sorted(rooms.items())]


def _blocks_by_weekday(blocks: Iterable[Block]) -> dict[int, list[Block]]:
    out: dict[int, list[Block]] = {}
    for b in sorted(blocks, key=lambda b: (b.weekday, b.start)):
        out.setdefault(b.weekday, []).append(b)
    return out


def _days(date_from: dt.date, date_to: dt.date) -> Iterable[dt.date]:
    d = date_from
    one = dt.timedelta(days=1)
    while d <= date_to:
        yield d
        d += one


class _Context:
    """Everything that does not depend on the practitioner, converted once."""

    def __init__(self, rules: Rules, rooms: RoomBusy):
        self.tz = ZoneInfo(rules.tz)
        self.dur = rules.duration_minutes * 60
        self.total = (rules.duration_minutes + rules.buffer_minutes) * 60
        self.step = max(1, rules.step_minutes) * 60
        self.earliest = _ts(rules.now + rules.min_notice)
        self.latest = _ts(rules.now + rules.max_advance)
        self.rooms = _room_sweeps(rooms)
        self._prepared: dict[int, tuple[dict[int, list[Block]], tuple[list[int], list[int]]]] = {}

    def prepared(self, p: PractitionerSchedule) -> tuple[dict[int, list[Block]], tuple[list[int], list[int]]]:
        """The practitioner's blocks by weekday and merged blocked time, built once per computation
        (first_available and available_days ask day by day)."""
        got = self._prepared.get(p.id)
        if got is None:
            got = self._prepared[p.id] = (_blocks_by_weekday(p.blocks), _practitioner_blocked(p))
        return got

    def day_floor(self, day: dt.date) -> int:
        """A time safely before any start on `day`: the local midnight a day earlier."""
        return int(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0), tzinfo=self.tz).timestamp())

    def local_block(self, day: dt.date, block: Block) -> tuple[int, int]:
        return wall_instant(day, block.start, self.tz), wall_instant(day, block.end, self.tz)


def _starts_for(
    p: PractitionerSchedule, ctx: _Context, date_from: dt.date, date_to: dt.date, limit: int | None = None
) -> list[int]:
    if not p.blocks:
        return []
    by_day, blocked_merged = ctx.prepared(p)
    floor = ctx.day_floor(date_from)
    blocked = _Sweep(blocked_merged, floor)
    # Fresh pointers per practitioner: the room sweeps are shared, their positions are not.
    rooms = [_Sweep((sw.starts, sw.ends), floor) for _, sw in ctx.rooms]
    dur, total, step, earliest, latest = ctx.dur, ctx.total, ctx.step, ctx.earliest, ctx.latest
    out: list[int] = []
    for day in _days(date_from, date_to):
        if p.licence_expiry is not None and day >= p.licence_expiry:
            break
        for block in by_day.get(day.weekday(), ()):
            bs, be = ctx.local_block(day, block)
            if be - dur < earliest:
                continue
            if bs > latest:
                return out
            s = bs
            if s < earliest:
                s += -(-(earliest - bs) // step) * step  # first grid point at or after `earliest`
            last = min(be - dur, latest)
            while s <= last:
                e = s + total
                if not blocked.hits(s, e):
                    for room in rooms:
                        if not room.hits(s, e):
                            out.append(s)
                            if limit is not None and len(out) >= limit:
                                return out
                            break
                s += step
    return out


def _to_dt(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, UTC)


# --- public API ----------------------------------------------------------------------------


def bookable_starts(
    practitioner: PractitionerSchedule,
    *,
    rules: Rules,
    rooms: RoomBusy,
    date_from: dt.date,
    date_to: dt.date,
    limit: int | None = None,
) -> list[dt.datetime]:
    """Sorted UTC start times for one practitioner between two local dates (inclusive)."""
    ctx = _Context(rules, rooms)
    return [_to_dt(s) for s in _starts_for(practitioner, ctx, date_from, date_to, limit)]


def bookable_starts_many(
    practitioners: Sequence[PractitionerSchedule],
    *,
    rules: Rules,
    rooms: RoomBusy,
    date_from: dt.date,
    date_to: dt.date,
) -> dict[int, list[dt.datetime]]:
    """Per practitioner id, the sorted UTC start times (see `bookable_starts`)."""
    ctx = _Context(rules, rooms)
    return {p.id: [_to_dt(s) for s in _starts_for(p, ctx, date_from, date_to)] for p in practitioners}


def merged_starts(per_practitioner: Mapping[int, Sequence[dt.datetime]]) -> list[tuple[dt.datetime, list[int]]]:
    """For "first available": each start time once, with the practitioners free then (in input order)."""
    who: dict[dt.datetime, list[int]] = {}
    for pid, starts in per_practitioner.items():
        for s in starts:
            who.setdefault(s, []).append(pid)
    return sorted(who.items())


def first_available(
    practitioners: Sequence[PractitionerSchedule],
    *,
    rules: Rules,
    rooms: RoomBusy,
    date_from: dt.date,
    date_to: dt.date,
    limit: int = 1,
) -> list[tuple[dt.datetime, int]]:
    """The earliest `limit` (start, practitioner id) pairs across practitioners.

    Walks day by day and stops at the first day that yields enough, so a busy team is cheap.
    """
    ctx = _Context(rules, rooms)
    found: list[tuple[int, int]] = []
    for day in _days(date_from, date_to):
        for p in practitioners:
            found.extend((s, p.id) for s in _starts_for(p, ctx, day, day, limit))
        if len(found) >= limit:
            break
    found.sort()
    return [(_to_dt(s), pid) for s, pid in found[:limit]]


def available_days(
    practitioners: Sequence[PractitionerSchedule],
    *,
    rules: Rules,
    rooms: RoomBusy,
    date_from: dt.date,
    date_to: dt.date,
) -> list[dt.date]:
    """Local dates on which at least one of the practitioners has a bookable start."""
    ctx = _Context(rules, rooms)
    out = []
    for day in _days(date_from, date_to):
        if any(_starts_for(p, ctx, day, day, 1) for p in practitioners):
            out.append(day)
    return out


def free_rooms(rooms: RoomBusy, start: dt.datetime, busy_until: dt.datetime) -> list[int]:
    """Ids of the rooms free for the whole [start, busy_until), in id order."""
    a, b = _ts(start), _ts(busy_until)
    return [rid for rid, sw in _room_sweeps(rooms) if not sw.hits_anywhere(a, b)]


def check_start(
    practitioner: PractitionerSchedule, *, rules: Rules, rooms: RoomBusy, start: dt.datetime
) -> tuple[str | None, list[int]]:
    """Can `start` be booked? Returns (problem code or None, ids of rooms free for it).

    Unlike `bookable_starts`, the start need not be on the slot grid: the front desk may book
    09:10. The other rules are the same ones.
    """
    ctx = _Context(rules, rooms)
    s = _ts(start)
    e = s + ctx.total
    if s < ctx.earliest:
        return Problem.TOO_SOON, []
    if s > ctx.latest:
        return Problem.TOO_FAR, []
    day = start.astimezone(ctx.tz).date()
    if practitioner.licence_expiry is not None and day >= practitioner.licence_expiry:
        return Problem.LICENCE, []
    inside = False
    for block in _blocks_by_weekday(practitioner.blocks).get(day.weekday(), ()):
        bs, be = ctx.local_block(day, block)
        if bs <= s and s + ctx.dur <= be:
            inside = True
            break
    if not inside:
        return Problem.OUTSIDE_HOURS, []
    if _Sweep(_practitioner_blocked(practitioner)).hits_anywhere(s, e):
        return Problem.PRACTITIONER_BUSY, []
    free = [rid for rid, sw in ctx.rooms if not sw.hits_anywhere(s, e)]
    if not free:
        return Problem.NO_ROOM, []
    return None, free


def nearest(starts: Iterable[dt.datetime], target: dt.datetime, n: int = 3) -> list[dt.datetime]:
    """The `n` start times closest to `target` (either side), in time order."""
    return sorted(sorted(starts, key=lambda s: (abs((s - target).total_seconds()), s))[:n])
