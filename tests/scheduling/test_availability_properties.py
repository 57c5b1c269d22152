"""Property tests for the pure availability function, against a brute-force oracle.

The oracle walks every grid point of every working block and checks each rule by direct
comparison of datetimes (no interval merging, no sweeps). The fast function must return exactly
the oracle's answer, and every returned slot must satisfy each rule on its own terms.

Blocks may start in the small hours and the dates span spring-forward days (London, Berlin) and
fall-back days (Lord Howe's half hour, Adelaide, Santiago's at midnight), so block edges land in
daylight-saving gaps and repeated hours; the oracle finds those edges by scanning the clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling import availability as av

UTC = dt.UTC
ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
]
BASE = dt.datetime(2026, 3, 20, 6, 0, tzinfo=UTC)  # close to the March DST changes on purpose


@st.composite
def blocks(draw):
    out = []
    for weekday in range(7):
        # From midnight on, so that edges fall in the small-hours DST gaps and repeated hours.
        hour = draw(st.integers(0, 10))
        for _ in range(draw(st.integers(0, 2))):
            length = draw(st.integers(1, 4))
            if hour + length > 23:
                break
            start = dt.time(hour, draw(st.sampled_from([0, 30])))
            out.append(av.Block(weekday, start, dt.time(hour + length, draw(st.sampled_from([0, 30])))))
            hour += length + draw(st.integers(1, 2))
    return tuple(out)


def intervals(max_size: int, max_len_minutes: int = 240):
    one = st.tuples(
        st.integers(0, 18 * 24 * 4).map(lambda q: BASE + dt.timedelta(minutes=15 * q)),
        st.integers(1, max_len_minutes // 5).map(lambda n: dt.timedelta(minutes=5 * n)),
    ).map(lambda t: (t[0], t[0] + t[1]))
    return st.lists(one, max_size=max_size).map(tuple)


@st.composite
def scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    capacity = draw(st.integers(1, 3))
    practitioner = av.PractitionerSchedule(
        id=1,
        capacity=capacity,
        licence_expiry=draw(st.none() | st.dates(dt.date(2026, 3, 18), dt.date(2026, 4, 8))),
        blocks=draw(blocks()),
        time_off=draw(intervals(3, 600)),
        busy=draw(intervals(10, 120)),
    )
    n_rooms = draw(st.integers(1, 3))
    rooms = {rid: list(draw(intervals(8, 120))) for rid in range(1, n_rooms + 1)}
    rules = av.Rules(
        tz=tz,
        duration_minutes=draw(st.sampled_from([15, 30, 45, 60, 75])),
        buffer_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        step_minutes=draw(st.sampled_from([5, 10, 15, 30])),
        min_notice=dt.timedelta(hours=draw(st.integers(0, 48))),
        max_advance=dt.timedelta(days=draw(st.integers(1, 18))),
        now=BASE + dt.timedelta(minutes=draw(st.integers(0, 3 * 24 * 60))),
    )
    first = draw(st.dates(dt.date(2026, 3, 19), dt.date(2026, 4, 5)))
    last = first + dt.timedelta(days=draw(st.integers(0, 8)))
    return practitioner, rooms, rules, first, last


# Daylight-saving change days of 2026: (zone, local date). Gaps: London 01:00-02:00, Berlin and New York
# 02:00-03:00, Lord Howe 02:00-02:30, Santiago 00:00-01:00. Repeated: New York 01:00-02:00, Lord Howe
# 01:30-02:00, Adelaide 02:00-03:00, Santiago 23:00-24:00 (a Saturday).
CHANGE_DAYS = [
    ("Europe/London", dt.date(2026, 3, 29)),
    ("Europe/Berlin", dt.date(2026, 3, 29)),
    ("America/New_York", dt.date(2026, 3, 8)),
    ("America/New_York", dt.date(2026, 11, 1)),
    ("Australia/Lord_Howe", dt.date(2026, 4, 5)),
    ("Australia/Lord_Howe", dt.date(2026, 10, 4)),
    ("Australia/Adelaide", dt.date(2026, 4, 5)),
    ("America/Santiago", dt.date(2026, 4, 4)),
    ("America/Santiago", dt.date(2026, 9, 6)),
]


@st.composite
def change_day_scenarios(draw):
    """One change day with blocks whose edges sit in and around the skipped or repeated hour."""
    tz, day = draw(st.sampled_from(CHANGE_DAYS))
    zone = ZoneInfo(tz)
    quarter = st.sampled_from([0, 15, 30, 45])
    out = []
    for hour in sorted(draw(st.sets(st.sampled_from([0, 1, 2, 3, 21, 22]), min_size=1, max_size=2))):
        start = dt.time(hour, draw(quarter))
        minutes = hour * 60 + start.minute + draw(st.integers(1, 16)) * 15
        end = dt.time(min(minutes, 23 * 60 + 45) // 60, min(minutes, 23 * 60 + 45) % 60)
        if end > start and not (out and start < out[-1].end):
            out.append(av.Block(day.weekday(), start, end))
    around = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)
    busy = draw(
        st.lists(
            st.tuples(st.integers(-8, 100), st.integers(1, 8)).map(
                lambda t: (around + dt.timedelta(minutes=15 * t[0]), around + dt.timedelta(minutes=15 * (t[0] + t[1])))
            ),
            max_size=3,
        ).map(tuple)
    )
    practitioner = av.PractitionerSchedule(id=1, blocks=tuple(out), busy=busy)
    rules = av.Rules(
        tz=tz,
        duration_minutes=draw(st.sampled_from([15, 30, 45, 60])),
        buffer_minutes=draw(st.sampled_from([0, 15])),
        step_minutes=draw(st.sampled_from([5, 15, 30])),
        max_advance=dt.timedelta(days=5),
        now=around - dt.timedelta(days=2),
    )
    return practitioner, {1: list(busy[:1])}, rules, day, day


def overlaps(a0, a1, b0, b1) -> bool:
    return a0 < b1 and b0 < a1


def max_concurrency(busy, s, e) -> int:
    """The most busy intervals covering any single instant of [s, e)."""
    points = {s} | {b0 for b0, _ in busy if s <= b0 < e}
    return max((sum(1 for b0, b1 in busy if b0 <= p < b1) for p in points), default=0)


def edge(day: dt.date, t: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The block-edge rule, by brute force: the first instant at which the clock on `day` reads
    `t` or later. Where `t` is read twice or never, scan the clock minute by minute."""
    first, second = (dt.datetime.combine(day, t, tzinfo=tz).replace(fold=f).astimezone(UTC) for f in (0, 1))
    if first == second:
        return first
    want = dt.datetime.combine(day, t)
    u = min(first, second) - dt.timedelta(hours=3)
    while u.astimezone(tz).replace(tzinfo=None) < want:
        u += dt.timedelta(minutes=1)
    return u


def oracle(p: av.PractitionerSchedule, rooms, rules: av.Rules, first: dt.date, last: dt.date) -> list[dt.datetime]:
    tz = ZoneInfo(rules.tz)
    dur = dt.timedelta(minutes=rules.duration_minutes)
    total = dur + dt.timedelta(minutes=rules.buffer_minutes)
    step = dt.timedelta(minutes=rules.step_minutes)
    out = []
    day = first
    while day <= last:
        if p.licence_expiry is None or day < p.licence_expiry:
            for b in p.blocks:
                if b.weekday != day.weekday():
                    continue
                bs, be = edge(day, b.start, tz), edge(day, b.end, tz)
                s = bs
                while s + dur <= be:
                    e = s + total
                    ok = (
                        rules.now + rules.min_notice <= s <= rules.now + rules.max_advance
                        and not any(overlaps(s, e, a, b_) for a, b_ in p.time_off)
                        and max_concurrency(p.busy, s, e) < p.capacity
                        and any(not any(overlaps(s, e, a, b_) for a, b_ in busy) for busy in rooms.values())
                    )
                    if ok:
                        out.append(s.astimezone(UTC))
                    s += step
        day += dt.timedelta(days=1)
    return sorted(out)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_bookable_starts_equal_the_brute_force_oracle(scenario):
    p, rooms, rules, first, last = scenario
    got = av.bookable_starts(p, rules=rules, rooms=rooms, date_from=first, date_to=last)
    assert got == oracle(p, rooms, rules, first, last)


@settings(max_examples=200, deadline=None)
@given(change_day_scenarios())
def test_blocks_with_edges_in_a_gap_or_a_repeated_hour_equal_the_oracle(scenario):
    """The edge rule: a block never offers a time after the first moment its end time is reached
    (nor before its start is), on the days the clocks jump forward or go back."""
    p, rooms, rules, first, last = scenario
    got = av.bookable_starts(p, rules=rules, rooms=rooms, date_from=first, date_to=last)
    assert got == oracle(p, rooms, rules, first, last)
    for s in got:
        problem, _free = av.check_start(p, rules=rules, rooms=rooms, start=s)
        assert problem is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(1, 4))
def test_day_by_day_answers_agree_with_the_oracle(scenario, limit):
    """available_days and first_available ask one day at a time (reusing prepared data within a
    call); they must give the same answer as the oracle over the whole range."""
    p, rooms, rules, first, last = scenario
    # A second practitioner with the same hours, so the shared room pointers are exercised twice.
    q = av.PractitionerSchedule(id=2, capacity=1, blocks=p.blocks)
    expected_p, expected_q = oracle(p, rooms, rules, first, last), oracle(q, rooms, rules, first, last)
    tz = ZoneInfo(rules.tz)

    days = av.available_days([p, q], rules=rules, rooms=rooms, date_from=first, date_to=last)
    assert days == sorted({s.astimezone(tz).date() for s in expected_p + expected_q})

    got = av.first_available([p, q], rules=rules, rooms=rooms, date_from=first, date_to=last, limit=limit)
    merged = sorted([(s, 1) for s in expected_p] + [(s, 2) for s in expected_q])
    assert got == merged[:limit]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_slot_respects_every_rule(scenario):
    p, rooms, rules, first, last = scenario
    tz = ZoneInfo(rules.tz)
    dur = dt.timedelta(minutes=rules.duration_minutes)
    total = dur + dt.timedelta(minutes=rules.buffer_minutes)
    got = av.bookable_starts(p, rules=rules, rooms=rooms, date_from=first, date_to=last)
    assert got == sorted(set(got))
    for s in got:
        assert s.tzinfo is UTC
        e = s + total
        local = s.astimezone(tz)
        # inside working hours, in the location's wall-clock time of that date
        assert first <= local.date() <= last
        assert any(
            b.weekday == local.date().weekday()
            and edge(local.date(), b.start, tz) <= s
            and s + dur <= edge(local.date(), b.end, tz)
            for b in p.blocks
        )
        # policy
        assert s >= rules.now + rules.min_notice
        assert s <= rules.now + rules.max_advance
        # licence
        assert p.licence_expiry is None or local.date() < p.licence_expiry
        # never overlaps time off
        assert not any(overlaps(s, e, a, b) for a, b in p.time_off)
        # capacity never exceeded: booking it keeps every instant within capacity
        assert max_concurrency([*p.busy, (s, e)], s, e) <= p.capacity
        # a room is free for the whole appointment plus buffer
        assert any(not any(overlaps(s, e, a, b) for a, b in busy) for busy in rooms.values())


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_check_start_agrees_with_the_slot_list(scenario):
    p, rooms, rules, first, last = scenario
    got = set(av.bookable_starts(p, rules=rules, rooms=rooms, date_from=first, date_to=last))
    for s in sorted(got)[:20]:
        problem, free = av.check_start(p, rules=rules, rooms=rooms, start=s)
        assert problem is None and free


def test_back_to_back_is_not_overlap():
    """An appointment may start exactly when the previous one's buffer ends."""
    p = av.PractitionerSchedule(
        id=1,
        blocks=(av.Block(0, dt.time(9), dt.time(12)),),
        busy=((dt.datetime(2026, 3, 2, 9, tzinfo=UTC), dt.datetime(2026, 3, 2, 10, tzinfo=UTC)),),
    )
    rules = av.Rules(tz="UTC", duration_minutes=45, buffer_minutes=15, now=dt.datetime(2026, 3, 1, tzinfo=UTC))
    rooms = {1: list(p.busy)}
    got = av.bookable_starts(p, rules=rules, rooms=rooms, date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2))
    assert got[0] == dt.datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert got[-1] == dt.datetime(2026, 3, 2, 11, 15, tzinfo=UTC)  # 11:15 + 45 min ends at 12:00


def test_two_appointments_that_do_not_overlap_each_other_leave_capacity_two_free():
    """Capacity counts simultaneous appointments, not appointments touching the candidate."""
    day = dt.date(2026, 3, 2)
    at = lambda h, m=0: dt.datetime(2026, 3, 2, h, m, tzinfo=UTC)  # noqa: E731
    p = av.PractitionerSchedule(
        id=1,
        capacity=2,
        blocks=(av.Block(0, dt.time(9), dt.time(12)),),
        busy=((at(9), at(10)), (at(10), at(11))),
    )
    rules = av.Rules(tz="UTC", duration_minutes=60, step_minutes=30, now=dt.datetime(2026, 3, 1, tzinfo=UTC))
    got = av.bookable_starts(p, rules=rules, rooms={1: [], 2: []}, date_from=day, date_to=day)
    assert at(9, 30) in got  # overlaps both, but never two at once
    p1 = av.PractitionerSchedule(id=1, capacity=1, blocks=p.blocks, busy=p.busy)
    assert at(9, 30) not in av.bookable_starts(p1, rules=rules, rooms={1: [], 2: []}, date_from=day, date_to=day)


def test_first_available_and_available_days():
    day = dt.date(2026, 3, 2)  # a Monday
    busy_all_monday = ((dt.datetime(2026, 3, 2, 0, tzinfo=UTC), dt.datetime(2026, 3, 3, 0, tzinfo=UTC)),)
    a = av.PractitionerSchedule(id=1, blocks=(av.Block(0, dt.time(9), dt.time(10)),), time_off=busy_all_monday)
    b = av.PractitionerSchedule(
        id=2, blocks=(av.Block(0, dt.time(11), dt.time(12)), av.Block(1, dt.time(9), dt.time(10)))
    )
    rules = av.Rules(tz="UTC", duration_minutes=30, step_minutes=30, now=dt.datetime(2026, 3, 1, tzinfo=UTC))
    rooms = {1: []}
    first = av.first_available([a, b], rules=rules, rooms=rooms, date_from=day, date_to=day + dt.timedelta(days=6))
    assert first == [(dt.datetime(2026, 3, 2, 11, tzinfo=UTC), 2)]
    days = av.available_days([a, b], rules=rules, rooms=rooms, date_from=day, date_to=day + dt.timedelta(days=6))
    assert days == [day, day + dt.timedelta(days=1)]
    assert av.available_days([a], rules=rules, rooms=rooms, date_from=day, date_to=day) == []
