"""The practice: users and roles, locations, rooms, services, practitioners, hours, policy, points.

The audit log's model lives in audit_models.py and is imported here (it is part of this app)."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from . import phones
from .audit_models import AuditEvent, AuditEventQuerySet, AuditLogIsAppendOnly  # noqa: F401  (models of this app)
from .reminder_offsets import CHANNELS, DEFAULT_OFFSETS, MAX_OFFSET_MINUTES, MIN_OFFSET_MINUTES, Offset


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"
    MANAGER = "manager", "Manager"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        # People type their email with capitals now and then; addresses are stored lower-case.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": (username or "").strip()})

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.MANAGER)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A login. Email is the username; the role decides what the person may see."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)
    # Set when the person proved they read this address (the sign-up link, or setting a password from
    # an invitation). Until then a patient may fill in the intake but not book online.
    email_verified_at = models.DateTimeField("email verified at", null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects = UserManager()

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER

    @property
    def is_front_desk(self) -> bool:
        return self.role == Role.FRONT_DESK

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in (Role.PRACTITIONER, Role.FRONT_DESK, Role.MANAGER)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("“%(value)s” is not an IANA time zone, e.g. Europe/London.", params={"value": value})


def validate_country(value: str) -> None:
    if not phones.is_country(value):
        raise ValidationError(
            "“%(value)s” is not a country code. Use the two capital letters of ISO 3166-1, e.g. GB, US or AU.",
            params={"value": value},
        )


TIMEZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz)


class Location(models.Model):
    name = models.CharField(max_length=120, unique=True)
    address = models.TextField()
    phone = models.CharField(max_length=32, blank=True)
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, validators=[validate_timezone])
    # ISO 3166-1 alpha-2. Phone numbers typed without a country code for this location are read as
    # numbers of this country (clinic.queries.phone_region).
    country = models.CharField(
        max_length=2,
        validators=[validate_country],
        help_text="Phone numbers typed without a + code (for patients booked here, and this location's own) "
        "are read as numbers of this country.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_unique_name_per_location")]

    def __str__(self) -> str:
        return f"{self.name} ({self.location.name})"


class ServiceKind(models.TextChoices):
    INITIAL = "initial", "Initial consultation"
    FOLLOW_UP = "follow_up", "Follow-up"
    RE_EVALUATION = "re_evaluation", "Re-evaluation"


class Service(models.Model):
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=ServiceKind.choices)
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(480)])
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(120)],
        help_text="Time kept free after the appointment (cleaning, notes).",
    )
    bookable_online = models.BooleanField(default=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    description = models.TextField(blank=True, help_text="What patients see when they book.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=5), name="service_duration_positive"),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="service_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.buffer_minutes)


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class PractitionerProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="practitioner")
    licence_number = models.CharField(max_length=64)
    licence_body = models.CharField("licensing body", max_length=120)
    licence_expiry = models.DateField()
    bio = models.TextField(blank=True)
    specialties = models.CharField(max_length=255, blank=True, help_text="Comma-separated.")
    services = models.ManyToManyField(Service, related_name="practitioners", blank=True)
    locations = models.ManyToManyField(Location, related_name="practitioners", blank=True)
    capacity = models.PositiveSmallIntegerField(
        "parallel capacity",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="How many patients this practitioner can treat at once, in separate rooms.",
    )
    active = models.BooleanField(default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=_new_token)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=4), name="practitioner_capacity_range"
            ),
        ]

    def __str__(self) -> str:
        return self.user.full_name

    def licence_valid_on(self, day: dt.date) -> bool:
        """A practitioner cannot be booked from the licence expiry date onwards."""
        return day < self.licence_expiry

    @property
    def licence_expired(self) -> bool:
        return not self.licence_valid_on(timezone.localdate())


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """A block of local wall-clock time at a location. Several blocks a day express breaks.

    Overlapping blocks of one practitioner on one weekday are rejected by the database too (an
    exclusion constraint on PostgreSQL, triggers on SQLite; see migration 0002).
    """

    practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="workinghours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="workinghours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M} at {self.location}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The block must end after it starts."})
        if self.practitioner_id and self.start and self.end and self.weekday is not None:
            clash = (
                WorkingHours.objects.filter(
                    practitioner_id=self.practitioner_id, weekday=self.weekday, start__lt=self.end, end__gt=self.start
                )
                .exclude(pk=self.pk)
                .first()
            )
            if clash:
                raise ValidationError(
                    {"start": f"This block overlaps {clash.start:%H:%M}–{clash.end:%H:%M} on the same day."}
                )


class TimeOff(models.Model):
    practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="timeoff_end_after_start")]

    def __str__(self) -> str:
        return f"{self.practitioner}: {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "Time off must end after it starts."})


class ClinicPolicy(models.Model):
    """The clinic's rules. There is exactly one row (pk=1); use ClinicPolicy.get()."""

    # Upper bounds keep a typo (an extra zero or three) from breaking every booking page: the
    # dates these make overflow, and PostgreSQL's smallint would refuse the save with an error.
    min_notice_hours = models.PositiveSmallIntegerField(
        "minimum booking notice (hours)", default=12, validators=[MaxValueValidator(24 * 14)]
    )
    max_advance_days = models.PositiveSmallIntegerField(
        "maximum days in advance", default=90, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        "cancellation window (hours)",
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text="Cancelling later than this is a late cancellation.",
    )
    acute_cutoff_weeks = models.PositiveSmallIntegerField(
        default=6, validators=[MaxValueValidator(520)], help_text="Symptoms shorter than this are acute."
    )
    chronic_cutoff_weeks = models.PositiveSmallIntegerField(
        default=12,
        validators=[MaxValueValidator(520)],
        help_text="Symptoms longer than this are chronic; in between is subacute.",
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )

    class Meta:
        verbose_name = "clinic policy"
        verbose_name_plural = "clinic policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="clinicpolicy_singleton"),
            models.CheckConstraint(
                condition=Q(chronic_cutoff_weeks__gt=F("acute_cutoff_weeks")), name="clinicpolicy_cutoffs_ordered"
            ),
            models.CheckConstraint(condition=Q(max_advance_days__gte=1), name="clinicpolicy_advance_positive"),
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="clinicpolicy_step_positive"),
        ]

    def __str__(self) -> str:
        return "Clinic policy"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        acute, chronic = self.acute_cutoff_weeks, self.chronic_cutoff_weeks
        if acute is not None and chronic is not None and chronic <= acute:
            raise ValidationError({"chronic_cutoff_weeks": "The chronic cut-off must be longer than the acute one."})

    @classmethod
    def get(cls) -> ClinicPolicy:
        obj, created = cls.objects.get_or_create(pk=1)
        if created:  # a new clinic starts with the default reminders: email 48 h, SMS 2 h before
            ReminderOffset.objects.bulk_create(
                ReminderOffset(policy=obj, minutes_before=o.minutes, channel=o.channel) for o in DEFAULT_OFFSETS
            )
        return obj


def default_reminder_offsets() -> list[int]:
    """The old field's default, still named by migration 0001."""
    return [48, 2]


class ReminderOffset(models.Model):
    """One reminder before each appointment: "email 48 hours before". Rows with `policy` set are
    the clinic's default; a service with rows of its own uses those instead (scheduling plans
    them, scheduling.reminders says when they go out)."""

    policy = models.ForeignKey(
        ClinicPolicy, null=True, blank=True, on_delete=models.CASCADE, related_name="reminder_offsets"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="reminder_offsets"
    )
    minutes_before = models.PositiveIntegerField(
        validators=[MinValueValidator(MIN_OFFSET_MINUTES), MaxValueValidator(MAX_OFFSET_MINUTES)]
    )
    channel = models.CharField(max_length=8, choices=CHANNELS)

    class Meta:
        ordering = ["-minutes_before", "channel"]
        constraints = [
            models.CheckConstraint(
                condition=Q(policy__isnull=True, service__isnull=False) | Q(policy__isnull=False, service__isnull=True),
                name="reminderoffset_policy_or_service",
            ),
            models.CheckConstraint(
                condition=Q(minutes_before__gte=MIN_OFFSET_MINUTES, minutes_before__lte=MAX_OFFSET_MINUTES),
                name="reminderoffset_sane_range",
            ),
            models.UniqueConstraint(fields=["policy", "minutes_before", "channel"], name="reminderoffset_policy_once"),
            models.UniqueConstraint(
                fields=["service", "minutes_before", "channel"], name="reminderoffset_service_once"
            ),
        ]

    def __str__(self) -> str:
        return Offset(self.minutes_before or 0, self.channel).describe()


class JobHeartbeat(models.Model):
    """When each periodic job last ran, so a manager can see the worker and beat are alive."""

    name = models.CharField(max_length=64, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"


class PregnancyCaution(models.TextChoices):
    FORBIDDEN = "forbidden", "Traditionally forbidden in pregnancy"
    CHECK = "check", "Lower-abdominal, lumbar or sacral: check first"
    NONE = "none", "Not flagged"


class AcupuncturePoint(models.Model):
    """Reference data: the WHO 2008 standard points plus the extra points used for sciatica."""

    code = models.CharField(max_length=16, unique=True)  # e.g. BL40, EX-B2, ASHI
    channel_code = models.CharField(max_length=8)
    channel_name = models.CharField(max_length=64)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    pinyin = models.CharField(max_length=64)
    pinyin_plain = models.CharField(max_length=64)
    pregnancy_caution = models.CharField(max_length=12, choices=PregnancyCaution.choices)
    region = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["channel_code", "number", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.pinyin_plain}"
