from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from clinic import access

from . import intake_flow, queries, services
from .forms import RegistrationForm
from .preference_views import details_page
from .record_forms import ContactForm


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
            messages.success(
                request,
                "Welcome! Your account is ready. We have emailed you a link to confirm your address: online "
                "booking opens once it is confirmed. Next, a few questions about your pain.",
            )
            # Straight on to the intake: it is quickest while the patient is here, and it is what
            # the first consultation and the online booking check rely on.
            return redirect("patients:intake")
    return render(request, "patients/register.html", {"form": form})


@access.role_required(access.PATIENT)
def home(request):
    patient = queries.patient_for_user(request.user)
    context = {"patient": patient}
    if patient is not None:
        intake = queries.current_intake(patient)
        context.update(
            intake=intake,
            intake_next=intake_flow.first_missing(intake.steps_done) if intake and not intake.is_complete else None,
            intake_steps_total=len(intake_flow.STEPS),
            booking_hold=queries.patient_treatment_booking_hold(patient),
            pending_questionnaires=[
                (r, queries.definition_title(r.instrument_key, r.instrument_version))
                for r in queries.pending_questionnaires(patient)
            ],
        )
    return render(request, "patients/home.html", context)


@access.role_required(access.PATIENT)
def my_details(request):
    """The patient edits their own contact details; the same page holds their message preferences
    (saved by preference_views.my_message_preferences)."""
    patient = queries.patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record for this login.")
    form = ContactForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        services.patient_update_contact(patient=patient, request=request, **form.cleaned_data)
        messages.success(request, "Your details are saved.")
        return redirect("patients:home")
    return details_page(request, patient, form=form)
