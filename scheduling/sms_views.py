"""The SMS provider's signed delivery-status callback (no login: the signature is the credential)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clinic.messaging import twilio

from . import services


@csrf_exempt  # the provider cannot send a CSRF token; the HMAC signature authenticates it
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    params = {k: request.POST.get(k, "") for k in request.POST}
    if not twilio.signature_is_valid(
        twilio.status_callback_url(), params, request.headers.get("X-Twilio-Signature", "")
    ):
        return HttpResponseForbidden("Bad signature.")
    services.notification_delivery_report(
        provider_message_id=params.get("MessageSid", "")[:100],
        provider_status=params.get("MessageStatus", "")[:32],
        error_code=params.get("ErrorCode", "")[:32],
    )
    return HttpResponse(status=204)
