from .matrix import Row, everyone, only, owner_only

STAFF = ("practitioner", "front_desk", "manager")


def _unsubscribe_token(w):
    from patients.unsubscribe import make_token

    return make_token(patient_id=w["patient"].pk, group="reminders")


def _pk(name):
    return lambda w: {"pk": w[name].pk}


ROWS = {
    "patients:register": Row(anon=200, patient=302, other_patient=302, practitioner=302, front_desk=302, manager=302),
    "patients:home": only("patient"),
    "patients:my_details": only("patient"),
    "patients:my_message_preferences": only("patient", ok=405),  # POST only (the form is on my_details)
    # The unsubscribe link works for anyone holding it, without a login (a bad token gets a friendly page).
    "patients:unsubscribe": everyone(200, kwargs=lambda w: {"token": _unsubscribe_token(w)}),
    # Email verification and the desk's invitation: the links work for anyone holding them (a bad
    # token gets a friendly page); "send again" is the patient's own, POST only.
    "patients:verify_email": everyone(200, kwargs=lambda w: {"token": "not-a-real-token"}),
    "patients:verify_email_resend": only("patient", ok=405),
    "patients:invitation": everyone(200, kwargs=lambda w: {"uidb64": "MQ", "token": "set-password"}),
    # The intake URLs carry no ids: each patient reaches only their own.
    "patients:intake": only("patient", ok=302),  # resumes at the first missing step
    "patients:intake_step": only("patient", kwargs=lambda w: {"slug": "where"}),
    "patients:intake_autosave": only("patient", ok=405, kwargs=lambda w: {"slug": "where"}),  # POST only
    "patients:intake_advice": only("patient", ok=302),  # no open red flags → home
    "patients:intake_summary": only("patient"),
    # Objects with ids: the other patient gets 404; the front desk never sees answers (403).
    "patients:questionnaire": owner_only(kwargs=_pk("checkin")),
    "patients:response_detail": owner_only("practitioner", kwargs=_pk("response")),
    "patients:consent_detail": owner_only("practitioner", kwargs=_pk("consent")),
    # Records: contact details for staff; no clinical content.
    "patients:list": only(*STAFF),
    "patients:search": only(*STAFF),
    "patients:create": only(*STAFF),
    "patients:detail": only(*STAFF, kwargs=_pk("patient")),
    "patients:edit": only(*STAFF, kwargs=_pk("patient")),
    "patients:archive": only(*STAFF, ok=405, kwargs=_pk("patient")),  # POST only
    "patients:invite": only(*STAFF, ok=405, kwargs=_pk("patient")),  # POST only
    # The chart and its actions: practitioners only.
    "patients:chart": only("practitioner", kwargs=_pk("patient")),
    "patients:review": only("practitioner", ok=405, kwargs=_pk("patient")),
    "patients:request_questionnaire": only("practitioner", ok=405, kwargs=_pk("patient")),
}
