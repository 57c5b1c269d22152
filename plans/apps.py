from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    # Managers keep the plan templates (the clinic's courses of care) in the admin. Patients' plans
    # are clinical records and are not registered there at all.
    manager_permissions = ("plans.view_plantemplate", "plans.add_plantemplate", "plans.change_plantemplate")

    def ready(self) -> None:
        # Registers the plans' send-time checks with scheduling's dispatcher.
        from . import reminders  # noqa: F401
