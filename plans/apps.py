from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    # Managers keep the plan templates (the clinic's courses of care) in the admin. Patients' plans
    # are clinical records and are not registered there at all.
    manager_permissions = ("plans.view_plantemplate", "plans.add_plantemplate", "plans.change_plantemplate")

    def ready(self) -> None:
        # Registers the plans' send-time checks with scheduling's dispatcher.
        from patients.services.responses import on_response_submitted
        from scheduling.services.changes import on_appointment_attended

        from . import reminders  # noqa: F401
        from .services import plan_outcome_refresh

        # The outcome summaries follow every submitted score and every attended session (the lower apps call
        # these hooks in their own transactions; they never import plans).
        on_response_submitted(lambda patient_id: plan_outcome_refresh(patient_id=patient_id))
        on_appointment_attended(lambda appointment_id: plan_outcome_refresh(appointment_id=appointment_id))
