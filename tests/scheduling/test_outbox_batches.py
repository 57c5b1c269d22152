"""The dispatcher's batches: queries per batch constant in the batch size, one mail session per batch,
a backlog shared with a second dispatcher, and emails written out quickly with the same headers and
parts as Django's own serialisation."""

from __future__ import annotations

import email
import email.policy
from email.generator import BytesGenerator
from io import BytesIO

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.messaging.mime import QUICK_COMPAT32, QuickEmail
from scheduling import dispatch, services
from scheduling.emails import Renderer, build_email
from scheduling.models import Notification, NotificationKind, NotificationStatus
from tests import factories as f
from tests.scheduling.helpers import book, local

pytestmark = pytest.mark.usefixtures("frozen_clock")


def queue_reminders(clinic, n: int, prefix: str, *, other_location=None, day: int = 3) -> None:
    """n due reminders, each for its own patient and appointment (some at a second location)."""
    for i in range(n):
        patient = f.PatientFactory()
        setup = other_location if other_location and i % 2 else clinic
        appt = book(setup, local(setup, day + i // 8, 9 + i % 8), patient, notify=False)
        services.outbox_enqueue(
            key=f"{prefix}:{i}", kind=NotificationKind.REMINDER, recipient=patient.email, patient=patient,
            appointment=appt,
        )  # fmt: skip


def one_batch_queries(size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = dispatch.outbox_dispatch(batch_size=size, max_batches=1)
    assert result.batches == 1 and result.sent == size
    return len(queries)


def test_the_queries_of_a_batch_do_not_grow_with_the_batch_size(clinic):
    other = f.bookable_setup(tz="America/New_York")
    queue_reminders(clinic, 24, "r", other_location=other)
    small, large = one_batch_queries(4), one_batch_queries(20)
    # recover + expire (2), claim (2 + savepoint/release in the test's transaction), the rows (1) and
    # their services, locations, rooms, practitioners (4), the record (1)
    assert small == large == 12
    assert len(mail.outbox) == 24 and not Notification.objects.exclude(status=NotificationStatus.SENT).exists()
    shown = {m.to[0]: m.body for m in mail.outbox}
    for n in Notification.objects.select_related("appointment__location", "appointment__practitioner__user"):
        body = shown[n.recipient]  # each message shows its own appointment, wherever it is
        assert n.appointment.location.name in body and n.appointment.practitioner.user.full_name in body
        assert ("EST" if n.appointment.location == other.location else "GMT") in body


def test_one_mail_session_per_batch(clinic, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    queue_reminders(clinic, 6, "s")
    assert dispatch.outbox_dispatch(batch_size=3).sent == 6
    files = sorted(tmp_path.iterdir())  # Django's file backend writes one file per opened connection
    assert len(files) == 2
    assert [path.read_bytes().count(b"\nMessage-ID: <outbox-") for path in files] == [3, 3]


def test_a_failed_send_does_not_fail_the_rest_of_its_batch(clinic, monkeypatch):
    queue_reminders(clinic, 4, "b")
    unlucky = Notification.objects.get(key="b:1")
    original = mail.EmailMultiAlternatives.send

    def send(self, fail_silently=False):
        if self.to == [unlucky.recipient]:
            raise ConnectionResetError("connection lost")
        return original(self, fail_silently)

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", send)
    result = dispatch.outbox_dispatch()
    assert (result.sent, result.retried) == (3, 1)
    unlucky.refresh_from_db()
    assert unlucky.status == NotificationStatus.PENDING and "connection lost" in unlucky.last_error


def test_a_backlog_bigger_than_a_batch_asks_for_helpers_once(clinic):
    queue_reminders(clinic, 5, "h")
    calls = []
    assert dispatch.outbox_dispatch(batch_size=2, on_backlog=lambda: calls.append(1)).sent == 5
    assert calls == [1]
    queue_reminders(clinic, 2, "k", day=10)
    assert dispatch.outbox_dispatch(batch_size=5, on_backlog=lambda: calls.append(1)).sent == 2
    assert calls == [1]  # it all fitted in one batch


def test_the_task_shares_a_backlog_with_helpers(clinic, settings):
    from scheduling.tasks import dispatch_outbox

    settings.OUTBOX_BATCH_SIZE = 2
    settings.OUTBOX_DISPATCHERS = 2
    queue_reminders(clinic, 5, "t")
    # Eager in the unit tests: the helper runs inside the first task and sends what is left after its
    # first batch; on a worker it runs in another process at the same time.
    assert dispatch_outbox.apply().get()["sent"] == 2
    assert len(mail.outbox) == 5 and len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 5


def same_as_django(email_message) -> list:
    """The email's headers and parts written out quickly and as Django alone writes them (compat32
    policy, boundaries of the generator's choosing); the Date and boundaries differ by nature."""
    quick = email_message.message()
    assert quick.policy is QUICK_COMPAT32
    buffer = BytesIO()
    BytesGenerator(buffer, mangle_from_=False).flatten(EmailMultiAlternatives.message(email_message))
    written = []
    for raw in (quick.as_bytes(), buffer.getvalue()):
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        headers = [(k, v) for k, v in msg.items() if k not in ("Content-Type", "Date")]
        parts = [(p.items(), p.get_payload(decode=True)) for p in msg.walk() if not p.is_multipart()]
        written.append((headers, parts, [p.get_content_type() for p in msg.walk()]))
    assert written[0] == written[1]
    return written[0]


def test_an_email_is_written_out_with_the_same_headers_and_parts_as_django_writes_it(clinic):
    patient = f.PatientFactory(full_name="Zoë Ångström-O'Connor", email="zoe@example.org")
    appt = book(clinic, local(clinic, 3, 10), patient, notify=False)
    n = services.outbox_enqueue(
        key="m:1", kind=NotificationKind.BOOKING_CONFIRMED, recipient=patient.email, patient=patient,
        appointment=appt,
    )  # fmt: skip
    headers, parts, types = same_as_django(build_email(n, Renderer()))
    assert types == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert "Zoë" in parts[0][1].decode()


@pytest.mark.parametrize(
    "subject",
    ["Reminder: Follow-up on Monday 9 March 2026, 09:00 GMT", "x" * 76, "x" * 77, "word " * 20, " a  b ", "Zoë", ""],
)
def test_a_subject_is_written_as_django_writes_it(subject):
    message = QuickEmail(
        subject=subject, body="Hello", from_email="Clinic <c@example.org>", to=["p@example.org"],
        headers={"Message-ID": "<outbox-1.test@example.org>"},
    )  # fmt: skip
    message.attach_alternative("<p>Hello</p>", "text/html")
    same_as_django(message)


@pytest.mark.parametrize(
    "name, value",
    [
        ("Subject", "Reminder: Follow-up on Monday 9 March 2026, 09:00 GMT"),
        ("Subject", "  two  spaces and trailing "),
        ("Subject", "x" * 69),  # exactly 78 characters with "Subject: "
        ("Subject", "x" * 70),  # one more: folded by compat32
        ("Subject", "Booked: " + "word " * 30),  # long: folded by compat32
        ("Subject", "tab\tinside"),
        ("Subject", "Zoë"),
        ("List-Unsubscribe", "<https://clinic.example/u/abc123>, <mailto:unsubscribe@clinic.example>"),
        ("Message-ID", "<outbox-12.reminder.a1.48h@clinic.example>"),
    ],
)
def test_quick_header_folding_is_compat32s(name, value):
    assert QUICK_COMPAT32.fold(name, value) == email.policy.compat32.fold(name, value)
    assert QUICK_COMPAT32.fold_binary(name, value) == email.policy.compat32.fold_binary(name, value)


def test_a_plan_sessions_reminder_says_which_session_it_is_and_others_say_nothing(clinic):
    from plans.models import PlanSession, PlanTemplate, TreatmentPlan

    queue_reminders(clinic, 3, "p")
    appt = Notification.objects.get(key="p:1").appointment
    plan = TreatmentPlan.objects.create(
        patient=appt.patient, practitioner=clinic.practitioner,
        template=PlanTemplate.objects.get(name="Sciatica - acute"), acuity="acute", start_date=appt.start.date(),
        planned_sessions=6, cadence=[2], status="active", created_by=clinic.practitioner.user,
    )  # fmt: skip
    PlanSession.objects.create(plan=plan, number=2, appointment=appt, of_total=6)
    assert dispatch.outbox_dispatch().sent == 3
    by_recipient = {m.to[0]: m for m in mail.outbox}
    plan_email = by_recipient.pop(appt.patient.email)
    assert f"{clinic.service.name} (Session 2 of 6) with" in plan_email.body
    assert "(Session 2 of 6)" in plan_email.alternatives[0].content
    assert all("Session" not in m.body for m in by_recipient.values())
