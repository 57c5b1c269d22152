"""Patient search from the desk: typos, partial phones in any format, date of birth, best first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from patients.models import Patient
from patients.queries.search import SearchError, find_patients
from tests import factories as f

URL = reverse("patients:search")


@pytest.fixture
def people(db):
    return {
        "john": f.PatientFactory(full_name="John Smith", phone="+44 7700 900123", date_of_birth=dt.date(1975, 5, 17)),
        "joan": f.PatientFactory(full_name="Joan Smithers", phone="020 7946 0018", date_of_birth=dt.date(1980, 1, 2)),
        "jon": f.PatientFactory(full_name="Jonathan Smyth-Jones", phone="(212) 555-0101", date_of_birth=None),
        "zoe": f.PatientFactory(full_name="Zoë O'Neil", phone="07700 900555", date_of_birth=dt.date(1975, 5, 17)),
        "other": f.PatientFactory(full_name="Mary Brown", phone="01632 960000", date_of_birth=dt.date(1990, 3, 3)),
    }


def names(q: str) -> list[str]:
    return [p.full_name for p in find_patients(q)]


def test_a_misspelt_name_still_finds_the_patient_first(people):
    assert names("Jonh Smyth")[0] == "John Smith"
    assert names("smiht jonh")[0] == "John Smith"  # word order and a transposition
    assert "Mary Brown" not in names("Jonh Smyth")


def test_the_best_match_comes_first(people):
    assert names("John Smith")[0] == "John Smith"
    assert names("Smithers")[0] == "Joan Smithers"
    assert names("jonathan")[0] == "Jonathan Smyth-Jones"


def test_accents_and_punctuation_do_not_matter(people):
    assert names("zoe oneil")[0] == "Zoë O'Neil" or names("zoe o neil")[0] == "Zoë O'Neil"
    assert names("Zoe O Neil")[0] == "Zoë O'Neil"


@pytest.mark.parametrize("typed", ["900123", "7700 900 123", "07700900123", "+447700900123", "0770-090-0123"])
def test_partial_phones_in_any_format(people, typed):
    assert names(typed)[0] == "John Smith"


def test_the_start_of_a_phone_number_is_enough(people):
    assert names("212 555") == ["Jonathan Smyth-Jones"]
    assert names("(212)") == ["Jonathan Smyth-Jones"]


def test_date_of_birth_in_the_usual_formats(people):
    assert sorted(names("17/05/1975")) == ["John Smith", "Zoë O'Neil"]
    assert sorted(names("1975-05-17")) == ["John Smith", "Zoë O'Neil"]
    assert names("smith 17/05/1975") == ["John Smith"]


def test_nothing_close_finds_nobody(people):
    assert names("Xavier Quorn") == []
    assert names("") == []


def test_archived_records_are_left_out(people):
    people["john"].archived = True
    people["john"].save()
    assert "John Smith" not in names("John Smith")


def test_the_search_keys_follow_a_renamed_patient(people):
    john = people["john"]
    john.full_name = "Johnny Walker"
    john.save(update_fields=["full_name"])
    assert Patient.objects.get(pk=john.pk).name_key == "johnny walker"
    assert names("Jonny Walker")[0] == "Johnny Walker"


@pytest.mark.parametrize("junk", ["a\x00b", "x" * 101])
def test_junk_is_refused_with_a_message(db, junk):
    with pytest.raises(SearchError):
        find_patients(junk)


def test_the_page_shows_ranked_results_with_a_booking_link(front_desk_client, people):
    html = front_desk_client.get(URL, {"q": "Jonh Smyth"}).content.decode()
    assert html.index("John Smith") < html.index("Jonathan Smyth-Jones")
    assert f"?patient={people['john'].pk}" in html
    assert 'data-testid="nav-search"' in html  # the box is on the page too


def test_htmx_gets_only_the_results(front_desk_client, people):
    response = front_desk_client.get(URL, {"q": "smith"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "John Smith" in html and "<html" not in html


@pytest.mark.parametrize("junk", ["a\x00b", "x" * 10_000, "%_%", "'; drop table x; --", "99/99/9999"])
def test_junk_in_the_box_gets_a_message_never_a_500(front_desk_client, people, junk):
    response = front_desk_client.get(URL, {"q": junk})
    assert response.status_code == 200


def test_the_nul_byte_gets_a_clear_message(front_desk_client, people):
    html = front_desk_client.get(URL, {"q": "jo\x00hn"}).content.decode()
    assert "cannot be searched for" in html


def test_the_desk_schedule_has_the_search_box(front_desk_client, db):
    html = front_desk_client.get(reverse("scheduling:schedule")).content.decode()
    assert 'data-testid="nav-search"' in html


def test_search_uses_a_bounded_number_of_queries(front_desk_client, people, django_assert_max_num_queries):
    for i in range(40):
        f.PatientFactory(full_name=f"John Smithson {i}", phone=f"07700 90{i:04d}")
    with django_assert_max_num_queries(12):
        response = front_desk_client.get(URL, {"q": "jon smith"})
    assert response.status_code == 200
    with django_assert_max_num_queries(3):
        find_patients("jonh smith")
