"""The front desk works the "Messages not delivered" list: sees whom to call, resends one message."""

from __future__ import annotations

from django.core import mail
from playwright.sync_api import expect

from clinic.models import Role
from scheduling.models import Notification, NotificationKind, NotificationStatus
from tests import factories as f


def test_the_desk_resends_a_message_that_failed(live_server, page, login):
    desk = f.UserFactory(role=Role.FRONT_DESK, full_name="Dee Desk", email="dee@example.org")
    walter = f.PatientFactory(full_name="Walter Inn", email="walter@example.org", phone="+44 7700 900555")
    Notification.objects.create(
        key="e2e:failed", kind=NotificationKind.STAFF_INVITE, recipient=walter.email, patient=walter,
        payload={"subject": "Your visit", "text": "Hello"}, status=NotificationStatus.FAILED, attempts=5,
        last_error="SMTPRecipientsRefused: mailbox full",
    )  # fmt: skip

    login(page, desk.email, f.TEST_PASSWORD)
    page.goto("/schedule/desk/messages/failed/")
    table = page.get_by_test_id("failed-messages")
    expect(table).to_contain_text("Walter Inn")
    expect(table).to_contain_text("mailbox full")
    expect(table.get_by_role("link", name="+44 7700 900555")).to_be_visible()
    page.get_by_role("button", name="Resend").click()
    expect(page.get_by_text("The message to walter@example.org is queued again.")).to_be_visible()
    expect(page.get_by_test_id("no-failed")).to_be_visible()
    assert [m.subject for m in mail.outbox] == ["Your visit"]
