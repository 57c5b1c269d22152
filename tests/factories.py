"""Factories for the whole project. Each app's helpers add theirs below their section."""

import datetime as dt

import factory
from django.utils import timezone

from clinic import phones
from clinic.models import (
    ClinicPolicy,
    Location,
    PractitionerProfile,
    Role,
    Room,
    Service,
    ServiceKind,
    TimeOff,
    User,
    WorkingHours,
)
from patients.models import Patient

TEST_PASSWORD = "correct-horse-battery-9"

# --- clinic ----------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.PATIENT
    # Verified by default; tests of the verification flow pass email_verified_at=None.
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    address = "1 High Street"
    phone = "+442079460000"
    timezone = "Europe/London"
    country = factory.LazyAttribute(lambda o: phones.country_for_timezone(o.timezone) or "GB")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service {n}")
    kind = ServiceKind.FOLLOW_UP
    duration_minutes = 45
    buffer_minutes = 15
    bookable_online = True
    description = "A follow-up treatment session."


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PractitionerProfile

    user = factory.SubFactory(UserFactory, role=Role.PRACTITIONER)
    licence_number = factory.Sequence(lambda n: f"LIC-{1000 + n}")
    licence_body = "British Acupuncture Council"
    licence_expiry = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365 * 2))
    capacity = 1


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    practitioner = factory.SubFactory(PractitionerFactory)
    location = factory.SubFactory(LocationFactory)
    weekday = 0
    start = dt.time(9, 0)
    end = dt.time(17, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    practitioner = factory.SubFactory(PractitionerFactory)
    start = factory.LazyFunction(timezone.now)
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=8))
    reason = "Leave"


def policy(**overrides) -> ClinicPolicy:
    p = ClinicPolicy.get()
    for k, v in overrides.items():
        setattr(p, k, v)
    p.save()
    return p


# --- patients --------------------------------------------------------------------------------


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    phone = factory.Sequence(lambda n: f"+447400{n:06d}")  # E.164, as the services store it
    phone_key = factory.LazyAttribute(lambda o: _phone_key(o.phone))
    date_of_birth = dt.date(1975, 5, 17)


class PatientUserFactory(PatientFactory):
    """A patient record with a login."""

    user = factory.SubFactory(
        UserFactory,
        role=Role.PATIENT,
        email=factory.SelfAttribute("..email"),
        full_name=factory.SelfAttribute("..full_name"),
    )


def _phone_key(phone: str) -> str:
    from patients.models import phone_key

    return phone_key(phone)


# A complete, valid set of answers per intake questionnaire (no red flags, no precautions).
FUNCTION_INDEX_ANSWERS = {
    "fi_pain": "3",
    "fi_personal_care": "1",
    "fi_lifting": "3",
    "fi_walking": "2",
    "fi_sitting": "3",
    "fi_standing": "2",
    "fi_sleeping": "2",
    "fi_sex_life": "1",
    "fi_social_life": "2",
    "fi_travelling": "2",
}  # 21 / 50 → 42, severe


class QuestionnaireResponseFactory(factory.django.DjangoModelFactory):
    """A submitted function index by default; pass instrument_key/answers for others."""

    class Meta:
        model = "patients.QuestionnaireResponse"

    patient = factory.SubFactory(PatientFactory)
    context = "requested"
    instrument_key = "function_index"
    instrument_version = 1
    status = "submitted"
    answers = factory.LazyFunction(lambda: dict(FUNCTION_INDEX_ANSWERS))
    submitted_at = factory.LazyFunction(timezone.now)
    scores = factory.LazyAttribute(lambda o: _score(o.instrument_key, o.instrument_version, o.answers))


def _score(key: str, version: int, answers: dict) -> dict:
    from patients.questionnaire import get_definition
    from patients.scoring import score

    return score(get_definition(key, version), answers, {"today": timezone.localdate()})


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patients.Consent"

    patient = factory.SubFactory(PatientFactory)
    text_key = "acupuncture_consent"
    text_version = 1
    text = "Consent text."
    text_sha256 = "0" * 64
    typed_name = factory.LazyAttribute(lambda o: o.patient.full_name)
    agreed = True
    ip_address = "127.0.0.1"


class SafetyFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patients.SafetyFlag"

    patient = factory.SubFactory(PatientFactory)
    category = "red_flag"
    code = "rf_night_pain"
    label = "Unremitting night pain"
    patient_label = "pain all night whatever position you lie in"


# --- scheduling ------------------------------------------------------------------------------


def bookable_setup(
    *,
    tz: str = "Europe/London",
    weekdays=range(7),
    start=dt.time(9, 0),
    end=dt.time(17, 0),
    rooms: int = 2,
    capacity: int = 1,
    kind: str = ServiceKind.FOLLOW_UP,
    duration: int = 45,
    buffer: int = 15,
    location=None,
    practitioner=None,
    service=None,
):
    """A location with rooms, a service and a practitioner who offers it there on `weekdays`.

    Returns a SimpleNamespace(location, rooms, service, practitioner). The minimum notice is set
    to 0 so tests can book "tomorrow" without thinking about policy, unless they set it.
    """
    from types import SimpleNamespace

    location = location or LocationFactory(timezone=tz)
    room_objs = [RoomFactory(location=location) for _ in range(rooms)]
    service = service or ServiceFactory(kind=kind, duration_minutes=duration, buffer_minutes=buffer)
    practitioner = practitioner or PractitionerFactory(capacity=capacity)
    practitioner.services.add(service)
    practitioner.locations.add(location)
    for wd in weekdays:
        WorkingHoursFactory(practitioner=practitioner, location=location, weekday=wd, start=start, end=end)
    return SimpleNamespace(location=location, rooms=room_objs, service=service, practitioner=practitioner)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A booked appointment written directly (no re-check): for lists, pages and history.

    Tests of the booking rules go through scheduling.services instead.
    """

    class Meta:
        model = "scheduling.Appointment"

    practitioner = factory.SubFactory(PractitionerFactory)
    patient = factory.SubFactory(PatientFactory)
    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(LocationFactory)
    room = factory.SubFactory(RoomFactory, location=factory.SelfAttribute("..location"))
    start = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=o.service.duration_minutes))
    busy_until = factory.LazyAttribute(lambda o: o.end + dt.timedelta(minutes=o.service.buffer_minutes))
    status = "booked"
