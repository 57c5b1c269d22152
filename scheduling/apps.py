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
    )
