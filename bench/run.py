"""Time availability and the booking page against the generated clinic (bench/generate.py).

    .venv/bin/python bench/run.py                       # var/bench.sqlite3, 100 timed runs per case
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --profile a           # cProfile of one case, hottest functions
    .venv/bin/python bench/run.py --smoke               # tiny clinic, < 30 s, fails if (a) > 5 queries (CI)

What is measured is what the app really calls, in-process, with DEBUG off:
  (a) bookable times for 1 practitioner over 28 days: scheduling.queries.availability_inputs() for
      that practitioner, then the pure availability (AvailabilityInputs.starts()).
  (b) first available across all 25 practitioners over the next 14 days: at each location (the
      app's "first available" is per location; the three cover all 25 practitioners) load the
      inputs with practitioner_ids=None and take AvailabilityInputs.first(). (b+) does the same but
      computes every free time of the 14 days with who is free then (AvailabilityInputs.merged()).
  (c) the patient's booking page with its time picker: GET /scheduling/book/?service&location&
      practitioner through django.test.Client, logged in as a returning patient who may book
      (session, middleware, the view, the 14-day day picker and the first day's times, template).
      (c+) is the htmx request for another day's times (part=picker), (c*) the page with "first
      available" at the location.

Each case: warm-up runs (not counted), one run inside CaptureQueriesContext for the query count,
then --repeats timed runs (time.perf_counter, plain cursors). p50 = median, p95 = nearest rank.
The clock is frozen at the data's "today" (time_machine, ticking) so windows match the data.
Results: a Markdown table on stdout and JSON in bench/results/<vendor>-<appointments>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TARGETS = {  # case -> (p50 ms, max queries)
    "a": (10.0, 5),
    "b": (60.0, None),
    "c": (50.0, None),
}
SMOKE_DB = common.ROOT / "var" / "bench_smoke.sqlite3"
# Booked only a week ahead, so 3,000 visits reach back into the past: the benchmark patient has
# been before (a returning patient may book follow-ups) and the windows hold some busy time.
SMOKE_SIZES = ["--appointments", "3000", "--patients", "300", "--future-days", "7"]


# --- measuring -------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was really measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def measure(fn, *, repeats: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        fn()
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    queries = len(captured)
    # Copy now: the next request's request_started resets the connection's query log.
    sql = [q["sql"][:300] for q in captured.captured_queries]
    times, cpu = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        # CPU time of this process (user + system): what other processes on a shared machine
        # cannot inflate much. With SQLite it includes the database work; with PostgreSQL it
        # does not (the server is another process).
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "queries": queries,
        "repeats": repeats,
        "sql": sql,
        "result": result,
    }


# --- the cases -------------------------------------------------------------------------------


class Cases:
    """Everything the cases need, loaded once (the app gets these from its forms and session)."""

    def __init__(self, now: dt.datetime):
        from django.db.models import Count, Q
        from django.test import Client
        from django.urls import reverse

        from clinic.models import Location, Service, ServiceKind
        from patients.models import Patient
        from scheduling.models import ACTIVE_STATUSES

        self.now = now
        self.service = Service.objects.get(kind=ServiceKind.FOLLOW_UP, bookable_online=True)
        self.locations = list(Location.objects.filter(active=True).order_by("pk"))
        self.location = self.locations[0]
        self.today = now.astimezone(self.location.tz).date()
        end = dt.datetime.combine(self.today + dt.timedelta(days=28), dt.time.min, tzinfo=self.location.tz)
        # The busiest practitioner of the first location over the 28 days: the hardest single case.
        self.practitioner = (
            self.location.practitioners.annotate(
                n=Count(
                    "appointments",
                    filter=Q(appointments__status__in=ACTIVE_STATUSES, appointments__start__gte=now)
                    & Q(appointments__start__lt=end),
                )
            )
            .order_by("-n", "pk")
            .first()
        )
        self.patient = Patient.objects.select_related("user").get(email=common.BENCH_PATIENT_EMAIL)
        self.client = Client()
        self.client.force_login(self.patient.user)
        base = f"{reverse('scheduling:book')}?service={self.service.pk}&location={self.location.pk}"
        self.page_url = f"{base}&practitioner={self.practitioner.pk}"
        self.first_available_url = f"{base}&practitioner="
        # (c+) clicks a day the page offers (the middle one of the two weeks), as a patient would.
        page = self.client.get(self.page_url).content.decode()
        days = re.findall(r'data-day="(\d{4}-\d\d-\d\d)"', page)
        other = days[len(days) // 2] if days else (self.today + dt.timedelta(days=3)).isoformat()
        self.picker_url = f"{self.page_url}&day={other}&part=picker"

    def a_one_practitioner_28_days(self):
        from scheduling import queries

        inputs = queries.availability_inputs(
            service=self.service,
            location=self.location,
            date_from=self.today,
            date_to=self.today + dt.timedelta(days=27),
            practitioner_ids=[self.practitioner.pk],
        )
        starts = inputs.starts()[self.practitioner.pk]
        return {"bookable_starts": len(starts), "first": starts[0].isoformat() if starts else None}

    def _first_available(self, *, every_time: bool):
        from scheduling import queries

        firsts, practitioners, times = [], 0, 0
        for location in self.locations:
            today = self.now.astimezone(location.tz).date()
            inputs = queries.availability_inputs(
                service=self.service, location=location, date_from=today, date_to=today + dt.timedelta(days=13)
            )
            practitioners += len(inputs.practitioners)
            if every_time:
                merged = inputs.merged()
                times += len(merged)
                if merged:
                    firsts.append(merged[0][0])
            else:
                first = inputs.first()
                if first:
                    firsts.append(first[0][0])
        out = {"practitioners": practitioners, "first": min(firsts).isoformat() if firsts else None}
        if every_time:
            out["distinct_start_times"] = times
        return out

    def b_first_available_14_days(self):
        return self._first_available(every_time=False)

    def b_every_free_time_14_days(self):
        return self._first_available(every_time=True)

    def _get(self, url: str, **headers):
        response = self.client.get(url, **headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        body = response.content
        return {"status": response.status_code, "bytes": len(body), "time_buttons": body.count(b"data-start=")}

    def c_booking_page(self):
        return self._get(self.page_url)

    def c_picker_htmx(self):
        return self._get(self.picker_url, HTTP_HX_REQUEST="true")

    def c_booking_page_first_available(self):
        return self._get(self.first_available_url)


CASES = [
    ("a", "bookable times, 1 practitioner, 28 days", "a_one_practitioner_28_days"),
    ("b", "first available, all 25 practitioners, 14 days", "b_first_available_14_days"),
    ("b+", "every free time, all 25 practitioners, 14 days", "b_every_free_time_14_days"),
    ("c", "booking page + time picker (Client GET)", "c_booking_page"),
    ("c+", "time picker for another day (htmx partial)", "c_picker_htmx"),
    ("c*", "booking page, first available at the location", "c_booking_page_first_available"),
]


# --- reporting -------------------------------------------------------------------------------


def machine() -> dict:
    from django import get_version
    from django.db import connection

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("select sqlite_version()")
            db = f"SQLite {cur.fetchone()[0]}"
        else:
            cur.execute("show server_version")
            db = f"PostgreSQL {cur.fetchone()[0]}"
    return {
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": get_version(),
        "database": db,
        "os": platform.platform(),
    }


def code_version() -> dict:
    """The commit measured, and whether the app's code differed from it (a shared working tree)."""
    import subprocess

    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=common.ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    dirty = git("status", "--porcelain", "--", "clinic", "patients", "scheduling", "plans", "templates")
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted_app_changes": dirty.splitlines()}


def verdict(case: str, r: dict) -> str:
    if case not in TARGETS:
        return ""
    p50, max_q = TARGETS[case]
    ok = r["p50_ms"] <= p50 and (max_q is None or r["queries"] <= max_q)
    target = f"≤ {p50:g} ms" + (f", ≤ {max_q} q" if max_q else "")
    return f"{target} {'✅' if ok else '❌'}"


def markdown(results: dict, meta: dict, info: dict) -> str:
    sizes = meta["sizes"]
    lines = [
        f"**{info['database']}**, {sizes['appointments']:,} appointments "
        f"({meta['first_day']} – {meta['last_day']}), {sizes['patients']:,} patients, "
        f"{sizes['practitioners']} practitioners, {sizes['locations']} locations, {sizes['rooms']} rooms; "
        f"{results['repeats']} timed runs each",
        "",
        "| case | what | p50 ms | p95 ms | queries | CPU p50 ms | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for case, label, _ in CASES:
        r = results["cases"][case]
        lines.append(
            f"| {case} | {label} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} | {r['cpu_p50_ms']:.1f} "
            f"| {verdict(case, r)} |"
        )
    return "\n".join(lines)


def summary() -> str:
    """One table over the saved results (bench/results/<vendor>-<N>k.json): the README's Performance."""
    runs = []
    for vendor in ("sqlite", "postgresql"):
        for size in ("30k", "300k"):
            path = common.RESULTS_DIR / f"{vendor}-{size}.json"
            if path.exists():
                runs.append(
                    (f"{'SQLite' if vendor == 'sqlite' else 'PostgreSQL'} {size}", json.loads(path.read_text()))
                )
    if not runs:
        return "No results in bench/results/ yet: run bench/all.sh."
    head = "| case | " + " | ".join(f"{name}: p50 / p95 ms (queries)" for name, _ in runs) + " | target |"
    lines = [head, "|---|" + "---:|" * len(runs) + "---|"]
    for case, label, _ in CASES:
        cells = []
        for _, r in runs:
            c = r["cases"].get(case)
            cells.append(f"{c['p50_ms']:.1f} / {c['p95_ms']:.1f} ({c['queries']})" if c else "–")
        p50, max_q = TARGETS.get(case, (None, None))
        target = (f"p50 ≤ {p50:g} ms" + (f", ≤ {max_q} queries" if max_q else "")) if p50 else ""
        lines.append(f"| {case}: {label} | " + " | ".join(cells) + f" | {target} |")
    lines.append("")
    lines.append("CPU time of the benchmark process, p50 ms (hardly affected by other jobs on the machine):")
    lines.append("")
    lines.append("| case | " + " | ".join(name for name, _ in runs) + " |")
    lines.append("|---|" + "---:|" * len(runs))
    for case, _, _ in CASES:
        cells = [f"{r['cases'][case]['cpu_p50_ms']:.1f}" if case in r["cases"] else "–" for _, r in runs]
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| dataset | appointments | span | history days | generate s | commit | load avg before |")
    lines.append("|---|---:|---|---:|---:|---|---|")
    for name, r in runs:
        d = r["dataset"]
        dirty = " (+ uncommitted app changes)" if r["code"]["uncommitted_app_changes"] else ""
        lines.append(
            f"| {name} | {d['sizes']['appointments']:,} | {d['first_day']} – {d['last_day']} | {d['history_days']} "
            f"| {d['generate_seconds']} | {r['code']['commit']}{dirty} | {r['machine']['load_average_before'][0]} |"
        )
    m = runs[0][1]["machine"]
    lines.append("")
    lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, Django {m['django']}, {m['os']}.")
    return "\n".join(lines)


# --- entry points ----------------------------------------------------------------------------


def wait_for_quiet(max_wait: float, threshold: float) -> None:
    """On a shared machine other jobs inflate wall times: wait (up to max_wait s) for a quiet minute."""
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] > threshold and time.monotonic() < deadline:
        time.sleep(5)
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) when starting", flush=True)


def run(args) -> dict:
    import time_machine

    if args.wait_idle:
        wait_for_quiet(args.wait_idle, args.idle_load)
    meta = common.read_meta()
    if not meta:
        sys.exit("No benchmark data here: run bench/generate.py first (same DATABASE_URL).")
    now = dt.datetime.fromisoformat(meta["now"])
    with time_machine.travel(now, tick=True):
        cases = Cases(now)
        info = machine()
        if args.profile:
            return profile(cases, args)
        results = {"repeats": args.repeats, "warmup": args.warmup, "cases": {}}
        for case, label, method in CASES:
            if args.only and case not in args.only:
                continue
            r = measure(getattr(cases, method), repeats=args.repeats, warmup=args.warmup)
            results["cases"][case] = {"what": label, **r}
            print(
                f"  ({case}) {label}: p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, {r['queries']} queries "
                f"-> {r['result']}",
                flush=True,
            )
            if args.show_sql:
                for i, q in enumerate(r["sql"], 1):
                    print(f"      {i:2}. {q[:200]}")
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report = {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "machine": info,
        "dataset": meta,
        "setup": {
            "service": cases.service.name,
            "location": f"{cases.location.name} ({cases.location.timezone})",
            "practitioner_id": cases.practitioner.pk,
            "today": cases.today.isoformat(),
        },
        **results,
    }
    if not args.only:
        print()
        print(markdown(results, meta, info))
        if not args.smoke:
            common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            name = args.label or f"{'sqlite' if info['database'].startswith('SQLite') else 'postgresql'}-" + (
                f"{meta['sizes']['appointments'] // 1000}k"
            )
            path = common.RESULTS_DIR / f"{name}.json"
            path.write_text(json.dumps(report, indent=2, default=str) + "\n")
            print(f"\nWrote {path.relative_to(common.ROOT)}")
    return report


def profile(cases: Cases, args) -> dict:
    import cProfile
    import pstats

    method = dict((c, m) for c, _, m in CASES)[args.profile]
    fn = getattr(cases, method)
    for _ in range(args.warmup):
        fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.repeats):
        fn()
    prof.disable()
    stats = pstats.Stats(prof).strip_dirs()
    print(f"cProfile of ({args.profile}) over {args.repeats} runs; times are totals over all runs\n")
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    return {}


def smoke(args) -> int:
    """A tiny clinic and a few runs: keeps the benchmark runnable and (a) within 5 queries."""
    from bench import generate

    url = f"sqlite:///{SMOKE_DB}"
    generate.main([*SMOKE_SIZES, "--database-url", url])
    args.repeats, args.warmup = 5, 1
    report = run(args)
    failures = []
    for case, r in report["cases"].items():
        result = r["result"]
        if not result or not (result.get("bookable_starts") or result.get("first") or result.get("time_buttons")):
            failures.append(f"({case}) returned nothing: {r['result']}")
    a = report["cases"]["a"]
    if a["queries"] > TARGETS["a"][1]:
        failures.append(f"(a) used {a['queries']} queries (at most {TARGETS['a'][1]}):\n  " + "\n  ".join(a["sql"]))
    if failures:
        print("\nBENCH SMOKE FAILED:\n" + "\n".join(failures))
        return 1
    print(f"\nbench smoke OK: (a) {a['queries']} queries")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else sqlite:///var/bench.sqlite3")
    parser.add_argument("--only", nargs="*", choices=[c for c, _, _ in CASES], help="run only these cases")
    parser.add_argument("--profile", choices=[c for c, _, _ in CASES], help="cProfile one case instead of timing")
    parser.add_argument("--wait-idle", type=float, default=0, help="wait up to this many s for a quiet machine")
    parser.add_argument("--idle-load", type=float, default=0.8, help="1-minute load average counted as quiet")
    parser.add_argument("--show-sql", action="store_true", help="print each case's queries")
    parser.add_argument("--label", help="results file name (default <vendor>-<N>k)")
    parser.add_argument("--smoke", action="store_true", help="tiny generated clinic; assert (a) <= 5 queries")
    parser.add_argument("--summary", action="store_true", help="print one table over bench/results/*.json")
    args = parser.parse_args(argv)
    if args.summary:
        print(summary())
        return 0
    if args.smoke:
        return smoke(args)
    common.setup_django(common.database_url(args.database_url))
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
