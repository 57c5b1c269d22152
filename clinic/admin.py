"""The Django admin is the manager's setup area: locations, rooms, services, practitioners, hours,
time off and the clinic policy. Managers get exactly the permissions in clinic/permissions.py."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTimeWidget
from django.contrib.auth.models import Group
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import phones, queries
from .admin_accounts import SafeIdsMixin
from .admin_reminders import PolicyReminderInline, ServiceReminderInline, offsets_changed
from .forms import AdminLoginForm
from .messaging import reminder_offsets_changed
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
admin.site.login_form = AdminLoginForm
# Admin rights come from the role (clinic/permissions.py), never from groups: nothing to set up there.
admin.site.unregister(Group)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reference data and logs: look, never touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoomFormSet(forms.BaseInlineFormSet):
    """Room names are unique per location. The form cannot see that rule (the location is not one of its
    fields) and a tampered management form can make an existing room look new, so the formset checks the
    names against the database and answers with a message instead of the database's error."""

    def initial_form_count(self) -> int:
        # A negative or inflated count in a tampered management form would make no sense of the rows.
        return max(0, min(super().initial_form_count(), len(self.get_queryset())))

    def clean(self):
        super().clean()
        kept = [f for f in self.forms if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")]
        ids = [f.instance.pk for f in kept if f.instance.pk]
        names: dict[str, forms.Form] = {}
        for form in kept:
            name = (form.cleaned_data.get("name") or "").strip()
            if not name or form.errors:
                continue
            if name.lower() in names:
                form.add_error("name", "Two rooms here have this name.")
                continue
            names[name.lower()] = form
        if self.instance.pk and names:
            taken = Room.objects.filter(location=self.instance, pk__isnull=False).exclude(pk__in=ids)
            for name in taken.values_list("name", flat=True):
                if name.lower() in names:
                    names[name.lower()].add_error("name", "A room with this name already exists at this location.")


class RoomInline(admin.TabularInline):
    model = Room
    formset = RoomFormSet
    extra = 0
    fields = ("name", "active")


class LocationForm(forms.ModelForm):
    country = forms.ChoiceField(
        choices=[("", "From the time zone")],
        required=False,
        help_text=Location._meta.get_field("country").help_text + " Left empty, it is the time zone's country.",
        error_messages={
            "invalid_choice": "“%(value)s” is not a country we know. Choose the country this location is in.",
        },
    )

    class Meta:
        model = Location
        fields = ("name", "address", "timezone", "country", "phone", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "From the time zone"), *phones.country_choices()]

    def clean_country(self) -> str:
        country = self.cleaned_data.get("country") or phones.country_for_timezone(self.cleaned_data.get("timezone"))
        if not country:
            raise forms.ValidationError(
                "This time zone is not of one country: choose the country this location is in. It decides how "
                "phone numbers typed without a + code are read."
            )
        return country

    def clean_phone(self) -> str:
        # The location's own number is read as a number of the country chosen just above.
        region = self.cleaned_data.get("country") or queries.phone_region()
        return phones.clean_phone(self.cleaned_data.get("phone"), region=region, required=False)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = LocationForm
    list_display = ("name", "timezone", "country", "phone", "active")
    list_filter = ("active", "timezone", "country")
    search_fields = ("name", "address", "phone")
    inlines = [RoomInline]
    fields = ("name", "address", "timezone", "country", "phone", "active")

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
    inlines = [ServiceReminderInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if offsets_changed(formsets):
            reminder_offsets_changed([form.instance.pk])


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
    verbose_name_plural = "time off"


def _in_zone(view, zone: zoneinfo.ZoneInfo):
    """Run an admin view with `zone` as the current zone, so the form reads and shows times in it.

    The response is rendered inside, because a TemplateResponse renders lazily, after the zone is gone."""
    with timezone.override(zone):
        response = view()
        if hasattr(response, "render"):
            response.render()
    return response


def _zone_text(zone: zoneinfo.ZoneInfo) -> str:
    return f"local time in {zone.key} ({timezone.now().astimezone(zone):%Z} now)"


@admin.register(PractitionerProfile)
class PractitionerProfileAdmin(SafeIdsMixin, admin.ModelAdmin):
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

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            if isinstance(inline, TimeOffInline):
                # Time off is typed in the practitioner's location's zone (see change_view); say which.
                inline.verbose_name_plural = f"time off ({_zone_text(timezone.get_current_timezone())})"
        return inlines

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET" and obj.licence_expired:
            self.message_user(
                request,
                f"This licence expired on {obj.licence_expiry:%d %b %Y}; {obj.user.full_name} cannot be booked.",
                messages.WARNING,
            )
        zone = queries.practitioner_zone(obj)
        return _in_zone(
            lambda: super(PractitionerProfileAdmin, self).change_view(request, object_id, form_url, extra_context), zone
        )


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
    """Time off is typed and shown in the practitioner's location's zone (queries.practitioner_zone)."""

    list_display = ("practitioner", "local_start", "local_end", "reason")
    list_filter = ("practitioner",)
    search_fields = ("practitioner__user__full_name", "reason")
    list_select_related = ("practitioner__user",)
    date_hierarchy = "start"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("practitioner__locations")

    def _local(self, obj, when: dt.datetime) -> str:
        zone = queries.zone_of_locations(obj.practitioner.locations.all())
        return f"{when.astimezone(zone):%Y-%m-%d %H:%M %Z}"

    @admin.display(description="start (local)", ordering="start")
    def local_start(self, obj):
        return self._local(obj, obj.start)

    @admin.display(description="end (local)", ordering="end")
    def local_end(self, obj):
        return self._local(obj, obj.end)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        where = _zone_text(timezone.get_current_timezone())
        for name in ("start", "end"):
            if name in form.base_fields:
                form.base_fields[name].help_text = f"In the practitioner's location's {where}."
        return form

    def _zone_for(self, request, obj) -> zoneinfo.ZoneInfo:
        if request.method == "POST":
            chosen = request.POST.get("practitioner", "")
        else:
            chosen = request.GET.get("practitioner", "")
        if chosen.isdigit() and len(chosen) < 19:
            return queries.practitioner_zone(int(chosen))
        return queries.practitioner_zone(obj.practitioner_id if obj is not None else None)

    def add_view(self, request, form_url="", extra_context=None):
        zone = self._zone_for(request, None)
        return _in_zone(lambda: super(TimeOffAdmin, self).add_view(request, form_url, extra_context), zone)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        zone = self._zone_for(request, self.get_object(request, object_id))
        return _in_zone(
            lambda: super(TimeOffAdmin, self).change_view(request, object_id, form_url, extra_context), zone
        )


# --- policy -----------------------------------------------------------------------------------


@admin.register(ClinicPolicy)
class ClinicPolicyAdmin(admin.ModelAdmin):
    """One row. The list page goes straight to it."""

    inlines = [PolicyReminderInline]
    fieldsets = (
        ("Booking", {"fields": ("min_notice_hours", "max_advance_days", "slot_step_minutes")}),
        ("Cancellations", {"fields": ("cancellation_window_hours",)}),
        ("Treatment plans", {"fields": ("acute_cutoff_weeks", "chronic_cutoff_weeks")}),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicPolicy.objects.exists()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if offsets_changed(formsets):
            reminder_offsets_changed(None)  # the services that follow the default

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = ClinicPolicy.get()
        return redirect(reverse("admin:clinic_clinicpolicy_change", args=[policy.pk]))


# --- logs and reference data ------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "record_label", "patient_id", "ip_address", "detail")
    list_filter = ("action", "object_type")
    search_fields = ("actor__email", "actor__full_name", "object_repr", "object_id", "=patient_id", "detail")
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
