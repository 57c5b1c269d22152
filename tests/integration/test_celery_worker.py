"""A task sent from Django runs in a real Celery worker, over Redis, and its writes land in PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from clinic import tasks
from clinic.models import JobHeartbeat

from .conftest import broker_queue_length

pytestmark = pytest.mark.usefixtures("transactional_db")


class Rollback(Exception):
    pass


def test_the_heartbeat_sent_from_django_runs_in_the_worker_and_is_stored_in_postgresql(live_celery_worker, wait_until):
    assert connection.vendor == "postgresql"
    sent_at = timezone.now()

    result = tasks.heartbeat.delay()

    assert not isinstance(result, EagerResult), "the task ran in this process, not in the worker"
    beat = wait_until(
        lambda: JobHeartbeat.objects.filter(name="heartbeat").first(),
        timeout=30,
        message="the worker to record the heartbeat in PostgreSQL",
    )
    assert beat.last_run_at >= sent_at
    live_celery_worker.wait_for_log(f"Task clinic.tasks.heartbeat[{result.id}] succeeded")


def test_a_task_queued_on_commit_is_sent_only_when_the_transaction_commits(live_celery_worker, wait_until):
    name = f"committed-{uuid.uuid4().hex[:8]}"
    fence = f"fence-{uuid.uuid4().hex[:8]}"

    with transaction.atomic():
        tasks.heartbeat_named.delay_on_commit(name)
        # A plain .delay() goes out at once. The solo worker takes messages in order, so when the fence has run,
        # anything sent before it has run too; the worker commits its own rows, which this transaction can read.
        tasks.heartbeat_named.delay(fence)
        wait_until(lambda: JobHeartbeat.objects.filter(name=fence).exists(), timeout=30, message="the fence task")
        assert not JobHeartbeat.objects.filter(name=name).exists(), "the task ran before the transaction committed"

    wait_until(lambda: JobHeartbeat.objects.filter(name=name).exists(), timeout=30, message=f"heartbeat {name!r}")


def test_a_task_queued_on_commit_never_runs_when_the_transaction_rolls_back(
    live_celery_worker, redis_broker, wait_until
):
    rolled_back = f"rolled-back-{uuid.uuid4().hex[:8]}"
    committed = f"committed-{uuid.uuid4().hex[:8]}"

    with pytest.raises(Rollback), transaction.atomic():
        tasks.heartbeat_named.delay_on_commit(rolled_back)
        raise Rollback
    assert broker_queue_length(redis_broker) == 0

    # A fence: the solo worker takes messages in order, so once a send made after the rollback has run, the rolled
    # back one would have run before it, had it been sent at all.
    with transaction.atomic():
        tasks.heartbeat_named.delay_on_commit(committed)
    wait_until(lambda: JobHeartbeat.objects.filter(name=committed).exists(), timeout=30, message="the fence task")

    assert not JobHeartbeat.objects.filter(name=rolled_back).exists()
    assert rolled_back not in live_celery_worker.log()


def test_the_django_cache_lives_in_redis_at_redis_url(redis_cache):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    key = f"integration-probe-{uuid.uuid4().hex[:8]}"

    cache.set(key, 42, timeout=60)

    raw_key = cache.make_key(key)
    assert redis_cache.get(raw_key) == b"42"  # Django stores integers as plain text
    assert 0 < redis_cache.ttl(raw_key) <= 60
    redis_cache.set(raw_key, b"7")  # another process writing through Redis...
    assert cache.get(key) == 7  # ...is what Django reads back
