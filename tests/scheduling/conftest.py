import datetime as dt

import pytest
from django.utils import timezone

from clinic.models import ServiceKind
from tests import factories as f


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


def local(clinic, days: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime `days` from today at hour:minute, clinic-local."""
    tz = clinic.location.tz
    day = timezone.now().astimezone(tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
