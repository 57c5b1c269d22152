"""Production settings: no secret key, no start; with one, Django's deployment check is clean.

These run manage.py in a child process so the settings module is read fresh. The developer's .env
says DEBUG=true, so the child's environment sets DEBUG=false explicitly (the environment beats .env).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3Vq9-production-secret-for-tests-only-Zx81mW0pLr5Tb7Yc2Nd4Hf6Jg8Qs"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set while a browser test's Playwright loop runs in this process (pytest-xdist
    # may run this test in the same worker); a deployment never has it.
    dropped = {"SECRET_KEY", "TESTING", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    child_env = {k: v for k, v in os.environ.items() if k not in dropped}
    child_env.update({"DEBUG": "false", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=120
    )


def test_production_without_a_secret_key_refuses_to_start_and_says_why():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_the_deployment_check_is_clean_with_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="clinic.example.org"
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_catches_a_weak_key():
    # Proof that the check above has teeth: a guessable key fails it.
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="short", ALLOWED_HOSTS="clinic.example.org"
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_development_runs_without_a_secret_key():
    result = _manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr
