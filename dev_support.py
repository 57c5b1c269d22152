"""Helpers of dev.py that need no state of its own: reading requirements and lock files, and running the
app's processes together. Standard library only (dev.py runs before any virtualenv exists)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
WANTED_PYTHON = (3, 11)


def say(msg: str = "") -> None:
    print(msg, flush=True)


def requirements_hash(path: Path, seen: set[Path] | None = None) -> str:
    """Hash of a requirements file and every file it includes with -r/-c, so an edit to either reinstalls."""
    seen = seen if seen is not None else set()
    digest = hashlib.sha256()
    digest.update(f"python{WANTED_PYTHON}".encode())
    stack = [path]
    while stack:
        current = stack.pop(0).resolve()
        if current in seen:
            continue
        seen.add(current)
        text = current.read_text()
        digest.update(current.name.encode() + b"\0" + text.encode())
        for line in text.splitlines():
            parts = line.strip().split(maxsplit=1)
            if len(parts) == 2 and parts[0] in {"-r", "--requirement", "-c", "--constraint"}:
                stack.append(current.parent / parts[1])
    return digest.hexdigest()


_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(==\s*[^\s;\\#]+)?")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins(path: Path) -> dict[str, str | None]:
    """Package name -> pinned version (None when not pinned with ==) for a requirements or lock file and the
    requirements files it includes with -r."""
    pins: dict[str, str | None] = {}
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[0] in {"-r", "--requirement"}:
            pins.update(requirement_pins(path.parent / parts[1]))
            continue
        match = _REQUIREMENT.match(line)
        if match and not line.startswith("-"):
            version = match.group(2)
            pins[_normalise(match.group(1))] = version[2:].strip() if version else None
    return pins


def stale_requirements(requirements: Path, lock: Path) -> list[str]:
    """The requirements that `lock` does not satisfy (missing, or pinned to another version): empty when it is
    up to date. Catches a dependency added to requirements*.txt without `dev.py lock`."""
    locked = requirement_pins(lock)
    stale = []
    for name, version in requirement_pins(requirements).items():
        if name not in locked or (version is not None and locked[name] != version):
            stale.append(f"{name}=={version}" if version else name)
    return stale


def _lock_entry(lock: Path, name: str) -> str:
    """One package's lines in a lock (its pin and hashes), or "" when the lock does not pin it."""
    lines: list[str] = []
    for line in lock.read_text().splitlines() if lock.exists() else []:
        if lines and (line.startswith(" ") or lines[-1].endswith("\\")):
            if line.strip().startswith("--hash"):
                lines.append(line)
            continue
        if lines:
            break
        match = _REQUIREMENT.match(line)
        if match and _normalise(match.group(1)) == name:
            lines.append(line)
    return "\n".join(lines).rstrip("\\ ") + "\n" if lines else ""


def ours_of_conflict(text: str) -> str:
    """A merge-conflicted lock with only our side of each conflict. uv keeps the versions already in its output
    file, so the other side's pins are lost only where both sides changed them; the requirements files (merged by
    hand) then decide what is added."""
    out, side = [], "both"
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            side = "ours"
        elif line.startswith("||||||| ") and side == "ours":
            side = "base"
        elif line.rstrip("\n") == "=======" and side in {"ours", "base"}:
            side = "theirs"
        elif line.startswith(">>>>>>> ") and side == "theirs":
            side = "both"
        elif side in {"both", "ours"}:
            out.append(line)
    return "".join(out)


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """Runs in each child before exec: if dev.py itself is killed with SIGKILL, Linux sends the child SIGTERM."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except Exception:
        pass  # not Linux: process groups and the signal handlers still cover Ctrl-C and SIGTERM


class Child:
    """One long-running process in its own process group, its output prefixed with its name."""

    def __init__(self, name: str, argv: list[str], *, term_whole_group: bool, env: dict[str, str]) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        # Celery's main process stops its own pool (warm shutdown); a SIGTERM to the pool processes as well
        # would only make it log them as killed. runserver's reloader parent does not pass SIGTERM to its
        # child, so the web server's whole group gets it.
        self.term_whole_group = term_whole_group
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        # A new session = a new process group: the terminal's Ctrl-C reaches only dev.py, which then stops the
        # children in order, and killpg() also reaches grandchildren (runserver's reloader, prefork pool).
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def pump_output(self, lock: threading.Lock, width: int) -> threading.Thread:
        def pump() -> None:
            assert self.proc and self.proc.stdout
            for raw in iter(self.proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                with lock:
                    sys.stdout.write(f"{self.name:<{width}} | {line}\n")
                    sys.stdout.flush()

        thread = threading.Thread(target=pump, name=f"output-{self.name}", daemon=True)
        thread.start()
        return thread

    def signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def terminate(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        if self.term_whole_group:
            self.signal_group(signal.SIGTERM)
        else:
            self.proc.send_signal(signal.SIGTERM)


def stop_children(children: list[Child], grace: float = 15.0) -> None:
    """SIGTERM each child (worker: warm shutdown), wait, then SIGKILL whatever is left in their groups."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        if child.proc is None:
            continue
        try:
            child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"dev.py: {child.name} did not stop within {grace:.0f} s; killing it.")
    # Also sweeps up members that outlived their leader (a reloader child, a pool process).
    for child in children:
        child.signal_group(signal.SIGKILL)
        if child.proc:
            child.proc.wait()


def _python_version(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.strip().split(".")
    return int(major), int(minor)


def find_chromium() -> str | None:
    """Same rule as tests/e2e/conftest.py: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else PATH."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")
