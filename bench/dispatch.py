"""Benchmark: the outbox dispatcher sends 10,000 due reminders through a real Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_bench_outbox \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/dispatch.py [--messages 10000]

It (re)builds the schema in the bench database, books 50 appointments, queues N due reminder
emails for them, starts `celery worker` as dev.py does (prefork, 2 processes; `--concurrency 1`:
`--pool solo`; emails to Django's file backend in a temporary folder), waits until it answers a
ping, sends one dispatch_outbox task and times until no message is left to send. It prints the
worker's CPU seconds per 1,000 messages and the load average (the machine is shared), then counts
the queries of one batch at two batch sizes in this process (they must be equal).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, database_url, setup_django  # noqa: E402


def build(n: int):
    from django.core.management import call_command
    from django.utils import timezone

    from scheduling.models import Notification, NotificationKind
    from tests import factories as f

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a bench database: rebuilt each run
    setup = f.bookable_setup(tz="Europe/London")
    now = timezone.now()
    appts = []
    for i in range(50):
        start = (now + dt.timedelta(days=3 + i // 8)).replace(hour=9 + i % 8, minute=0, second=0, microsecond=0)
        appts.append(
            f.AppointmentFactory(
                patient=f.PatientFactory(),
                service=setup.service,
                practitioner=setup.practitioner,
                location=setup.location,
                start=start,
            )
        )
    rows = [
        Notification(
            key=f"bench:{i}",
            kind=NotificationKind.REMINDER,
            recipient=appts[i % 50].patient.email,
            patient=appts[i % 50].patient,
            appointment=appts[i % 50],
            payload={"start": appts[i % 50].start.isoformat(), "offset": "48h"},
            scheduled_for=now - dt.timedelta(seconds=1),
        )
        for i in range(n)
    ]
    Notification.objects.bulk_create(rows, batch_size=2000)


def queries_per_batch(size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling import dispatch
    from scheduling.models import Notification, NotificationStatus

    Notification.objects.filter(key__startswith="bench:").update(status=NotificationStatus.PENDING)
    with CaptureQueriesContext(connection) as ctx:
        dispatch.outbox_dispatch(batch_size=size, max_batches=1)
    return len(ctx)


def cpu_seconds(group: int) -> dict[int, float]:
    """pid -> user + system CPU seconds so far, for the processes of a process group (the worker and its
    pool; Linux /proc): less sensitive to the machine's other load than wall time."""
    seconds = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:
            seconds[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=None, help="the worker's OUTBOX_BATCH_SIZE")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (prefork, as dev.py runs it); 1: --pool solo"
    )
    args = parser.parse_args()
    url = database_url()
    os.environ["EMAIL_URL"] = "memorymail://"  # this process's own batches (the query count)
    setup_django(url)
    from django.conf import settings

    from scheduling.models import Notification, NotificationStatus
    from scheduling.tasks import dispatch_outbox

    build(args.messages)
    outdir = tempfile.mkdtemp(prefix="bench-mail-")
    batch_size = args.batch_size or settings.OUTBOX_BATCH_SIZE
    # django-environ reads "filemail:///tmp/x" as the relative path "tmp/x": one more slash.
    env = dict(os.environ, EMAIL_URL=f"filemail:///{outdir}", LOG_LEVEL="WARNING", OUTBOX_BATCH_SIZE=str(batch_size))
    env["OUTBOX_DISPATCHERS"] = str(args.concurrency)
    pool = ["--pool", "solo"] if args.concurrency == 1 else ["--pool", "prefork", f"--concurrency={args.concurrency}"]
    argv = [sys.executable, "-m", "celery", "-A", "clinic", "worker", *pool, "--loglevel", "WARNING"]
    hostname = f"bench-dispatch-{os.getpid()}@{socket.gethostname()}"
    argv += ["--hostname", hostname, "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    try:
        # Timing starts once the worker answers a ping: its start-up is not counted.
        deadline = time.monotonic() + 120
        while not dispatch_outbox.app.control.ping([hostname], timeout=1.0):
            if time.monotonic() > deadline or worker.poll() is not None:
                sys.exit("the worker did not start")
        time.sleep(1)  # the pool's processes finish starting
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(worker.pid)
        started = time.perf_counter()
        dispatch_outbox.delay()
        while Notification.objects.filter(status=NotificationStatus.PENDING).exists() or (
            Notification.objects.filter(status=NotificationStatus.SENDING).exists()
        ):
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu_after = cpu_seconds(worker.pid)
        per_process = sorted((cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after), reverse=True)
        cpu = sum(per_process)
        load_after = os.getloadavg()[0]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    sent = Notification.objects.filter(status=NotificationStatus.SENT).count()
    written = sum(path.read_bytes().count(b"\nMessage-ID: <outbox-") for path in Path(outdir).iterdir())
    print(
        f"{sent} of {args.messages} sent ({written} in the mail files) in {elapsed:.2f} s: "
        f"{sent / elapsed:,.0f} messages/s (worker with {args.concurrency} process(es), PostgreSQL, "
        f"batches of {batch_size})"
    )
    print(
        f"worker CPU: {cpu:.2f} s, {cpu / sent * 1000:.3f} s per 1,000 messages "
        f"(its processes: {', '.join(f'{s:.2f}' for s in per_process)} s)"
    )
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")
    small, large = queries_per_batch(50), queries_per_batch(200)
    print(f"queries for one batch: {small} at 50 messages, {large} at 200 messages")


if __name__ == "__main__":
    main()
