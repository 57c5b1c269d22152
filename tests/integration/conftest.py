"""Integration tests: the real PostgreSQL, the real Redis and a real `celery worker` process.

How to run them (.ci/run does exactly this, with the database `acuclinic` and Redis DBs 0 and 1):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_<you> \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/<n> REDIS_URL=redis://127.0.0.1:6379/<m> \\
        .venv/bin/python -m pytest -m integration tests/integration

(`python3 dev.py test --integration` does the same with CI's URLs as defaults.) pytest-django creates and drops
the test database `test_<name>`. Use your own database name and Redis DB numbers when several people share the
services: the broker DB is flushed when the worker starts.

What this conftest gives every test in this folder:

- The `integration` mark, added to every test collected here. pyproject's addopts deselect that mark
  (`-m "not integration"`), so the unit command never needs PostgreSQL or Redis; select it with `-m integration`.
- A check that the database really is PostgreSQL, and that the broker and cache really are Redis. A missing or
  unreachable service FAILS the tests (never skips): these tests only run when someone asked for them.
- CELERY_TASK_ALWAYS_EAGER = False (the unit suite turns it on), so `.delay()` goes through the broker.

Fixtures:

- `live_celery_worker` (session): a `celery -A clinic worker --pool solo` subprocess on the same broker and the same
  *test* database as the test process. Started once, on first use, and stopped at the end of the session. It has
  `.wait_for_log(text)` and `.log()` (its output), and its log tail is shown when it fails to start.
- `redis_broker` (session): a raw redis client on CELERY_BROKER_URL, flushed once before the worker starts. Never
  flush it while the worker runs: that deletes kombu's queue bindings and later messages would vanish.
- `redis_cache`: a raw redis client on REDIS_URL (Django's cache), flushed before each test that asks for it.
- `wait_until(predicate, timeout=..., message=...)`: polls until `predicate()` returns something truthy, returns it.
- `broker_queue_length(client, queue="celery")`: messages waiting in a Redis queue (plain function).

Writing a test: request `transactional_db` (or mark `@pytest.mark.django_db(transaction=True)`). The worker is another
process with its own connection, so it sees only committed rows; the default `db` fixture wraps each test in a
transaction that is never committed, and the worker would see nothing. transactional_db truncates every table after
each test, including rows that data migrations loaded (acupuncture points); a test that needs those requests
`django_db_serialized_rollback` as well. For work that must happen at the same time in several processes (e.g.
concurrent bookings), start plain `multiprocessing`/`threading` workers in the test: each thread or process needs its
own database connection (call `django.db.connection.close()` at its end).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlsplit

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
T = TypeVar("T")


def pytest_itemcollected(item: pytest.Item) -> None:
    # Runs for this folder's items only, before `-m` selects by marks.
    item.add_marker(pytest.mark.integration)


def wait_until_fn(predicate: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.1, message: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting: {message or predicate}")
        time.sleep(interval)


@pytest.fixture
def wait_until() -> Callable[..., object]:
    return wait_until_fn


def broker_queue_length(client, queue: str = "celery") -> int:
    # kombu's Redis transport keeps one list per queue and priority: "celery", "celery\x06\x163", ...
    return sum(client.llen(key) for key in client.scan_iter(match=f"{queue}*") if client.type(key) == b"list")


def _redis_client(url: str, what: str):
    import redis

    if not url.startswith(("redis://", "rediss://", "unix://")):
        pytest.fail(
            f"The integration suite needs {what} to be a Redis URL (redis://host:port/db); it is {url!r}.",
            pytrace=False,
        )
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(
            f"Redis for {what} at {url} is unreachable: {exc}. Start Redis or point {what} at one.", pytrace=False
        )
    return client


def _same_redis_db(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.hostname, pa.port or 6379, (pa.path or "/0").strip("/") or "0") == (
        pb.hostname,
        pb.port or 6379,
        (pb.path or "/0").strip("/") or "0",
    )


@pytest.fixture(scope="session", autouse=True)
def _integration_services() -> None:
    """Fail loudly, once, before any database is created, when this is not a PostgreSQL + Redis setup."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "Integration tests need PostgreSQL, but the database is "
            f"{connection.vendor!r} ({settings.DATABASES['default']['ENGINE']}). Set DATABASE_URL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/acu_<you>.",
            pytrace=False,
        )
    if not settings.REDIS_URL:
        pytest.fail("Integration tests need REDIS_URL (the Redis cache), e.g. redis://127.0.0.1:6379/1.", pytrace=False)
    if _same_redis_db(settings.CELERY_BROKER_URL, settings.REDIS_URL):
        pytest.fail(
            "CELERY_BROKER_URL and REDIS_URL point at the same Redis database; the cache fixture flushes its DB, "
            "which would delete the broker's queues. Give them different DB numbers.",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _tasks_go_through_the_broker(settings) -> None:
    # The unit suite's autouse fixture (tests/conftest.py, which runs first) makes tasks eager; here they must not be.
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture(scope="session")
def redis_broker():
    from django.conf import settings

    client = _redis_client(settings.CELERY_BROKER_URL, "CELERY_BROKER_URL")
    client.flushdb()  # leftovers of an earlier run would reach the new worker
    yield client
    client.close()


@pytest.fixture
def redis_cache():
    from django.conf import settings

    client = _redis_client(settings.REDIS_URL, "REDIS_URL")
    client.flushdb()
    yield client
    client.close()


def database_url_for(settings_dict: dict) -> str:
    """A DATABASE_URL for the child process that names pytest-django's test database, not the configured one."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    if host.startswith("/"):  # a Unix socket directory
        host = quote(host, safe="")
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen, hostname: str, log_path: Path) -> None:
        self.proc = proc
        self.hostname = hostname
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, text: str, timeout: float = 20.0) -> None:
        wait_until_fn(
            lambda: text in self.log(),
            timeout=timeout,
            message=f"{text!r} in the worker's log. Last lines:\n{self.tail()}",
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task in hand
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything it left behind
        self.proc.wait()


@pytest.fixture(scope="session")
def live_celery_worker(django_db_setup, redis_broker, tmp_path_factory) -> WorkerProcess:
    """A real worker on the test database. Depends on django_db_setup, so it stops before the database is dropped."""
    from django.db import connection

    from clinic.celery import app

    hostname = f"integration-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    log_path = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url_for(connection.settings_dict),  # test_<name>, created by django_db_setup
        DJANGO_SETTINGS_MODULE="clinic.settings",
        TESTING="true",  # same development SECRET_KEY and hashers as this process, with or without a .env
        PYTHONUNBUFFERED="1",
    )
    argv = [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool", "solo", "--loglevel", "INFO"]
    argv += ["--hostname", hostname, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            argv, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    worker = WorkerProcess(proc, hostname, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"The Celery worker exited with code {proc.returncode} while starting:\n{worker.tail()}")
            if app.control.ping(destination=[hostname], timeout=1.0):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not answer a ping within 60 s:\n{worker.tail()}")
        yield worker
    finally:
        worker.stop()
