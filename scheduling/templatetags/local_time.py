"""The one function that formats a local time for people: slot buttons, pages and emails.

A clinic's times are shown in the location's zone. On the day the clocks go back, one hour of
wall-clock times happens twice (01:30 CDT, then 01:30 CST an hour later), so such a time always
carries its zone abbreviation; elsewhere a time picker shows "09:00" alone and a sentence that
needs the zone asks for it (`zone=True`).

Django's |date and |time filters are not used for this: they convert to the site's TIME_ZONE
first, and their "T" format character is left empty for exactly these repeated times.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat, timezone

register = template.Library()


def is_repeated(local: dt.datetime) -> bool:
    """Does this wall-clock time happen twice on its day (the hour repeated when clocks go back)?"""
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def zone_abbreviation(local: dt.datetime) -> str:
    """ "CDT", "AEST"; zones with no letters in the database ("-03", "+1030") read "UTC-03", "UTC+10:30"."""
    name = local.tzname() or ""
    if name[:1] not in "+-":
        return name
    return f"UTC{name[:3]}:{name[3:]}" if len(name) > 3 else f"UTC{name}"


def format_local(value: dt.datetime, tz: dt.tzinfo | str, fmt: str = "H:i", *, zone: bool | None = None) -> str:
    """The aware instant `value` as wall-clock time in `tz`, with a Django date format (`fmt`).

    The zone abbreviation is appended when `zone` is True, and by default (None) only when the
    wall-clock time is ambiguous, so two slots in a repeated hour never look the same.
    """
    local = value.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)
    # "H:i" is what boards print hundreds of times a page; strftime is ~20x cheaper than dateformat.
    text = f"{local:%H:%M}" if fmt == "H:i" else dateformat.format(local, fmt)
    if zone or (zone is None and is_repeated(local)):
        text = f"{text} {zone_abbreviation(local)}"
    return text


@register.filter
def local_time(value: dt.datetime | None, tz: dt.tzinfo | str | None = None) -> str:
    """{{ slot.start|local_time:picker.tz_name }} → "09:00", or "01:30 CST" in a repeated hour.

    Without an argument, the zone is the active one (inside `{% timezone location.timezone %}`).
    """
    if value is None:
        return ""
    return format_local(value, tz or timezone.get_current_timezone())
