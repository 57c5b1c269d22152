"""A patient texts "R" to the clinic's number; the desk sees the call-back request (with a count
in its menu), phones, and marks it dealt with."""

from __future__ import annotations

import urllib.parse
import urllib.request

from django.urls import reverse
from playwright.sync_api import expect

from clinic.messaging import twilio
from clinic.models import AuditEvent, Role
from scheduling.models import SmsReply
from tests import factories as f


def test_the_desk_calls_back_a_patient_who_replied_r(live_server, page, login, settings):
    settings.SMS_TWILIO_AUTH_TOKEN = "secret-token"
    desk = f.UserFactory(role=Role.FRONT_DESK, full_name="Dee Desk", email="dee@example.org")
    f.PatientFactory(full_name="Rita Ring", phone="+44 7700 900321", consent_sms=True)

    # The provider's signed webhook, over real HTTP to the running app.
    params = {"MessageSid": "SM-e2e-1", "From": "+447700900321", "To": "+447700900000", "Body": "R"}
    request = urllib.request.Request(
        live_server.url + reverse("scheduling:sms_inbound"),
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": twilio.signature(twilio.inbound_url(), params)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    login(page, desk.email, f.TEST_PASSWORD)
    expect(page.get_by_test_id("nav-replies-count")).to_have_text("1 waiting")
    page.get_by_role("link", name="Replies and call-backs").click()
    table = page.get_by_test_id("sms-replies")
    expect(table).to_contain_text("Rita Ring")
    expect(table).to_contain_text("Asks for a call back (R)")
    expect(table.get_by_role("link", name="+447700900321")).to_be_visible()

    page.get_by_role("button", name="Dealt with").click()
    expect(page.get_by_text("Marked as dealt with: the reply from Rita Ring.")).to_be_visible()
    expect(page.get_by_test_id("no-replies")).to_be_visible()
    expect(page.get_by_test_id("nav-replies-count")).to_have_count(0)
    reply = SmsReply.objects.get()
    assert reply.handled_by == desk
    assert AuditEvent.objects.filter(action="sms_reply.handled", actor=desk).exists()
