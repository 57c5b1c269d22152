from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse

from . import access, services
from .forms import StaffCreateForm
from .models import JobHeartbeat, Role

ROLE_HOME = {
    Role.PATIENT: "patients:home",
    Role.PRACTITIONER: "plans:my_day",
    Role.FRONT_DESK: "scheduling:schedule",
    Role.MANAGER: "clinic:manager_home",
}


@access.public
def home(request):
    """Send each role to its workspace; visitors see what the clinic offers and how to start."""
    if request.user.is_authenticated:
        return redirect(ROLE_HOME[request.user.role])
    return render(request, "clinic/landing.html")


@access.role_required(access.MANAGER)
def manager_home(request):
    context = {
        "heartbeats": JobHeartbeat.objects.order_by("name"),
        "expired_licences": services.practitioners_with_expired_licence(),
        "expiring_soon": services.practitioners_with_licence_expiring(days=60),
        "staff": services.staff_list(),
    }
    return render(request, "clinic/manager_home.html", context)


@access.role_required(access.MANAGER)
def staff_create(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.staff_create(**form.cleaned_data)
        messages.success(
            request, f"Account created for {user.full_name}. They can set a password with “Forgot password”."
        )
        return redirect(reverse("clinic:manager_home"))
    return render(request, "clinic/staff_form.html", {"form": form})


# Django's auth views, marked public for the access matrix.
login_view = access.public(auth_views.LoginView.as_view(redirect_authenticated_user=True))
password_reset = access.public(auth_views.PasswordResetView.as_view())
password_reset_done = access.public(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = access.public(auth_views.PasswordResetConfirmView.as_view())
password_reset_complete = access.public(auth_views.PasswordResetCompleteView.as_view())
logout_view = access.public(auth_views.LogoutView.as_view())
password_change = access.role_required(access.ANY_ROLE)(auth_views.PasswordChangeView.as_view())
password_change_done = access.role_required(access.ANY_ROLE)(auth_views.PasswordChangeDoneView.as_view())
