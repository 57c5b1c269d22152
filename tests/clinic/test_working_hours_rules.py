"""Working hours: a block ends after it starts, and one practitioner's blocks on a day never overlap.
Both the forms and the database say no, so no path (admin, a script, a race) can store a bad week."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clinic.models import WorkingHours
from tests import factories as f

T = dt.time.fromisoformat


@pytest.fixture
def practitioner_at(db):
    return f.PractitionerFactory(), f.LocationFactory()


def _form(practitioner, location, start, end, weekday=0, instance=None):
    Form = modelform_factory(WorkingHours, fields=["practitioner", "location", "weekday", "start", "end"])
    data = {"practitioner": practitioner.pk, "location": location.pk, "weekday": weekday, "start": start, "end": end}
    return Form(data, instance=instance)


def _insert(practitioner, location, start, end, weekday=0):
    """Straight to the database, skipping every Python check."""
    with transaction.atomic():
        WorkingHours.objects.bulk_create(
            [WorkingHours(practitioner=practitioner, location=location, weekday=weekday, start=T(start), end=T(end))]
        )


@pytest.mark.parametrize("start, end", [("17:00", "09:00"), ("09:00", "09:00")])
def test_a_block_that_ends_before_it_starts_is_refused_by_the_form(practitioner_at, start, end):
    form = _form(*practitioner_at, start, end)
    assert not form.is_valid()
    assert form.errors["end"] == ["The block must end after it starts."]


def test_a_block_that_ends_before_it_starts_is_refused_by_the_model(practitioner_at):
    practitioner, location = practitioner_at
    block = WorkingHours(practitioner=practitioner, location=location, weekday=0, start=T("17:00"), end=T("09:00"))
    with pytest.raises(ValidationError) as exc:
        block.full_clean()
    assert exc.value.message_dict["end"] == ["The block must end after it starts."]


@pytest.mark.parametrize("start, end", [("17:00", "09:00"), ("09:00", "09:00")])
def test_a_block_that_ends_before_it_starts_is_refused_by_the_database(practitioner_at, start, end):
    with pytest.raises(IntegrityError):
        _insert(*practitioner_at, start, end)
    assert not WorkingHours.objects.exists()


@pytest.mark.parametrize(
    "start, end",
    [
        ("12:00", "14:00"),
        ("08:00", "09:30"),
        ("16:59", "18:00"),
        ("09:00", "17:00"),
        ("10:00", "11:00"),
        ("07:00", "19:00"),
    ],
)
def test_an_overlapping_block_is_refused_by_the_form(practitioner_at, start, end):
    practitioner, location = practitioner_at
    _insert(practitioner, location, "09:00", "17:00")
    form = _form(practitioner, location, start, end)
    assert not form.is_valid()
    assert form.errors["start"] == ["This block overlaps 09:00–17:00 on the same day."]


@pytest.mark.parametrize("start, end", [("12:00", "14:00"), ("09:00", "17:00"), ("07:00", "19:00")])
def test_an_overlapping_block_is_refused_by_the_database(practitioner_at, start, end):
    practitioner, location = practitioner_at
    _insert(practitioner, location, "09:00", "17:00")
    with pytest.raises(IntegrityError):
        _insert(practitioner, location, start, end)
    assert WorkingHours.objects.count() == 1


def test_moving_a_block_onto_another_is_refused_by_the_database_too(practitioner_at):
    practitioner, location = practitioner_at
    _insert(practitioner, location, "09:00", "12:30")
    _insert(practitioner, location, "13:30", "17:00")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingHours.objects.filter(start=T("13:30")).update(start=T("12:00"))


def test_adjacent_blocks_around_a_lunch_break_are_allowed(practitioner_at):
    practitioner, location = practitioner_at
    morning = _form(practitioner, location, "09:00", "12:30")
    assert morning.is_valid(), morning.errors
    morning.save()
    afternoon = _form(practitioner, location, "13:30", "17:00")
    assert afternoon.is_valid(), afternoon.errors
    afternoon.save()
    _insert(practitioner, location, "12:30", "13:30")  # even back to back, with no gap at all
    assert WorkingHours.objects.filter(practitioner=practitioner).count() == 3


def test_the_same_hours_on_another_day_or_for_a_colleague_are_fine(practitioner_at):
    practitioner, location = practitioner_at
    _insert(practitioner, location, "09:00", "17:00", weekday=0)
    _insert(practitioner, location, "09:00", "17:00", weekday=1)
    _insert(f.PractitionerFactory(), location, "09:00", "17:00", weekday=0)
    assert WorkingHours.objects.count() == 3


def test_editing_a_block_does_not_clash_with_itself(practitioner_at):
    practitioner, location = practitioner_at
    block = f.WorkingHoursFactory(practitioner=practitioner, location=location, start=T("09:00"), end=T("12:00"))
    form = _form(practitioner, location, "08:30", "12:30", instance=block)
    assert form.is_valid(), form.errors
    form.save()
    block.refresh_from_db()
    assert (block.start, block.end) == (T("08:30"), T("12:30"))


def _quarter_hours():
    return st.integers(min_value=0, max_value=95).map(lambda q: dt.time(q // 4, q % 4 * 15))


@st.composite
def _blocks(draw):
    a, b = draw(_quarter_hours()), draw(_quarter_hours())
    assume(a != b)
    return (min(a, b), max(a, b))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_blocks(), second=_blocks())
def test_the_form_and_the_database_agree_on_what_overlaps(practitioner_at, first, second):
    practitioner, location = practitioner_at
    overlaps = first[0] < second[1] and second[0] < first[1]
    savepoint = transaction.savepoint()
    try:
        _insert(practitioner, location, first[0].isoformat(), first[1].isoformat())
        form = _form(practitioner, location, second[0].strftime("%H:%M"), second[1].strftime("%H:%M"))
        assert form.is_valid() is not overlaps
        try:
            _insert(practitioner, location, second[0].isoformat(), second[1].isoformat())
            stored = True
        except IntegrityError:
            stored = False
        assert stored is not overlaps
    finally:
        transaction.savepoint_rollback(savepoint)
