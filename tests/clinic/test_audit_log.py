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


@pytest.fixture(autouse=True)
def _fixture_logins_not_recorded():
    """The role fixtures log their users in, which is an event too; these tests count only their own trail."""
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.disconnect(dispatch_uid="clinic_audit_login")
    yield
    from clinic import auth_events

    auth_events.connect()


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


# --- readable records, CSV export, append-only ---------------------------------------------------


def test_events_name_the_record_in_words(manager_client, front_desk_user, patient):
    from clinic.audit import audit

    audit(request=None, action="update", obj=patient, patient_id=patient.pk, actor=front_desk_user)
    page = manager_client.get(URL).content.decode()
    assert "Patient Pat Owner" in page and "patients.patient #" not in page


def test_a_service_called_during_a_request_records_the_requests_person_and_address(manager_client, manager_user):
    manager_client.post(
        reverse("clinic:staff_create"),
        {"full_name": "Nia Okafor", "email": "nia@example.org", "role": Role.FRONT_DESK},
        REMOTE_ADDR="192.0.2.77",
    )
    event = AuditEvent.objects.get(action="create")  # written by services.staff_create, which got no request
    assert (event.actor, event.ip_address) == (manager_user, "192.0.2.77")


def test_the_csv_export_has_the_filtered_events_and_is_itself_recorded(manager_client, manager_user, trail, patient):
    import csv
    import io

    response = manager_client.get(reverse("clinic:audit_log_csv"), {"patient_id": patient.pk, "action": "sign"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["when", "who", "role", "email", "action"]
    assert len(rows) == 2 and rows[1][1] == "Dr Prac Titioner" and rows[1][4] == "sign"
    export = AuditEvent.objects.get(action="export")
    assert export.actor == manager_user and f"patient_id={patient.pk}" in export.detail


def test_the_export_link_keeps_the_filters(manager_client, trail):
    page = manager_client.get(URL, {"action": "sign"}).content.decode()
    assert reverse("clinic:audit_log_csv") + "?action=sign" in page


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_quoted(manager_client, practitioner):
    _event(practitioner.user, action="view", detail='=HYPERLINK("http://evil.example")')
    body = b"".join(manager_client.get(reverse("clinic:audit_log_csv")).streaming_content).decode()
    assert "'=HYPERLINK" in body


def test_nobody_can_change_or_delete_an_audit_event(manager_client, practitioner, db):
    from clinic.models import AuditLogIsAppendOnly

    event = _event(practitioner.user)
    event.detail = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(detail="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_database_refuses_an_update_that_goes_round_the_model(practitioner):
    from django.db import DatabaseError, connection, transaction

    event = _event(practitioner.user)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE clinic_auditevent SET detail = 'tampered' WHERE id = %s", [event.pk])


def test_the_admin_offers_no_way_to_change_or_delete_events(manager_client, root_user, practitioner):
    from django.test import Client

    event = _event(practitioner.user)
    for user in (None, root_user):
        client = manager_client
        if user is not None:
            client = Client()
            client.force_login(user)
        change = client.post(reverse("admin:clinic_auditevent_change", args=[event.pk]), {"detail": "x"})
        assert change.status_code == 403
        delete = client.post(reverse("admin:clinic_auditevent_delete", args=[event.pk]), {"post": "yes"})
        assert delete.status_code == 403
        assert "delete_selected" not in client.get(reverse("admin:clinic_auditevent_changelist")).content.decode()
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


@pytest.fixture
def root_user(db):
    from clinic.models import User

    return User.objects.create_superuser(email="root@example.org", password="x" * 16, full_name="Root")
