"""Time the practitioner's My day page on the generated clinic (bench/generate.py).

    .venv/bin/python bench/myday.py                         # var/bench.sqlite3, 100 timed runs per case
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench_w8 .venv/bin/python bench/myday.py

The practitioner is the one with the most appointments on the data's "today" (their local date). The generated
data has no clinical records, so the script adds, inside a transaction it rolls back (the database is left as it
was), what a practitioner's real day has behind it: for every patient on the day, a signed visit note with 6
points for each of their completed visits so far (their whole history, so the page's reads are tested against
years of notes, not one), and an active plan whose sessions are their last completed visits and today's
appointment (seeded RNG: session numbers vary, some land on a review).

Cases (bench/run.py's measure(): warm-ups, one run counting queries, timed runs, CPU time):
  M   GET /plans/day/ through django.test.Client as that practitioner: session, middleware, the view (today's
      appointments, alerts, intake status, plan progress, last-visit summaries, unsigned notes, reviews due,
      the audit rows it writes), the template;
  M0  the page's data alone: the same reads without the request and template (plans.views.my_day's calls);
  M-  the page before the clinical records were added (the bare generated data).
Results: a Markdown table on stdout and bench/results/myday-<vendor>-<N>k.json. Exits 1 if M's p50 > 30 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGET_P50_MS = 30.0
POINTS_PER_VISIT = 6


def busiest(day: dt.date):
    """The practitioner with the most appointments (not cancelled) on `day` in their location's zone."""
    from collections import Counter

    from scheduling.models import Appointment

    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) - dt.timedelta(hours=14)
    end = start + dt.timedelta(hours=52)
    counts: Counter[int] = Counter()
    rows = (
        Appointment.objects.filter(start__gte=start, start__lt=end)
        .exclude(status="cancelled")
        .select_related("location")
    )
    for a in rows:
        if a.start.astimezone(a.location.tz).date() == day:
            counts[a.practitioner_id] += 1
    pk, n = counts.most_common(1)[0]
    return pk, n


def add_records(practitioner_id: int, day: dt.date, seed: int) -> dict:
    """Signed visit notes for the day's patients' past completed visits, and a plan around today's visit."""
    from clinic.models import AcupuncturePoint, PractitionerProfile
    from plans.models import PlanSession, PlanTemplate, TreatmentPlan
    from plans.visit_models import VisitPoint, VisitRecord
    from scheduling.models import Appointment

    rng = random.Random(seed)
    profile = PractitionerProfile.objects.select_related("user").get(pk=practitioner_id)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) - dt.timedelta(hours=14)
    end = start + dt.timedelta(hours=52)
    today = [
        a
        for a in Appointment.objects.filter(practitioner_id=practitioner_id, start__gte=start, start__lt=end)
        .exclude(status="cancelled")
        .select_related("location")
        if a.start.astimezone(a.location.tz).date() == day
    ]
    patients = {a.patient_id for a in today}
    history: dict[int, list[Appointment]] = {}
    for a in Appointment.objects.filter(patient_id__in=patients, status="completed", start__lt=start).order_by(
        "patient_id", "start"
    ):
        history.setdefault(a.patient_id, []).append(a)
    point_ids = list(AcupuncturePoint.objects.values_list("pk", flat=True)[:60])
    visits = []
    for mine in history.values():
        for a in mine:
            leg = rng.randint(2, 8)
            visits.append(
                VisitRecord(
                    appointment=a,
                    patient_id=a.patient_id,
                    practitioner_id=a.practitioner_id,
                    author=profile.user,
                    created_at=a.start,
                    updated_at=a.start,
                    leg_pain_before=leg,
                    leg_pain_after=max(0, leg - rng.randint(0, 3)),
                    pattern="qi_blood_stagnation",
                    signed_at=a.end,
                    signed_by=profile.user,
                )
            )
    VisitRecord.objects.bulk_create(visits, batch_size=1000)
    VisitPoint.objects.bulk_create(
        [
            VisitPoint(visit=v, point_id=p, position=i)
            for v in visits
            for i, p in enumerate(rng.sample(point_ids, POINTS_PER_VISIT))
        ],
        batch_size=2000,
    )
    template = PlanTemplate.objects.get(name="Sciatica - chronic")
    plans, sessions = [], []
    for a in today:
        past = history.get(a.patient_id, [])
        k = rng.randint(1, min(template.sessions_default, len(past) + 1))
        plan = TreatmentPlan(
            patient_id=a.patient_id,
            practitioner_id=practitioner_id,
            template=template,
            acuity=template.acuity,
            start_date=(past[-(k - 1)].start if k > 1 else a.start).date(),
            planned_sessions=template.sessions_default,
            cadence=list(template.cadence),
            review_sessions=list(template.review_sessions),
            location_id=a.location_id,
            status="active",
            created_by=profile.user,
        )
        plans.append(plan)
        mine = (past[-(k - 1) :] if k > 1 else []) + [a]
        sessions.append(mine)
    TreatmentPlan.objects.bulk_create(plans)
    PlanSession.objects.bulk_create(
        [
            PlanSession(plan=plan, number=n, appointment=appt, of_total=plan.planned_sessions)
            for plan, mine in zip(plans, sessions, strict=True)
            for n, appt in enumerate(mine, start=1)
        ]
    )
    return {
        "appointments_today": len(today),
        "patients": len(patients),
        "visit_notes": len(visits),
        "visit_points": len(visits) * POINTS_PER_VISIT,
        "plans": len(plans),
        "reviews_on_the_day": sum(1 for p, m in zip(plans, sessions, strict=True) if p.is_review(len(m))),
    }


def run(args) -> dict:
    import time_machine
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from bench.run import measure
    from clinic.models import PractitionerProfile

    now = dt.datetime.fromisoformat(f"{common.ANCHOR_DATE}T{common.ANCHOR_UTC_TIME}+00:00")
    day = dt.date.fromisoformat(common.ANCHOR_DATE)
    results: dict = {}
    with time_machine.travel(now, tick=True), transaction.atomic():
        practitioner_id, count = busiest(day)
        profile = PractitionerProfile.objects.select_related("user").get(pk=practitioner_id)
        client = Client()
        client.force_login(profile.user)
        url = reverse("plans:my_day")

        def page():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            body = response.content.decode()
            return {
                "bytes": len(body),
                "rows": body.count('data-testid="appointment"'),
                "last_visit": body.count('data-testid="last-visit"'),
            }

        def reads():
            return my_day_reads(profile, day)

        if not args.only or "M-" in args.only:
            results["M-"] = measure(page, repeats=args.repeats, warmup=args.warmup)
        made = add_records(practitioner_id, day, args.seed)
        for name, fn in (("M", page), ("M0", reads)):
            if not args.only or name in args.only:
                results[name] = measure(fn, repeats=args.repeats, warmup=args.warmup)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(lambda: [page() for _ in range(10)])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(90)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        transaction.set_rollback(True)
    n = common.read_meta().get("sizes", {}).get("appointments")
    return {
        "vendor": connection.vendor,
        "appointments": n,
        "day": str(day),
        "practitioner": profile.user.full_name,
        "appointments_that_day": count,
        "made": made,
        "results": results,
    }


def my_day_reads(profile, day: dt.date) -> dict:
    """What plans.views.my_day reads for one day (plans.day_queries.my_day_reads), without the request and template."""
    from plans.day_queries import my_day_reads as reads

    appointments, clinical = reads(profile.pk, day, user=profile.user)
    return {
        "appointments": len(appointments),
        "with_last_visit": sum(1 for a in appointments if a.last_visit),
        "reviews_due": len(clinical["reviews_due"]),
    }


def markdown(out: dict) -> str:
    made = out["made"]
    lines = [
        f"My day of {out['practitioner']} on {out['day']} ({out['appointments_that_day']} appointments), "
        f"{out['vendor']}, {out['appointments'] or 0:,} appointments; added {made['visit_notes']:,} signed notes "
        f"({made['visit_points']:,} points) and {made['plans']} plans ({made['reviews_on_the_day']} reviews due)",
        "",
        "| case | p50 ms | p95 ms | CPU p50 ms | queries | result |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, r in out["results"].items():
        lines.append(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['cpu_p50_ms']} | {r['queries']} | {r['result']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else sqlite:///var/bench.sqlite3")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20260309)
    parser.add_argument("--only", nargs="*", help="cases to time: M M0 M-")
    parser.add_argument("--profile", action="store_true", help="cProfile 10 page views after the timings")
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(args.database_url))
    out = run(args)
    print(markdown(out))
    size = f"{round(out['appointments'] / 1000)}k" if out["appointments"] else "unknown"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = common.RESULTS_DIR / f"myday-{out['vendor']}-{size}.json"
    for r in out["results"].values():
        r.pop("sql", None)
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"Wrote {path.relative_to(common.ROOT)}")
    page = out["results"].get("M")
    if page:
        verdict = "meets" if page["p50_ms"] <= TARGET_P50_MS else "MISSES"
        print(f"\nMy day: p50 {page['p50_ms']} ms, {page['queries']} queries ({verdict} p50 <= 30 ms)")
        return 0 if page["p50_ms"] <= TARGET_P50_MS else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
