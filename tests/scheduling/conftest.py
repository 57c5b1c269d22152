import pytest
import time_machine

from clinic.models import ServiceKind
from tests import factories as f
from tests.scheduling.helpers import NOW


@pytest.fixture(autouse=True)
def frozen_clock():
    """Every scheduling test starts at helpers.NOW (the clock ticks on from there), so dates such
    as helpers.local(clinic, 2, 10) never depend on the day the suite runs."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def clinic(db):
    """London clinic, two rooms, a practitioner working 09:00–17:00 every day, no minimum notice."""
    f.policy(min_notice_hours=0, max_advance_days=60, cancellation_window_hours=24)
    return f.bookable_setup(tz="Europe/London")


@pytest.fixture
def initial_service(clinic):
    svc = f.ServiceFactory(
        name="Initial consultation", kind=ServiceKind.INITIAL, duration_minutes=75, buffer_minutes=15
    )
    clinic.practitioner.services.add(svc)
    return svc
