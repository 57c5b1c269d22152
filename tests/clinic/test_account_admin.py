"""Managers look after staff accounts but cannot use one to reach clinical records: no passwords, no
practitioner role for an existing account, not their own role; every change is in the audit log."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clinic import services
from clinic.models import AuditEvent, Role, User
from tests import factories as f


def _change(client, user, **fields):
    data = {"email": user.email, "full_name": user.full_name, "phone": user.phone, "role": user.role}
    if user.is_active:
        data["is_active"] = "on"
    data.update(fields)
    return client.post(reverse("admin:clinic_user_change", args=[user.pk]), data)


@pytest.fixture
def root(db):
    return User.objects.create_superuser(email="root@example.org", password="x" * 16, full_name="Root Admin")


@pytest.fixture
def root_client(root):
    client = Client()
    client.force_login(root)
    return client


def test_a_manager_cannot_open_the_set_password_page_and_is_offered_the_link_instead(manager_client, front_desk_user):
    response = manager_client.get(reverse("admin:auth_user_password_change", args=[front_desk_user.pk]))
    assert response.status_code == 403
    post = manager_client.post(
        reverse("admin:auth_user_password_change", args=[front_desk_user.pk]),
        {"password1": "take-over-1234", "password2": "take-over-1234", "usable_password": "true"},
    )
    assert post.status_code == 403
    front_desk_user.refresh_from_db()
    assert not front_desk_user.check_password("take-over-1234")

    page = manager_client.get(reverse("admin:clinic_user_change", args=[front_desk_user.pk])).content.decode()
    assert "pbkdf2" not in page and "md5" not in page and "password/" not in page
    assert "send_set_password_email" in manager_client.get(reverse("admin:clinic_user_changelist")).content.decode()


def test_a_manager_sends_a_reset_link_and_it_is_audited(
    manager_client, manager_user, front_desk_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        manager_client.post(
            reverse("admin:clinic_user_changelist"),
            {"action": "send_set_password_email", "_selected_action": [front_desk_user.pk]},
        )
    assert [m.to for m in mail.outbox] == [[front_desk_user.email]]
    event = AuditEvent.objects.get(action="password_link")
    assert (event.actor, event.object_id, event.object_repr) == (
        manager_user,
        str(front_desk_user.pk),
        "User Fran Desk",
    )


def test_patients_logins_are_not_in_the_managers_account_list(manager_client, patient):
    assert patient.user.email not in manager_client.get(reverse("admin:clinic_user_changelist")).content.decode()
    assert manager_client.get(reverse("admin:clinic_user_change", args=[patient.user.pk])).status_code == 302


def test_a_manager_cannot_change_their_own_role(manager_client, manager_user):
    _change(manager_client, manager_user, role=Role.PRACTITIONER, full_name="Mona M.")
    manager_user.refresh_from_db()
    assert manager_user.role == Role.MANAGER
    assert manager_user.full_name == "Mona M."  # the rest of the form still saves: the role is not editable
    page = manager_client.get(reverse("admin:clinic_user_change", args=[manager_user.pk])).content.decode()
    assert 'name="role"' not in page


def test_a_manager_cannot_make_an_existing_account_a_practitioner(manager_client, front_desk_user):
    form = manager_client.get(reverse("admin:clinic_user_change", args=[front_desk_user.pk])).content.decode()
    assert 'value="practitioner"' not in form  # not offered

    response = _change(manager_client, front_desk_user, role=Role.PRACTITIONER)  # and refused when forced
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    front_desk_user.refresh_from_db()
    assert front_desk_user.role == Role.FRONT_DESK
    assert not AuditEvent.objects.filter(action="role_change").exists()


def test_the_account_service_refuses_the_practitioner_role_from_a_manager_whoever_calls_it(
    manager_user, front_desk_user
):
    with pytest.raises(ValidationError) as refused:
        services.account_update(actor=manager_user, user=front_desk_user, changes={"role": Role.PRACTITIONER})
    assert "Only the administrator (superuser) can make an existing account a practitioner" in str(refused.value)
    with pytest.raises(ValidationError, match="your own role"):
        services.account_update(actor=manager_user, user=manager_user, changes={"role": Role.FRONT_DESK})


def test_a_manager_cannot_move_a_practitioners_login_to_another_address(manager_client, practitioner):
    response = _change(manager_client, practitioner.user, email="mona.private@example.org")
    assert "can only be changed by the administrator" in response.content.decode()
    practitioner.user.refresh_from_db()
    assert practitioner.user.email == "prac@example.org"


def test_a_role_change_by_a_manager_is_audited_with_who_what_and_where(manager_client, manager_user, front_desk_user):
    response = manager_client.post(
        reverse("admin:clinic_user_change", args=[front_desk_user.pk]),
        {"email": front_desk_user.email, "full_name": front_desk_user.full_name, "role": Role.MANAGER,
         "is_active": "on"},
        REMOTE_ADDR="192.0.2.44",
    )  # fmt: skip
    assert response.status_code == 302
    front_desk_user.refresh_from_db()
    assert front_desk_user.role == Role.MANAGER and front_desk_user.is_staff
    event = AuditEvent.objects.get(action="role_change")
    assert event.actor == manager_user and event.ip_address == "192.0.2.44"
    assert event.detail == "role Front desk → Manager" and event.object_repr == "User Fran Desk"


def test_closing_an_account_is_audited(manager_client, front_desk_user):
    data = {"email": front_desk_user.email, "full_name": front_desk_user.full_name, "role": Role.FRONT_DESK}
    manager_client.post(reverse("admin:clinic_user_change", args=[front_desk_user.pk]), data)
    front_desk_user.refresh_from_db()
    assert not front_desk_user.is_active
    assert AuditEvent.objects.filter(action="deactivate", object_id=str(front_desk_user.pk)).exists()


def test_the_superuser_can_make_an_existing_account_a_practitioner_and_it_is_audited(
    root_client, root, front_desk_user
):
    response = _change(root_client, front_desk_user, role=Role.PRACTITIONER)
    assert response.status_code == 302
    front_desk_user.refresh_from_db()
    assert front_desk_user.role == Role.PRACTITIONER
    event = AuditEvent.objects.get(action="role_change")
    assert (event.actor, event.detail) == (root, "role Front desk → Practitioner")


def test_adding_a_user_in_the_admin_goes_to_the_staff_form(manager_client):
    response = manager_client.get(reverse("admin:clinic_user_add"))
    assert response["Location"] == reverse("clinic:staff_create")
    manager_client.post(reverse("admin:clinic_user_add"), {"email": "x@example.org", "role": Role.MANAGER})
    assert not User.objects.filter(email="x@example.org").exists()


def test_creating_staff_is_audited(manager_client, manager_user):
    manager_client.post(
        reverse("clinic:staff_create"),
        {"full_name": "Nia Okafor", "email": "nia@example.org", "role": Role.FRONT_DESK},
    )
    created = AuditEvent.objects.get(action="create", object_type="clinic.user")
    assert created.actor == manager_user and created.detail == "staff account, role Front desk"


def test_no_admin_page_a_manager_can_open_shows_clinical_content(manager_client, patient, practitioner):
    """Walk every admin list and object page a manager may open: no intake answers, flags or consents."""
    from django.contrib import admin

    f.SafetyFlagFactory(patient=patient, label="Saddle numbness NEEDLE-IN-HAYSTACK")
    f.QuestionnaireResponseFactory(patient=patient)
    clinical_apps = {"patients", "plans"}
    # Plan templates are the practice's setup (session ranges, cadence), not anyone's record: managers edit them.
    setup_models = {"plans.plantemplate"}
    for model in admin.site._registry:
        opts = model._meta
        changelist = manager_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if opts.app_label in clinical_apps and opts.label_lower not in setup_models:
            assert changelist.status_code == 403, f"{opts.label} is open to managers"
            continue
        if changelist.status_code != 200:
            continue
        assert "NEEDLE-IN-HAYSTACK" not in changelist.content.decode()
        obj = model._default_manager.first()
        if obj is not None:
            page = manager_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            assert "NEEDLE-IN-HAYSTACK" not in page.content.decode()
    # And no path to log in as someone else: no set-password page, no impersonation URL.
    assert manager_client.get(reverse("admin:auth_user_password_change", args=[patient.user.pk])).status_code == 403
    assert "impersonat" not in str(admin.site.get_urls()) and "login_as" not in str(admin.site.get_urls())


def test_a_colleagues_page_offers_the_password_link_button(
    manager_client, front_desk_user, django_capture_on_commit_callbacks
):
    page = manager_client.get(reverse("admin:clinic_user_change", args=[front_desk_user.pk])).content.decode()
    assert "Email a link to choose a password" in page
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        manager_client.post(
            reverse("admin:clinic_user_changelist"),
            {"action": "send_set_password_email", "_selected_action": str(front_desk_user.pk)},
        )
    assert [m.to for m in mail.outbox] == [[front_desk_user.email]]
