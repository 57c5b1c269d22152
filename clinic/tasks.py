from celery import shared_task

from . import services


@shared_task
def heartbeat() -> None:
    """Periodic proof that the worker and beat run; the manager page shows the time."""
    services.heartbeat_record(name="heartbeat")
