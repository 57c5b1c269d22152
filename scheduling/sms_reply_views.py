"""The front desk's "Replies and call-backs" (patients' SMS replies that need a person), and the
counts next to the desk's menu links."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic import access

from . import outbox_queries, services
from .models import SmsReply

DESK = access.FRONT_DESK + access.MANAGER


@access.role_required(DESK)
def reply_list(request: HttpRequest) -> HttpResponse:
    return render(request, "scheduling/desk/sms_replies.html", {"replies": outbox_queries.open_sms_replies()})


@access.role_required(DESK)
def inbox_counts(request: HttpRequest) -> HttpResponse:
    """The badges next to the desk's menu links, fetched by htmx after the page has loaded. Opened
    directly (not a page of its own), it goes to the replies list."""
    if not request.htmx:
        return redirect("scheduling:sms_replies")
    return render(request, "scheduling/desk/_inbox_counts.html", {"counts": outbox_queries.desk_inbox_counts()})


@require_POST
@access.role_required(DESK)
def reply_handled(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        reply = SmsReply.objects.get(pk=pk)
    except SmsReply.DoesNotExist:
        raise Http404("No such reply.")
    reply = services.sms_reply_mark_handled(reply=reply, by=request.user)
    who = reply.patient.full_name if reply.patient else reply.from_number
    messages.success(request, f"Marked as dealt with: the reply from {who}.")
    return redirect("scheduling:sms_replies")
