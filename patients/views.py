from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from clinic import access

from . import services
from .forms import RegistrationForm


@access.public
def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patient = services.patient_register(
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                date_of_birth=data["date_of_birth"],
                password=data["password1"],
            )
        except ValidationError as exc:
            # Rules the form cannot see, e.g. the same email signed up twice at once, or a record
            # the front desk made with this email that already has a login: a message, never a 500.
            for field, errors in exc.message_dict.items():
                if field in form.fields:
                    form.add_error(field, errors)
                else:
                    form.add_error(
                        "email",
                        "We already have a patient record with this email. Please call the clinic and we will "
                        "link it to your login.",
                    )
        else:
            login(request, patient.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("patients:home")
    return render(request, "patients/register.html", {"form": form})


@access.role_required(access.PATIENT)
def home(request):
    patient = services.patient_for_user(request.user)
    return render(request, "patients/home.html", {"patient": patient})
