"""Time the outcomes report over one year against the generated clinic (bench/generate.py).

    .venv/bin/python bench/reports.py                       # var/bench.sqlite3, 50 timed runs
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench_w11 .venv/bin/python bench/reports.py

The generated data has no treatment plans, so this script adds them first, inside a transaction that is
rolled back at the end (the bench database is left as it was): for --plans patients with completed
visits in the year before the data's "today", an acute or chronic plan (seeded RNG) whose sessions are
their completed visits from the first one on, an intake baseline the day before, a check-in before the
mid-plan review and one after the last session, with pain and function scores that mostly improve.

Each plan's stored outcome summary (plans.models.PlanOutcome) is then filled by the app's own service,
plans.services.plan_outcome_refresh (what the migration's backfill runs), in batches; its time is reported.

Measured: (page) the manager's outcomes page over that year, through the real middleware, view,
queries, matplotlib chart and template; (data) the same report's reads and arithmetic without the page,
from the stored summaries; (data-live) the figures recomputed from every score, as before the summaries
(the script checks both give the same figures); (page-cold) the page with its chart drawn afresh (the
chart is cached per process by its figures: this is a first view); (refresh) what a submitted check-in
adds: refreshing one patient's plans' summaries.
Results: a Markdown table on stdout and bench/results/reports-<vendor>-<N>k.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGET_P50_MS = 200.0


def _score(value: float) -> dict:
    return {"value": value, "status": "ok"}


def add_plans(count: int, seed: int, first: dt.date, last: dt.date, by) -> dict:
    """Plans, sessions and scores for `count` patients seen in [first, last] (bulk inserts)."""
    from patients.models import QuestionnaireResponse
    from plans.models import PlanSession, PlanTemplate, TreatmentPlan
    from scheduling.models import Appointment

    rng = random.Random(seed)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    visits: dict[int, list[tuple]] = {}
    rows = (
        Appointment.objects.filter(status="completed", start__gte=start, start__lt=end)
        .order_by("patient_id", "start")
        .values_list("patient_id", "pk", "start", "location_id", "practitioner_id")
    )
    for patient_id, pk, when, location_id, practitioner_id in rows:
        visits.setdefault(patient_id, []).append((pk, when, location_id, practitioner_id))
    chosen = rng.sample(sorted(p for p, v in visits.items() if len(v) >= 2), min(count, len(visits)))
    templates = {t.acuity: t for t in PlanTemplate.objects.all()}
    plans, sessions, responses = [], [], []
    for patient_id in chosen:
        acuity = "acute" if rng.random() < 0.45 else "chronic"
        template = templates[acuity]
        planned = template.sessions_default
        review = min((n for n in template.review_sessions if n < planned), default=planned)
        mine = visits[patient_id][:planned]
        done = len(mine) >= planned
        status = "completed" if done else rng.choice(("active", "discontinued"))
        first_visit = mine[0]
        plans.append(
            TreatmentPlan(
                patient_id=patient_id,
                practitioner_id=first_visit[3],
                template=template,
                acuity=acuity,
                start_date=first_visit[1].date(),
                planned_sessions=planned,
                cadence=list(template.cadence),
                review_sessions=list(template.review_sessions),
                location_id=first_visit[2],
                status=status,
                status_reason="stopped coming" if status == "discontinued" else "",
                created_by=by,
            )
        )
        leg, back, fi = rng.randint(4, 9), rng.randint(2, 8), rng.randint(25, 65)
        gain = rng.uniform(0.1, 0.6) if acuity == "acute" else rng.uniform(0.0, 0.45)
        moments = [(first_visit[1] - dt.timedelta(days=1), "intake", 0.0)]
        if len(mine) >= review - 1 >= 1:
            moments.append((mine[review - 2][1] + dt.timedelta(hours=3), "checkin", gain / 2))
        moments.append((mine[-1][1] + dt.timedelta(hours=3), "checkin", gain))
        for when, context, g in moments:
            responses.append(
                QuestionnaireResponse(
                    patient_id=patient_id,
                    context=context,
                    instrument_key="sciatica_intake" if context == "intake" else "outcome_checkin",
                    instrument_version=1,
                    status="submitted",
                    submitted_at=when,
                    created_at=when,
                    scores={
                        "leg_pain_average": _score(round(leg * (1 - g))),
                        "back_pain_average": _score(round(back * (1 - g * 0.8))),
                        "function_index": _score(round(fi * (1 - g * 0.7))),
                    },
                )
            )
        sessions.append(mine)
    TreatmentPlan.objects.bulk_create(plans, batch_size=500)
    PlanSession.objects.bulk_create(
        [
            PlanSession(plan=plan, number=n, appointment_id=visit[0], of_total=plan.planned_sessions)
            for plan, mine in zip(plans, sessions, strict=True)
            for n, visit in enumerate(mine, start=1)
        ],
        batch_size=1000,
    )
    QuestionnaireResponse.objects.bulk_create(responses, batch_size=1000)
    return {"plans": len(plans), "sessions": sum(len(m) for m in sessions), "responses": len(responses)}


def run(args) -> dict:
    import time_machine
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from bench.run import measure
    from clinic.models import Role, User
    from plans.models import PlanOutcome, TreatmentPlan
    from plans.reports import svg
    from plans.reports.outcomes import gather, outcomes_by_plan_type
    from plans.reports.queries import Scope, outcome_rows, outcomes_inputs
    from plans.services import plan_outcome_refresh

    now = dt.datetime.fromisoformat(f"{common.ANCHOR_DATE}T{common.ANCHOR_UTC_TIME}+00:00")
    last = now.date() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=364)
    results: dict = {}
    with time_machine.travel(now, tick=True), transaction.atomic():
        manager = User.objects.create_user(
            email="bench.manager@bench.acuclinic.test", password=None, full_name="Bench Manager", role=Role.MANAGER
        )
        made = add_plans(args.plans, args.seed, first, last, manager)
        started = time.perf_counter()
        ids = list(TreatmentPlan.objects.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(ids), 2000):
            plan_outcome_refresh(plan_ids=ids[i : i + 2000])
        made["backfill_s"] = round(time.perf_counter() - started, 2)
        made["summaries"] = PlanOutcome.objects.count()
        one_patient = TreatmentPlan.objects.order_by("pk").values_list("patient_id", flat=True).first()
        client = Client()
        client.force_login(manager)
        url = f"{reverse('plans:report', args=['outcomes'])}?start={first}&end={last}"

        def page():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return {"bytes": len(response.content), "n_shown": response.content.decode().count("(n=")}

        def page_cold():
            svg._bar_chart.cache_clear()  # as the first view of these figures in this process
            return page()

        def figures(rows) -> dict:
            return {r.plan_type + " " + r.moment: [r.improved.n, r.improved.value] for r in rows}

        def data():
            return figures(gather(outcome_rows(Scope(first, last))))

        def data_live():
            return figures(outcomes_by_plan_type(outcomes_inputs(Scope(first, last))))

        def refresh():
            return plan_outcome_refresh(patient_id=one_patient)

        if args.profile:
            import cProfile
            import pstats

            cases = {"page": page, "page-cold": page_cold, "data": data, "data-live": data_live, "refresh": refresh}
            case = cases[args.profile]
            case()
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [case() for _ in range(5)])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
            raise SystemExit(0)
        stored = gather(outcome_rows(Scope(first, last)))
        if stored != outcomes_by_plan_type(outcomes_inputs(Scope(first, last))):
            raise SystemExit("The stored summaries give different figures from a recomputation.")
        results["page"] = measure(page, repeats=args.repeats, warmup=args.warmup)
        results["page-cold"] = measure(page_cold, repeats=args.repeats, warmup=args.warmup)
        results["data"] = measure(data, repeats=args.repeats, warmup=args.warmup)
        results["data-live"] = measure(data_live, repeats=max(5, args.repeats // 5), warmup=2)
        results["refresh"] = measure(refresh, repeats=args.repeats, warmup=args.warmup)
        transaction.set_rollback(True)
    n = common.read_meta().get("sizes", {}).get("appointments")
    return {
        "vendor": connection.vendor,
        "appointments": n,
        "range": [str(first), str(last)],
        "made": made,
        "results": results,
    }


def markdown(out: dict) -> str:
    made = out["made"]
    lines = [
        f"Outcomes report over {out['range'][0]}..{out['range'][1]}, {out['vendor']}, "
        f"{out['appointments'] or 0:,} appointments; {made['plans']:,} plans, {made['sessions']:,} sessions, "
        f"{made['responses']:,} scored responses; {made['summaries']:,} summaries filled in {made['backfill_s']} s",
        "",
        "| case | p50 ms | p95 ms | CPU p50 ms | queries |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in out["results"].items():
        lines.append(f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r['cpu_p50_ms']} | {r['queries']} |")
    lines.append("")
    lines.append(f"figures (improved n, %): {out['results']['data']['result']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else sqlite:///var/bench.sqlite3")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--plans", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20260309)
    parser.add_argument(
        "--profile", choices=("page", "page-cold", "data", "data-live", "refresh"), help="cProfile one case"
    )
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(args.database_url))
    out = run(args)
    print(markdown(out))
    page = out["results"]["page"]
    verdict = "meets" if page["p50_ms"] <= TARGET_P50_MS else "MISSES"
    print(f"\nOutcomes page over a year: p50 {page['p50_ms']} ms, {page['queries']} queries ({verdict} p50 <= 200 ms)")
    size = f"{round(out['appointments'] / 1000)}k" if out["appointments"] else "unknown"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = common.RESULTS_DIR / f"reports-{out['vendor']}-{size}.json"
    for r in out["results"].values():
        r.pop("sql", None)
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"Wrote {path.relative_to(common.ROOT)}")
    return 0 if page["p50_ms"] <= TARGET_P50_MS else 1


if __name__ == "__main__":
    sys.exit(main())
