"""No double booking under real concurrency, on PostgreSQL.

Real threads, each with its own database connection, released together by a barrier so their
transactions overlap. Every attempt must end either booked or with the clean SlotTaken message;
anything else (a deadlock, an IntegrityError leaking out) fails the test.
"""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.db import connection
from django.utils import timezone

from scheduling import services
from scheduling.models import ACTIVE_STATUSES, Appointment
from tests import factories as f

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    assert connection.vendor == "postgresql", "the concurrency tests must run on PostgreSQL"


def tomorrow_at(location, hour: int, minute: int = 0) -> dt.datetime:
    tz = location.tz
    day = timezone.now().astimezone(tz).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def run_together(n: int, attempt) -> list[tuple[str, object]]:
    """Run attempt(i) in n threads started at the same instant; collect ("ok"|"taken"|"error", value)."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, object]] = [("error", "did not run")] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", attempt(i))
        except services.SlotTaken as exc:
            results[i] = ("taken", exc)
        except Exception as exc:  # anything else is a bug: reported, not swallowed
            results[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def outcome_counts(results) -> dict[str, int]:
    counts = {"ok": 0, "taken": 0, "error": 0}
    for kind, _ in results:
        counts[kind] += 1
    return counts


def overlapping_room_pairs() -> int:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
                 ON a.room_id = b.room_id AND a.id < b.id
                AND a."start" < b.busy_until AND b."start" < a.busy_until
              WHERE a.status = ANY(%s) AND b.status = ANY(%s)""",
            [list(ACTIVE_STATUSES), list(ACTIVE_STATUSES)],
        )
        return cur.fetchone()[0]


def practitioner_overbooked_pairs() -> int:
    """Pairs of one capacity-1 practitioner's active appointments that overlap (buffer included)."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
                 ON a.practitioner_id = b.practitioner_id AND a.id < b.id
                AND a."start" < b.busy_until AND b."start" < a.busy_until
               JOIN clinic_practitionerprofile p ON p.id = a.practitioner_id AND p.capacity = 1
              WHERE a.status = ANY(%s) AND b.status = ANY(%s)""",
            [list(ACTIVE_STATUSES), list(ACTIVE_STATUSES)],
        )
        return cur.fetchone()[0]


def test_twenty_people_book_one_slot_exactly_one_wins():
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(rooms=3, capacity=1)
    patients = [f.PatientFactory() for _ in range(20)]
    start = tomorrow_at(clinic.location, 10)

    results = run_together(
        20,
        lambda i: (
            services.appointment_book(
                patient=patients[i],
                service=clinic.service,
                practitioner=clinic.practitioner,
                location=clinic.location,
                start=start,
                notify=False,
            ).pk
        ),
    )

    assert outcome_counts(results) == {"ok": 1, "taken": 19, "error": 0}, results
    taken = [value for kind, value in results if kind == "taken"]
    assert all(exc.message == "That time was just taken." for exc in taken)
    assert all(exc.alternatives and start not in exc.alternatives for exc in taken)
    assert Appointment.objects.filter(start=start, status__in=ACTIVE_STATUSES).count() == 1


def test_capacity_two_with_two_rooms_exactly_two_win():
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(rooms=2, capacity=2)
    patients = [f.PatientFactory() for _ in range(20)]
    start = tomorrow_at(clinic.location, 11)

    results = run_together(
        20,
        lambda i: (
            services.appointment_book(
                patient=patients[i],
                service=clinic.service,
                practitioner=clinic.practitioner,
                location=clinic.location,
                start=start,
                notify=False,
            ).pk
        ),
    )

    assert outcome_counts(results) == {"ok": 2, "taken": 18, "error": 0}, results
    booked = Appointment.objects.filter(start=start, status__in=ACTIVE_STATUSES)
    assert sorted(booked.values_list("room_id", flat=True)) == sorted(r.pk for r in clinic.rooms)


def test_one_room_many_practitioners_the_database_constraint_decides():
    """Different practitioners do not share a lock: only the room exclusion constraint stops them."""
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(rooms=1)
    others = [
        f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0).practitioner for _ in range(9)
    ]
    practitioners = [clinic.practitioner, *others]
    patients = [f.PatientFactory() for _ in range(10)]
    start = tomorrow_at(clinic.location, 14)

    results = run_together(
        10,
        lambda i: (
            services.appointment_book(
                patient=patients[i],
                service=clinic.service,
                practitioner=practitioners[i],
                location=clinic.location,
                start=start,
                notify=False,
            ).pk
        ),
    )

    assert outcome_counts(results) == {"ok": 1, "taken": 9, "error": 0}, results
    assert overlapping_room_pairs() == 0


def test_reschedules_racing_new_bookings_never_share_a_room():
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(rooms=2, capacity=1, duration=45, buffer=15)
    second = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0, capacity=1).practitioner
    third = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0, capacity=2).practitioner
    practitioners = [clinic.practitioner, second, third]
    # Candidate times 09:00–12:45 on the quarter hours: crowded on purpose.
    times = [tomorrow_at(clinic.location, 9) + dt.timedelta(minutes=15 * k) for k in range(16)]
    existing = []
    for k, prac in enumerate(practitioners):
        existing.append(
            services.appointment_book(
                patient=f.PatientFactory(),
                service=clinic.service,
                practitioner=prac,
                location=clinic.location,
                start=times[4 * k],
                notify=False,
            )
        )
    patients = [f.PatientFactory() for _ in range(24)]
    rng = random.Random(20240331)
    plan = [(i, rng.choice(times), rng.choice(practitioners)) for i in range(24)]

    def attempt(i: int):
        _, start, prac = plan[i]
        if i % 3 == 0:  # a third of the threads move an existing appointment
            appt = Appointment.objects.get(pk=existing[(i // 3) % len(existing)].pk)
            return services.appointment_reschedule(appointment=appt, start=start, notify=False).pk
        return services.appointment_book(
            patient=patients[i],
            service=clinic.service,
            practitioner=prac,
            location=clinic.location,
            start=start,
            notify=False,
        ).pk

    results = run_together(24, attempt)

    counts = outcome_counts(results)
    assert counts["error"] == 0, [v for k, v in results if k == "error"]
    assert counts["ok"] >= 1
    assert overlapping_room_pairs() == 0
    assert practitioner_overbooked_pairs() == 0
    # Each moved appointment is still exactly one active row (moved or untouched, never lost).
    for appt in existing:
        assert Appointment.objects.filter(pk=appt.pk, status__in=ACTIVE_STATUSES).count() == 1


def test_four_tabs_of_one_new_patient_book_exactly_one_initial_consultation():
    """Four confirmations sent at once from four tabs, each with a different practitioner (so no
    practitioner lock orders them): the patient lock does, and only the first is booked."""
    f.policy(min_notice_hours=0)
    clinic = f.bookable_setup(rooms=1, kind="initial", duration=60, buffer=0)
    initial = clinic.service
    others = [f.bookable_setup(location=clinic.location, service=initial, rooms=1).practitioner for _ in range(3)]
    practitioners = [clinic.practitioner, *others]
    patient = f.PatientFactory()
    starts = [tomorrow_at(clinic.location, 10 + i) for i in range(4)]

    def attempt(i: int) -> str:
        try:
            services.appointment_self_book(
                patient=patient,
                service=initial,
                location=clinic.location,
                start=starts[i],
                practitioner=practitioners[i],
            )
        except services.NotAllowed as exc:
            assert "already have an initial consultation" in exc.message
            return "refused"
        return "booked"

    results = run_together(4, attempt)

    assert sorted(value for _, value in results) == ["booked", "refused", "refused", "refused"], results
    assert Appointment.objects.filter(patient=patient, service=initial, status__in=ACTIVE_STATUSES).count() == 1
