"""Build a large, busy clinic for the benchmark (never the development database).

    .venv/bin/python bench/generate.py                          # 300,000 appointments -> var/bench.sqlite3
    .venv/bin/python bench/generate.py --appointments 30000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench .venv/bin/python bench/generate.py

The database is dropped and rebuilt (its name must contain "bench"), migrated, then filled with
bulk_create in batches. Same seed, same rows: the clinic's "today" is fixed (common.ANCHOR_DATE) and
every random choice comes from one seeded RNG.

The clinic: 3 locations in 3 zones, 25 practitioners (capacity 1-3, lunch breaks, Saturdays for
some), rooms for about four fifths of the parallel capacity (so rooms are sometimes the limit),
20,000 patients (about 60% with a login), holidays, sick days and half days off.

Appointments are laid out day by day, backwards from the end of the booking horizon (today + 90
days). At each free grid point of a lane a visit is placed with probability 0.85 next week, falling
to 0.10 at 90 days ahead, and 0.72 in the past (which fills about 3 years at 300,000 rows).
Each practitioner works `capacity` staggered lanes of back-to-back visits (service + buffer, on the
15-minute grid from the block start), and each visit takes the first room free at its time, so
there is never an overlap in a room or above a practitioner's capacity: the room guard (SQLite
triggers / PostgreSQL exclusion constraint) stays on during the load and checks every row. Going
backwards until --appointments are made means a smaller dataset is the same clinic with a shorter
history: the near future that availability reads is the same at 30,000 and at 300,000 rows.
Statuses: past visits completed or no-show, one under way checked in, future ones booked; cancelled
visits sit both on freed slots and under re-booked ones (they hold no room).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

UTC = dt.UTC
MIN = 60
STEP = 15 * MIN
BATCH = 5000

LOCATIONS = [
    # name, zone, share of the practitioners
    ("Bench Islington", "Europe/London", 9),
    ("Bench Midtown", "America/New_York", 8),
    ("Bench Surry Hills", "Australia/Sydney", 8),
]

# name, kind, minutes, buffer, share of visits
SERVICES = [
    ("Initial consultation", "initial", 75, 15, 0.12),
    ("Follow-up treatment", "follow_up", 45, 15, 0.73),
    ("Re-evaluation", "re_evaluation", 30, 10, 0.15),
]

# Weekly patterns in local wall-clock time (weekday Monday=0, blocks with a lunch break).
PATTERNS = [
    ((0, 1, 2, 3, 4), (("08:00", "12:30"), ("13:30", "18:00"))),
    ((1, 2, 3, 4, 5), (("09:00", "13:00"), ("14:00", "19:00"))),
    ((0, 1, 3, 4, 5), (("07:30", "12:00"), ("12:45", "18:15"))),
    ((0, 2, 3, 4, 5), (("10:00", "14:00"), ("15:00", "20:00"))),
    ((0, 1, 2, 3, 5), (("08:30", "13:00"), ("14:00", "19:30"))),
]

CAPACITIES = (2, 2, 3, 2, 1, 2, 3, 2)  # cycled: mostly two rooms in parallel, a few one or three
ROOMS_PER_LANE = 0.8
MAX_ADVANCE_DAYS = 90
CANCEL_REASONS = ("Unwell", "Work commitment", "Childcare", "Travel", "Feeling better", "Another appointment")
FIRST = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Ivy",
    "Leo",
    "Sofia",
    "Oscar",
    "Grace",
    "Harry",
    "Aisha",
    "Mohammed",
    "Lily",
    "Jack",
    "Chloe",
    "Ethan",
    "Mei",
    "Raj",
    "Ana",
    "Tom",
]
LAST = [
    "Smith",
    "Jones",
    "Patel",
    "Williams",
    "Brown",
    "Taylor",
    "Nguyen",
    "Kim",
    "Garcia",
    "Khan",
    "Walsh",
    "Cohen",
    "Rossi",
    "Novak",
    "Chen",
    "Singh",
    "Murphy",
    "Evans",
    "Wilson",
    "Clarke",
]


def t(s: str) -> dt.time:
    return dt.time.fromisoformat(s)


@dataclass
class Prac:
    index: int
    pk: int
    location: int  # index into LOCATIONS
    capacity: int
    weekdays: tuple[int, ...]
    blocks: tuple[tuple[dt.time, dt.time], ...]
    user_id: int = 0
    pool: list[int] = field(default_factory=list)  # patient indexes
    off_days: set[dt.date] = field(default_factory=set)
    half_days: set[dt.date] = field(default_factory=set)
    years_done: set[int] = field(default_factory=set)


def reset_database(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Generator:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.anchor = dt.date.fromisoformat(common.ANCHOR_DATE)
        self.now = dt.datetime.combine(self.anchor, t(common.ANCHOR_UTC_TIME), tzinfo=UTC)
        self.now_ts = int(self.now.timestamp())
        self.timings: dict[str, float] = {}

    # --- the practice ----------------------------------------------------------------------

    def build_practice(self):
        from django.contrib.auth.hashers import make_password

        from clinic import phones
        from clinic.models import ClinicPolicy, Location, PractitionerProfile, Role, Room, Service, User, WorkingHours

        policy = ClinicPolicy.get()
        policy.min_notice_hours, policy.max_advance_days, policy.slot_step_minutes = 12, MAX_ADVANCE_DAYS, 15
        policy.save()
        self.password = make_password(common.BENCH_PASSWORD)
        self.services = []
        for name, kind, minutes, buffer, share in SERVICES:
            svc = Service.objects.create(
                name=name, kind=kind, duration_minutes=minutes, buffer_minutes=buffer, bookable_online=True
            )
            self.services.append((svc, minutes * MIN, buffer * MIN, share))
        self.service_cum = []
        acc = 0.0
        for _, _, _, share in self.services:
            acc += share
            self.service_cum.append(acc)

        total_share = sum(s for _, _, s in LOCATIONS)
        n = self.args.practitioners
        per_loc = [math.floor(n * s / total_share) for _, _, s in LOCATIONS]
        for i in range(n - sum(per_loc)):
            per_loc[i % len(per_loc)] += 1

        staff = [
            User(email="desk@bench.acuclinic.test", full_name="Bench Front Desk", role=Role.FRONT_DESK),
            User(email="manager@bench.acuclinic.test", full_name="Bench Manager", role=Role.MANAGER),
        ]
        for u in staff:
            u.password = self.password
        User.objects.bulk_create(staff)
        self.desk_user_id = User.objects.get(email="desk@bench.acuclinic.test").pk

        self.locations = []
        self.pracs: list[Prac] = []
        all_services = [s for s, *_ in self.services]
        k = 0
        for li, ((name, zone, _), count) in enumerate(zip(LOCATIONS, per_loc, strict=True)):
            loc = Location.objects.create(
                name=name, address=f"{name}\nBench Street 1", timezone=zone, country=phones.country_for_timezone(zone)
            )
            caps = []
            for _ in range(count):
                weekdays, blocks = PATTERNS[k % len(PATTERNS)]
                cap = CAPACITIES[k % len(CAPACITIES)]
                caps.append(cap)
                user = User.objects.create(
                    email=f"practitioner{k + 1}@bench.acuclinic.test",
                    full_name=f"{FIRST[k % len(FIRST)]} {LAST[(k * 7) % len(LAST)]} (bench {k + 1})",
                    role=Role.PRACTITIONER,
                    password=self.password,
                )
                prof = PractitionerProfile.objects.create(
                    user=user,
                    licence_number=f"BENCH-{k + 1:04d}",
                    licence_body="Bench Licensing Board",
                    licence_expiry=self.anchor + dt.timedelta(days=400 + 37 * k),
                    capacity=cap,
                )
                prof.services.set(all_services)
                prof.locations.set([loc])
                prac = Prac(
                    index=k,
                    pk=prof.pk,
                    location=li,
                    capacity=cap,
                    weekdays=weekdays,
                    blocks=tuple((t(a), t(b)) for a, b in blocks),
                    user_id=user.pk,
                )
                WorkingHours.objects.bulk_create(
                    WorkingHours(practitioner=prof, location=loc, weekday=wd, start=a, end=b)
                    for wd in weekdays
                    for a, b in prac.blocks
                )
                self.pracs.append(prac)
                k += 1
            n_rooms = max(2, round(sum(caps) * ROOMS_PER_LANE))
            rooms = Room.objects.bulk_create(Room(location=loc, name=f"Room {r + 1}") for r in range(n_rooms))
            room_ids = [r.pk for r in rooms] if rooms[0].pk else list(loc.rooms.values_list("pk", flat=True))
            self.locations.append({"obj": loc, "tz": ZoneInfo(zone), "rooms": room_ids, "pracs": []})
        for p in self.pracs:
            self.locations[p.location]["pracs"].append(p)

    # --- patients ----------------------------------------------------------------------------

    def build_patients(self):
        from clinic.models import Role, User
        from patients.models import Patient, name_key, phone_digits, phone_key

        rng = self.rng
        n = self.args.patients
        with_login = [i == 0 or rng.random() < self.args.login_share for i in range(n)]
        users = []
        for i in range(n):
            if with_login[i]:
                email = common.BENCH_PATIENT_EMAIL if i == 0 else f"patient{i}@bench.acuclinic.test"
                users.append(
                    User(
                        email=email,
                        full_name=self._name(i),
                        role=Role.PATIENT,
                        password=self.password,
                        date_joined=self.now - dt.timedelta(days=rng.randint(0, 1500)),
                        email_verified_at=self.now,
                    )
                )
        self._bulk(User, users)
        by_email = dict(User.objects.filter(role=Role.PATIENT).values_list("email", "pk"))
        patients = []
        for i in range(n):
            phone = f"+447400{i:06d}" if i % 3 == 0 else f"+121255{i:05d}"  # E.164, as the services store it
            email = ""
            if with_login[i]:
                email = common.BENCH_PATIENT_EMAIL if i == 0 else f"patient{i}@bench.acuclinic.test"
            elif rng.random() < 0.7:
                email = f"nologin{i}@bench.acuclinic.test"
            patients.append(
                Patient(
                    user_id=by_email.get(email) if with_login[i] else None,
                    full_name=self._name(i),
                    email=email,
                    phone=phone,
                    phone_key=phone_key(phone),
                    name_key=name_key(self._name(i)),  # bulk_create skips Patient.save(): the search keys
                    phone_digits=phone_digits(phone),
                    date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 65)),
                    created_at=self.now - dt.timedelta(days=rng.randint(0, 1500)),
                )
            )
        self._bulk(Patient, patients)
        rows = list(Patient.objects.order_by("pk").values_list("pk", "user_id"))
        self.patient_ids = [pk for pk, _ in rows]
        self.patient_users = [uid for _, uid in rows]
        # Each patient sees one practitioner (the pools are what the visits draw from).
        for i in range(n):
            self.pracs[i % len(self.pracs)].pool.append(i)

    def _name(self, i: int) -> str:
        if i == 0:
            return "Bench Patient"
        return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"

    # --- time off ----------------------------------------------------------------------------

    def ensure_time_off(self, p: Prac, year: int) -> None:
        """Holidays, sick days and afternoons off for one practitioner and year (own RNG: stable)."""
        if year in p.years_done:
            return
        p.years_done.add(year)
        rng = random.Random(f"{self.args.seed}-{p.index}-{year}")
        jan1 = dt.date(year, 1, 1)
        for _ in range(3):  # holidays of 4-12 days
            first = jan1 + dt.timedelta(days=rng.randint(0, 355))
            for d in range(rng.randint(4, 12)):
                p.off_days.add(first + dt.timedelta(days=d))
        for _ in range(4):  # sick days
            p.off_days.add(jan1 + dt.timedelta(days=rng.randint(0, 364)))
        for _ in range(4):  # training afternoons: off from 13:00
            p.half_days.add(jan1 + dt.timedelta(days=rng.randint(0, 364)))

    # --- appointments ------------------------------------------------------------------------

    def fill_rate(self, day: dt.date) -> float:
        ahead = (day - self.anchor).days
        if ahead < 0:
            return 0.72
        if ahead <= 7:
            return 0.85
        return max(0.1, 0.85 - 0.75 * (ahead - 7) / (MAX_ADVANCE_DAYS - 7))

    def pick_service(self) -> int:
        r = self.rng.random()
        for i, c in enumerate(self.service_cum):
            if r < c:
                return i
        return len(self.service_cum) - 1

    def day_for_location(self, li: int, day: dt.date) -> list[tuple]:
        """One local day at one location: (start, end, busy_until, prac index, service index, room, cancelled)."""
        rng = self.rng
        loc = self.locations[li]
        tz = loc["tz"]
        fill = self.fill_rate(day)
        wd = day.weekday()
        wanted = []  # visits that will hold a room
        cancelled = []  # freed slots (they hold nothing)
        for p in loc["pracs"]:
            if wd not in p.weekdays:
                continue
            self.ensure_time_off(p, day.year)
            if day in p.off_days:
                continue
            lunch = int(dt.datetime.combine(day, dt.time(13), tzinfo=tz).timestamp()) if day in p.half_days else None
            for a, b in p.blocks:
                bs = int(dt.datetime.combine(day, a, tzinfo=tz).timestamp())
                be = int(dt.datetime.combine(day, b, tzinfo=tz).timestamp())
                if lunch is not None:
                    be = min(be, lunch - 15 * MIN)  # the last buffer ends before the time off starts
                for lane in range(p.capacity):
                    s = bs + lane * STEP  # parallel patients are staggered by 15 minutes
                    while True:
                        si = self.pick_service()
                        _, dur, buf, _ = self.services[si]
                        if s + dur > be:
                            break
                        if rng.random() < fill:
                            wanted.append((s, s + dur, s + dur + buf, p.index, si))
                            s = bs + -(-(s + dur + buf - bs) // STEP) * STEP  # next grid point
                        else:
                            if rng.random() < 0.15:
                                cancelled.append((s, s + dur, s + dur + buf, p.index, si))
                            s += STEP * rng.choice((1, 1, 2, 4))
        wanted.sort()
        rooms = loc["rooms"]
        free_at = [0] * len(rooms)
        out = []
        for s, e, bu, pi, si in wanted:
            for r in range(len(rooms)):
                if free_at[r] <= s:
                    free_at[r] = bu
                    out.append((s, e, bu, pi, si, rooms[r], False))
                    if rng.random() < 0.06:  # cancelled earlier, slot re-booked
                        out.append((s, e, bu, pi, si, rooms[r], True))
                    break
        for s, e, bu, pi, si in cancelled:
            out.append((s, e, bu, pi, si, rng.choice(rooms), True))
        return out

    def layout(self) -> list[tuple]:
        target = self.args.appointments
        rows: list[tuple] = []
        day = self.anchor + dt.timedelta(days=self.args.future_days)
        while len(rows) < target:
            for li in range(len(self.locations)):
                rows.extend(self.day_for_location(li, day))
            day -= dt.timedelta(days=1)
        # The earliest day was only partly needed: keep its latest visits.
        rows.sort(key=lambda r: r[0], reverse=True)
        del rows[target:]
        self.first_day = day + dt.timedelta(days=1)
        self.last_day = self.anchor + dt.timedelta(days=self.args.future_days)
        return rows

    def make_appointments(self, rows: list[tuple]) -> None:
        from scheduling.models import Appointment
        from scheduling.models import AppointmentStatus as S

        rng = self.rng
        now_ts = self.now_ts
        to_dt = dt.datetime.fromtimestamp
        loc_of = [self.locations[p.location]["obj"].pk for p in self.pracs]
        svc_ids = [s.pk for s, *_ in self.services]
        bench_patient_done = False
        batch = []
        # Newest first: each room-guard check (trigger/exclusion) then looks at a handful of rows.
        for s, e, bu, pi, si, room, is_cancelled in rows:
            p = self.pracs[pi]
            patient_index = rng.choice(p.pool) if p.pool else 0
            if not bench_patient_done and pi == 0 and s + 86400 < now_ts and not is_cancelled:
                patient_index, bench_patient_done = 0, True  # the benchmark patient has been before
            lead = rng.randint(2 * 3600, 30 * 86400)
            created = min(s - lead, now_ts - 60)
            if is_cancelled:
                status = S.CANCELLED
            elif s <= now_ts < e:
                status = S.CHECKED_IN
            elif s < now_ts:
                status = S.NO_SHOW if rng.random() < 0.055 else S.COMPLETED
            else:
                status = S.BOOKED
            user_id = self.patient_users[patient_index]
            booked_by = user_id if (user_id and rng.random() < 0.6) else self.desk_user_id
            a = Appointment(
                practitioner_id=p.pk,
                patient_id=self.patient_ids[patient_index],
                service_id=svc_ids[si],
                location_id=loc_of[pi],
                room_id=room,
                start=to_dt(s, UTC),
                end=to_dt(e, UTC),
                busy_until=to_dt(bu, UTC),
                status=status,
                booked_by_id=booked_by,
                ics_uid=f"{rng.getrandbits(128):032x}",
                created_at=to_dt(created, UTC),
            )
            if status == S.CHECKED_IN:
                a.checked_in_at = to_dt(s, UTC)
            if is_cancelled:
                until = min(s, now_ts)
                cancelled_at = created + int((until - created) * rng.uniform(0.2, 1.0))
                a.cancelled_at = to_dt(cancelled_at, UTC)
                a.cancelled_by_id = user_id if (user_id and rng.random() < 0.5) else self.desk_user_id
                a.cancellation_reason = rng.choice(CANCEL_REASONS)
                a.late_cancel = s - cancelled_at < 24 * 3600
            batch.append(a)
            if len(batch) >= BATCH:
                Appointment.objects.bulk_create(batch)
                batch = []
        if batch:
            Appointment.objects.bulk_create(batch)

    def make_time_off(self) -> int:
        from clinic.models import TimeOff

        rows = []
        for p in self.pracs:
            tz = self.locations[p.location]["tz"]
            days = sorted(d for d in p.off_days if self.first_day <= d <= self.last_day)
            run_start = prev = None
            for d in [*days, None]:
                if d is not None and prev is not None and d == prev + dt.timedelta(days=1):
                    prev = d
                    continue
                if run_start is not None:
                    rows.append(
                        TimeOff(
                            practitioner_id=p.pk,
                            start=dt.datetime.combine(run_start, dt.time(0), tzinfo=tz).astimezone(UTC),
                            end=dt.datetime.combine(prev + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(UTC),
                            reason="Holiday" if prev > run_start else "Sick day",
                        )
                    )
                run_start = prev = d
            for d in sorted(p.half_days):
                if self.first_day <= d <= self.last_day and d not in p.off_days:
                    rows.append(
                        TimeOff(
                            practitioner_id=p.pk,
                            start=dt.datetime.combine(d, dt.time(13), tzinfo=tz).astimezone(UTC),
                            end=dt.datetime.combine(d, dt.time(23), tzinfo=tz).astimezone(UTC),
                            reason="Training",
                        )
                    )
        TimeOff.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    # --- helpers -----------------------------------------------------------------------------

    def _bulk(self, model, objs) -> None:
        for i in range(0, len(objs), BATCH):
            model.objects.bulk_create(objs[i : i + BATCH])

    def phase(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[name] = round(now - started, 2)
        print(f"  {name}: {now - started:.1f} s", flush=True)
        return now


def dataset_sizes() -> dict:
    from django.db.models import Count

    from clinic.models import Location, PractitionerProfile, Room, TimeOff, User, WorkingHours
    from patients.models import Patient
    from scheduling.models import Appointment

    by_status = dict(Appointment.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {
        "locations": Location.objects.count(),
        "rooms": Room.objects.count(),
        "practitioners": PractitionerProfile.objects.count(),
        "working_hours_blocks": WorkingHours.objects.count(),
        "time_off": TimeOff.objects.count(),
        "patients": Patient.objects.count(),
        "users": User.objects.count(),
        "appointments": Appointment.objects.count(),
        "appointments_by_status": dict(sorted(by_status.items())),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=300_000)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--practitioners", type=int, default=25)
    parser.add_argument(
        "--future-days", type=int, default=MAX_ADVANCE_DAYS, help="booked this far ahead (the horizon: 90)"
    )
    parser.add_argument("--login-share", type=float, default=0.6, help="share of patients with a login")
    parser.add_argument("--seed", type=int, default=20260309)
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else sqlite:///var/bench.sqlite3")
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after the load")
    args = parser.parse_args(argv)

    url = common.database_url(args.database_url)
    common.check_is_bench_database(url)
    started = t0 = time.perf_counter()
    print(f"Generating {args.appointments:,} appointments into {url}", flush=True)
    reset_database(url)
    common.setup_django(url)

    from django.core.management import call_command
    from django.db import connection, transaction

    g = Generator(args)
    call_command("migrate", verbosity=0)
    t0 = g.phase("migrate", t0)
    with transaction.atomic():
        g.build_practice()
        g.build_patients()
        t0 = g.phase("practice + patients", t0)
        rows = g.layout()
        t0 = g.phase("layout", t0)
        g.make_appointments(rows)
        n_off = g.make_time_off()
        t0 = g.phase(f"insert appointments + {n_off} time off", t0)
    if not args.no_analyze:
        with connection.cursor() as cur:
            # On PostgreSQL, VACUUM also sets the visibility map that index-only scans rely on, as
            # autovacuum would on a live database (outside a transaction: Django autocommits here).
            cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        t0 = g.phase("analyze", t0)
    sizes = dataset_sizes()
    meta = {
        "anchor": common.ANCHOR_DATE,
        "now": g.now.isoformat(),
        "seed": args.seed,
        "requested_appointments": args.appointments,
        "first_day": g.first_day.isoformat(),
        "last_day": g.last_day.isoformat(),
        "history_days": (g.anchor - g.first_day).days,
        "sizes": sizes,
        "vendor": connection.vendor,
        "analyzed": not args.no_analyze,
        "generate_seconds": round(time.perf_counter() - started, 1),
        "timings": g.timings,
    }
    common.write_meta(meta)
    connection.close()
    print(f"Done in {meta['generate_seconds']} s: {sizes}", flush=True)
    print(f"Span {meta['first_day']} .. {meta['last_day']} (today in the data: {common.ANCHOR_DATE})")
    return meta


if __name__ == "__main__":
    main()
