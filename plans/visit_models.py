"""Visit records: the SOAP note of one appointment, its points, adverse events, safety acknowledgements
and amendments.

A visit record is a legal document. Once signed, the row and everything hanging off it refuse to be
saved or deleted (the check lives in `save()`/`delete()` so the form, a direct POST, the admin and the
services all meet the same rule). Corrections are `Amendment` rows appended beside the original.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from clinic.models import AcupuncturePoint, PractitionerProfile
from patients.models import Patient
from scheduling.models import Appointment

PAIN = [MinValueValidator(0), MaxValueValidator(10)]


class VisitLocked(Exception):
    """A write reached a signed visit record."""

    message = "This visit note is signed and cannot be changed. Add an amendment instead."


class Pattern(models.TextChoices):
    QI_BLOOD_STAGNATION = "qi_blood_stagnation", "Qi and blood stagnation"
    COLD_DAMP = "cold_damp", "Cold-damp obstruction"
    DAMP_HEAT = "damp_heat", "Damp-heat obstruction"
    KIDNEY_DEFICIENCY = "kidney_deficiency", "Kidney deficiency"
    LIVER_KIDNEY_DEFICIENCY = "liver_kidney_deficiency", "Liver and kidney deficiency"
    OTHER = "other", "Other"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class Laterality(models.TextChoices):
    LEFT = "L", "Left"
    RIGHT = "R", "Right"
    BILATERAL = "B", "Bilateral"


class VisitRecord(models.Model):
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="visit")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    practitioner = models.ForeignKey(PractitionerProfile, on_delete=models.PROTECT, related_name="visits")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Subjective
    subjective = models.TextField("patient's report", blank=True, max_length=5000)
    leg_pain_before = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN)
    back_pain_before = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN)
    # Objective
    posture = models.CharField(max_length=500, blank=True)
    lumbar_rom = models.CharField("lumbar range of motion", max_length=500, blank=True)
    slr_angle = models.PositiveSmallIntegerField(
        "straight-leg raise angle (°)", null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    slr_side = models.CharField("straight-leg raise side", max_length=5, choices=Side.choices, blank=True)
    tension_areas = models.CharField("areas of tension", max_length=500, blank=True)
    gait = models.CharField(max_length=500, blank=True)
    tongue_colour = models.CharField(max_length=100, blank=True)
    tongue_coating = models.CharField(max_length=100, blank=True)
    tongue_shape = models.CharField(max_length=100, blank=True)
    pulse = models.CharField(max_length=500, blank=True)
    # Assessment
    pattern = models.CharField("traditional pattern", max_length=32, choices=Pattern.choices, blank=True)
    pattern_other = models.CharField("other pattern", max_length=200, blank=True)
    assessment = models.TextField(blank=True, max_length=5000)
    # Treatment (per visit, STRICTA item 2)
    needle_count = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(200)])
    retention_minutes = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(240)])
    needle_gauge = models.CharField(max_length=40, blank=True, help_text="e.g. 0.25 mm")
    needle_length = models.CharField(max_length=40, blank=True, help_text="e.g. 40 mm")
    de_qi = models.BooleanField("response sought: de qi", default=False)
    manual = models.BooleanField("manual stimulation", default=False)
    electro = models.BooleanField("electroacupuncture", default=False)
    electro_hz = models.DecimalField(
        "frequency (Hz)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    electro_intensity = models.CharField("intensity", max_length=100, blank=True)
    electro_pairs = models.CharField("point pairs", max_length=300, blank=True, help_text="e.g. BL25-BL40, GB30-GB34")
    moxibustion = models.BooleanField(default=False)
    cupping = models.BooleanField(default=False)
    heat = models.BooleanField("heat lamp", default=False)
    technique_notes = models.CharField(max_length=1000, blank=True)
    # After treatment
    leg_pain_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN)
    back_pain_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN)
    # Advice: the patient sees these four and the home exercises.
    advice_diet = models.TextField(blank=True, max_length=2000)
    advice_movement = models.TextField("advice: movement and exercise", blank=True, max_length=2000)
    advice_posture = models.TextField(blank=True, max_length=2000)
    advice_stress_sleep = models.TextField("advice: stress and sleep", blank=True, max_length=2000)
    home_exercises = models.TextField(blank=True, max_length=2000)
    internal_notes = models.TextField(blank=True, max_length=5000, help_text="Never shown to the patient.")
    # Signing
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "signed_at"]), models.Index(fields=["author", "signed_at"])]

    def __str__(self) -> str:
        return f"Visit {self.pk} for {self.patient_id} on {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk and VisitRecord.objects.filter(pk=self.pk, signed_at__isnull=False).exists():
            raise VisitLocked(VisitLocked.message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise VisitLocked("Visit records are never deleted.")

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def advice(self) -> list[tuple[str, str]]:
        """What the patient may read, in the order the portal shows it."""
        items = [
            ("Diet", self.advice_diet),
            ("Movement and exercise", self.advice_movement),
            ("Posture", self.advice_posture),
            ("Stress and sleep", self.advice_stress_sleep),
            ("Home exercises", self.home_exercises),
        ]
        return [(k, v) for k, v in items if v]

    @property
    def pattern_label(self) -> str:
        return pattern_label(self.pattern, self.pattern_other)


def pattern_label(pattern: str, other: str) -> str:
    """The pattern as the notes name it; lists (My day's summaries) call this on plain values."""
    if pattern == Pattern.OTHER:
        return other or "Other"
    return _PATTERN_LABELS.get(pattern, pattern) if pattern else ""


_PATTERN_LABELS = {value: str(label) for value, label in Pattern.choices}


class _VisitPart(models.Model):
    """Rows that belong to a visit: frozen with it when it is signed, never deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if VisitRecord.objects.filter(pk=self.visit_id, signed_at__isnull=False).exists():  # type: ignore[attr-defined]
            raise VisitLocked(VisitLocked.message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise VisitLocked("Parts of a visit record are never deleted.")


class VisitPoint(_VisitPart):
    visit = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="points")
    point = models.ForeignKey(AcupuncturePoint, on_delete=models.PROTECT, related_name="+")
    laterality = models.CharField(max_length=1, choices=Laterality.choices, default=Laterality.BILATERAL)
    note = models.CharField(max_length=200, blank=True, help_text="e.g. where the Ashi point was")
    position = models.PositiveSmallIntegerField(default=0)
    # A draft's point taken out again keeps its row (nothing clinical is deleted).
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.point.code} ({self.get_laterality_display()})"


class AdverseEventType(models.TextChoices):
    SORENESS = "soreness", "Soreness"
    BRUISING = "bruising", "Bruising"
    BLEEDING = "bleeding", "Bleeding"
    DIZZINESS = "dizziness", "Dizziness or fainting"
    TIREDNESS = "tiredness", "Tiredness"
    WORSENING = "worsening", "Worsening of symptoms"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class AdverseEvent(_VisitPart):
    visit = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="adverse_events")
    type = models.CharField(max_length=16, choices=AdverseEventType.choices)
    detail = models.CharField(max_length=500, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    action = models.CharField("action taken", max_length=1000, blank=True)
    patient_told = models.BooleanField("patient was told", default=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.get_severity_display()})"


class SafetyAcknowledgement(_VisitPart):
    """A safety warning the practitioner saw when saving, and (where one was needed) why they went on."""

    visit = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="acknowledgements")
    rule = models.CharField(max_length=40)
    point_code = models.CharField(max_length=16, blank=True)
    message = models.CharField(max_length=500)
    reason = models.CharField(max_length=1000, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.message


class Amendment(models.Model):
    """A correction to a signed note, appended; the original stays as it was."""

    visit = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500)
    text = models.TextField(max_length=5000)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} to visit {self.visit_id}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise VisitLocked("Amendments are never changed; add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise VisitLocked("Amendments are never deleted.")
