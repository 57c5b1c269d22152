"""Time the front desk's board (week view of one location) and patient search on the generated clinic.

    .venv/bin/python bench/desk.py                          # var/bench.sqlite3, 100 timed runs per case
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench_w10 .venv/bin/python bench/desk.py

Cases (the front desk user of bench/generate.py, the data's "today", bench/run.py's measure()):
  W   the week view page for the busiest location (London, 9 practitioners): GET /schedule/?view=week
      through django.test.Client (session, middleware, view, templates);
  W0  the same week's reads alone: desk_queries.schedule() as the week view calls it (blocks with flags
      and intake badges, formatted);
  D   the day view page (time grid with empty cells) for the same location;
  S1  search "Jonh Smyth" (typos): patients.queries.search.find_patients;
  S2  search a partial phone in another format ("7700 9001");
  S3  search a date of birth ("17/05/1975") and a name with a date of birth;
  S*  the search page as htmx asks for it (GET /patients/search/?q=..., HX-Request).
Results: a Markdown table on stdout and bench/results/desk-<vendor>-<N>k.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGETS = {"W": ("p50 <= 80 ms, <= 10 queries", 80.0), "S1": ("p50 <= 20 ms", 20.0), "S*": ("< 50 ms", 50.0)}


def run(args) -> dict:
    import time_machine
    from django.db import connection
    from django.test import Client

    from bench.run import measure
    from clinic.models import Location, Role, User
    from patients.models import Patient
    from patients.queries.search import find_patients
    from scheduling import desk_queries

    now = dt.datetime.fromisoformat(f"{common.ANCHOR_DATE}T{common.ANCHOR_UTC_TIME}+00:00")
    results: dict = {}
    with time_machine.travel(now, tick=True):
        desk = User.objects.filter(role=Role.FRONT_DESK).order_by("pk").first()
        location = Location.objects.filter(active=True).order_by("pk").first()
        client = Client()
        client.force_login(desk)
        day = common.ANCHOR_DATE
        week = {"location": location.pk, "day": day, "view": "week"}

        def page(params, headers=None):
            def go():
                r = client.get("/schedule/" if "view" in params else "/patients/search/", params, **(headers or {}))
                assert r.status_code == 200, r.status_code
                return {"bytes": len(r.content), "appointments": r.content.count(b'data-testid="appointment"')}

            return go

        def week_reads():
            first = desk_queries.week_start(dt.date.fromisoformat(day))
            grid = desk_queries.schedule(
                location=location, first=first, last=first + dt.timedelta(days=6), compact_urls="/a/"
            )
            return {"appointments": len(grid["appointments"]), "lanes": len(grid["lanes"])}

        sample = Patient.objects.filter(archived=False).exclude(phone="").order_by("pk")[500]
        digits = "".join(c for c in sample.phone if c.isdigit())
        partial = f"{digits[-8:-4]} {digits[-4:]}"
        first_word, last_word = sample.name_key.split()[:2]
        typo = f"{first_word[:-2]}{first_word[-1]}{first_word[-2]} {last_word[:-1]}y"
        dob = sample.date_of_birth.strftime("%d/%m/%Y")

        def search(q):
            def go():
                got = find_patients(q)
                return {"q": q, "found": len(got), "first": got[0].full_name if got else None}

            return go

        cases = {
            "W": page(week),
            "W0": week_reads,
            "D": page({**week, "view": "day"}),
            "S1": search(typo),
            "S2": search(partial),
            "S3": search(dob),
            "S3+": search(f"{last_word} {dob}"),
            "S*": page({"q": typo}, {"HTTP_HX_REQUEST": "true"}),
        }
        for name, fn in cases.items():
            if args.only and name not in args.only:
                continue
            results[name] = measure(fn, repeats=args.repeats, warmup=args.warmup)
    n = common.read_meta().get("sizes", {}).get("appointments")
    return {
        "vendor": connection.vendor,
        "appointments": n,
        "patients": Patient.objects.count(),
        "sample": sample.full_name,
        "results": results,
    }


def markdown(out: dict) -> str:
    lines = [
        f"Front desk board and search, {out['vendor']}, {out['appointments'] or 0:,} appointments, "
        f"{out['patients']:,} patients (search sample: {out['sample']})",
        "",
        "| case | p50 ms | p95 ms | CPU p50 ms | queries | result | target |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, r in out["results"].items():
        target = TARGETS.get(name, ("", 0))[0]
        timing = f"{r['p50_ms']} | {r['p95_ms']} | {r['cpu_p50_ms']} | {r['queries']}"
        lines.append(f"| {name} | {timing} | {r['result']} | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else sqlite:///var/bench.sqlite3")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args(argv)
    common.setup_django(common.database_url(args.database_url))
    out = run(args)
    print(markdown(out))
    size = f"{round(out['appointments'] / 1000)}k" if out["appointments"] else "unknown"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = common.RESULTS_DIR / f"desk-{out['vendor']}-{size}.json"
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"Wrote {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
