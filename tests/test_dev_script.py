"""dev.py, the developer's two commands: the environment `run` gives its children and the lock-file checks.

dev.py is a script at the repository's root, not a package module: it is loaded from its path.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("acuclinic_dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def env_file(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DEBUG=true\n# SITE_URL=https://clinic.example.org\n")
    return path


# --- run --port N: links in emails point at the server dev.py started ---------------------------------------


def test_run_on_another_port_puts_that_port_in_site_url(dev, env_file):
    env = dev.run_env(host="127.0.0.1", port=8106, environ={"PATH": "/usr/bin"}, env_file=env_file)
    assert env["SITE_URL"] == "http://127.0.0.1:8106"


def test_a_wildcard_host_links_to_localhost_and_ipv6_is_bracketed(dev, env_file):
    assert dev.run_env(host="0.0.0.0", port=9000, environ={}, env_file=env_file)["SITE_URL"] == "http://localhost:9000"
    assert dev.run_env(host="::1", port=9000, environ={}, env_file=env_file)["SITE_URL"] == "http://[::1]:9000"


def test_site_url_from_the_environment_wins(dev, env_file):
    env = dev.run_env(
        host="127.0.0.1", port=8106, environ={"SITE_URL": "https://tunnel.example.org"}, env_file=env_file
    )
    assert env["SITE_URL"] == "https://tunnel.example.org"


@pytest.mark.parametrize("line", ["SITE_URL=https://clinic.example.org", 'export SITE_URL="https://x.example.org"'])
def test_site_url_in_dot_env_is_left_for_the_settings_to_read(dev, env_file, line):
    env_file.write_text(f"DEBUG=true\n{line}\n")
    env = dev.run_env(host="127.0.0.1", port=8106, environ={}, env_file=env_file)
    assert "SITE_URL" not in env  # the settings read .env; dev.py must not shadow it


def test_an_empty_or_commented_site_url_does_not_count_as_set(dev, env_file):
    env_file.write_text("SITE_URL=\n# SITE_URL=https://old.example.org\n")
    env = dev.run_env(host="127.0.0.1", port=8107, environ={"SITE_URL": ""}, env_file=env_file)
    assert env["SITE_URL"] == "http://127.0.0.1:8107"


def test_the_run_environment_keeps_the_callers_variables_and_uses_the_venv(dev, env_file):
    env = dev.run_env(host="127.0.0.1", port=8000, environ={"PATH": "/usr/bin", "CI": "true"}, env_file=env_file)
    assert env["CI"] == "true"
    assert env["PATH"].startswith(str(dev.VENV / "bin"))
    assert env["DJANGO_SETTINGS_MODULE"] == "clinic.settings"


def test_the_settings_read_the_site_url_dev_py_sets(dev, env_file):
    environ = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env = dev.run_env(host="127.0.0.1", port=8123, environ={**environ, "TESTING": "true"}, env_file=env_file)
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "http://127.0.0.1:8123"


# --- the lock files --------------------------------------------------------------------------------------------


def test_the_committed_locks_pin_every_requirement(dev):
    assert dev.stale_requirements(dev.RUN_REQUIREMENTS, dev.RUN_LOCK) == []
    assert dev.stale_requirements(dev.DEV_REQUIREMENTS, dev.DEV_LOCK) == []


def test_every_locked_package_carries_a_hash(dev):
    for lock in (dev.RUN_LOCK, dev.DEV_LOCK):
        entries = [line for line in lock.read_text().splitlines() if line and not line.startswith((" ", "#"))]
        assert entries, f"{lock.name} pins nothing"
        text = lock.read_text()
        for entry in entries:
            following = text.split(entry, 1)[1].split("\n", 2)[1]
            assert following.strip().startswith("--hash=sha256:"), f"{entry} in {lock.name} has no hash"


def test_the_dev_lock_pins_each_runtime_package_as_production_does(dev):
    runtime = dev.requirement_pins(dev.RUN_LOCK)
    development = dev.requirement_pins(dev.DEV_LOCK)
    assert {name: development.get(name) for name in runtime} == runtime


def test_a_requirement_added_without_relocking_is_reported(dev, tmp_path):
    base = tmp_path / "requirements.txt"
    base.write_text("Django==5.2.19\ncelery[redis]==5.7.0  # the worker\n")
    dev_txt = tmp_path / "requirements-dev.txt"
    dev_txt.write_text("-r requirements.txt\npytest==9.2.0\nmatplotlib==3.10.0\nnumpy\n")
    lock = tmp_path / "requirements-dev.lock"
    lock.write_text(
        "django==5.2.19 \\\n    --hash=sha256:aa\n"
        "celery==5.7.0 ; python_version >= '3.11' \\\n    --hash=sha256:bb\n    # via -r requirements.txt\n"
        "pytest==9.1.0 \\\n    --hash=sha256:cc\n"
    )
    assert dev.stale_requirements(dev_txt, lock) == ["pytest==9.2.0", "matplotlib==3.10.0", "numpy"]


def test_a_lock_with_merge_conflicts_keeps_our_side(dev):
    conflicted = (
        "amqp==5.4.2 \\\n    --hash=sha256:aa\n"
        "<<<<<<< HEAD\ncelery==5.7.0 \\\n    --hash=sha256:bb\n"
        "||||||| base\ncelery==5.6.0 \\\n"
        "=======\ncelery==5.7.1 \\\n    --hash=sha256:cc\n"
        ">>>>>>> w3\nwhitenoise==6.12.0 \\\n    --hash=sha256:dd\n"
    )
    assert dev.ours_of_conflict(conflicted) == (
        "amqp==5.4.2 \\\n    --hash=sha256:aa\ncelery==5.7.0 \\\n    --hash=sha256:bb\n"
        "whitenoise==6.12.0 \\\n    --hash=sha256:dd\n"
    )
