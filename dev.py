#!/usr/bin/env python3
"""Acuclinic's developer commands. Standard library only, so a fresh clone needs nothing but Python 3.11.

    python3 dev.py run      # virtualenv + requirements, migrate, seed the demo clinic,
                            # then web server + Celery worker + Celery beat; Ctrl-C stops all three
    python3 dev.py test     # virtualenv + dev requirements, then pytest: unit suite + browser (e2e) tests
    python3 dev.py typecheck  # mypy over the services, queries and pure modules (files listed in pyproject.toml)
    python3 dev.py lock     # regenerate requirements.lock and requirements-dev.lock after editing requirements*.txt

Options:
    run  [--host 127.0.0.1] [--port 8000] [--no-seed] [--no-reload]
         SITE_URL (the address in emails' links) follows --host/--port unless the environment or .env sets it.
    test [--integration] [PYTEST ARGS...]
         Anything after `test` that dev.py does not know goes to pytest, e.g. `python3 dev.py test -x tests/clinic`.
         --integration runs only the integration suite (real PostgreSQL, Redis and a Celery worker, see README).
    lock [--offline] [--upgrade | --upgrade-package NAME ...]
         Pins the whole tree with hashes (uv pip compile), keeping every version already in the locks unless told
         to upgrade. Tries the package index, then uv's cache alone (--offline skips the index).

The virtualenv is installed from the locks with `pip install --require-hashes` and reinstalled only when a lock
changes; a lock older than its requirements file stops dev.py with the command that refreshes it.

Environment: CI=true turns a missing chromium into a failure instead of a skip. HEARTBEAT_SECONDS (read by the
settings) makes beat send the heartbeat more often than once a minute, to watch the worker at work.
POSIX only (process groups and signals).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from dev_support import (
    WANTED_PYTHON,
    Child,
    _lock_entry,
    _port_answers,
    _port_is_free,
    _python_version,
    find_chromium,
    ours_of_conflict,
    requirement_pins,
    requirements_hash,
    say,
    stale_requirements,
    stop_children,
)

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
STAMP = VENV / ".acuclinic-requirements.json"
ENV_FILE = ROOT / ".env"
RUN_REQUIREMENTS = ROOT / "requirements.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
# What is installed: the whole tree pinned with hashes, generated from the requirements files by `dev.py lock`.
RUN_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
LOCK_SOURCES = {RUN_LOCK: RUN_REQUIREMENTS, DEV_LOCK: DEV_REQUIREMENTS}
LOCK_COMMAND = "python3 dev.py lock"

# The integration suite's services, as CI runs them (see .ci/run). Used by `test --integration` when unset.
INTEGRATION_ENV_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/acuclinic",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
}

ENV_TEMPLATE = """\
# Local development settings, written by `python3 dev.py` because .env was missing. Not committed.
# Every variable is described in the README's configuration table; real environment variables win over this file.
DEBUG=true
# With nothing else set, development uses: SQLite in var/acuclinic.sqlite3, Celery's filesystem broker in
# var/broker/, a local-memory cache and emails printed to the console. To use real services instead:
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/acuclinic
# CELERY_BROKER_URL=redis://127.0.0.1:6379/0
# REDIS_URL=redis://127.0.0.1:6379/1
# HEARTBEAT_SECONDS=60
"""


def banner(lines: list[str]) -> None:
    width = max(len(line) for line in lines) + 4
    say("=" * width)
    for line in lines:
        say(f"  {line}")
    say("=" * width)


def die(msg: str, code: int = 1) -> None:
    print(f"dev.py: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


# --- virtualenv and requirements ------------------------------------------------------------------


def find_python311() -> str:
    """The running interpreter when it is 3.11 (the common case), else a python3.11 on PATH."""
    if sys.version_info[:2] == WANTED_PYTHON:
        return sys.executable
    for name in ("python3.11", "python3"):
        candidate = shutil.which(name)
        if candidate and _python_version(candidate) == WANTED_PYTHON:
            return candidate
    die(
        f"Acuclinic needs Python 3.11; this is Python {sys.version.split()[0]} and no python3.11 is on PATH.\n"
        "Install Python 3.11 (e.g. `apt-get install python3.11 python3.11-venv`, pyenv, or python.org) "
        "and run `python3.11 dev.py ...`."
    )
    raise AssertionError  # unreachable


def ensure_venv() -> None:
    if VENV_PY.exists():
        version = _python_version(str(VENV_PY))
        if version == WANTED_PYTHON:
            return
        die(
            f"{VENV} exists but its Python is {version or 'broken'}, not 3.11. "
            f"Remove it (`rm -rf {VENV.name}`) and run this command again."
        )
    python = find_python311()
    say(f"Creating the virtualenv in {VENV.name}/ with {python} ...")
    result = subprocess.run([python, "-m", "venv", str(VENV)])
    if result.returncode != 0 or not VENV_PY.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        die(
            "could not create the virtualenv. On Debian/Ubuntu the venv module is a separate package: "
            "`apt-get install python3.11-venv`."
        )


def _read_stamp() -> dict[str, str]:
    try:
        return json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return {}


def _pip_install(*args: str) -> int:
    cmd = [str(VENV_PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--progress-bar", "off"]
    return subprocess.run([*cmd, *args], cwd=ROOT).returncode


def ensure_requirements(lock: Path) -> None:
    """pip install the lock (hash-checked), unless a stamp says this exact lock (or the dev lock, which pins the
    same runtime packages) is installed."""
    source = LOCK_SOURCES[lock]
    if not lock.exists():
        die(f"{lock.name} is missing. Generate it from {source.name} with `{LOCK_COMMAND}`.")
    stale = stale_requirements(source, lock)
    if stale:
        die(
            f"{lock.name} is out of date with {source.name} (it does not pin {', '.join(stale)}). "
            f"Run `{LOCK_COMMAND}` and commit both lock files."
        )
    stamp = _read_stamp()
    wanted = requirements_hash(lock)
    if stamp.get(lock.name) == wanted:
        return
    if lock == RUN_LOCK and DEV_LOCK.exists() and stamp.get(DEV_LOCK.name) == requirements_hash(DEV_LOCK):
        return  # requirements-dev.lock pins every runtime package at the same version (see cmd_lock)
    say(f"Installing {lock.name} into {VENV.name}/ (the first time takes a minute or two) ...")
    if _pip_install("--require-hashes", "-r", str(lock)) != 0:
        die(f"pip could not install {lock.name} (see pip's output above).")
    stamp[lock.name] = wanted
    STAMP.write_text(json.dumps(stamp, indent=2) + "\n")


def ensure_env_file() -> None:
    if not ENV_FILE.exists():
        ENV_FILE.write_text(ENV_TEMPLATE)
        say(f"Wrote {ENV_FILE.name} with development defaults (DEBUG=true, SQLite and broker in var/).")


def child_env(base: dict[str, str] | None = None, /, **extra: str) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    env["PYTHONUNBUFFERED"] = "1"  # logs reach the terminal as they happen, not in 4 KB lumps
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def manage(*args: str, capture: bool = False, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_PY), "manage.py", *args], cwd=ROOT, env=env or child_env(), text=True, capture_output=capture
    )


# --- lock -----------------------------------------------------------------------------------------


def ensure_uv() -> Path:
    """The venv's uv, at the version requirements-dev.txt pins; installed hash-checked from the dev lock when it
    pins that version (a stale lock still has a usable uv), else from the index."""
    uv = VENV / "bin" / "uv"
    wanted = requirement_pins(DEV_REQUIREMENTS).get("uv")
    if uv.exists():
        out = subprocess.run([str(uv), "--version"], capture_output=True, text=True)
        if out.returncode == 0 and (wanted is None or out.stdout.split()[1:2] == [wanted]):
            return uv
    entry = _lock_entry(DEV_LOCK, "uv")
    if entry and (wanted is None or f"=={wanted}" in entry.splitlines()[0]):
        pinned = VENV / ".uv-requirement.txt"
        pinned.write_text(entry)
        code = _pip_install("--require-hashes", "-r", str(pinned))
        pinned.unlink()
    else:
        code = _pip_install(f"uv=={wanted}" if wanted else "uv")
    if code != 0 or not uv.exists():
        die("could not install uv, which writes the lock files (see pip's output above).")
    return uv


def lock_command(uv: Path, lock: Path, *extra: str) -> list[str]:
    cmd = [str(uv), "pip", "compile", "--quiet", "--generate-hashes", "--universal", "--python-version", "3.11"]
    cmd += ["--custom-compile-command", LOCK_COMMAND, LOCK_SOURCES[lock].name, "--output-file", lock.name]
    if lock == DEV_LOCK:
        cmd += ["--constraint", RUN_LOCK.name]  # the dev set pins each runtime package as production does
    return [*cmd, *extra]


def cmd_lock(argv: list[str]) -> int:
    offline = "--offline" in argv
    extra = [a for a in argv if a != "--offline"]
    ensure_venv()
    uv = ensure_uv()
    for lock in (RUN_LOCK, DEV_LOCK):
        if lock.exists() and re.search(r"^<<<<<<< ", lock.read_text(), re.MULTILINE):
            say(f"{lock.name} has merge-conflict markers: keeping our side's pins, then locking again.")
            lock.write_text(ours_of_conflict(lock.read_text()))
        say(f"Locking {LOCK_SOURCES[lock].name} -> {lock.name} ...")
        cmd = lock_command(uv, lock, *extra)
        code = 1 if offline else subprocess.run(cmd, cwd=ROOT, env=child_env()).returncode
        if code != 0:
            if not offline:
                say("dev.py: the package index did not answer; trying uv's cache alone (--offline).")
            code = subprocess.run([*cmd, "--offline"], cwd=ROOT, env=child_env()).returncode
        if code != 0:
            die(f"uv could not lock {LOCK_SOURCES[lock].name} (see above).")
    say(f"Wrote {RUN_LOCK.name} and {DEV_LOCK.name}. Commit both; the next dev.py command installs them.")
    return 0


# --- run ------------------------------------------------------------------------------------------


def site_url(host: str, port: int) -> str:
    """The address the browser uses for `run --host H --port N` (a wildcard bind is reached as localhost)."""
    if host in {"", "0.0.0.0", "::"}:
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def env_file_sets(name: str, env_file: Path) -> bool:
    """Whether a .env file gives `name` a non-empty value (the settings read it with django-environ)."""
    try:
        text = env_file.read_text()
    except OSError:
        return False
    for line in text.splitlines():
        match = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if match and match.group(1) == name and match.group(2).strip().strip("'\"").strip():
            return True
    return False


def run_env(
    *, host: str, port: int, environ: dict[str, str] | None = None, env_file: Path = ENV_FILE
) -> dict[str, str]:
    """The children's environment for `run`: SITE_URL follows --host/--port so emails link to this server,
    unless the environment or .env sets SITE_URL on purpose."""
    base = dict(os.environ if environ is None else environ)
    extra = {}
    if not base.get("SITE_URL") and not env_file_sets("SITE_URL", env_file):
        extra["SITE_URL"] = site_url(host, port)
    return child_env(base, **extra)


def seed_demo_available() -> bool:
    return any(ROOT.glob("*/management/commands/seed_demo.py"))


def cmd_run(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="dev.py run", description="Run the demo clinic: web, worker and beat.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-seed", action="store_true", help="do not run manage.py seed_demo")
    parser.add_argument("--no-reload", action="store_true", help="runserver without the auto-reloader")
    opts = parser.parse_args(argv)

    ensure_venv()
    ensure_requirements(RUN_LOCK)
    ensure_env_file()
    env = run_env(host=opts.host, port=opts.port)

    if not _port_is_free(opts.host, opts.port):
        die(f"port {opts.port} on {opts.host} is already in use. Stop whatever uses it, or pass --port N.")

    say("Applying migrations ...")
    if manage("migrate", "--noinput", env=env).returncode != 0:
        die("manage.py migrate failed (see above).")

    seed_output = ""
    if opts.no_seed:
        say("Skipping the demo data (--no-seed).")
    elif seed_demo_available():
        say("Seeding the demo clinic (manage.py seed_demo; safe to repeat) ...")
        result = manage("seed_demo", capture=True, env=env)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.returncode != 0:
            die("manage.py seed_demo failed (see above).")
        seed_output = result.stdout.strip()
    else:
        say("NOTICE: manage.py seed_demo does not exist yet, so no demo data was created.")
        say("        Create a manager with `.venv/bin/python manage.py createsuperuser` to log in.")

    bin_dir = VENV / "bin"
    runserver = [str(VENV_PY), "manage.py", "runserver", f"{opts.host}:{opts.port}"]
    if opts.no_reload:
        runserver.append("--noreload")
    children = [
        Child("web", runserver, term_whole_group=True, env=env),
        Child(
            "worker",
            # gossip/mingle/heartbeat talk between workers over broadcast, which the filesystem broker lacks.
            [str(bin_dir / "celery"), "-A", "clinic", "worker", "--loglevel", "INFO", "--concurrency", "2"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", "dev-worker@%h"],
            term_whole_group=False,
            env=env,
        ),
        Child(
            "beat",
            [str(bin_dir / "celery"), "-A", "clinic", "beat", "--loglevel", "INFO"],
            term_whole_group=False,
            env=env,
        ),
    ]

    stop = threading.Event()
    signals_seen: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        signals_seen.append(signum)
        if len(signals_seen) > 1:  # impatient second Ctrl-C: no more waiting
            for child in children:
                child.signal_group(signal.SIGKILL)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    # Start every child before any output thread: preexec_fn is only safe while this process has one thread.
    for child in children:
        child.start()
    lock = threading.Lock()
    width = max(len(c.name) for c in children)
    pumps = [child.pump_output(lock, width) for child in children]

    url = site_url(opts.host, opts.port) + "/"
    announced = False
    failed: Child | None = None
    started = time.monotonic()
    while not stop.wait(0.3):
        for child in children:
            if child.proc and child.proc.poll() is not None:
                failed = child
                break
        if failed:
            break
        if not announced and _port_answers(opts.host, opts.port):
            announced = True
            with lock:
                lines = [
                    f"Acuclinic is running at {url}",
                    "Web server, Celery worker and Celery beat are up. Press Ctrl-C to stop all three.",
                    f"Links in emails start with {env.get('SITE_URL') or 'the SITE_URL in .env'}.",
                ]
                if seed_output:
                    # seed_demo's own words, from its "Demo logins" line on when it has one.
                    seed_lines = seed_output.splitlines()
                    start = next((i for i, x in enumerate(seed_lines) if x.startswith("Demo logins")), 0)
                    lines += [""] + [line for line in seed_lines[start:] if line.strip()]
                banner(lines)
        if not announced and time.monotonic() - started > 120:
            say("dev.py: the web server did not answer within 120 s; stopping.")
            failed = children[0]
            break

    if failed:
        code = failed.proc.returncode if failed.proc else None
        say(f"dev.py: {failed.name} exited (code {code}); stopping the others.")
    else:
        say(f"dev.py: got {signal.Signals(signals_seen[0]).name}; stopping web, worker and beat ...")
    stop_children(children)
    for pump in pumps:
        pump.join(timeout=2)
    if failed:
        return 1
    say("dev.py: all stopped.")
    return 0


# --- test -----------------------------------------------------------------------------------------


def xdist_args(pytest_args: list[str]) -> list[str]:
    """The suite is CPU-bound: one xdist worker per core (at most 4) unless the caller chose (-n, -p no:xdist)."""
    chose = any(a.startswith(("-n", "--numprocesses", "--dist")) for a in pytest_args) or "no:xdist" in pytest_args
    workers = min(os.cpu_count() or 1, 4)
    return [] if chose or workers < 2 else ["-n", str(workers), "--dist", "load"]


def cmd_test(argv: list[str]) -> int:
    integration = "--integration" in argv
    pytest_args = [a for a in argv if a != "--integration"]
    if pytest_args[:1] == ["--"]:
        pytest_args = pytest_args[1:]

    ensure_venv()
    ensure_requirements(DEV_LOCK)
    ensure_env_file()

    extra_env: dict[str, str] = {}
    if integration:
        for key, value in INTEGRATION_ENV_DEFAULTS.items():
            if not os.environ.get(key):
                extra_env[key] = value
        say("Integration suite: real PostgreSQL, Redis and a Celery worker.")
        for key in INTEGRATION_ENV_DEFAULTS:
            say(f"  {key}={extra_env.get(key) or os.environ[key]}")
        cmd = [str(VENV_PY), "-m", "pytest", "-m", "integration", "tests/integration", *pytest_args]
    else:
        chromium = find_chromium()
        skipped_reason = None
        if chromium:
            extra_env["CHROMIUM_PATH"] = chromium
            say(f"Browser (e2e) tests will drive {chromium}.")
        else:
            skipped_reason = "no chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium and PATH)"
            if is_ci():
                say(f"ERROR: {skipped_reason}; with CI=true the browser tests FAIL instead of skipping.")
            else:
                say(f"NOTICE: browser (e2e) tests will be SKIPPED: {skipped_reason}.")
                say("        Install Debian's chromium (`apt-get install chromium`) to run them.")
        cmd = [str(VENV_PY), "-m", "pytest", *xdist_args(pytest_args), *pytest_args]

    say("$ pytest " + " ".join(cmd[3:]))
    code = subprocess.run(cmd, cwd=ROOT, env=child_env(**extra_env)).returncode
    if not integration and skipped_reason and not is_ci():
        say(f"NOTICE: browser (e2e) tests were SKIPPED: {skipped_reason}.")
    if code == 5:
        say("dev.py: pytest collected no tests (exit code 5).")
    return code


# --- typecheck ------------------------------------------------------------------------------------


def cmd_typecheck(argv: list[str]) -> int:
    """mypy with django-stubs; the files it checks and its settings are in pyproject.toml ([tool.mypy])."""
    ensure_venv()
    ensure_requirements(DEV_LOCK)
    ensure_env_file()
    say("$ mypy " + " ".join(argv))
    return subprocess.run([str(VENV / "bin" / "mypy"), *argv], cwd=ROOT, env=child_env()).returncode


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    commands = {"run": cmd_run, "test": cmd_test, "typecheck": cmd_typecheck, "lock": cmd_lock}
    if not argv or argv[0] in {"-h", "--help", "help"} or argv[0] not in commands:
        say(__doc__.strip())
        return 0 if argv[:1] in ([], ["-h"], ["--help"], ["help"]) else 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
