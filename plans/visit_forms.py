"""Forms for the visit note. Points are typed as a list ("BL40 L, GB30 B, Ashi R (lateral thigh)") so the
form works without JavaScript; the htmx suggestions only append to that list."""

from __future__ import annotations

import re

from django import forms

from clinic import point_search

from .visit_models import AdverseEventType, Laterality, Severity, VisitRecord
from .visit_services import NOTE_FIELDS, PointEntry

_LAT = {"l": "L", "left": "L", "r": "R", "right": "R", "b": "B", "bi": "B", "bilateral": "B", "both": "B"}
_NOTE = re.compile(r"\(([^)]*)\)")
MAX_POINTS_TEXT = 3000


def parse_points(text: str) -> tuple[list[PointEntry], list[str]]:
    """Entries and error messages for the points list. Laterality defaults to bilateral."""
    entries: list[PointEntry] = []
    errors: list[str] = []
    for raw in re.split(r"[,;\n]+", text or ""):
        item = raw.strip()
        if not item:
            continue
        note = ""
        if m := _NOTE.search(item):
            note = m.group(1).strip()[:200]
            item = _NOTE.sub(" ", item).strip()
        tokens = item.split()
        lat = Laterality.BILATERAL.value
        if len(tokens) > 1 and tokens[-1].lower() in _LAT:
            lat = _LAT[tokens.pop().lower()]
        row = point_search.by_code(" ".join(tokens))
        if row is None:
            errors.append(f"Unknown point “{item[:30]}”.")
            continue
        entries.append(PointEntry(row.code, lat, note))
    return entries, errors


def format_points(entries) -> str:
    out = []
    for e in entries:
        text = f"{e.code} {e.laterality}"
        if e.note:
            text += f" ({e.note})"
        out.append(text)
    return ", ".join(out)


class VisitForm(forms.ModelForm):
    points = forms.CharField(
        required=False,
        max_length=MAX_POINTS_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Codes with L, R or B (bilateral, the default), comma-separated, e.g. “BL40 L, GB30 B, Ashi R (thigh)”."
        ),
    )

    class Meta:
        model = VisitRecord
        fields = list(NOTE_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "subjective",
                "assessment",
                "advice_diet",
                "advice_movement",
                "advice_posture",
                "advice_stress_sleep",
                "home_exercises",
                "internal_notes",
            )
        }

    def clean_points(self) -> list[PointEntry]:
        entries, errors = parse_points(self.cleaned_data.get("points", ""))
        if errors:
            raise forms.ValidationError(errors)
        return entries


class AdverseEventForm(forms.Form):
    """One new adverse event per save (optional); earlier ones are listed above it."""

    type = forms.ChoiceField(choices=[("", "None")] + list(AdverseEventType.choices), required=False)
    detail = forms.CharField(max_length=500, required=False)
    severity = forms.ChoiceField(choices=[("", "—")] + list(Severity.choices), required=False)
    action = forms.CharField(label="Action taken", max_length=1000, required=False)
    patient_told = forms.BooleanField(label="Patient was told", required=False)

    def clean(self):
        data = super().clean()
        if data.get("type") and not data.get("severity"):
            self.add_error("severity", "Give the severity of the adverse event.")
        return data

    def event(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("type"):
            return None
        return {k: d[k] for k in ("type", "detail", "severity", "action", "patient_told")}


class AmendmentForm(forms.Form):
    reason = forms.CharField(max_length=500)
    text = forms.CharField(label="Amendment", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
