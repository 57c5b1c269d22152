"""`manage.py seed_demo`: a small, realistic demo clinic. Safe to run again: it adds what is missing.

It lives in `plans` because plans may import every app (clinic ← patients ← scheduling ← plans), so
later issues can append steps that book appointments and start treatment plans. Each step is a small
function taking the shared `Demo` and filling it in; add yours to STEPS after the ones it needs.
The week of appointments (past, today's and the coming days') is in plans/management/demo_week.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clinic import phones
from clinic import services as clinic_services
from clinic.models import (
    ClinicPolicy,
    Location,
    PractitionerProfile,
    Role,
    Room,
    Service,
    ServiceKind,
    User,
    WorkingHours,
)
from patients import services as patient_services
from patients.models import Patient
from plans.management.demo_history import HistoryResult, seed_history
from plans.management.demo_week import WeekResult, seed_week

DEMO_PASSWORD = "acuclinic-demo-2026"
DEMO_DOMAIN = "demo.acuclinic.test"


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@dataclass
class Demo:
    """Everything the steps made or found, for the steps after them."""

    password_hash: str
    locations: dict[str, Location] = field(default_factory=dict)  # by short key: "london", "new_york"
    rooms: dict[str, list[Room]] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)  # by ServiceKind value
    manager: User | None = None
    front_desk: User | None = None
    practitioners: list[PractitionerProfile] = field(default_factory=list)
    patients: list[Patient] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, who)
    week: WeekResult | None = None
    history: HistoryResult | None = None


# --- the data -------------------------------------------------------------------------------

LOCATIONS = {
    "london": {
        "name": "Acuclinic Islington",
        "address": "27 Upper Street\nLondon N1 0PN\nUnited Kingdom",
        "phone": "+44 20 7946 0321",
        "timezone": "Europe/London",
        "country": "GB",
        "rooms": ["Treatment room 1", "Treatment room 2"],
    },
    "new_york": {
        "name": "Acuclinic Midtown",
        "address": "350 West 38th Street, Suite 4B\nNew York, NY 10018\nUnited States",
        "phone": "+1 212 555 0147",
        "timezone": "America/New_York",
        "country": "US",
        "rooms": ["Room A", "Room B"],
    },
}

SERVICES = {
    ServiceKind.INITIAL: {
        "name": "Initial consultation",
        "duration_minutes": 75,
        "buffer_minutes": 15,
        "price": Decimal("85.00"),
        "description": (
            "Your first visit. We go through your back and leg pain, your health history and the answers from "
            "your intake form, examine you, and agree whether acupuncture is right for you. If it is, your first "
            "treatment follows in the same visit. Wear loose clothing you can roll up above the knee."
        ),
    },
    ServiceKind.FOLLOW_UP: {
        "name": "Follow-up treatment",
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "price": Decimal("65.00"),
        "description": (
            "A treatment session in your plan: a short check on how your pain has been since last time, then "
            "about 25 minutes of acupuncture with the needles in place."
        ),
    },
    ServiceKind.RE_EVALUATION: {
        "name": "Re-evaluation",
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "price": Decimal("45.00"),
        "description": (
            "A review of your progress: we repeat the pain and function questions, re-examine you and decide "
            "together whether to continue, change or finish your treatment plan."
        ),
    },
}

# Two blocks a day: the gap between them is lunch.
_MORNING_LONDON, _AFTERNOON_LONDON = ("09:00", "12:30"), ("13:30", "17:30")
PRACTITIONERS = [
    {
        "local": "practitioner1",
        "full_name": "Mei Lin Zhou",
        "phone": "+44 7700 900101",
        "location": "london",
        "licence_number": "BAC-20417",
        "licence_body": "British Acupuncture Council",
        "licence_days": 700,
        "specialties": "Sciatica, low back pain, electroacupuncture",
        "bio": "Mei Lin has treated back pain and sciatica for fifteen years, in London and in Chengdu.",
        "capacity": 1,
        "weekdays": [0, 1, 2, 3, 4],
        "blocks": [_MORNING_LONDON, _AFTERNOON_LONDON],
    },
    {
        "local": "practitioner2",
        "full_name": "Tom Hargreaves",
        "phone": "+44 7700 900102",
        "location": "london",
        "licence_number": "BAC-31852",
        "licence_body": "British Acupuncture Council",
        "licence_days": 420,
        "specialties": "Sports injuries, sciatica, pregnancy care",
        "bio": "Tom was a physiotherapy assistant before training in acupuncture; he works with runners and cyclists.",
        "capacity": 1,
        "weekdays": [1, 2, 3, 4, 5],
        "blocks": [("10:00", "13:00"), ("14:00", "18:00")],
    },
    {
        "local": "practitioner3",
        "full_name": "Ana Ribeiro",
        "phone": "+1 212 555 0162",
        "location": "new_york",
        "licence_number": "L.Ac. 012345",
        "licence_body": "New York State Education Department",
        "licence_days": 540,
        "specialties": "Sciatica, chronic pain, stress",
        "bio": "Ana trained in Boston and has practised in Manhattan since 2012. She often treats two people at once.",
        "capacity": 2,
        "weekdays": [0, 1, 2, 3],
        "blocks": [("08:00", "12:00"), ("13:00", "17:00")],
    },
]

STAFF = [
    {"local": "manager", "full_name": "Morgan Blake", "role": Role.MANAGER, "phone": "+44 7700 900100"},
    {"local": "desk", "full_name": "Priya Desai", "role": Role.FRONT_DESK, "phone": "+44 20 7946 0322"},
]

# (full name, date of birth, London or New York). The first 20 sign in as patient1..patient20; the
# last 5 were added by the front desk over the phone and have no login (two gave no email at all).
PATIENTS = [
    ("Sarah Thompson", "1968-03-14", "london"),
    ("James O'Connor", "1975-11-02", "london"),
    ("Aisha Khan", "1983-07-21", "london"),
    ("David Williams", "1959-01-30", "london"),
    ("Emma Clarke", "1990-05-08", "london"),
    ("Oluwaseun Adeyemi", "1979-09-17", "london"),
    ("Margaret Hughes", "1952-12-03", "london"),
    ("Tomasz Nowak", "1986-04-25", "london"),
    ("Hannah Patel", "1994-08-11", "london"),
    ("Robert MacLeod", "1964-06-19", "london"),
    ("Chloe Martin", "1988-02-27", "london"),
    ("Daniel Evans", "1971-10-09", "london"),
    ("Maria Gonzalez", "1977-03-05", "new_york"),
    ("Michael Johnson", "1962-08-22", "new_york"),
    ("Jennifer Lee", "1985-12-14", "new_york"),
    ("Anthony Russo", "1956-05-31", "new_york"),
    ("Keisha Brown", "1992-01-18", "new_york"),
    ("Samuel Cohen", "1969-07-07", "new_york"),
    ("Linda Nguyen", "1980-10-26", "new_york"),
    ("Christopher Davis", "1973-04-12", "new_york"),
    ("Fatima Rahman", "1998-09-03", "london"),
    ("George Wilson", "1948-11-20", "london"),
    ("Patricia Walsh", "1966-02-09", "new_york"),
    ("Kevin O'Brien", "1984-06-28", "new_york"),
    ("Grace Kim", "2001-03-16", "new_york"),
]
PATIENTS_WITH_LOGIN = 20
PATIENTS_WITHOUT_EMAIL = {"Kevin O'Brien", "Grace Kim"}


def _phone(location_key: str, n: int) -> str:
    # Numbers reserved for drama and examples: Ofcom 07700 900xxx, and 555-01xx in North America.
    return f"+447700900{200 + n:03d}" if location_key == "london" else f"+1212555{100 + n:04d}"


def _time(hhmm: str) -> dt.time:
    return dt.time.fromisoformat(hhmm)


# --- the steps ------------------------------------------------------------------------------


def seed_policy(demo: Demo) -> None:
    ClinicPolicy.get()


def seed_locations(demo: Demo) -> None:
    for key, spec in LOCATIONS.items():
        location = Location.objects.filter(name=spec["name"]).first()
        if location is None:
            location = Location(
                name=spec["name"],
                address=spec["address"],
                phone=phones.to_e164(spec["phone"], region=spec["country"]),
                timezone=spec["timezone"],
                country=spec["country"],
            )
            location.full_clean()
            location.save()
        demo.locations[key] = location
        demo.rooms[key] = []
        for room_name in spec["rooms"]:
            room, _ = Room.objects.get_or_create(location=location, name=room_name)
            demo.rooms[key].append(room)


def seed_services(demo: Demo) -> None:
    for kind, spec in SERVICES.items():
        service = Service.objects.filter(name=spec["name"]).first()
        if service is None:
            service = Service(kind=kind, bookable_online=True, **spec)
            service.full_clean()
            service.save()
        demo.services[str(kind)] = service
    # The plan templates are seeded by a migration, before any service exists: give them the demo's follow-up.
    from plans.models import PlanTemplate

    follow_up = demo.services[str(ServiceKind.FOLLOW_UP)]
    PlanTemplate.objects.filter(follow_up_service__isnull=True).update(follow_up_service=follow_up)


def _staff_account(demo: Demo, *, local: str, full_name: str, role: str, phone: str, **practitioner) -> User:
    email = demo_email(local)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = clinic_services.staff_create(email=email, full_name=full_name, role=role, phone=phone, **practitioner)
        # One hash for every demo account: hashing 45 times would make seeding slow for no benefit.
        user.password = demo.password_hash
        user.save(update_fields=["password"])
    return user


def seed_staff(demo: Demo) -> None:
    for spec in STAFF:
        user = _staff_account(demo, **spec)
        if spec["role"] == Role.MANAGER:
            demo.manager = user
        else:
            demo.front_desk = user
        demo.logins.append((user.get_role_display(), user.email, user.full_name))


def seed_practitioners(demo: Demo) -> None:
    today = timezone.localdate()
    for spec in PRACTITIONERS:
        location = demo.locations[spec["location"]]
        user = _staff_account(
            demo,
            local=spec["local"],
            full_name=spec["full_name"],
            role=Role.PRACTITIONER,
            phone=spec["phone"],
            licence_number=spec["licence_number"],
            licence_body=spec["licence_body"],
            licence_expiry=today + dt.timedelta(days=spec["licence_days"]),
            locations=[location],
            services=list(demo.services.values()),
        )
        profile = user.practitioner
        if not profile.bio:
            profile.bio, profile.specialties, profile.capacity = spec["bio"], spec["specialties"], spec["capacity"]
            profile.full_clean()
            profile.save(update_fields=["bio", "specialties", "capacity"])
        for weekday in spec["weekdays"]:
            for start, end in spec["blocks"]:
                if not WorkingHours.objects.filter(practitioner=profile, weekday=weekday, start=_time(start)).exists():
                    block = WorkingHours(
                        practitioner=profile, location=location, weekday=weekday, start=_time(start), end=_time(end)
                    )
                    block.full_clean()
                    block.save()
        demo.practitioners.append(profile)
        demo.logins.append(("Practitioner", user.email, f"{user.full_name} ({location.name}, {location.timezone})"))


def seed_patients(demo: Demo) -> None:
    for n, (full_name, dob, location_key) in enumerate(PATIENTS, start=1):
        date_of_birth = dt.date.fromisoformat(dob)
        patient = Patient.objects.filter(full_name=full_name, date_of_birth=date_of_birth).first()
        if patient is None:
            email = "" if full_name in PATIENTS_WITHOUT_EMAIL else demo_email(f"patient{n}")
            phone = _phone(location_key, n)
            user = None
            if n <= PATIENTS_WITH_LOGIN:
                user = User(
                    email=email,
                    full_name=full_name,
                    phone=phone,
                    role=Role.PATIENT,
                    password=demo.password_hash,
                    email_verified_at=timezone.now(),  # demo logins can book at once
                )
                user.full_clean()
                user.save()
            patient = patient_services.patient_create(
                full_name=full_name,
                email=email,
                phone=phone,
                date_of_birth=date_of_birth,
                user=user,
                created_by=None if user else demo.front_desk,
                consent_sms=n % 3 != 0,
            )
        demo.patients.append(patient)
    with_login = [p for p in demo.patients if p.user_id]
    if with_login:
        demo.logins.append(
            ("Patient", with_login[0].email, f"… up to {with_login[-1].email} ({len(with_login)} patients with logins)")
        )


def seed_appointments(demo: Demo) -> None:
    """A week around today at both locations, each patient at their own location (PATIENTS says which)."""
    by_location: dict[Location, list[Patient]] = {location: [] for location in demo.locations.values()}
    for (_, _, location_key), patient in zip(PATIENTS, demo.patients, strict=True):
        by_location[demo.locations[location_key]].append(patient)
    demo.week = seed_week(patients_by_location=by_location, services=demo.services, desk=demo.front_desk)


def seed_plan_history(demo: Demo) -> None:
    """Three months of finished acute and chronic sciatica plans with scores, for the outcome report."""
    from plans.models import PlanTemplate

    templates = {t.acuity: t for t in PlanTemplate.objects.filter(active=True, acuity__in=["acute", "chronic"])}
    assert demo.front_desk is not None
    demo.history = seed_history(
        locations=list(demo.locations.values()),
        practitioners=demo.practitioners,
        templates=templates,
        initial_service=demo.services[str(ServiceKind.INITIAL)],
        desk=demo.front_desk,
    )


# Later issues: append steps here.
STEPS = [
    seed_policy,
    seed_locations,
    seed_services,
    seed_staff,
    seed_practitioners,
    seed_patients,
    seed_appointments,
    seed_plan_history,
]


def run(*, steps=None) -> Demo:
    demo = Demo(password_hash=make_password(DEMO_PASSWORD))
    with transaction.atomic():
        for step in steps or STEPS:
            step(demo)
    return demo


class Command(BaseCommand):
    help = (
        "Create a demo clinic (2 locations, 3 practitioners, 25 patients) and a week of appointments around today. "
        "Safe to run again."
    )

    def handle(self, *args, **options):
        try:
            # The demo password must pass the same rules as everyone else's.
            validate_password(DEMO_PASSWORD)
        except ValidationError as exc:
            raise CommandError(f"The demo password is not accepted: {' '.join(exc.messages)}")
        demo = run()
        out = self.stdout
        out.write(self.style.SUCCESS("Demo clinic ready."))
        for key, location in demo.locations.items():
            rooms = ", ".join(r.name for r in demo.rooms[key])
            out.write(f"  {location.name} ({location.timezone}): {rooms}")
        if demo.week is not None:
            out.write(f"  The demo week: {demo.week.summary()}.")
        if demo.history is not None:
            out.write(f"  Treatment-plan history (last 3 months): {demo.history.summary()}.")
        out.write("")
        out.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        role_w = max(len(role) for role, _, _ in demo.logins)
        email_w = max(len(email) for _, email, _ in demo.logins)
        for role, email, who in demo.logins:
            out.write(f"  {role:<{role_w}}  {email:<{email_w}}  {who}")
