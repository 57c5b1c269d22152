"""Time "book the plan" proposals against the generated clinic (bench/generate.py).

    .venv/bin/python bench/plan_booking.py                  # var/bench.sqlite3, 100 timed runs
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench .venv/bin/python bench/plan_booking.py

What is measured is what the "Book the plan" page runs before it renders: plans.booking.
plan_booking_proposals() for a 12-session chronic plan with the busiest London practitioner of
bench/run.py's case (a), from the data's "today": the plan's booked sessions (none), one
availability read for the whole range and the cadence walk. The same call for 4 and 8 sessions
shows that the number of queries does not grow with the number of sessions.

The plan row is created inside a transaction that is rolled back at the end: the bench database
is left as it was. Results: a Markdown table on stdout and bench/results/plan-<vendor>-<N>k.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGET_P50_MS = 30.0


def _plan(count: int, practitioner, patient, service, user):
    from plans.models import PlanStatus, PlanTemplate, TreatmentPlan

    template = PlanTemplate.objects.get(name="Sciatica - chronic")
    return TreatmentPlan.objects.create(
        patient=patient,
        practitioner=practitioner,
        template=template,
        acuity="chronic",
        start_date=dt.date.fromisoformat(common.ANCHOR_DATE),
        planned_sessions=count,
        cadence=list(template.cadence),
        service=service,
        status=PlanStatus.ACTIVE,
        created_by=user,
    )


def run(args) -> dict:
    import time_machine
    from django.db import connection, transaction
    from django.db.models import Count, Q

    from bench.run import measure
    from clinic.models import Location, Service, ServiceKind
    from patients.models import Patient
    from plans.booking import plan_booking_proposals
    from scheduling.models import ACTIVE_STATUSES
    from scheduling.queries import availability_inputs

    now = dt.datetime.fromisoformat(f"{common.ANCHOR_DATE}T{common.ANCHOR_UTC_TIME}+00:00")
    results: dict = {}
    with time_machine.travel(now, tick=True), transaction.atomic():
        service = Service.objects.get(kind=ServiceKind.FOLLOW_UP, bookable_online=True)
        location = Location.objects.filter(active=True).order_by("pk").first()
        end = now + dt.timedelta(days=60)
        practitioner = (
            location.practitioners.annotate(
                n=Count(
                    "appointments",
                    filter=Q(appointments__status__in=ACTIVE_STATUSES, appointments__start__gte=now)
                    & Q(appointments__start__lt=end),
                )
            )
            .order_by("-n", "pk")
            .first()
        )
        # One active plan per patient and condition: each plan length gets its own patient.
        patients = list(Patient.objects.order_by("pk")[: len(args.sessions)])
        for count, patient in zip(args.sessions, patients, strict=True):
            plan = _plan(count, practitioner, patient, service, practitioner.user)

            def propose(plan=plan):
                got = plan_booking_proposals(plan=plan, location=location)
                return {
                    "sessions": len(got),
                    "proposed": sum(1 for p in got if p.start),
                    "on_cadence_day": sum(1 for p in got if p.start and p.start.date() == p.target.date()),
                    "first": got[0].start.isoformat() if got and got[0].start else None,
                    "last": got[-1].start.isoformat() if got and got[-1].start else None,
                }

            results[str(count)] = measure(propose, repeats=args.repeats, warmup=args.warmup)

        def reference():
            # bench/run.py's case (a), same practitioner, same moment: how loaded the machine is.
            today = now.astimezone(location.tz).date()
            inputs = availability_inputs(
                service=service,
                location=location,
                date_from=today,
                date_to=today + dt.timedelta(days=27),
                practitioner_ids=[practitioner.pk],
            )
            n = len(inputs.starts()[practitioner.pk])
            return {"sessions": 0, "proposed": n, "on_cadence_day": 0}

        results["(a)"] = measure(reference, repeats=args.repeats, warmup=args.warmup)
        transaction.set_rollback(True)
    vendor = connection.vendor
    n = common.read_meta().get("sizes", {}).get("appointments")
    return {"vendor": vendor, "appointments": n, "practitioner": practitioner.pk, "results": results}


def markdown(out: dict) -> str:
    lines = [
        f"Plan booking proposals, {out['vendor']}, {out['appointments']:,} appointments"
        if out["appointments"]
        else f"Plan booking proposals, {out['vendor']}",
        "",
        "| sessions | p50 ms | p95 ms | CPU p50 ms | queries | proposed (on the cadence day) |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for count, r in out["results"].items():
        res = r["result"]
        if count == "(a)":
            lines.append(
                f"| reference: run.py (a), 28 days | {r['p50_ms']} | {r['p95_ms']} | {r['cpu_p50_ms']} | "
                f"{r['queries']} | {res['proposed']} bookable starts |"
            )
            continue
        lines.append(
            f"| {count} | {r['p50_ms']} | {r['p95_ms']} | {r['cpu_p50_ms']} | {r['queries']} | "
            f"{res['proposed']} of {res['sessions']} ({res['on_cadence_day']}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else sqlite:///var/bench.sqlite3")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--sessions", type=int, nargs="*", default=[4, 8, 12])
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(args.database_url))
    out = run(args)
    print(markdown(out))
    twelve = out["results"].get("12")
    if twelve:
        verdict = "meets" if twelve["p50_ms"] <= TARGET_P50_MS else "MISSES"
        print(f"\n12 sessions: p50 {twelve['p50_ms']} ms, {twelve['queries']} queries ({verdict} p50 <= 30 ms)")
    counts = {r["queries"] for k, r in out["results"].items() if k != "(a)"}
    if len(counts) > 1:
        print(f"Query counts differ by number of sessions: {sorted(counts)}")
    size = f"{round(out['appointments'] / 1000)}k" if out["appointments"] else "unknown"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = common.RESULTS_DIR / f"plan-{out['vendor']}-{size}.json"
    for r in out["results"].values():
        r.pop("sql", None)
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"Wrote {path.relative_to(common.ROOT)}")
    return 0 if len(counts) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
