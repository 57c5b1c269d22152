"""Progress: the series, meaningful change, the review prompt, and the SVG chart for 0, 1 and 12 points."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from plans import chart, progress

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def day(n):
    return T0 + dt.timedelta(days=n)


def series(leg=(), back=(), fi=(), goals=(), attended=()):
    outcomes = {
        "leg_pain_average": [(day(i), v) for i, v in enumerate(leg)],
        "back_pain_average": [(day(i), v) for i, v in enumerate(back)],
        "function_index": [(day(i), v) for i, v in enumerate(fi)],
    }
    return progress.build_series(outcomes, goals=goals, attended=attended)


def state(s, *, planned=4, reviews=(3,), reached=(1, 2, 3), reviewed=()):
    return progress.review_state(planned=planned, review_numbers=reviews, reviewed=reviewed, reached=reached, series=s)


def test_a_two_point_drop_in_pain_is_meaningful_and_marked():
    s = series(leg=[7, 6, 5])
    leg = s[0]
    assert [p.meaningful for p in leg.points] == [False, False, True]


def test_thirty_percent_counts_for_low_pain():
    assert series(leg=[3, 2])[0].points[1].meaningful  # 1 point but 33%


def test_ten_points_for_the_function_index():
    fi = series(fi=[42, 34, 32])[2]
    assert [p.meaningful for p in fi.points] == [False, False, True]


def test_no_meaningful_improvement_prompts_a_decision_at_the_review():
    st = state(series(leg=[7, 6], back=[5, 5], fi=[40, 36]))
    assert (st.session_number, st.due, st.improved) == (3, True, False)
    assert {r["measure"] for r in st.scores} == {"leg_pain_average", "back_pain_average", "function_index"}


def test_a_meaningful_improvement_says_so():
    st = state(series(leg=[7, 4], back=[5, 5]))
    assert st.due and st.improved


def test_a_baseline_of_zero_cannot_show_improvement_and_does_not_crash():
    st = state(series(leg=[0, 0], back=[0, 1]))
    assert st.due and not st.improved
    assert st.scores[0]["baseline"] == 0


def test_no_review_is_due_before_the_review_session_is_reached():
    st = state(series(leg=[7, 6]), reached=(1, 2))
    assert (st.session_number, st.due) == (3, False)


def test_after_the_mid_plan_review_the_last_session_is_next():
    st = state(series(leg=[7, 6]), reached=(1, 2, 3), reviewed=(3,))
    assert (st.session_number, st.due) == (4, False)


def test_cadence_text():
    assert progress.cadence_text([2, 2, 1]) == "2 a week for 2 weeks, then once a week"
    assert progress.cadence_text([3, 3, 2, 2]) == "3 a week for 2 weeks, then 2 a week"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert root.get("role") == "img"
    return root


@pytest.mark.parametrize("n", [0, 1, 12])
def test_the_chart_renders_for_0_1_and_12_points(n):
    leg = [8 - i * 0.5 for i in range(n)]
    back = [6 - i * 0.25 for i in range(n)]
    fi = [50 - i * 2 for i in range(n)]
    s = series(leg=leg, back=back, fi=fi, goals=[{"measure": "leg_pain_average", "target": 3}])
    svg = chart.render_svg(s)
    root = _parse(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Scores across the plan"
    desc = root.find(f"{ns}desc").text
    assert ("No scores" in desc) if n == 0 else desc.startswith("Leg pain (average): 8 at baseline")
    assert "<script" not in svg
    assert "Goal: Leg pain (average) ≤ 3" in svg
    if n == 12:
        assert "a meaningful improvement" in desc
        assert "Meaningful change" in svg


def test_the_same_data_gives_the_same_markup():
    s = series(leg=[7, 5])
    assert chart.render_svg(s) == chart.render_svg(s)


def test_baselines_taken_at_different_moments_share_the_first_position():
    outcomes = {"leg_pain_average": [(day(0), 7), (day(5), 4)], "function_index": [(day(1), 40), (day(5), 38)]}
    s = progress.build_series(outcomes)
    assert progress.timeline(s) == ["Baseline", "07 Mar"]
    assert progress.x_positions(s)[("function_index", 0)] == 0


def test_review_sessions_coming_up_are_listed_for_the_check_in_reminder(patient, practitioner, clinic, acute):
    import time_machine

    from plans import booking, queries, services

    from .conftest import NOW, intake, propose

    with time_machine.travel(NOW, tick=False):
        intake(patient, weeks=3)
        plan = services.plan_accept(plan=propose(patient, practitioner, acute), by=patient.user)
        tz = clinic.location.tz
        starts = {n: dt.datetime(2026, 3, d, 10, tzinfo=tz) for n, d in ((1, 2), (2, 5), (3, 9), (4, 12))}
        booking.plan_book(plan=plan, location=clinic.location, starts=starts, by=patient.user)
    got = queries.review_sessions_between(start=day(6), end=day(11))
    assert [s.number for s in got] == [3, 4]
