"""The pages behind the one-click links in messages (scheduling.links): confirm attendance, cancel,
and the check-in questionnaire. No login: the signed token is the credential, and each page shows
only the one appointment (or questionnaire) its token names.

GET never changes anything, because mail scanners and link previews fetch links: it shows what
will happen and a button, and the POST does it. Refusals are friendly pages (400 for a link that is
not genuine, 410 for one that no longer works), with the clinic's phone number.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic import access
from clinic.models import ClinicPolicy, Location
from patients.models import QuestionnaireResponse, ResponseContext
from patients.questionnaire_pages import questionnaire_section_page

from . import queries, rules, services
from .emails import local_when
from .forms import CancelForm
from .links import LinkInvalid, LinkRefused, Purpose, claim_refusal, read_token
from .models import Appointment, AppointmentStatus

NOINDEX = "noindex, nofollow"


def _refused(
    request: HttpRequest, message: str, *, status: int, appointment: Appointment | None = None, moved: bool = False
) -> HttpResponse:
    """Whom to call: the appointment's clinic when the link is genuine, else every open clinic."""
    locations = [appointment.location] if appointment else list(Location.objects.filter(active=True))
    ctx = {"message": message, "locations": locations, "moved": moved}
    return _page(request, "scheduling/link/refused.html", ctx, status=status)


# The token is in the URL: keep it out of other sites' Referer headers, caches and search engines.
# "same-origin", not "no-referrer": with no referrer at all browsers send `Origin: null` on the
# page's own POST, and Django's CSRF check refuses it.
PRIVATE_HEADERS = {"Referrer-Policy": "same-origin", "X-Robots-Tag": NOINDEX, "Cache-Control": "no-store"}


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


def _page(request: HttpRequest, template: str, ctx: dict, *, status: int = 200) -> HttpResponse:
    return _private(render(request, template, ctx, status=status))


class _Refusal(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _appointment(request: HttpRequest, purpose: Purpose, token: str):
    """The token's claim and its appointment, or a refusal page (raised as _Refusal)."""
    invalid = (
        "This link is not valid: it may have been cut short or changed when it was copied. "
        "Please open it again from the message, or call us."
    )
    try:
        claim = read_token(purpose, token)
    except LinkInvalid:
        raise _Refusal(_refused(request, invalid, status=400))
    appt = (
        Appointment.objects.select_related("service", "location", "room", "practitioner__user", "patient")
        .filter(pk=claim.appointment_id)
        .first()
    )
    if appt is None:
        raise _Refusal(_refused(request, invalid, status=400))
    try:
        claim_refusal(claim, appt, timezone.now())
    except LinkInvalid:
        raise _Refusal(_refused(request, invalid, status=400))
    except LinkRefused as exc:
        raise _Refusal(_refused(request, exc.message, status=410, appointment=appt, moved=exc.moved))
    return claim, appt


def _details(appt: Appointment) -> dict:
    return {"appointment": appt, "when": local_when(appt.start, appt.location.tz)}


@access.public
@require_http_methods(["GET", "HEAD", "POST"])
def link_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _, appt = _appointment(request, Purpose.CONFIRM, token)
    except _Refusal as r:
        return r.response
    if refusal := rules.confirm_refusal(appt, timezone.now()):
        return _refused(request, refusal, status=410, appointment=appt)
    if request.method == "POST":
        try:  # confirming twice keeps the first confirmation (the service's rule)
            services.appointment_confirm_attendance(appointment=appt, via="link")
        except services.BookingError as exc:  # e.g. cancelled by the desk a moment ago
            return _refused(request, exc.message, status=410, appointment=appt)
        return redirect(request.path)  # the page then says it is confirmed; a reload posts nothing
    return _page(request, "scheduling/link/confirm.html", _details(appt))


@access.public
@require_http_methods(["GET", "HEAD", "POST"])
def link_cancel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _, appt = _appointment(request, Purpose.CANCEL, token)
    except _Refusal as r:
        return r.response
    if appt.status == AppointmentStatus.CANCELLED:  # by this link, by the patient, or by the desk
        return _page(request, "scheduling/link/cancelled.html", _details(appt))
    now = timezone.now()
    if refusal := rules.cancel_refusal(appt, now):
        return _refused(request, refusal, status=410, appointment=appt)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appt, cancelled_by=appt.patient.user, reason=form.cleaned_data["reason"]
            )
        except services.BookingError as exc:
            return _refused(request, exc.message, status=410, appointment=appt)
        return redirect(request.path)
    ctx = _details(appt) | {
        "form": form,
        "late": queries.cancellation_is_late(appt, now=now),
        "window_hours": ClinicPolicy.get().cancellation_window_hours,
    }
    return _page(request, "scheduling/link/cancel.html", ctx, status=400 if form.errors else 200)


@access.public
@require_http_methods(["GET", "HEAD", "POST"])
def link_checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The check-in questionnaire the token names, for that appointment's patient, and nothing else:
    once sent, the answers are not shown again here (the patient sees them after logging in)."""
    try:
        claim, appt = _appointment(request, Purpose.CHECKIN, token)
    except _Refusal as r:
        return r.response
    if appt.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        message = f"This appointment is {appt.get_status_display().lower()}, so its check-in is closed."
        return _refused(request, message, status=410, appointment=appt)
    response = QuestionnaireResponse.objects.filter(
        pk=claim.response_id, patient_id=appt.patient_id, context=ResponseContext.CHECKIN, intake__isnull=True
    ).first()
    if response is None:
        message = "This check-in is no longer available. Please call us if you think this is a mistake."
        return _refused(request, message, status=410, appointment=appt)
    ctx = _details(appt)
    if response.is_submitted:
        return _page(request, "scheduling/link/checkin_sent.html", ctx)
    page = questionnaire_section_page(
        request,
        response,
        page_url=request.path,
        actor=None,
        on_sent=lambda: redirect(request.path),
        extra_context=ctx | {"via_link": True},
    )
    return _private(page)
