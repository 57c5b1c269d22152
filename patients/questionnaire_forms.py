"""Django forms built from a questionnaire definition, one section at a time.

Django fields do the parsing (text → number/date); the engine (questionnaire.validate) decides
what is valid, so the web form and the service agree. Every field is `required=False` to Django:
whether an item is required depends on `show_if`, which only the engine knows. Optional items say
"(optional)" in their label instead of starring the required ones.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.utils import timezone

from .questionnaire import Definition, Item, is_blank, validate
from .services import normalise_name

FIELD_TEMPLATES = {
    "single": "patients/fields/choices.html",
    "yesno": "patients/fields/choices.html",
    "multi": "patients/fields/choices.html",
    "scale": "patients/fields/scale.html",
    "bodymap": "patients/fields/bodymap.html",
}


class BodyMapWidget(forms.Widget):
    """Reads one radio group per region (`<name>__<region>`) into {region: side}."""

    def __init__(self, item: Item, attrs=None):
        super().__init__(attrs)
        self.item = item

    def value_from_datadict(self, data, files, name):
        out = {}
        for region in self.item.regions:
            side = data.get(f"{name}__{region.value}")
            if side:
                out[region.value] = side
        return out

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}__{r.value}" in data for r in self.item.regions)


class BodyMapField(forms.Field):
    widget = BodyMapWidget

    def __init__(self, *, item: Item, **kwargs):
        kwargs.setdefault("widget", BodyMapWidget(item))
        super().__init__(**kwargs)

    def to_python(self, value):
        if not isinstance(value, Mapping):
            return {}
        return {str(k): str(v) for k, v in value.items() if v and str(v) != "none"}


def _label(item: Item) -> str:
    return item.label if item.required else f"{item.label} (optional)"


def build_field(item: Item) -> forms.Field:
    common = {"label": _label(item), "help_text": item.help, "required": False}
    t = item.type
    if t in ("single", "yesno"):
        field: forms.Field = forms.ChoiceField(
            choices=[(c.value, c.label) for c in item.choices], widget=forms.RadioSelect, **common
        )
    elif t == "multi":
        field = forms.MultipleChoiceField(
            choices=[(c.value, c.label) for c in item.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    elif t == "scale":
        lo, hi = int(item.min or 0), int(item.max if item.max is not None else 10)
        field = forms.TypedChoiceField(
            choices=[(str(i), str(i)) for i in range(lo, hi + 1)],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    elif t == "number":
        attrs = {"inputmode": "decimal" if item.decimals else "numeric"}
        if item.min is not None:
            attrs["min"] = item.min
        if item.max is not None:
            attrs["max"] = item.max
        if item.decimals:
            field = forms.FloatField(widget=forms.NumberInput(attrs={**attrs, "step": "any"}), **common)
        else:
            field = forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **common)
        field.error_messages["invalid"] = "Please enter a number."
    elif t == "date":
        attrs = {"type": "date"}
        if item.not_future:
            attrs["max"] = timezone.localdate().isoformat()
        field = forms.DateField(
            widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"],
            **common,
        )
        field.error_messages["invalid"] = "Please enter a real date, for example 2024-03-15."
    elif t == "text":
        widget = forms.Textarea(attrs={"rows": 3}) if item.multiline else forms.TextInput()
        # No max_length on the Django field: the engine gives the friendlier message.
        field = forms.CharField(widget=widget, strip=True, **common)
    elif t == "bodymap":
        field = BodyMapField(item=item, **common)
    else:  # pragma: no cover - types are checked when the definition loads
        raise ValueError(t)
    field.item = item  # the templates read min/max labels, regions and sides from here
    return field


def _to_json(item: Item, value: Any) -> Any:
    if is_blank(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def answers_to_initial(item: Item, value: Any) -> Any:
    """A stored answer (or a raw draft) as a form initial value."""
    if item.type == "scale" and isinstance(value, int):
        return str(value)
    return value


class SectionForm(forms.Form):
    """The items of one section. `context` holds the answers of the other sections (for show_if)."""

    def __init__(
        self,
        *args,
        definition: Definition,
        section: str,
        context: Mapping[str, Any] | None = None,
        saved: Mapping[str, Any] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.section = definition.section(section)
        self.context = dict(context or {})
        self.answers: dict[str, Any] = {}
        mine = {it.key for it in self.section.items}
        layout = []
        for item in self.section.items:
            depends_here = bool(item.show_if and item.show_if.items() & mine)
            if item.show_if and not depends_here and not item.show_if.holds(self.context):
                continue  # depends on an earlier section's answer that rules it out
            self.fields[item.key] = build_field(item)
            if saved and item.key in saved:
                self.initial[item.key] = answers_to_initial(item, saved[item.key])
            template = FIELD_TEMPLATES.get(item.type)
            inner = Field(item.key, template=template) if template else Field(item.key)
            attrs = {"css_class": "q-item mb-4", "css_id": f"item-{item.key}"}
            if depends_here:
                attrs["data_show_if"] = json.dumps(_condition_json(item.show_if))
            layout.append(Div(inner, **attrs))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*layout)

    def raw_values(self) -> dict[str, Any]:
        """What was typed, as JSON (kept as a draft when the section does not validate yet)."""
        out = {}
        for name, field in self.fields.items():
            value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if not is_blank(value):
                out[name] = value
        return out

    def clean(self):
        cleaned = super().clean()
        raw = {}
        for name in self.fields:
            if name in self.errors:
                continue  # Django could not parse it; that message stays by the field
            raw[name] = _to_json(self.fields[name].item, cleaned.get(name))
        clean, errors = validate(
            self.definition,
            {k: v for k, v in raw.items() if v is not None},
            sections=[self.section.key],
            context=self.context,
            today=timezone.localdate(),
        )
        for key, message in errors.items():
            if key in self.fields and key not in self.errors:
                self.add_error(key, message)
            elif key not in self.fields:
                self.add_error(None, message)
        self.answers = clean
        return cleaned


def _condition_json(cond) -> dict:
    if cond.all:
        return {"all": [_condition_json(c) for c in cond.all]}
    if cond.any:
        return {"any": [_condition_json(c) for c in cond.any]}
    out: dict[str, Any] = {"item": cond.item}
    if cond.equals is not None:
        out["equals"] = cond.equals
    elif cond.one_of:
        out["one_of"] = list(cond.one_of)
    elif cond.contains is not None:
        out["contains"] = cond.contains
    elif cond.answered is not None:
        out["answered"] = cond.answered
    return out


class ConsentForm(forms.Form):
    typed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=150,
        help_text="As on your record. This is your electronic signature.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(label="I have read the information above and I agree to have acupuncture.")

    def __init__(self, *args, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["agree"].error_messages["required"] = "Please tick the box to confirm you agree."
        self.fields["typed_name"].error_messages["required"] = "Please type your full name."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_typed_name(self) -> str:
        name = self.cleaned_data["typed_name"]
        if self.patient is not None and normalise_name(name) != normalise_name(self.patient.full_name):
            raise forms.ValidationError(
                f"Please type your full name exactly as on your record: {self.patient.full_name}."
            )
        return name
