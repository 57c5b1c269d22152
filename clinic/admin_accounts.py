"""The admin's pages for staff accounts (people), and the mixin every admin with many-to-many ids uses."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from . import phones, queries, services
from .forms import IdsChoiceField
from .models import Role, User


class SafeIdsMixin:
    """Many-to-many fields that answer a tampered, absurdly large id with a message (forms.IdsChoiceField)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdsChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- people ----------------------------------------------------------------------------------


class UserEditForm(UserChangeForm):
    """The admin's account form. Its rules are the account service's (services.account_change_problems),
    checked here to show the message next to the field and again when the service saves."""

    actor: User  # set per request by UserAdmin.get_form

    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        role = self.fields.get("role")
        if role is not None and not self.actor.is_superuser:
            # Offer only the roles a manager may give: never patient, and practitioner only if it already is.
            keep = {Role.FRONT_DESK, Role.MANAGER, self.instance.role} - {Role.PATIENT}
            role.choices = [(v, label) for v, label in role.choices if v in keep]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email

    def clean_phone(self) -> str:
        return phones.clean_phone(self.cleaned_data.get("phone"), region=queries.phone_region(), required=False)

    def account_changes(self) -> dict[str, object]:
        names = services.ACCOUNT_FIELDS + services.SUPERUSER_FIELDS
        return {n: self.cleaned_data[n] for n in self.changed_data if n in names and n in self.cleaned_data}

    def clean(self):
        cleaned = super().clean()
        problems = services.account_change_problems(
            actor=self.actor, user=self.instance, changes=self.account_changes()
        )
        for field, message in problems.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(User)
class UserAdmin(SafeIdsMixin, DjangoUserAdmin):
    """Staff accounts. New ones are made on the Staff page (services.staff_create, which asks a
    practitioner's licence and emails the invitation); changes go through services.account_update.
    Managers never see or set a password: they email a link. Patients' logins are the front desk's."""

    form = UserEditForm
    list_display = ("email", "full_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "full_name", "phone")
    ordering = ("full_name",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["send_set_password_email"]
    fieldsets = (
        (None, {"fields": ("email",)}),
        ("Person", {"fields": ("full_name", "phone")}),
        (
            "Role",
            {
                "fields": ("role", "is_active"),
                "description": "Untick “active” to close an account; accounts are not deleted so their history "
                "stays readable. Only the administrator can make an existing account a practitioner.",
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = (("Superuser only", {"fields": ("password", "is_superuser")}),)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.exclude(role=Role.PATIENT)

    def get_fieldsets(self, request, obj=None):
        fieldsets = self.fieldsets
        if obj is not None and request.user.is_superuser:
            fieldsets = fieldsets + self.superuser_fieldsets
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(self.readonly_fields)
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            fields += ("role", "is_active")
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # a fresh class per call, so this is per request
        return form

    def has_change_permission(self, request, obj=None):
        # A manager must not be able to take over a superuser account (e.g. by changing its email).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def add_view(self, request, form_url="", extra_context=None):
        # One way to create staff: the Staff form and its service.
        return redirect("clinic:staff_create")

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied("Send a link to choose a password instead.")
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        original = User.objects.get(pk=obj.pk)
        services.account_update(actor=request.user, user=original, changes=form.account_changes())
        obj.refresh_from_db()

    @admin.action(description="Email a link to choose a password")
    def send_set_password_email(self, request, queryset):
        sent = 0
        for user in queryset.filter(is_active=True):
            services.staff_invite_send(user=user, base_url=request.build_absolute_uri("/"))
            sent += 1
        self.message_user(request, f"Sent {sent} email{'s' if sent != 1 else ''}.", messages.SUCCESS)


# --- places and services ----------------------------------------------------------------------
