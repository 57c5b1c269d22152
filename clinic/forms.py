from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from .models import Role, User


class StaffCreateForm(forms.Form):
    full_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    phone = forms.CharField(max_length=32, required=False)
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.PATIENT])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Create account"))

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email
