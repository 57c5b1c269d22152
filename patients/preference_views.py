"""Message preferences: the patient's own switches (on My details) and the unsubscribe link."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from clinic import access

from . import message_prefs as mp
from . import queries, services, unsubscribe
from .models import ConsentSource, Patient
from .record_forms import ContactForm, MessagePreferencesForm


def details_page(request, patient: Patient, *, form=None, prefs_form=None, status: int = 200):
    """My details: contact form and message preferences (shared by both forms' views)."""
    context = {
        "form": form or ContactForm(instance=patient),
        "prefs_form": prefs_form or MessagePreferencesForm(patient=patient),
        "patient": patient,
        "groups": mp.GROUPS,
        "sms_record": queries.sms_consent_record(patient),
    }
    return render(request, "patients/my_details.html", context, status=status)


@access.role_required(access.PATIENT)
@require_POST
def my_message_preferences(request):
    patient = queries.patient_for_user(request.user)
    if patient is None:
        raise Http404("No patient record for this login.")
    form = MessagePreferencesForm(request.POST, patient=patient)
    if not form.is_valid():
        return details_page(request, patient, prefs_form=form, status=400)
    services.message_preferences_set(
        patient=patient, changes=form.changes(), source=ConsentSource.PATIENT_PAGE, by=request.user, request=request
    )
    messages.success(request, "Your message preferences are saved.")
    return redirect("patients:my_details")


@access.public
@csrf_exempt  # the signed token is the authority; mail providers' one-click POST (RFC 8058) has no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe_link(request, token: str):
    """GET shows what the link does and a button (mail scanners open links: GET changes nothing);
    POST unsubscribes, from the button or from the mail provider's one-click unsubscribe."""
    try:
        link = unsubscribe.read_token(token)
        patient = Patient.objects.get(pk=link.patient_id)
    except unsubscribe.BadToken as exc:
        return render(request, "patients/unsubscribe.html", {"problem": exc.message})
    except Patient.DoesNotExist:
        return render(request, "patients/unsubscribe.html", {"problem": "This unsubscribe link is not valid."})
    done = False
    if request.method == "POST":
        services.email_unsubscribe(patient=patient, group=link.group)
        done = True
    return render(request, "patients/unsubscribe.html", {"link": link, "done": done})
