"""When reminders go out (scheduling/reminders.py): DST change days and SMS quiet hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from scheduling.reminders import (
    DEFAULT_OFFSETS,
    Offset,
    in_quiet_hours,
    offset_problem,
    out_of_quiet_hours,
    plan_reminders,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def at(tz, y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=tz)


def plan(start, tz, offsets=DEFAULT_OFFSETS, sms=True, now=None, email=True):
    return plan_reminders(
        start=start,
        tz=tz,
        offsets=list(offsets),
        now=now or start - dt.timedelta(days=10),
        sms_allowed=sms,
        email_allowed=email,
    )


def test_offsets_are_real_hours_across_the_spring_change():
    # London springs forward on Sunday 29 March 2026: 48 real hours before Monday 10:00 BST is
    # Saturday 09:00 GMT, and the 2-hour SMS is 08:00 BST.
    start = at(LONDON, 2026, 3, 30, 10)
    email, text = plan(start, LONDON)
    assert email.channel == "email" and email.send_at == at(LONDON, 2026, 3, 28, 9)
    assert text.channel == "sms" and text.send_at.astimezone(LONDON) == at(LONDON, 2026, 3, 30, 8)


def test_the_sms_on_the_autumn_change_day_morning():
    # New York falls back on Sunday 1 November 2026; an appointment at 11:00 EST that day gets its
    # SMS at 09:00 EST, which is not in the quiet hours.
    start = at(NEW_YORK, 2026, 11, 1, 11)
    _, text = plan(start, NEW_YORK)
    assert text.send_at == start - dt.timedelta(hours=2)
    assert text.send_at.astimezone(NEW_YORK).hour == 9


def test_an_sms_due_in_the_quiet_hours_moves_to_08_00_local():
    start = at(LONDON, 2027, 1, 20, 9, 30)  # 2 h before is 07:30
    _, text = plan(start, LONDON)
    assert text.send_at.astimezone(LONDON) == at(LONDON, 2027, 1, 20, 8)
    assert in_quiet_hours(at(LONDON, 2027, 1, 20, 21), LONDON)
    assert not in_quiet_hours(at(LONDON, 2027, 1, 20, 8), LONDON)


def test_when_08_00_is_too_late_the_sms_goes_the_evening_before():
    start = at(LONDON, 2027, 1, 20, 8)  # 2 h before is 06:00; 08:00 would be the appointment itself
    _, text = plan(start, LONDON)
    assert text.send_at.astimezone(LONDON) == at(LONDON, 2027, 1, 19, 20)


def test_quiet_hours_use_the_locations_zone_not_utc():
    # 21:30 in London is 16:30 in New York: fine there.
    moment = at(LONDON, 2027, 1, 20, 21, 30)
    assert out_of_quiet_hours(moment, NEW_YORK) == moment
    assert out_of_quiet_hours(moment, LONDON).astimezone(LONDON) == at(LONDON, 2027, 1, 21, 8)


def test_quiet_hours_end_at_08_00_wall_clock_on_the_spring_change_day():
    moment = at(LONDON, 2026, 3, 29, 0, 30)
    assert out_of_quiet_hours(moment, LONDON).astimezone(LONDON) == at(LONDON, 2026, 3, 29, 8)
    assert out_of_quiet_hours(moment, LONDON) == dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC)


def test_a_booking_inside_a_reminders_window_skips_it():
    start = at(LONDON, 2027, 1, 20, 18)
    planned = plan(start, LONDON, now=start - dt.timedelta(hours=10))
    assert [p.offset.minutes for p in planned] == [120]


def test_without_sms_consent_short_offsets_go_by_email():
    planned = plan(at(LONDON, 2027, 1, 20, 14), LONDON, sms=False)
    assert [p.channel for p in planned] == ["email", "email"]


def test_each_offset_goes_on_its_own_channel_whatever_its_length():
    # A clinic that wants a text the day before and an email an hour before gets exactly that.
    start = at(LONDON, 2027, 1, 20, 14)
    planned = plan(start, LONDON, offsets=[Offset(24 * 60, "sms"), Offset(60, "email")])
    assert [(p.channel, p.send_at) for p in planned] == [
        ("sms", start - dt.timedelta(hours=24)),
        ("email", start - dt.timedelta(hours=1)),
    ]
    assert [p.key_part for p in planned] == ["24h:sms", "1h:email"]


def test_minute_offsets_and_their_window():
    start = at(LONDON, 2027, 1, 20, 14)
    (five,) = plan(start, LONDON, offsets=[Offset(5, "email")])
    # 5 minutes before, and never later than the start itself (the window would be 10 minutes).
    assert five.send_at == start - dt.timedelta(minutes=5) and five.not_after == start
    assert five.key_part == "5m:email"
    (ninety,) = plan(start, LONDON, offsets=[Offset(90, "sms")])
    assert ninety.send_at == start - dt.timedelta(minutes=90) and ninety.key_part == "90m:sms"


def test_a_minute_offset_on_the_spring_change_day_counts_real_minutes():
    # London: 01:00 GMT becomes 02:00 BST on 29 March 2026. 90 minutes before 02:30 BST (01:30 UTC)
    # is 00:00 GMT, although the wall clocks are two and a half hours apart.
    start = at(LONDON, 2026, 3, 29, 2, 30)
    (email,) = plan(start, LONDON, offsets=[Offset(90, "email")])
    assert email.send_at == dt.datetime(2026, 3, 29, 0, 0, tzinfo=dt.UTC)


def test_a_patient_who_cannot_get_a_channel_gets_the_other_and_duplicates_go_once():
    start = at(LONDON, 2027, 1, 20, 14)
    both = [Offset(120, "email"), Offset(120, "sms"), Offset(48 * 60, "email")]
    # No SMS consent: the 2-hour SMS becomes the 2-hour email, which is already there.
    assert [(p.offset.minutes, p.channel) for p in plan(start, LONDON, offsets=both, sms=False)] == [
        (48 * 60, "email"),
        (120, "email"),
    ]
    # No email: everything by SMS; nothing at all when neither works.
    assert {p.channel for p in plan(start, LONDON, offsets=both, email=False)} == {"sms"}
    assert plan(start, LONDON, offsets=both, sms=False, email=False) == []


def test_an_sms_offset_in_minutes_still_respects_the_quiet_hours():
    start = at(NEW_YORK, 2027, 1, 20, 8, 10)  # 30 minutes before is 07:40, quiet: 08:00 is still in time
    (text,) = plan(start, NEW_YORK, offsets=[Offset(30, "sms")])
    assert text.send_at.astimezone(NEW_YORK) == at(NEW_YORK, 2027, 1, 20, 8)
    assert text.not_after == start


def test_offsets_outside_5_minutes_to_14_days_are_refused_in_words():
    assert offset_problem(4) == "A reminder must be at least 5 minutes before the appointment."
    assert offset_problem(5) is None and offset_problem(14 * 24 * 60) is None
    assert "at most 14 days" in offset_problem(14 * 24 * 60 + 1)
