"""Domain errors of the patient services: `message` is what the person at the screen reads."""

from __future__ import annotations

from collections.abc import Mapping

from ..models import Patient


class PatientError(Exception):
    """A rule was broken; `message` is shown to the user, next to `field` if given."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DuplicatePatient(PatientError):
    """Looks like a patient we already have. `candidates` lists (patient, reason) pairs."""

    def __init__(self, candidates: list[tuple[Patient, str]], *, forcible: bool):
        names = ", ".join(p.full_name for p, _ in candidates)
        super().__init__(f"Possible duplicate: {names}.")
        self.candidates = candidates
        # An email match cannot be forced: active emails are unique in the database.
        self.forcible = forcible


class AnswersInvalid(PatientError):
    def __init__(self, errors: Mapping[str, str]):
        super().__init__("Some answers need another look.")
        self.errors = dict(errors)
        self.step: str | None = None  # the intake step to go back to, when known
