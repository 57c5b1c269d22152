"""Writes and rules for patient records, intake, questionnaires, safety flags and consent.

Every write lives here (keyword-only arguments, `@transaction.atomic`, `full_clean()` before save).
Domain errors carry a message for the person at the screen; `field` names the form field.
The modules are split by concern; the public names are re-exported here.
"""

from .accounts import (
    email_verification_check,
    email_verification_send,
    email_verify,
    invitation_accepted,
    patient_invite,
)
from .consent import consent_sign, consent_text, normalise_name
from .errors import AnswersInvalid, DuplicatePatient, PatientError
from .intake import intake_response, intake_start, intake_step_draft_save, intake_step_save
from .preferences import Switch, email_unsubscribe, message_preferences_set, on_preferences_changed, sms_opt_out
from .reads import consent_viewed, intake_summary_viewed, patient_chart_viewed, response_viewed
from .records import (
    CONSENT_FIELDS,
    CONTACT_FIELDS,
    SIGNUP_EMAIL_ON_RECORD,
    STAFF_FIELDS,
    patient_archive,
    patient_create,
    patient_register,
    patient_restore,
    patient_update,
    patient_update_contact,
)
from .responses import (
    SaveResult,
    checkin_request,
    questionnaire_request,
    questionnaire_section_save,
    response_draft_save,
    response_section_save,
    response_submit,
)
from .safety import safety_review_record

__all__ = [
    "email_verification_check",
    "email_verification_send",
    "email_verify",
    "invitation_accepted",
    "patient_invite",
    "CONSENT_FIELDS",
    "CONTACT_FIELDS",
    "Switch",
    "email_unsubscribe",
    "message_preferences_set",
    "on_preferences_changed",
    "sms_opt_out",
    "SIGNUP_EMAIL_ON_RECORD",
    "STAFF_FIELDS",
    "AnswersInvalid",
    "DuplicatePatient",
    "PatientError",
    "SaveResult",
    "checkin_request",
    "consent_sign",
    "consent_text",
    "intake_response",
    "intake_start",
    "intake_step_draft_save",
    "intake_step_save",
    "consent_viewed",
    "intake_summary_viewed",
    "patient_chart_viewed",
    "response_viewed",
    "questionnaire_section_save",
    "normalise_name",
    "patient_archive",
    "patient_create",
    "patient_register",
    "patient_restore",
    "patient_update",
    "patient_update_contact",
    "questionnaire_request",
    "response_draft_save",
    "response_section_save",
    "response_submit",
    "safety_review_record",
]
