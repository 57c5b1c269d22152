"""The reports' arithmetic on hand-computed fixtures (pure: no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from plans.reports import compute, outcomes

LONDON = ZoneInfo("Europe/London")
MON = dt.date(2026, 3, 2)  # GMT (UTC+0) until 29 March


def utc(day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(int(hour), int(hour % 1 * 60)), tzinfo=dt.UTC)


def util(**kw):
    defaults = dict(
        first=MON,
        last=MON + dt.timedelta(days=6),
        blocks=[compute.Block(1, 10, 0, dt.time(9), dt.time(17))],
        zones={10: LONDON},
        capacity={1: 1},
        time_off={},
        booked=[],
    )
    return compute.utilisation(**{**defaults, **kw})


def test_utilisation_is_booked_hours_out_of_working_hours_minus_time_off():
    # Monday 09:00-17:00 = 8 h; an hour of time off leaves 7 h. Booked: 1 h, half of one that
    # overlaps the time off, and half of one that runs past closing = 2 h of 7 → 28.6 %.
    (u,) = util(
        time_off={1: [(utc(MON, 12), utc(MON, 13))]},
        booked=[
            (1, utc(MON, 10), utc(MON, 11)),
            (1, utc(MON, 12.5), utc(MON, 13.5)),
            (1, utc(MON, 16.5), utc(MON, 17.5)),
        ],
    )
    assert (u.working_hours, u.booked_hours, u.percent) == (7.0, 2.0, 28.6)


def test_parallel_capacity_doubles_the_working_hours():
    (u,) = util(capacity={1: 2}, booked=[(1, utc(MON, 10), utc(MON, 11)), (1, utc(MON, 10), utc(MON, 11))])
    assert (u.working_hours, u.booked_hours, u.percent) == (16.0, 2.0, 12.5)


def test_working_hours_follow_the_local_clock_on_a_dst_day():
    # Sunday 29 March 2026: London's clocks jump from 01:00 to 02:00, so 00:00-04:00 lasts 3 hours.
    sunday = dt.date(2026, 3, 29)
    (u,) = util(first=sunday, last=sunday, blocks=[compute.Block(1, 10, 6, dt.time(0), dt.time(4))])
    assert u.working_hours == 3.0


def test_utilisation_of_an_empty_range_and_of_nobody_working():
    assert util(blocks=[]) == []
    tuesday = MON + dt.timedelta(days=1)  # no working block: listed, with no rate rather than 0 %
    (u,) = util(first=tuesday, last=tuesday, booked=[(1, utc(tuesday, 10), utc(tuesday, 11))])
    assert (u.working_hours, u.booked_hours, u.percent) == (0, 0, None)


def test_attendance_rates_state_their_denominator():
    rows = [
        ("completed", False),
        ("checked_in", False),
        ("no_show", False),
        ("cancelled", True),
        ("cancelled", False),
        ("booked", False),
    ]
    a = compute.attendance(rows)
    assert (a.attended, a.no_shows, a.late_cancellations, a.early_cancellations, a.unresolved) == (2, 1, 1, 1, 1)
    assert (a.denominator, a.no_show_rate, a.late_cancellation_rate) == (4, 25.0, 25.0)
    empty = compute.attendance([])
    assert (empty.denominator, empty.no_show_rate, empty.late_cancellation_rate) == (0, None, None)


def test_rebook_rate_counts_completed_visits_with_a_later_booking():
    t = utc(MON, 10)
    r = compute.rebooking(
        first_visits=[MON, MON],
        visits=[(t, t + dt.timedelta(days=7)), (t, t), (t, None)],  # rebooked; latest is itself; nothing
    )
    assert (r.new_patients, r.completed_visits, r.rebooked, r.rebook_rate) == (2, 3, 1, 33.3)
    assert compute.rebooking(first_visits=[], visits=[]).rebook_rate is None


def test_plan_completion_and_drop_off_by_session_number():
    p = compute.plan_completion([("completed", 6, 6), ("discontinued", 2, 6), ("active", 3, 6)])
    assert (p.total, p.ended, p.completion_rate) == (3, 2, 50.0)
    assert [(d["session"], d["reached"], d["lost"]) for d in p.drop_off()] == [
        (1, 3, 0),
        (2, 3, 0),
        (3, 2, 1),
        (4, 1, 1),
        (5, 1, 0),
        (6, 1, 0),
    ]
    assert p.drop_off()[2]["percent"] == 66.7
    empty = compute.plan_completion([])
    assert (empty.total, empty.completion_rate, empty.drop_off()) == (0, None, [])


# --- outcomes ---------------------------------------------------------------------------------

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def plan(patient_id, *, leg, fi=None, status="completed", plan_type="Acute", review=3):
    """Baseline the day before the first session; a check-in after 2 sessions (review) and after 6."""
    sessions = [START + dt.timedelta(days=3 * i) for i in range(6)]
    before = START - dt.timedelta(days=1)
    at_review = sessions[1] + dt.timedelta(hours=2)
    at_end = sessions[5] + dt.timedelta(hours=2)
    scores = {"leg_pain_average": list(zip((before, at_review, at_end), leg, strict=True))}
    if fi:
        scores["function_index"] = list(zip((before, at_review, at_end), fi, strict=True))
    return outcomes.PlanScores(plan_type, patient_id, status, START, review, sessions, scores)


def test_outcomes_share_improved_and_mean_change_with_n():
    plans = [
        plan(1, leg=[8, 6, 4], fi=[50, 45, 30]),  # review: leg −2 meaningful; end: −4
        plan(2, leg=[8, 7, 7], fi=[50, 48, 45]),  # nothing meaningful (−1 is 12.5 %, FI −5)
        plan(3, leg=[6, 5, 3]),  # review −1 (17 %) no; end −3 yes
        plan(4, leg=[5, 3, 2]),  # review −2 yes; end −3 yes
        plan(5, leg=[4, 4, 4], fi=[30, 20, 18]),  # FI −10 at review: meaningful
    ]
    review, end = outcomes.outcomes_by_plan_type(plans)
    assert (review.moment, review.improved.n, review.improved.value) == ("review", 5, 60.0)  # 1, 4, 5
    assert (end.improved.n, end.improved.value) == (5, 80.0)  # 1, 3, 4, 5
    # Leg pain at the end: −4, −1, −3, −3, 0 → −2.2 over 5 patients; ×10 on the trial's scale.
    assert (end.changes["leg_pain_average"].n, end.changes["leg_pain_average"].value) == (5, -2.2)
    assert end.change_on_100("leg_pain_average") == -22.0
    # The function index has only 3 patients: suppressed, though its n is shown.
    fi = end.changes["function_index"]
    assert (fi.n, fi.value, fi.suppressed) == (3, None, True)
    assert end.changes["back_pain_average"].n == 0


def test_an_active_plan_has_no_end_figure_and_fewer_than_five_patients_are_hidden():
    plans = [plan(i, leg=[8, 5, 3], status="active") for i in range(1, 5)]
    review, end = outcomes.outcomes_by_plan_type(plans)
    assert (review.improved.n, review.improved.value, review.improved.suppressed) == (4, None, True)
    assert end.improved.n == 0


def test_one_plan_per_patient_and_type_and_an_empty_range():
    older = plan(1, leg=[8, 8, 8])
    newer = plan(1, leg=[8, 4, 2])
    newer.start = START + dt.timedelta(days=1)
    rows = outcomes.outcomes_by_plan_type([older, newer] + [plan(i, leg=[8, 4, 2]) for i in (2, 3, 4, 5)])
    assert rows[1].improved.n == 5 and rows[1].improved.value == 100.0
    assert outcomes.outcomes_by_plan_type([]) == []
