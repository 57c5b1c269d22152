"""The admin site, with one guard every model's pages share."""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig

from . import dates

_BIGINT = 2**63
_DRILL_DOWN = re.compile(r"^\w+__(year|month|day)$")
_PART_RANGE = {"year": (dates.FIRST_DAY.year, dates.LAST_DAY.year), "month": (1, 12), "day": (1, 31)}


def _is_id(value: str) -> bool:
    return value.isdigit() and int(value) < _BIGINT


def _drill_down_ok(name: str, value: str) -> bool:
    match = _DRILL_DOWN.match(name)
    if not match:
        return True
    low, high = _PART_RANGE[match.group(1)]
    return value.isdigit() and low <= int(value) <= high


class ClinicAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request, *args, **kwargs):
            # A list action looks its rows up with pk__in: a tampered id ("abc", or too large for the column)
            # was a database error. Every model here has whole-number ids, so anything else is dropped,
            # and the admin answers "no items selected".
            if request.method == "POST" and "_selected_action" in request.POST:
                post = request.POST.copy()
                post.setlist("_selected_action", [v for v in post.getlist("_selected_action") if _is_id(v)])
                request.POST = post
            # A list's date drill-down (?start__year=9999) outside the supported years overflowed while the
            # admin worked out the period's end. Such parameters are dropped, with a message.
            bad = [name for name, value in request.GET.items() if not _drill_down_ok(name, value)]
            # PostgreSQL cannot compare text with a NUL byte: a filter or search holding one was a 500.
            nul = [name for name, value in request.GET.items() if "\x00" in value]
            if bad or nul:
                query = request.GET.copy()
                for name in bad + nul:
                    query.pop(name, None)
                request.GET = query
                if bad:
                    messages.warning(request, f"{dates.OUT_OF_RANGE} Showing all dates instead.")
                if nul:
                    messages.warning(request, "A filter held a character that cannot be searched for; it was left out.")
            return inner(request, *args, **kwargs)

        return guarded


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.ClinicAdminSite"
