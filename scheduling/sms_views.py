"""The SMS provider's signed webhooks: delivery status and incoming replies (no login: the
signature is the credential, checked by the one function clinic.messaging.twilio.signature_is_valid)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clinic.messaging import twilio

from . import services

# The provider reads the webhook's answer as TwiML; an empty one sends nothing (the answer to a
# reply goes through the outbox, like every other message).
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signed_params(request: HttpRequest, url: str) -> dict[str, str] | None:
    """The POST parameters if the provider signed them for `url`, else None."""
    params = {k: request.POST.get(k, "") for k in request.POST}
    if not twilio.signature_is_valid(url, params, request.headers.get("X-Twilio-Signature", "")):
        return None
    return params


def _clean(value: str, length: int) -> str:
    # PostgreSQL text cannot hold NUL; the provider never sends one, a forger might.
    return value.replace("\x00", "")[:length]


@csrf_exempt  # the provider cannot send a CSRF token; the HMAC signature authenticates it
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    params = _signed_params(request, twilio.status_callback_url())
    if params is None:
        return HttpResponseForbidden("Bad signature.")
    services.notification_delivery_report(
        provider_message_id=_clean(params.get("MessageSid", ""), 100),
        provider_status=_clean(params.get("MessageStatus", ""), 32),
        error_code=_clean(params.get("ErrorCode", ""), 32),
    )
    return HttpResponse(status=204)


@csrf_exempt  # as above
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """A text sent to the clinic's number. The provider retries on a timeout or an error, so
    storing and acting is idempotent on its message id (services.sms_reply_receive)."""
    params = _signed_params(request, twilio.inbound_url())
    if params is None:
        return HttpResponseForbidden("Bad signature.")
    sid = _clean(params.get("MessageSid") or params.get("SmsSid", ""), 100).strip()
    sender = _clean(params.get("From", ""), 32).strip()
    if not sid or not sender:
        return HttpResponseBadRequest("MessageSid and From are required.")
    services.sms_reply_receive(provider_message_id=sid, from_number=sender, body=_clean(params.get("Body", ""), 1600))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
