"""Availability inputs load in at most 5 queries whatever the data size, and only the window."""

from __future__ import annotations

import datetime as dt

from scheduling import queries
from tests import factories as f
from tests.scheduling.helpers import local


def _fill(clinic, days):
    for d in days:
        for hour in (9, 11, 13, 15):
            f.AppointmentFactory(
                practitioner=clinic.practitioner,
                service=clinic.service,
                location=clinic.location,
                room=clinic.rooms[hour % 2],
                start=local(clinic, d, hour),
            )


def test_five_queries_whatever_the_number_of_appointments(clinic, django_assert_max_num_queries):
    other = f.bookable_setup(location=clinic.location, service=clinic.service, rooms=0)
    f.TimeOffFactory(practitioner=clinic.practitioner, start=local(clinic, 5, 0), end=local(clinic, 6, 0))
    first, last = local(clinic, 1, 0).date(), local(clinic, 28, 0).date()

    _fill(clinic, range(1, 3))
    with django_assert_max_num_queries(5):
        few = queries.availability_inputs(
            service=clinic.service, location=clinic.location, date_from=first, date_to=last
        )
    _fill(clinic, range(3, 29))
    _fill(clinic, range(40, 60))  # outside the window: must not be loaded
    with django_assert_max_num_queries(5):
        many = queries.availability_inputs(
            service=clinic.service, location=clinic.location, date_from=first, date_to=last
        )
    assert [p.id for p in many.practitioners] == sorted([clinic.practitioner.pk, other.practitioner.pk])
    loaded = sum(len(v) for v in many.rooms.values())
    assert loaded == 28 * 4  # days 1..28, four a day; days 40+ not loaded
    assert len(few.rooms[clinic.rooms[0].pk]) + len(few.rooms[clinic.rooms[1].pk]) == 8
    own = many.by_id()[clinic.practitioner.pk]
    assert len(own.busy) == 28 * 4 and len(own.time_off) == 1
    assert many.by_id()[other.practitioner.pk].busy == ()


def test_practitioners_who_do_not_offer_the_service_or_work_elsewhere_drop_out(clinic):
    elsewhere = f.bookable_setup(service=clinic.service)  # another location
    not_offering = f.bookable_setup(location=clinic.location, rooms=0)  # another service
    inputs = queries.availability_inputs(
        service=clinic.service,
        location=clinic.location,
        date_from=local(clinic, 1, 0).date(),
        date_to=local(clinic, 2, 0).date(),
    )
    assert [p.id for p in inputs.practitioners] == [clinic.practitioner.pk]
    assert elsewhere.practitioner.pk not in inputs.by_id() and not_offering.practitioner.pk not in inputs.by_id()


def test_excluding_an_appointment_frees_its_time(clinic):
    _fill(clinic, [2])
    appt = clinic.practitioner.appointments.order_by("start").first()
    day = local(clinic, 2, 0).date()
    with_it = queries.availability_inputs(service=clinic.service, location=clinic.location, date_from=day, date_to=day)
    without = queries.availability_inputs(
        service=clinic.service, location=clinic.location, date_from=day, date_to=day, exclude_appointment_id=appt.pk
    )
    assert appt.start not in with_it.starts()[clinic.practitioner.pk]
    assert appt.start in without.starts()[clinic.practitioner.pk]
    assert dt.timedelta(0) < appt.busy_until - appt.start
