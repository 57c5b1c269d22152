"""The Django admin is the manager's setup area: locations, rooms, services, practitioners, hours,
time off and the clinic policy. Managers get exactly the permissions in clinic/permissions.py."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTimeWidget
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import queries, services
from .models import (
    AcupuncturePoint,
    AuditEvent,
    ClinicPolicy,
    JobHeartbeat,
    Location,
    PractitionerProfile,
    Role,
    Room,
    Service,
    TimeOff,
    User,
    WorkingHours,
)

admin.site.site_header = "Clinic setup"
admin.site.site_title = "Clinic setup"
admin.site.index_title = "Locations, people, working hours and policy"
admin.site.site_url = "/"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reference data and logs: look, never touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- people ----------------------------------------------------------------------------------


def _clean_unique_email(form: forms.ModelForm) -> str:
    email = form.cleaned_data["email"].strip().lower()
    clash = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        clash = clash.exclude(pk=form.instance.pk)
    if clash.exists():
        raise forms.ValidationError("An account with this email already exists.")
    return email


class UserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "phone", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Inviting is the normal path: the colleague chooses their own password from the email.
        self.fields["usable_password"].initial = "false"
        self.fields["usable_password"].label = "Password"
        self.fields[
            "usable_password"
        ].help_text = "“Disabled” emails them a link to choose their own password (recommended)."

    def clean_email(self) -> str:
        return _clean_unique_email(self)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _clean_unique_email(self)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = ("email", "full_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "full_name", "phone")
    ordering = ("full_name",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["send_set_password_email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "phone")}),
        (
            "Role",
            {
                "fields": ("role", "is_active"),
                "description": "Only managers can open this setup area. Untick “active” to close an account; "
                "accounts are not deleted so their history stays readable.",
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = (("Superuser only", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),)
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "phone", "role", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.is_superuser:
            fieldsets = fieldsets + self.superuser_fieldsets
        return fieldsets

    def has_change_permission(self, request, obj=None):
        # A manager must not be able to take over a superuser account (e.g. by changing its email).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.is_staff = services.staff_flag_for(role=obj.role, is_superuser=obj.is_superuser)
        super().save_model(request, obj, form, change)
        if not change and not obj.has_usable_password():
            services.staff_invite_send(user=obj, base_url=request.build_absolute_uri("/"))
            self.message_user(request, f"We emailed {obj.email} a link to choose a password.", messages.SUCCESS)
        if not change and obj.role == Role.PRACTITIONER:
            self.message_user(
                request,
                format_html(
                    'Next, <a href="{}">add their practitioner profile</a> (licence, services, working hours).',
                    reverse("admin:clinic_practitionerprofile_add") + f"?user={obj.pk}",
                ),
                messages.INFO,
            )

    @admin.action(description="Email a link to choose a password")
    def send_set_password_email(self, request, queryset):
        sent = 0
        for user in queryset.filter(is_active=True):
            services.staff_invite_send(user=user, base_url=request.build_absolute_uri("/"))
            sent += 1
        self.message_user(request, f"Sent {sent} email{'s' if sent != 1 else ''}.", messages.SUCCESS)


# --- places and services ----------------------------------------------------------------------


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0
    fields = ("name", "active")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "phone", "active")
    list_filter = ("active", "timezone")
    search_fields = ("name", "address", "phone")
    inlines = [RoomInline]
    fields = ("name", "address", "phone", "timezone", "active")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields[
            "timezone"
        ].help_text = "Working hours at this location are local times in this zone; patients see their visit in it."
        return form


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "location", "active")
    list_filter = ("location", "active")
    search_fields = ("name", "location__name")
    list_select_related = ("location",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "duration_minutes", "buffer_minutes", "price", "bookable_online", "active")
    list_filter = ("kind", "bookable_online", "active")
    search_fields = ("name", "description")


# --- practitioners ----------------------------------------------------------------------------


class LicenceStatusFilter(admin.SimpleListFilter):
    title = "licence"
    parameter_name = "licence"

    def lookups(self, request, model_admin):
        return (
            ("expired", "Expired"),
            ("expiring", f"Expires within {queries.LICENCE_WARNING_DAYS} days"),
            ("valid", "Valid"),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = today + dt.timedelta(days=queries.LICENCE_WARNING_DAYS)
        if self.value() == "expired":
            return queryset.filter(licence_expiry__lte=today)
        if self.value() == "expiring":
            return queryset.filter(licence_expiry__gt=today, licence_expiry__lte=soon)
        if self.value() == "valid":
            return queryset.filter(licence_expiry__gt=soon)
        return queryset


class WorkingHoursFormSet(forms.BaseInlineFormSet):
    """Catches overlaps between rows of the same form, which the per-row check cannot see
    (they are not in the database yet) and the database would otherwise answer with an error page."""

    def clean(self):
        super().clean()
        blocks = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            weekday, start, end = data.get("weekday"), data.get("start"), data.get("end")
            if weekday is None or not start or not end:
                continue
            for other_weekday, other_start, other_end in blocks:
                if weekday == other_weekday and start < other_end and end > other_start:
                    form.add_error(
                        "start", f"This block overlaps {other_start:%H:%M}–{other_end:%H:%M} on the same day."
                    )
                    break
            else:
                blocks.append((weekday, start, end))


HOURS_MINUTES = {models.TimeField: {"widget": AdminTimeWidget(format="%H:%M")}}


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    formfield_overrides = HOURS_MINUTES
    fields = ("weekday", "start", "end", "location")
    verbose_name_plural = "working hours (local time at the location; add two blocks for a lunch break)"


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    fields = ("start", "end", "reason")
    # TimeOff is stored in UTC and shown in the clinic's TIME_ZONE; say which, since locations differ.
    verbose_name_plural = f"time off (dates and times in {settings.TIME_ZONE})"


@admin.register(PractitionerProfile)
class PractitionerProfileAdmin(admin.ModelAdmin):
    # The licence columns come first so the expired flag is visible without scrolling on a laptop.
    list_display = ("name", "licence_status", "licence_expiry", "licence_number", "email", "capacity", "active")
    list_filter = (LicenceStatusFilter, "active", "locations", "services")
    search_fields = ("user__full_name", "user__email", "licence_number", "specialties")
    list_select_related = ("user",)
    filter_horizontal = ("services", "locations")
    inlines = [WorkingHoursInline, TimeOffInline]
    fieldsets = (
        (None, {"fields": ("user", "active")}),
        ("Licence", {"fields": ("licence_number", "licence_body", "licence_expiry")}),
        ("About", {"fields": ("bio", "specialties")}),
        ("Work", {"fields": ("services", "locations", "capacity")}),
    )

    @admin.display(description="name", ordering="user__full_name")
    def name(self, obj):
        return obj.user.full_name

    @admin.display(description="email", ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description="licence status", ordering="licence_expiry")
    def licence_status(self, obj):
        today = timezone.localdate()
        if not obj.licence_valid_on(today):
            return format_html('<strong style="color:{}">EXPIRED</strong> — cannot be booked', "#b02a37")
        days = (obj.licence_expiry - today).days
        if days <= queries.LICENCE_WARNING_DAYS:
            return format_html('<span style="color:#997404">expires in {} days</span>', days)
        return "valid"

    def get_readonly_fields(self, request, obj=None):
        # The login behind a profile never changes; a new person gets a new account.
        return ("user",) if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(role=Role.PRACTITIONER, practitioner__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET" and obj.licence_expired:
            self.message_user(
                request,
                f"This licence expired on {obj.licence_expiry:%d %b %Y}; {obj.user.full_name} cannot be booked.",
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    formfield_overrides = HOURS_MINUTES
    list_display = ("practitioner", "weekday", "start", "end", "location")
    list_filter = ("weekday", "location", "practitioner")
    search_fields = ("practitioner__user__full_name",)
    list_select_related = ("practitioner__user", "location")
    ordering = ("practitioner__user__full_name", "weekday", "start")


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ("practitioner", "start", "end", "reason")
    list_filter = ("practitioner",)
    search_fields = ("practitioner__user__full_name", "reason")
    list_select_related = ("practitioner__user",)
    date_hierarchy = "start"


# --- policy -----------------------------------------------------------------------------------


@admin.register(ClinicPolicy)
class ClinicPolicyAdmin(admin.ModelAdmin):
    """One row. The list page goes straight to it."""

    fieldsets = (
        ("Booking", {"fields": ("min_notice_hours", "max_advance_days", "slot_step_minutes")}),
        ("Cancellations and reminders", {"fields": ("cancellation_window_hours", "reminder_offsets_hours")}),
        ("Treatment plans", {"fields": ("acute_cutoff_weeks", "chronic_cutoff_weeks")}),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = ClinicPolicy.get()
        return redirect(reverse("admin:clinic_clinicpolicy_change", args=[policy.pk]))


# --- logs and reference data ------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "patient_id", "ip_address", "detail")
    list_filter = ("action", "object_type")
    search_fields = ("actor__email", "actor__full_name", "object_id", "=patient_id", "detail")
    list_select_related = ("actor",)
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(AcupuncturePoint)
class AcupuncturePointAdmin(ReadOnlyAdmin):
    list_display = ("code", "pinyin", "channel_name", "region", "pregnancy_caution")
    list_filter = ("channel_name", "pregnancy_caution")
    search_fields = ("code", "pinyin", "pinyin_plain")


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_run_at")
