"""Shared by bench/generate.py and bench/run.py: which database, Django set-up, the meta table.

The benchmark never touches the development database: DATABASE_URL defaults to var/bench.sqlite3,
and whatever it says, the database name must contain "bench" (the generator drops and rebuilds it).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "bench.sqlite3"
RESULTS_DIR = ROOT / "bench" / "results"

# The generated clinic's "today". Fixed, so the same seed gives the same rows whenever it runs, and
# run.py travels here (time_machine) so "now", minimum notice and the 14/28-day windows line up
# with the data. The 28 days from here cross the London spring-forward (29 March 2026) and the
# Sydney fall-back (5 April 2026), so the benchmark also walks DST days.
ANCHOR_DATE = "2026-03-09"  # a Monday
ANCHOR_UTC_TIME = "10:00"

BENCH_PATIENT_EMAIL = "bench.patient@bench.acuclinic.test"
BENCH_PASSWORD = "bench-password-2026"  # every generated login (patients and staff)


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB}"


def check_is_bench_database(url: str) -> None:
    """Refuse any database that is not obviously a benchmark one (the generator drops it)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") if parts.scheme.startswith("postgres") else parts.path
    if "bench" not in Path(name).name:
        sys.exit(
            f"Refusing to use {url!r}: the benchmark rebuilds its database, so the name must contain 'bench' "
            f"(default sqlite:///{DEFAULT_DB}; PostgreSQL e.g. postgres://postgres@127.0.0.1:5432/acu_bench)."
        )
    if parts.scheme.startswith("sqlite") and Path(name).resolve() == (ROOT / "var" / "acuclinic.sqlite3").resolve():
        sys.exit("Refusing to use the development database.")


def setup_django(url: str) -> None:
    """Production-like settings: DEBUG off (no query log, no debug cursors), real middleware.

    TESTING=true only relaxes what a laptop cannot satisfy (SECRET_KEY, HTTPS redirects, the
    hashed static manifest); it changes nothing on the measured paths.
    """
    check_is_bench_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"
    os.environ["TESTING"] = "true"
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- bench_meta: a key/value table in the bench database (plain SQL, not a Django model) ----------


def write_meta(values: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key varchar(64) PRIMARY KEY, value text NOT NULL)")
        cur.execute("DELETE FROM bench_meta")
        for key, value in values.items():
            cur.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s)", [key, json.dumps(value)])


def read_meta() -> dict:
    from django.db import connection
    from django.db.utils import DatabaseError

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT key, value FROM bench_meta")
            return {k: json.loads(v) for k, v in cur.fetchall()}
    except DatabaseError:
        return {}
