"""The front desk's "call these patients" list: messages the outbox could not deliver."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic import access

from . import outbox_queries, services
from .models import Notification

DESK = access.FRONT_DESK + access.MANAGER


def _notification_or_404(pk: int) -> Notification:
    try:
        return Notification.objects.get(pk=pk)
    except Notification.DoesNotExist:
        raise Http404("No such message.")


@access.role_required(DESK)
def failed_list(request: HttpRequest) -> HttpResponse:
    return render(request, "scheduling/desk/failed_messages.html", {"failed": outbox_queries.failed_messages()})


@require_POST
@access.role_required(DESK)
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    n = services.notification_resend(notification=_notification_or_404(pk), by=request.user)
    messages.success(request, f"The message to {n.recipient} is queued again.")
    return redirect("scheduling:failed_messages")


@require_POST
@access.role_required(DESK)
def handled(request: HttpRequest, pk: int) -> HttpResponse:
    n = services.notification_mark_handled(notification=_notification_or_404(pk), by=request.user)
    messages.success(request, f"Marked as dealt with: {n.get_kind_display().lower()} to {n.recipient}.")
    return redirect("scheduling:failed_messages")
