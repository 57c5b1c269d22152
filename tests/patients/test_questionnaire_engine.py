"""The questionnaire engine: definitions as data, conditions, validation, and properties of scoring."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patients.questionnaire import (
    DefinitionError,
    all_definitions,
    definition_from_dict,
    get_definition,
    raised_flags,
    validate,
)
from patients.scoring import score

from .strategies import TODAY, junk_answers, valid_answers

SHIPPED = [(d.key, d.version) for d in all_definitions() if d.kind == "questionnaire"]
CONTEXT = {"today": TODAY, "acute_cutoff_weeks": 6, "chronic_cutoff_weeks": 12}


def test_every_shipped_definition_loads_and_the_intake_instruments_are_there():
    keys = {d.key for d in all_definitions()}

    assert {"sciatica_intake", "function_index", "safety_screening", "acupuncture_consent", "outcome_checkin"} <= keys


def test_the_check_in_reuses_the_function_index_wording_and_scoring():
    checkin = get_definition("outcome_checkin", 1)
    fi = get_definition("function_index", 1)

    assert checkin.items["fi_walking"] == fi.items["fi_walking"]
    assert "function_index" in {r.key for r in checkin.scoring}


def test_the_function_index_is_labelled_as_the_clinics_own_measure():
    assert "clinic's own measure" in get_definition("function_index").notice


def test_every_red_flag_is_asked_as_its_own_question():
    screening = get_definition("safety_screening", 1)
    by_category = {}
    for flag in screening.flags:
        by_category.setdefault(flag.category, set()).add(flag.code)

    assert len(by_category["cauda_equina"]) == 6
    assert len(by_category["red_flag"]) == 10
    # One question per flag: answering yes to exactly one item raises exactly that flag.
    for code in by_category["cauda_equina"] | by_category["red_flag"]:
        answers = {k: "no" for k, it in screening.items.items() if it.type == "yesno"}
        answers[code] = "yes"
        raised = {f.code for f in raised_flags(screening, answers, ["warning_signs"]) if f.category != "precaution"}
        assert raised == {code}


def test_anticoagulants_are_flagged_by_type():
    screening = get_definition("safety_screening", 1)

    raised = {f.code for f in raised_flags(screening, {"blood_thinners": ["warfarin", "doac", "antiplatelet"]})}

    assert {"anticoagulant_warfarin", "anticoagulant_doac", "antiplatelet"} <= raised
    assert "anticoagulant_heparin" not in raised


# --- validation -------------------------------------------------------------------------------


def test_a_hidden_follow_up_question_is_neither_required_nor_kept():
    intake = get_definition("sciatica_intake", 1)

    clean, errors = validate(
        intake, {"treatments_tried": ["physiotherapy"], "helped_surgery": "a_lot"}, sections=["treatments"]
    )

    assert errors == {"helped_physiotherapy": "Please pick one of the options."}
    assert "helped_surgery" not in clean


def test_none_of_these_cannot_be_ticked_with_other_options():
    intake = get_definition("sciatica_intake", 1)

    _, errors = validate(intake, {"treatments_tried": ["none", "surgery"]}, sections=["treatments"])

    assert "cannot be ticked together" in errors["treatments_tried"]


def test_out_of_range_and_future_answers_get_plain_messages():
    intake = get_definition("sciatica_intake", 1)

    _, errors = validate(
        intake,
        {"leg_pain_now": 11, "sleep_hours": -2, "onset_date": "2999-01-01", "goals": "x" * 1001},
        today=TODAY,
    )

    assert errors["leg_pain_now"] == "Please enter a number no higher than 10."
    assert errors["sleep_hours"] == "Please enter a number of at least 0."
    assert errors["onset_date"] == "This date is in the future. Please check it."
    assert errors["goals"].startswith("Please keep this under 1000 characters")


@pytest.mark.parametrize("junk", [float("inf"), float("nan"), 10**400, True, "7"])
def test_numbers_that_are_not_real_answers_get_a_message(junk):
    intake = get_definition("sciatica_intake", 1)

    _, errors = validate(intake, {"leg_pain_now": junk, "sleep_hours": junk}, sections=["scores", "life"])

    assert errors["leg_pain_now"] == "Please pick a number on the scale."
    assert errors["sleep_hours"] == "Please enter a number."


def test_a_body_map_needs_a_known_region_and_side():
    intake = get_definition("sciatica_intake", 1)

    _, errors = validate(intake, {"pain_map": {"elbow": "left"}}, sections=["where"])
    _, missing = validate(intake, {"pain_map": {}}, sections=["where"])

    assert errors["pain_map"] == "Please use the regions and sides shown."
    assert missing["pain_map"] == "Please mark at least one place where you feel the pain."


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"type": "slider"}, "unknown type"),
        ({"show_if": {"item": "nope", "equals": "yes"}}, "unknown items"),
        ({"label": ""}, "needs a label"),
    ],
)
def test_a_malformed_definition_is_refused_with_the_place_of_the_mistake(broken, message):
    item = {"key": "q1", "type": "yesno", "label": "Question", **broken}

    with pytest.raises(DefinitionError, match=message):
        definition_from_dict({"key": "x", "version": 1, "title": "X", "sections": [{"key": "s", "items": [item]}]})


def test_scoring_an_unscored_item_is_refused_when_the_file_loads():
    with pytest.raises(DefinitionError, match="no numeric score"):
        definition_from_dict(
            {
                "key": "x",
                "version": 1,
                "title": "X",
                "sections": [{"key": "s", "items": [{"key": "q1", "type": "text", "label": "Q"}]}],
                "scoring": [{"key": "t", "method": "sum", "items": ["q1"]}],
            }
        )


def test_a_clinic_can_drop_in_a_new_instrument_file(tmp_path):
    (tmp_path / "leg_score.v2.yaml").write_text(
        textwrap.dedent(
            """
            key: leg_score
            version: 2
            title: Leg score
            sections:
              - key: main
                items:
                  - {key: a, type: scale, label: A, min: 0, max: 6}
                  - {key: b, type: scale, label: B, min: 0, max: 6}
            scoring:
              - {key: total, method: sum, items: [a, b], decimals: 0, bands: [{max: 6, label: mild}, {label: marked}]}
            """
        )
    )

    d = get_definition("leg_score", directory=tmp_path)

    assert (d.key, d.version) == ("leg_score", 2)
    assert score(d, {"a": 4, "b": 5})["total"] == {
        "label": "total",
        "value": 9,
        "status": "ok",
        "band": "marked",
        "answered": 2,
        "missing": 0,
        "max": 12.0,
    }


def test_a_file_whose_name_and_content_disagree_is_refused(tmp_path):
    (tmp_path / "a.v1.yaml").write_text("key: b\nversion: 1\ntitle: B\nsections: []\n")

    with pytest.raises(DefinitionError, match="do not match"):
        get_definition("a", directory=tmp_path)


# --- properties -------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "version"), SHIPPED)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_response_validates_and_scores_within_range(key, version, data):
    definition = get_definition(key, version)
    answers = data.draw(valid_answers(definition))

    clean, errors = validate(definition, answers, today=TODAY)
    scores = score(definition, clean, CONTEXT)

    assert errors == {}
    assert clean == answers
    for rule in definition.scoring:
        result = scores[rule.key]
        if result["status"] != "ok":
            # Only a rule that allows missing items may be incomplete, and only when some are missing.
            assert result.get("missing", 0) > 0 or rule.method == "duration_weeks"
            continue
        value = result["value"]
        assert value >= 0
        if rule.method == "percent_of_max":
            assert value <= 100
        elif rule.method in ("value", "sum"):
            assert value <= result["max"]
        elif rule.method == "count":
            assert value <= sum(max(len(definition.items[k].choices), 1) for k in rule.items)
        if rule.bands:
            assert result["band"] is not None


@pytest.mark.parametrize(("key", "version"), SHIPPED)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_junk_gets_messages_not_exceptions(key, version, data):
    definition = get_definition(key, version)
    answers = data.draw(junk_answers(definition))

    clean, errors = validate(definition, answers, today=TODAY)
    score(definition, clean, CONTEXT)  # what passed validation always scores

    assert all(isinstance(m, str) and m for m in errors.values())
    assert set(errors) <= set(definition.items)
