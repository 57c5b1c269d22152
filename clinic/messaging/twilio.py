"""A Twilio-compatible SMS provider over its REST API (no SDK), configured from the environment:
SMS_TWILIO_ACCOUNT_SID, SMS_TWILIO_AUTH_TOKEN, SMS_TWILIO_FROM and SMS_TWILIO_API_BASE (the
tests point it at a local fake server).

The delivery-status callback and the incoming-message webhook (a patient's reply; configure
inbound_url() as the number's "A message comes in" URL) are both signed the Twilio way:
base64(HMAC-SHA1(auth token, the full callback URL followed by every POST parameter's name and
value, sorted by name)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from django.conf import settings
from django.urls import reverse

from . import SmsError, SmsMessage

TIMEOUT_SECONDS = 10


def signature(url: str, params: Mapping[str, str], token: str | None = None) -> str:
    payload = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    key = (token or settings.SMS_TWILIO_AUTH_TOKEN).encode()
    return base64.b64encode(hmac.new(key, payload.encode(), hashlib.sha1).digest()).decode()


def signature_is_valid(url: str, params: Mapping[str, str], given: str) -> bool:
    if not settings.SMS_TWILIO_AUTH_TOKEN or not given:
        return False
    return hmac.compare_digest(signature(url, params), given)


def status_callback_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("scheduling:sms_status")


def inbound_url() -> str:
    """The URL to set as the provider's incoming-message webhook: the signature covers it exactly."""
    return settings.SITE_URL.rstrip("/") + reverse("scheduling:sms_inbound")


class TwilioBackend:
    def send(self, message: SmsMessage) -> str:
        sid, token = settings.SMS_TWILIO_ACCOUNT_SID, settings.SMS_TWILIO_AUTH_TOKEN
        if not (sid and token and settings.SMS_TWILIO_FROM):
            raise SmsError("The SMS provider is not configured (SMS_TWILIO_* settings).", transient=False)
        url = f"{settings.SMS_TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        data = urllib.parse.urlencode(
            {
                "To": message.to,
                "From": settings.SMS_TWILIO_FROM,
                "Body": message.body,
                "StatusCallback": status_callback_url(),
            }
        ).encode()
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode())
        # Lets a provider that supports it drop a repeat of the same outbox message.
        request.add_header("I-Twilio-Idempotency-Token", message.key[:64])
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode(errors="replace")
            # 429 and 5xx may pass; any other 4xx (bad number, unsubscribed) will not.
            raise SmsError(f"HTTP {exc.code}: {detail}", transient=exc.code == 429 or exc.code >= 500) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS provider unreachable: {exc}") from exc
        if not body.get("sid"):
            raise SmsError(f"The SMS provider answered without a message id: {body}"[:300])
        return str(body["sid"])
