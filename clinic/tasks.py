from celery import shared_task

from . import services


@shared_task
def heartbeat() -> None:
    """Periodic proof that the worker and beat run; the manager page shows the time."""
    services.heartbeat_record(name="heartbeat")


@shared_task
def heartbeat_named(name: str) -> None:
    """Records a heartbeat under a caller's name. Diagnostics: the integration suite uses it to tell one send from
    another (a send queued in a transaction that rolled back from one that committed)."""
    services.heartbeat_record(name=name)
