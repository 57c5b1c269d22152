"""Appointments, their history, the waitlist and the booking-email outbox.

Time ranges are half-open, [start, end). An appointment occupies its practitioner and its room
from `start` to `busy_until` = end + the service's buffer (cleaning and notes time): the buffer
is copied onto the row when booking, so a later change to the service's buffer does not move
existing bookings, and the database can guard the room without joining the service table.

No double booking in a room is guaranteed by the database: an exclusion constraint on
PostgreSQL (btree_gist over room and tstzrange(start, busy_until)) and triggers on SQLite, both
for the statuses in ACTIVE_STATUSES; see migration 0002.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinic.models import Location, PractitionerProfile, Room, Service
from patients.models import Patient


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"


# Statuses that hold the room and the practitioner. A no-show releases the rest of its time
# (the front desk may put a walk-in in the room), and a cancelled appointment holds nothing.
ACTIVE_STATUSES: tuple[str, ...] = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)


def _new_ics_uid() -> str:
    return uuid.uuid4().hex


class AttendanceConfirmedVia(models.TextChoices):
    LINK = "link", "Link in a message"
    SMS = "sms", "SMS reply"
    DESK = "desk", "Front desk"


class Appointment(models.Model):
    practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    busy_until = models.DateTimeField(help_text="End plus the service's buffer; the room is held until then.")
    status = models.CharField(max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)

    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    front_desk_notes = models.TextField(blank=True)

    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    no_show_at = models.DateTimeField("no-show recorded at", null=True, blank=True)
    no_show_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=255, blank=True)
    late_cancel = models.BooleanField(default=False)
    # The patient said they will come (a one-click link, an SMS reply "C", or the desk on the phone).
    attendance_confirmed_at = models.DateTimeField(null=True, blank=True)
    attendance_confirmed_via = models.CharField(max_length=8, choices=AttendanceConfirmedVia.choices, blank=True)

    # Calendar identity: the UID never changes (calendar apps update the same event), SEQUENCE
    # goes up by one on every change the patient's calendar should pick up.
    ics_uid = models.CharField(max_length=64, unique=True, default=_new_ics_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            # The availability loader reads (practitioner, room, start, busy_until) of active rows by
            # location or practitioner; with every column in the index it never touches the table.
            models.Index(
                fields=["practitioner", "start", "busy_until", "status", "room", "location"],
                name="appt_practitioner_cover",
            ),
            models.Index(fields=["room", "start"], name="appt_room_start"),
            models.Index(fields=["patient", "start"], name="appt_patient_start"),
            models.Index(
                fields=["location", "start", "busy_until", "status", "room", "practitioner"],
                name="appt_location_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(condition=Q(busy_until__gte=F("end")), name="appointment_busy_covers_end"),
            models.CheckConstraint(
                condition=(Q(status=AppointmentStatus.CANCELLED) & Q(cancelled_at__isnull=False))
                | (~Q(status=AppointmentStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="appointment_cancelled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} with {self.practitioner} on {self.local_start:%Y-%m-%d %H:%M}"

    @property
    def local_start(self) -> dt.datetime:
        """Start in the location's wall-clock time: what every page, email and .ics shows."""
        return self.start.astimezone(self.location.tz)

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(self.location.tz)

    @property
    def session_label(self) -> str:
        """ "Session 3 of 6" for a visit of a treatment plan, else "". The plans app adds the reverse
        one-to-one `plan_session` (scheduling must not import plans). Templates use this rather than
        `appointment.plan_session`, whose failed lookup makes Django's template engine list every
        attribute of the appointment (dir()) on each render: a third of a reminder's render time."""
        session = getattr(self, "plan_session", None)
        return session.progress_label if session is not None else ""

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_upcoming(self) -> bool:
        """Booked and not started: the patient may still move or cancel it."""
        from .rules import move_refusal  # rules imports this module

        return not move_refusal(self, timezone.now())


class AppointmentChange(models.Model):
    """One reschedule: where and when the appointment was, where it went, who moved it and why."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="changes")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)
    old_start = models.DateTimeField()
    old_end = models.DateTimeField()
    old_room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    old_practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.PROTECT, related_name="+")
    new_start = models.DateTimeField()
    new_end = models.DateTimeField()
    new_room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    new_practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["appointment", "changed_at"]

    def __str__(self) -> str:
        return f"{self.appointment_id}: {self.old_start:%Y-%m-%d %H:%M} → {self.new_start:%Y-%m-%d %H:%M}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistEntry(models.Model):
    """A patient who wants an earlier time: a service at a location, optionally with one practitioner."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist_entries")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        PractitionerProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    earliest = models.DateField(help_text="First day (location's local date) the patient could come.")
    latest = models.DateField(help_text="Last day the patient could come.")
    status = models.CharField(max_length=12, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["status", "location", "latest"], name="waitlist_open_lookup")]
        constraints = [
            models.CheckConstraint(condition=Q(latest__gte=F("earliest")), name="waitlist_range_ordered"),
        ]

    def __str__(self) -> str:
        who = self.practitioner or "any practitioner"
        return f"{self.patient}: {self.service} with {who}, {self.earliest}–{self.latest}"


class WaitlistOfferStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Booked"
    TAKEN = "taken", "Taken by someone else"


class WaitlistOffer(models.Model):
    """A freed time offered to a waitlisted patient. Several patients may get the same time;
    whoever books first gets it (through the normal booking path and its re-check)."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    status = models.CharField(max_length=12, choices=WaitlistOfferStatus.choices, default=WaitlistOfferStatus.OPEN)
    offered_at = models.DateTimeField(default=timezone.now)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="waitlist_offers"
    )

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "practitioner", "start"], name="waitlist_offer_once"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.start:%Y-%m-%d %H:%M} to {self.entry.patient}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Withdrawn"
    MISSED = "missed", "Missed (too late to send)"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class NotificationKind(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
    BOOKING_SERIES = "booking_series", "Series booked"
    BOOKING_RESCHEDULED = "booking_rescheduled", "Booking moved"
    BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
    WAITLIST_OFFER = "waitlist_offer", "Waitlist offer"
    REMINDER = "reminder", "Appointment reminder"
    INTAKE_PENDING = "intake_pending", "Intake still to fill in"
    PLAN_CHECKIN = "plan_checkin", "Outcome check-in before a plan review"
    PLAN_UNBOOKED = "plan_unbooked", "Plan sessions left to book"
    # Account emails: rendered when queued (their links are one-time tokens), kept in `payload`.
    STAFF_INVITE = "staff_invite", "Staff invitation"
    PATIENT_INVITE = "patient_invite", "Patient invitation"
    EMAIL_VERIFY = "email_verify", "Email verification"
    LOGIN_EMAIL_CHANGED = "login_email_changed", "Login email changed"
    # The short answer to a patient's SMS reply ("C", "R", a question), sent to the number that wrote.
    SMS_REPLY_ACK = "sms_reply_ack", "Answer to an SMS reply"
    PASSWORD_RESET = "password_reset", "Password reset link"


class Notification(models.Model):
    """One message the clinic sends (email or SMS): an outbox row written in the same transaction
    as the change that causes it.

    Nothing is sent from the request: the dispatcher (scheduling.dispatch, run by beat every
    minute and nudged after commit) claims due rows with SELECT ... FOR UPDATE SKIP LOCKED,
    re-checks that the message still applies, sends it and records the outcome. `key` is unique,
    so the same message (e.g. the 48-hour reminder of one appointment at one time) cannot be
    queued twice.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=NotificationChannel.choices, default=NotificationChannel.EMAIL)
    recipient = models.CharField(max_length=254)
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    waitlist_offer = models.ForeignKey(
        WaitlistOffer, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    # Extra context frozen at the time of the change (e.g. the series' appointment ids, the old time,
    # the appointment start a reminder was made for).
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    scheduled_for = models.DateTimeField(default=timezone.now)
    # A reminder not sent by then is marked missed rather than sent late.
    not_after = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    # The desk ticks a failed message off once they have phoned the patient.
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_status"),
            models.Index(fields=["status", "scheduled_for"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"


class SmsReplyMeaning(models.TextChoices):
    CONFIRM = "confirm", "Confirms attendance (C)"
    CALL_BACK = "call_back", "Asks for a call back (R)"
    OPT_OUT = "opt_out", "Opts out of SMS"
    OPT_IN = "opt_in", "Asks to receive SMS again"
    OTHER = "other", "Other message"


class SmsReply(models.Model):
    """A text a patient (or anyone) sent to the clinic's SMS number, received through the
    provider's signed webhook (scheduling.sms_views.sms_inbound, scheduling.services.sms_replies).

    `provider_message_id` is unique, so a webhook the provider retries is stored and acted on once.
    Replies the app could act on alone (a "C" that confirmed, a STOP) are kept for the record;
    the others (`needs_desk`) stay on the desk's "Replies and call-backs" list until handled.
    """

    provider_message_id = models.CharField(max_length=100, unique=True)
    from_number = models.CharField(max_length=32)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    # Matched by phone number; empty for a number no patient has (or shared by several patients
    # and no reminder telling which of them the reply is about).
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="sms_replies")
    # The patient's next booked appointment that an SMS reminder was sent for: what "C" confirms.
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="sms_replies"
    )
    meaning = models.CharField(max_length=12, choices=SmsReplyMeaning.choices)
    # What the app did about it, in words for the desk ("Attendance confirmed.", "Nothing to confirm: ...").
    outcome = models.CharField(max_length=255, blank=True)
    needs_desk = models.BooleanField(default=False)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # The desk's list: open items only, oldest first.
            models.Index(
                fields=["received_at"],
                condition=Q(needs_desk=True, handled_at__isnull=True),
                name="sms_reply_open",
            ),
        ]

    def __str__(self) -> str:
        return f"SMS from {self.from_number} ({self.meaning})"
