"""The desk's buttons (desk_queries.annotate_actions) and the services decide with the same rule:
a button is shown exactly when the service would accept the action."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scheduling import desk_queries, services
from scheduling.models import Appointment
from tests.scheduling.helpers import book, local

ACTIONS = {
    "can_check_in": lambda a: services.appointment_check_in(appointment=a),
    "can_no_show": lambda a: services.appointment_mark_no_show(appointment=a),
    "can_cancel": lambda a: services.appointment_cancel(appointment=a, notify=False),
    "can_change": lambda a: services.appointment_reschedule(
        appointment=a, start=a.start + dt.timedelta(minutes=15), notify=False
    ),
}


def _appointment(clinic, state: str) -> Appointment:
    appt = book(clinic, local(clinic, 0, 10), notify=False)
    if state == "checked in":
        with time_machine.travel(local(clinic, 0, 9, 55)):
            services.appointment_check_in(appointment=appt)
    elif state == "cancelled":
        services.appointment_cancel(appointment=appt, notify=False)
    return Appointment.objects.select_related("location").get(pk=appt.pk)


@pytest.mark.parametrize("state", ["booked", "checked in", "cancelled"])
@pytest.mark.parametrize(
    "at", [(-1, 12), (0, 9), (0, 10, 30), (1, 9)], ids=["day before", "same day before", "started", "next day"]
)
@pytest.mark.parametrize("flag", list(ACTIONS))
def test_a_button_is_shown_exactly_when_the_service_accepts_the_action(clinic, state, at, flag):
    appt = _appointment(clinic, state)
    with time_machine.travel(local(clinic, *at), tick=False):
        desk_queries.annotate_actions([appt], local(clinic, *at))
        try:
            ACTIONS[flag](appt)
        except services.BookingError:
            accepted = False
        else:
            accepted = True
    assert getattr(appt, flag) == accepted
