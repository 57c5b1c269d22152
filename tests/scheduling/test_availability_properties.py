"""Property tests for the pure availability function, against a brute-force oracle.

The oracle walks every grid point of every working block and checks each rule by direct
comparison of datetimes (no interval merging, no sweeps). The fast function must return exactly
the oracle's answer, and every returned slot must satisfy each rule on its own terms.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling import availability as av

UTC = dt.UTC
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
BASE = dt.datetime(2026, 3, 20, 6, 0, tzinfo=UTC)  # close to the March DST changes on purpose


@st.composite
def blocks(draw):
    out = []
    for weekday in range(7):
        hour = draw(st.integers(6, 10))
        for _ in range(draw(st.integers(0, 2))):
            length = draw(st.integers(1, 4))
            if hour + length > 22:
                break
            out.append(av.Block(weekday, dt.time(hour, draw(st.sampled_from([0, 30]))), dt.time(hour + length, 0)))
            hour += length + draw(st.integers(1, 2))
    return tuple(out)


def intervals(max_size: int, max_len_minutes: int = 240):
    one = st.tuples(
        st.integers(0, 12 * 24 * 4).map(lambda q: BASE + dt.timedelta(minutes=15 * q)),
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
        licence_expiry=draw(st.none() | st.dates(dt.date(2026, 3, 18), dt.date(2026, 4, 5))),
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
        max_advance=dt.timedelta(days=draw(st.integers(1, 12))),
        now=BASE + dt.timedelta(minutes=draw(st.integers(0, 3 * 24 * 60))),
    )
    first = draw(st.dates(dt.date(2026, 3, 19), dt.date(2026, 3, 30)))
    last = first + dt.timedelta(days=draw(st.integers(0, 8)))
    return practitioner, rooms, rules, first, last


def overlaps(a0, a1, b0, b1) -> bool:
    return a0 < b1 and b0 < a1


def max_concurrency(busy, s, e) -> int:
    """The most busy intervals covering any single instant of [s, e)."""
    points = {s} | {b0 for b0, _ in busy if s <= b0 < e}
    return max((sum(1 for b0, b1 in busy if b0 <= p < b1) for p in points), default=0)


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
                bs = dt.datetime.combine(day, b.start, tzinfo=tz)
                be = dt.datetime.combine(day, b.end, tzinfo=tz)
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
            and dt.datetime.combine(local.date(), b.start, tzinfo=tz) <= s
            and s + dur <= dt.datetime.combine(local.date(), b.end, tzinfo=tz)
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
