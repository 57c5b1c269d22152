from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    # clinic.permissions grants these to managers (read-only views in the admin).
    manager_permissions = (
        "scheduling.view_appointment",
        "scheduling.view_appointmentchange",
        "scheduling.view_waitlistentry",
        "scheduling.view_waitlistoffer",
        "scheduling.view_notification",
        "scheduling.view_smsreply",
    )

    def ready(self) -> None:
        # The lower apps (clinic, patients) queue their emails through clinic.messaging,
        # which cannot import scheduling: the outbox registers itself there.
        from clinic.messaging import register_email_sink, register_reminder_replanner
        from patients.services.preferences import on_preferences_changed

        from .services.notifications import patient_preferences_applied, queue_rendered_email

        register_email_sink(queue_rendered_email)
        # A change of message preferences withdraws or plans the patient's messages at once.
        on_preferences_changed(patient_preferences_applied)
        register_reminder_replanner(_replan_after_commit)


def _replan_after_commit(service_ids: list[int] | None) -> None:
    from .tasks import replan_reminders  # tasks import the models

    replan_reminders.delay_on_commit(service_ids)
