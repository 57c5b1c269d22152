"""The front desk creates the record of a caller who is not yet a patient."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from clinic.audit import audit
from clinic.models import User
from patients.models import Patient
from patients.services import patient_create


@transaction.atomic
def caller_patient_create(
    *,
    full_name: str,
    phone: str,
    date_of_birth: dt.date,
    email: str = "",
    created_by: User | None = None,
    allow_duplicate: bool = False,
) -> Patient:
    """patients.services.patient_create (which raises DuplicatePatient / PatientError), audited in
    the same transaction as the new record."""
    patient = patient_create(
        full_name=full_name,
        phone=phone,
        date_of_birth=date_of_birth,
        email=email,
        created_by=created_by,
        allow_duplicate=allow_duplicate,
    )
    audit(request=None, action="create", obj=patient, patient_id=patient.pk, actor=created_by, detail="caller record")
    return patient
