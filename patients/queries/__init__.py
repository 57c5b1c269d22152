"""Reads about patients, shaped for the pages (and the other apps) that use them.

Public API for the booking / front-desk side:

- ``patient_search(q)``: active patients by name, email, phone (any format) or date of birth.
- ``duplicate_candidates(email=..., phone=..., date_of_birth=...)``: [(patient, reason)].
- ``patient_for_user(user)``: the record behind a patient login.
- ``intake_status(patient)`` / ``intake_statuses(ids)``: MISSING / IN_PROGRESS / COMPLETE /
  NEEDS_REVIEW, with no clinical content, safe to show to the front desk.
- ``patient_treatment_booking_hold(patient)``: why the safety screening holds online booking.
- ``alerts_for_patients(ids)``: practitioners only (My day): open red flags and standing precautions.

The modules are split by concern (records, status, alerts, chart); the public names are re-exported here.
"""

from .alerts import Alerts, alerts_for_patients, patient_alerts, pregnancy_points_to_avoid
from .chart import (
    KEY_SCORES,
    SCORE_LABELS,
    chart,
    definition_title,
    key_scores,
    outcome_changes,
    outcome_series,
    patient_outcomes,
    patient_results,
    response_history,
    response_view,
)
from .messages import ChannelStatus, message_statuses, reminder_statuses, sms_consent_record
from .records import (
    SEARCH_LIMIT,
    consent_current,
    duplicate_candidates,
    patient_for_user,
    patient_location,
    patient_phone_region,
    patient_search,
    phones_to_check,
    searchable,
)
from .status import (
    HOLD_MESSAGE,
    REFERRED_MESSAGE,
    UNVERIFIED_MESSAGE,
    IntakeStatus,
    booking_hold_reason,
    current_intake,
    email_verification_hold,
    intake_status,
    intake_statuses,
    intake_step_response,
    patient_treatment_booking_hold,
    pending_questionnaires,
    with_intake_status,
)

__all__ = [
    "ChannelStatus",
    "message_statuses",
    "reminder_statuses",
    "sms_consent_record",
    "UNVERIFIED_MESSAGE",
    "patient_location",
    "patient_phone_region",
    "phones_to_check",
    "booking_hold_reason",
    "email_verification_hold",
    "HOLD_MESSAGE",
    "KEY_SCORES",
    "REFERRED_MESSAGE",
    "SCORE_LABELS",
    "SEARCH_LIMIT",
    "Alerts",
    "IntakeStatus",
    "alerts_for_patients",
    "chart",
    "consent_current",
    "current_intake",
    "definition_title",
    "duplicate_candidates",
    "intake_status",
    "intake_statuses",
    "intake_step_response",
    "key_scores",
    "outcome_changes",
    "outcome_series",
    "patient_alerts",
    "patient_for_user",
    "patient_outcomes",
    "patient_results",
    "patient_search",
    "patient_treatment_booking_hold",
    "pending_questionnaires",
    "pregnancy_points_to_avoid",
    "response_history",
    "response_view",
    "searchable",
    "with_intake_status",
]
