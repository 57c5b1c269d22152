"""Point search: codes with and without a space, pinyin with and without tone marks."""

from __future__ import annotations

import pytest

from clinic import point_search

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["bl40", "BL 40", "Bl-40", " bl40 "])
def test_code_with_or_without_space_finds_the_point_first(query):
    assert point_search.search(query)[0].code == "BL40"


@pytest.mark.parametrize("query", ["weizhong", "Wěizhōng", "wei zhong"])
def test_pinyin_with_or_without_tone_marks(query):
    assert "BL40" in [r.code for r in point_search.search(query)]


def test_extra_points_and_ashi_are_searchable():
    assert point_search.search("ex-b2")[0].code == "EX-B2"
    assert point_search.search("ashi")[0].code == "ASHI"
    assert point_search.by_code("ex b2").code == "EX-B2"


def test_junk_finds_nothing():
    assert point_search.search("\x00") == [] and point_search.search("zzzz") == []
    assert point_search.search("x" * 10_000) == []


def test_searching_costs_at_most_one_count_query(django_assert_max_num_queries):
    point_search.search("bl")
    with django_assert_max_num_queries(1):
        assert len(point_search.search("gb3")) >= 1
