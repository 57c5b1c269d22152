"""Building the outbox's emails and SMS texts from templates/emails/<kind>_{subject,body}.txt and _body.html.

Every time shown is the location's local time, with the zone's abbreviation, and the .ics
attachment carries the same time with the location's TZID.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse

from clinic.messaging.mime import QuickEmail
from patients import message_prefs
from patients.unsubscribe import unsubscribe_url

from . import ics
from .desk_queries import with_plan_progress
from .links import Purpose, link_path
from .models import Appointment, AppointmentStatus, Notification, NotificationKind
from .templatetags.local_time import format_local


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


WHEN_FORMAT = r"l j F Y, H:i"
# The confirmation (and each move) already put the visit in the patient's calendar; a reminder
# repeating the .ics would only add a duplicate-event prompt (and building one costs ~14 ms).
NO_ICS_KINDS = (NotificationKind.REMINDER, NotificationKind.INTAKE_PENDING, NotificationKind.PLAN_CHECKIN)
# The one-click links (scheduling.links) each kind carries. They are signed when the message is
# built, at send time, so they are bound to the appointment's time in the message.
LINK_KINDS: dict[str, tuple[Purpose, ...]] = {
    NotificationKind.REMINDER: (Purpose.CONFIRM, Purpose.CANCEL),
    NotificationKind.BOOKING_CONFIRMED: (Purpose.CANCEL,),
    NotificationKind.BOOKING_RESCHEDULED: (Purpose.CANCEL,),
}


def one_click_links(n: Notification, appt: Appointment) -> dict[str, str]:
    """{"confirm_url": ..., "cancel_url": ..., "checkin_url": ...} as far as the kind has them."""
    if appt.status != AppointmentStatus.BOOKED:
        return {}
    links = {f"{p}_url": site_url(link_path(p, appt)) for p in LINK_KINDS.get(n.kind, ())}
    if n.kind == NotificationKind.PLAN_CHECKIN and (response_id := n.payload.get("response_id")):
        links["checkin_url"] = site_url(link_path(Purpose.CHECKIN, appt, response_id=int(response_id)))
    return links


def local_when(value, tz) -> str:
    """ "Monday 9 March 2026, 09:00 EDT" in the given zone (see templatetags.local_time)."""
    return format_local(value, tz, WHEN_FORMAT, zone=True)


class Renderer:
    """What every message of a dispatch shares, prepared once: the compiled templates (looked up
    once per name) and the site's links. A message then costs its own context and its renders,
    so a per-message extra (a header, a signed link) is the only thing added per message."""

    def __init__(self) -> None:
        self._templates: dict = {}
        self.links = {
            "my_appointments_url": site_url(reverse("scheduling:my_appointments")),
            "intake_url": site_url(reverse("patients:intake")),
        }

    def render(self, name: str, ctx: dict) -> str:
        if (template := self._templates.get(name)) is None:
            template = self._templates[name] = get_template(name)
        return template.render(ctx)


def _context(n: Notification, renderer: Renderer) -> tuple[dict, list[tuple[str, bytes]]]:
    ctx: dict = {"clinic_name": settings.CLINIC_NAME, "notification": n, "payload": n.payload, "patient": n.patient}
    attachments: list[tuple[str, bytes]] = []
    appt = n.appointment  # the dispatcher loads it with its service, location, room and practitioner
    if appt is not None:
        ctx.update(
            appointment=appt,
            patient=appt.patient,
            local_start=appt.local_start,
            local_end=appt.local_end,
            when=local_when(appt.start, appt.location.tz),
            end_time=format_local(appt.end, appt.location.tz),
            **renderer.links,
            **one_click_links(n, appt),
        )
        if n.kind == NotificationKind.BOOKING_SERIES:
            ids = n.payload.get("appointment_ids", [appt.pk])
            series = list(
                with_plan_progress(
                    Appointment.objects.select_related("service", "location", "room", "practitioner__user", "patient")
                )
                .filter(pk__in=ids)
                .order_by("start")
            )
            ctx["series"] = series
            ctx["series_whens"] = [(a, local_when(a.start, a.location.tz)) for a in series]
            attachments.append(("sessions.ics", ics.series_ics(series)))
        elif n.kind not in NO_ICS_KINDS:
            attachments.append(("appointment.ics", ics.appointment_ics(appt)))
        if old := n.payload.get("old_start"):
            ctx["old_when"] = local_when(dt.datetime.fromisoformat(old), appt.location.tz)
    offer = n.waitlist_offer
    if offer is not None:
        entry = offer.entry
        ctx.update(
            offer=offer,
            patient=entry.patient,
            service=entry.service,
            location=entry.location,
            practitioner=offer.practitioner,
            local_start=offer.start.astimezone(entry.location.tz),
            when=local_when(offer.start, entry.location.tz),
            claim_url=site_url(reverse("scheduling:waitlist_claim", kwargs={"pk": offer.pk})),
        )
    return ctx, attachments


def message_id(n: Notification) -> str:
    """The same outbox row always gets the same Message-ID, so a repeat can be recognised."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<outbox-{n.pk}.{n.key.replace(':', '.').replace('+', '')[:120]}@{domain}>"


def sms_text(n: Notification, renderer: Renderer | None = None) -> str:
    renderer = renderer or Renderer()
    ctx, _ = _context(n, renderer)
    return renderer.render(f"emails/{n.kind}_sms.txt", ctx).strip()


@dataclass(frozen=True)
class Footer:
    headers: dict[str, str]
    text: str
    html: str


def unsubscribe_footer(n: Notification, renderer: Renderer | None = None) -> Footer:
    """Every email to a patient ends with an unsubscribe link for its group of messages (for an
    essential one, a booking confirmation: all non-essential email), also given to mail programs
    as List-Unsubscribe with one-click POST (RFC 8058). Account emails carry none."""
    renderer = renderer or Renderer()
    url = unsubscribe_url(patient_id=n.patient_id, kind=n.kind)
    ctx = {
        "unsubscribe_url": url,
        "essential": message_prefs.is_essential(n.kind),
        "group": message_prefs.group_for_kind(n.kind),
    }
    return Footer(
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        text=renderer.render("emails/_unsubscribe_footer.txt", ctx),
        html=renderer.render("emails/_unsubscribe_footer.html", ctx),
    )


def build_email(n: Notification, renderer: Renderer | None = None) -> EmailMultiAlternatives:
    """The email of an outbox row. The dispatcher passes one Renderer for all its messages."""
    headers = {"Message-ID": message_id(n)}
    if "subject" in n.payload:  # account emails arrive rendered (see clinic.messaging.queue_email)
        message = QuickEmail(
            subject=n.payload["subject"],
            body=n.payload.get("text", ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[n.recipient],
            headers=headers,
        )
        if n.payload.get("html"):
            message.attach_alternative(n.payload["html"], "text/html")
        return message
    renderer = renderer or Renderer()
    ctx, attachments = _context(n, renderer)
    base = f"emails/{n.kind}"
    subject = " ".join(renderer.render(f"{base}_subject.txt", ctx).split())
    text, html = renderer.render(f"{base}_body.txt", ctx), renderer.render(f"{base}_body.html", ctx)
    if n.patient_id:
        footer = unsubscribe_footer(n, renderer)
        headers.update(footer.headers)
        text, html = text + footer.text, html + footer.html
    message = QuickEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[n.recipient],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    for filename, content in attachments:
        method = "CANCEL" if n.kind == NotificationKind.BOOKING_CANCELLED else "PUBLISH"
        message.attach(filename, content, f"text/calendar; charset=utf-8; method={method}")
    return message
