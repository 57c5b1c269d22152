from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import access, csv_export, queries, services
from .forms import AccountPasswordResetForm, AuditFilterForm, LoginForm, StaffCreateForm
from .models import JobHeartbeat, Role

ROLE_HOME = {
    Role.PATIENT: "patients:home",
    Role.PRACTITIONER: "plans:my_day",
    Role.FRONT_DESK: "scheduling:schedule",
    Role.MANAGER: "clinic:manager_home",
}

AUDIT_PAGE_SIZE = 50


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
        "expired_licences": queries.practitioners_with_expired_licence(),
        "expiring_soon": queries.practitioners_with_licence_expiring(),
        "licence_warning_days": queries.LICENCE_WARNING_DAYS,
        "staff": queries.staff_list(),
    }
    return render(request, "clinic/manager_home.html", context)


@access.role_required(access.MANAGER)
def staff_create(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_create(**form.cleaned_data)
        except ValidationError as exc:
            # A rule the form could not see (e.g. the same email submitted twice at once).
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            services.staff_invite_send(user=user, base_url=request.build_absolute_uri("/"))
            messages.success(
                request, f"Account created for {user.full_name}. We emailed {user.email} a link to choose a password."
            )
            if user.role == Role.PRACTITIONER:
                hours_url = reverse("admin:clinic_practitionerprofile_change", args=[user.practitioner.pk])
                messages.info(
                    request,
                    format_html('Next, <a href="{}">add their working hours</a> so patients can book them.', hours_url),
                )
            return redirect(reverse("clinic:manager_home"))
    return render(request, "clinic/staff_form.html", {"form": form})


@access.role_required(access.MANAGER)
def audit_log(request):
    """Who looked at or changed what. Managers see the trail, not the clinical content."""
    form = AuditFilterForm(request.GET or None)
    events = queries.audit_events(**form.filters())
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    export = reverse("clinic:audit_log_csv") + ("?" + request.GET.urlencode() if request.GET else "")
    return render(request, "clinic/audit_log.html", {"form": form, "page": page, "export_url": export})


@access.role_required(access.MANAGER)
def audit_log_csv(request):
    """The filtered log as a CSV file (streamed: a whole year's log need not fit in memory). Exporting is
    itself recorded: the file holds who read which records."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    services.audit_export_record(filters=filters)
    rows = csv_export.audit_rows(queries.audit_events(**filters))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


# Django's auth views, marked public for the access matrix.
login_view = access.public(
    auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm)
)
password_reset = access.public(
    auth_views.PasswordResetView.as_view(
        form_class=AccountPasswordResetForm,
        email_template_name="registration/password_reset_email.txt",
        html_email_template_name="registration/password_reset_email.html",
        extra_email_context={"clinic_name": settings.CLINIC_NAME},
    )
)
password_reset_done = access.public(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = access.public(auth_views.PasswordResetConfirmView.as_view())
password_reset_complete = access.public(auth_views.PasswordResetCompleteView.as_view())
logout_view = access.public(auth_views.LogoutView.as_view())
password_change = access.role_required(access.ANY_ROLE)(auth_views.PasswordChangeView.as_view())
password_change_done = access.role_required(access.ANY_ROLE)(auth_views.PasswordChangeDoneView.as_view())
