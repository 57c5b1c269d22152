"""Patient logins: confirming the email address after sign-up, and the front desk's invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic import access

from . import services
from .models import Patient


@access.public
def verify_email(request, token: str):
    """GET shows what the link is for (and any problem with it); the button POSTs.

    Confirming on POST keeps GET free of writes, and mail scanners that open links do not confirm
    an address on the owner's behalf.
    """
    try:
        user = services.email_verification_check(token)
    except services.PatientError as exc:
        return render(request, "patients/verify_email.html", {"problem": exc.message}, status=200)
    if request.method == "POST":
        services.email_verify(token=token, request=request)
        messages.success(request, "Thank you: your email address is confirmed. You can book online now.")
        return redirect("patients:home" if request.user.is_authenticated else "login")
    return render(request, "patients/verify_email.html", {"email": user.email, "verified": user.email_verified_at})


@access.role_required(access.PATIENT)
@require_POST
def verify_email_resend(request):
    """ "Send the link again", from the booking pages and the patient's home page."""
    if request.user.email_verified_at is None:
        services.email_verification_send(user=request.user)
        messages.success(request, f"We have sent a new link to {request.user.email}. It works for 3 days.")
    nxt = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = reverse_lazy("patients:home")
    return redirect(nxt)


class InvitationView(auth_views.PasswordResetConfirmView):
    """The invited patient chooses a password; that proves the address, so it is verified too."""

    template_name = "patients/invitation.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.invitation_accepted(user=self.user, request=self.request)
        messages.success(self.request, "Your password is set. Log in with your email address.")
        return response


invitation = access.public(InvitationView.as_view())


@access.role_required(access.SCHEDULE_STAFF)
@require_POST
def patient_invite(request, pk: int):
    """The front desk sends (or re-sends) a patient a link to set up their online account."""
    patient = get_object_or_404(Patient, pk=pk)
    try:
        user = services.patient_invite(patient=patient, actor=request.user, request=request)
    except services.PatientError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation sent to {user.email}.")
    return redirect("patients:detail", pk=patient.pk)
