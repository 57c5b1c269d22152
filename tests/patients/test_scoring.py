"""Scoring worked examples (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from patients.questionnaire import definition_from_dict, get_definition
from patients.scoring import classify_duration, function_index, function_index_change, pain_change, score

FI_KEYS = [
    "fi_pain",
    "fi_personal_care",
    "fi_lifting",
    "fi_walking",
    "fi_sitting",
    "fi_standing",
    "fi_sleeping",
    "fi_sex_life",
    "fi_social_life",
    "fi_travelling",
]


def fi_answers(scores: list[int | None]) -> dict:
    return {k: str(s) for k, s in zip(FI_KEYS, scores, strict=True) if s is not None}


# --- function index ---------------------------------------------------------------------------


def test_function_index_all_ten_answered_is_the_sum_doubled():
    result = function_index([2, 1, 3, 2, 3, 2, 2, 1, 2, 2])  # 20 of 50

    assert result == {"value": 40, "status": "ok", "band": "moderate"}


def test_one_skipped_domain_takes_five_off_the_denominator():
    # Sex life skipped: 18 points from 9 answered domains → 18 / 45 × 100 = 40.
    result = function_index([2, 1, 3, 2, 3, 2, 2, None, 2, 1])

    assert result["value"] == 40
    assert result["band"] == "moderate"


def test_two_skipped_domains_give_incomplete():
    result = function_index([2, 1, 3, 2, 3, 2, None, None, 2, 1])

    assert result == {"value": None, "status": "incomplete", "band": None}


def test_the_shipped_definition_scores_the_same_worked_examples():
    fi = get_definition("function_index", 1)

    one_skipped = score(fi, fi_answers([2, 1, 3, 2, 3, 2, 2, None, 2, 1]))["function_index"]
    two_skipped = score(fi, fi_answers([2, 1, 3, 2, 3, 2, None, None, 2, 1]))["function_index"]

    assert (one_skipped["value"], one_skipped["band"], one_skipped["missing"]) == (40, "moderate", 1)
    assert two_skipped["status"] == "incomplete" and two_skipped["value"] is None


@pytest.mark.parametrize(
    ("points", "band"),
    [(0, "minimal"), (10, "minimal"), (11, "moderate"), (20, "moderate"), (21, "severe"), (30, "severe"),
     (31, "crippling"), (40, "crippling"), (41, "bed-bound"), (50, "bed-bound")],
)  # fmt: skip
def test_bands_follow_the_published_cut_offs(points, band):
    # Ten domains: the index is points × 2, so 10 points = 20 (minimal) and 11 points = 22 (moderate).
    scores = [5] * (points // 5) + [points % 5] + [0] * 10
    assert function_index(scores[:10])["band"] == band


def test_the_band_agrees_with_the_rounded_number_shown():
    # 9 answered, 19 points: 42.2 → shown as 42 → severe; 9 answered, 9 points: 20.0 → minimal.
    assert function_index([3, 2, 2, 2, 2, 2, 2, None, 2, 2]) == {"value": 42, "status": "ok", "band": "severe"}
    assert function_index([1, 1, 1, 1, 1, 1, 1, None, 1, 1])["band"] == "minimal"


# --- meaningful change ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "now", "meaningful"),
    [
        (8, 6, True),  # 2 points
        (8, 7, False),  # 1 point, 12.5%
        (3, 2, True),  # 1 point but 33%
        (5, 4, False),  # 20%
        (10, 7, True),  # 3 points, 30%
        (4, 3, False),  # 25%
        (6, 8, False),  # worse
        (0, 0, False),
    ],
)
def test_pain_change_is_meaningful_at_two_points_or_thirty_percent(baseline, now, meaningful):
    assert pain_change(baseline, now).meaningful is meaningful


def test_function_index_change_is_meaningful_at_about_ten_points():
    assert function_index_change(48, 38).meaningful
    assert not function_index_change(48, 40).meaningful
    assert not function_index_change(30, 45).meaningful


# --- duration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [(0, "acute"), (5.9, "acute"), (6, "subacute"), (12, "subacute"), (12.1, "chronic"), (52, "chronic")],
)
def test_duration_classification_uses_the_clinic_cut_offs(weeks, expected):
    assert classify_duration(weeks, 6, 12) == expected


def test_a_four_week_acute_cut_off_moves_five_weeks_to_subacute():
    assert classify_duration(5, 6, 12) == "acute"
    assert classify_duration(5, 4, 12) == "subacute"


def test_the_intake_classifies_from_the_onset_date():
    intake = get_definition("sciatica_intake", 1)
    today = dt.date(2025, 3, 1)
    context = {"today": today, "acute_cutoff_weeks": 6, "chronic_cutoff_weeks": 12}

    three_weeks = score(intake, {"onset_date": "2025-02-08"}, context)["duration"]
    ten_weeks = score(intake, {"onset_date": "2024-12-21"}, context)["duration"]
    a_year = score(intake, {"onset_date": "2024-03-01"}, context)["duration"]

    assert (three_weeks["weeks"], three_weeks["band"]) == (3.0, "acute")
    assert (ten_weeks["weeks"], ten_weeks["band"]) == (10.0, "subacute")
    assert a_year["band"] == "chronic"


# --- scoring rules as data: a clinic's own instrument file -------------------------------------


def licensed_style_definition():
    """Nine yes/no items scored 1/0, a total with bands and a subscale over items 5–9."""
    items = [
        {"key": f"q{i}", "type": "yesno", "label": f"Statement {i}", "scores": {"yes": 1, "no": 0}}
        for i in range(1, 10)
    ]
    return definition_from_dict(
        {
            "key": "nine_items",
            "version": 1,
            "title": "Nine items",
            "sections": [{"key": "all", "items": items}],
            "scoring": [
                {
                    "key": "total",
                    "method": "sum",
                    "items": [f"q{i}" for i in range(1, 10)],
                    "decimals": 0,
                    "bands": [{"max": 3, "label": "low"}, {"min": 4, "label": "medium"}],
                },
                {
                    "key": "distress",
                    "method": "sum",
                    "items": [f"q{i}" for i in range(5, 10)],
                    "subscale_of": "total",
                    "decimals": 0,
                    "bands": [{"max": 3, "label": "not high"}, {"min": 4, "label": "high"}],
                },
                {"key": "yes_count", "method": "count", "items": [f"q{i}" for i in range(1, 10)], "values": ["yes"]},
            ],
        }
    )


def test_sum_count_subscale_and_bands_come_from_the_file():
    d = licensed_style_definition()
    answers = {f"q{i}": "yes" if i in (1, 5, 6, 7, 8) else "no" for i in range(1, 10)}

    result = score(d, answers)

    assert (result["total"]["value"], result["total"]["band"]) == (5, "medium")
    assert (result["distress"]["value"], result["distress"]["band"]) == (4, "high")
    assert result["distress"]["subscale_of"] == "total"
    assert result["yes_count"]["value"] == 5


def test_a_sum_with_a_missing_item_is_incomplete_unless_the_rule_allows_it():
    d = licensed_style_definition()
    answers = {f"q{i}": "no" for i in range(1, 9)}  # q9 missing

    result = score(d, answers)

    assert result["total"]["status"] == "incomplete"
    assert result["yes_count"]["status"] == "incomplete"


def test_count_of_a_multi_choice_item_ignores_none_of_these():
    intake = get_definition("sciatica_intake", 1)

    assert score(intake, {"symptoms": ["shooting", "burning"]})["symptom_count"]["value"] == 2
    assert score(intake, {"symptoms": ["none"]})["symptom_count"]["value"] == 0
