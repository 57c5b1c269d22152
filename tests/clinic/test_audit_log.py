"""Managers read the audit trail: who viewed or changed which record, filtered and a page at a time."""

import datetime as dt

import pytest
from django.urls import reverse

from clinic.models import AuditEvent, Role
from tests import factories as f

from .page import error_next_to

URL = reverse("clinic:audit_log")
LONDON = dt.timezone(dt.timedelta(hours=1))  # British Summer Time, for readable test times


def _event(actor, action="view", at=None, patient_id=None, object_type="plans.visitrecord", object_id="1", detail=""):
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        at=at or dt.datetime(2026, 6, 10, 10, 0, tzinfo=LONDON),
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        ip_address="192.0.2.10",
    )


def _rows(response) -> list:
    return list(response.context["page"].object_list)


@pytest.fixture
def trail(practitioner, front_desk_user, patient):
    prac = practitioner.user
    return {
        "old": _event(prac, "view", dt.datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), patient.pk, object_id="11"),
        "sign": _event(prac, "sign", dt.datetime(2026, 6, 10, 16, 0, tzinfo=LONDON), patient.pk, object_id="12"),
        "desk": _event(
            front_desk_user, "view", dt.datetime(2026, 6, 10, 11, 0, tzinfo=LONDON), 999, "patients.patient"
        ),
        # 00:30 on 21 June in London is still 20 June in UTC.
        "late": _event(prac, "amend", dt.datetime(2026, 6, 21, 0, 30, tzinfo=LONDON), patient.pk, object_id="12"),
    }


def test_the_manager_sees_the_newest_events_first_with_who_did_what(manager_client, trail):
    response = manager_client.get(URL)
    assert response.status_code == 200
    assert _rows(response) == [trail["late"], trail["sign"], trail["desk"], trail["old"]]
    page = response.content.decode()
    assert "Dr Prac Titioner" in page and "plans.visitrecord #12" in page and "192.0.2.10" in page
    assert "4 events." in page


def test_filtering_by_who_matches_part_of_a_name_or_email(manager_client, trail):
    assert _rows(manager_client.get(URL, {"actor": "fran"})) == [trail["desk"]]
    assert _rows(manager_client.get(URL, {"actor": "PRAC@"})) == [trail["late"], trail["sign"], trail["old"]]


def test_filtering_by_patient_and_action(manager_client, trail, patient):
    assert _rows(manager_client.get(URL, {"patient_id": 999})) == [trail["desk"]]
    assert _rows(manager_client.get(URL, {"patient_id": patient.pk, "action": "sign"})) == [trail["sign"]]


def test_the_action_filter_offers_the_actions_that_happened(manager_client, trail):
    choices = [value for value, _ in manager_client.get(URL).context["form"].fields["action"].choices]
    assert choices == ["", "amend", "sign", "view"]


def test_a_date_range_covers_whole_local_days(manager_client, trail):
    response = manager_client.get(URL, {"date_from": "2026-06-10", "date_to": "2026-06-20"})
    assert _rows(response) == [trail["sign"], trail["desk"]]
    # The clinic's 21 June starts at 23:00 UTC on the 20th.
    assert _rows(manager_client.get(URL, {"date_from": "2026-06-21"})) == [trail["late"]]
    assert _rows(manager_client.get(URL, {"date_to": "2026-06-01"})) == [trail["old"]]


def test_a_reversed_date_range_is_pointed_out_next_to_the_end_date(manager_client, trail):
    response = manager_client.get(URL, {"date_from": "2026-06-20", "date_to": "2026-06-01"})
    assert response.status_code == 200
    assert error_next_to(response, "date_to") == "The end date is before the start date."


def test_a_mistyped_filter_gets_a_message_and_the_other_filters_still_apply(manager_client, trail):
    response = manager_client.get(URL, {"date_from": "2026-02-30", "patient_id": "abc", "action": "sign"})
    assert response.status_code == 200
    assert error_next_to(response, "date_from") == "Enter a real date, for example 2026-01-31."
    assert error_next_to(response, "patient_id") == "Enter a whole number."
    assert _rows(response) == [trail["sign"]]
    assert 'value="2026-02-30"' in response.content.decode()


@pytest.mark.parametrize("field, day", [("date_from", "0001-01-01"), ("date_to", "9999-12-31")])
def test_a_date_at_the_ends_of_the_calendar_gets_a_message_not_a_500(manager_client, trail, field, day):
    response = manager_client.get(URL, {field: day})
    assert response.status_code == 200
    assert error_next_to(response, field) == "Enter a date between 2000 and 2999."
    assert len(_rows(response)) == 4  # the broken filter is left out, the log still shows


def test_an_unknown_page_number_shows_the_last_page_instead_of_an_error(manager_client, trail):
    response = manager_client.get(URL, {"page": "999"})
    assert response.status_code == 200
    assert len(_rows(response)) == 4


def test_a_long_log_is_paged_and_the_links_keep_the_filters(
    manager_client, practitioner, django_assert_max_num_queries
):
    actors = [f.UserFactory(role=Role.PRACTITIONER) for _ in range(10)]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actors[i % 10],
            action="view",
            object_type="plans.visitrecord",
            object_id=str(i),
            patient_id=5,
            at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
        )
        for i in range(120)
    )
    manager_client.get(URL)  # already browsing: the session's first-visit write is not part of the page's cost
    # However many people appear on the page, it costs the same handful of queries.
    with django_assert_max_num_queries(6):
        response = manager_client.get(URL, {"patient_id": 5})
    rows = _rows(response)
    assert len(rows) == 50 and rows[0].object_id == "119"
    page = response.content.decode()
    assert "page 1 of 3" in page
    assert "?patient_id=5&amp;page=2" in page

    last = manager_client.get(URL, {"patient_id": 5, "page": 3})
    assert [e.object_id for e in _rows(last)][-1] == "0"
    assert len(_rows(last)) == 20


def test_the_log_says_so_when_nothing_matches(manager_client, trail):
    assert "No events match these filters." in manager_client.get(URL, {"actor": "nobody"}).content.decode()
