"""Read-only admin views of appointments, their history, the waitlist and booking emails.

Managers may look (reports, support questions) but not edit here: every change to a booking must
go through scheduling.services so it is re-checked, recorded and notified.
"""

from __future__ import annotations

from django.contrib import admin

from .models import Appointment, AppointmentChange, Notification, SmsReply, WaitlistEntry, WaitlistOffer


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChangeInline(admin.TabularInline):
    model = AppointmentChange
    fk_name = "appointment"
    extra = 0
    can_delete = False
    fields = ("changed_at", "changed_by", "old_start", "new_start", "old_room", "new_room", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(_ReadOnly):
    list_display = ("start", "patient", "practitioner", "service", "location", "room", "status", "late_cancel")
    list_filter = ("status", "late_cancel", "location", "practitioner", "service")
    search_fields = ("patient__full_name", "patient__email", "practitioner__user__full_name")
    date_hierarchy = "start"
    list_select_related = ("patient", "practitioner__user", "service", "location", "room")
    inlines = [ChangeInline]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(_ReadOnly):
    list_display = ("patient", "service", "location", "practitioner", "earliest", "latest", "status")
    list_filter = ("status", "location", "service")
    search_fields = ("patient__full_name",)


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(_ReadOnly):
    list_display = ("entry", "practitioner", "start", "status", "offered_at")
    list_filter = ("status",)


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("created_at", "kind", "recipient", "status", "attempts", "last_error")
    list_filter = ("status", "kind")
    search_fields = ("recipient",)


@admin.register(SmsReply)
class SmsReplyAdmin(_ReadOnly):
    """Every SMS reply, also those the app settled alone (a "C" that confirmed, a STOP)."""

    list_display = ("received_at", "from_number", "patient", "meaning", "outcome", "needs_desk", "handled_at")
    list_filter = ("meaning", "needs_desk")
    search_fields = ("from_number",)
    list_select_related = ("patient",)
