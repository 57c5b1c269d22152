"""Managers keep the plan templates here. Patients' plans, sessions, reviews and history are clinical
records and are deliberately not registered: the admin is the manager's area."""

from __future__ import annotations

from django.contrib import admin

from .models import PlanTemplate


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "condition", "acuity", "sessions_min", "sessions_default", "sessions_max", "active")
    list_filter = ("condition", "acuity", "active")
    fields = (
        "name",
        "condition",
        "acuity",
        ("sessions_min", "sessions_default", "sessions_max"),
        "cadence",
        "review_sessions",
        "follow_up_service",
        "point_codes",
        "description",
        "active",
    )

    def has_delete_permission(self, request, obj=None):
        # Plans point at their template; retire one by unticking "active" instead.
        return False
