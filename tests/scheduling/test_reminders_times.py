"""When reminders go out (scheduling/reminders.py): DST change days and SMS quiet hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from scheduling.reminders import in_quiet_hours, out_of_quiet_hours, plan_reminders

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def at(tz, y, m, d, h, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=tz)


def plan(start, tz, offsets=(48, 2), sms=True, now=None):
    return plan_reminders(
        start=start,
        tz=tz,
        offsets_hours=list(offsets),
        now=now or start - dt.timedelta(days=10),
        sms_allowed=sms,
        email_allowed=True,
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
    assert [p.offset_hours for p in planned] == [2]


def test_without_sms_consent_short_offsets_go_by_email():
    planned = plan(at(LONDON, 2027, 1, 20, 14), LONDON, sms=False)
    assert [p.channel for p in planned] == ["email", "email"]
