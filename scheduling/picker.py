"""The one slot picker, for the patient's booking and move pages and the desk's booking and move pages.

`slot_picker` returns what templates/scheduling/_picker.html shows: a two-week page of days with
free times (links), earlier/later links, and the chosen day's times, each with the practitioners
free then (the first one is who "first available" books). The page decides how a time is chosen
(`choose`): a link to a confirm page, a submit button of the page's form, or a radio button.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from clinic.models import ClinicPolicy, Location, PractitionerProfile, Service

from . import availability as av
from . import queries
from .templatetags.local_time import format_local

# page_url(**params) -> the page's URL with these query parameters (day=..., start_from=...).
PageUrl = Callable[..., str]
# link_for(start, practitioner_id) -> the URL a time links to (choose="link").
LinkFor = Callable[[dt.datetime, int], str]


DAYS_PER_PAGE = 14


@dataclass(frozen=True)
class DayPage:
    """The two-week page of days a time picker shows, within the policy's booking horizon."""

    today: dt.date
    first: dt.date
    last_shown: dt.date
    last: dt.date

    @property
    def prev_from(self) -> dt.date | None:
        return max(self.first - dt.timedelta(days=DAYS_PER_PAGE), self.today) if self.first > self.today else None

    @property
    def next_from(self) -> dt.date | None:
        return self.last_shown + dt.timedelta(days=1) if self.last_shown < self.last else None


def day_page(
    *,
    location: Location,
    policy: ClinicPolicy,
    start_from: dt.date | None,
    day: dt.date | None,
    now: dt.datetime | None = None,
) -> DayPage:
    """Start at `start_from` (or today); jump to the page holding `day` when it lies outside."""
    today = (now or timezone.now()).astimezone(location.tz).date()
    last = today + dt.timedelta(days=policy.max_advance_days)
    first = max(start_from or today, today)
    if day and not (first <= day < first + dt.timedelta(days=DAYS_PER_PAGE)):
        first = max(day, today)
    first = min(first, last)
    return DayPage(today, first, min(first + dt.timedelta(days=DAYS_PER_PAGE - 1), last), last)


def slot_label(start: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """A time as the clinic's wall clock shows it, with the zone in a repeated hour (format_local)."""
    return format_local(start, tz)


def slot_picker(
    *,
    service: Service,
    location: Location,
    practitioner: PractitionerProfile | None,
    day: dt.date | None,
    start_from: dt.date | None,
    page_url: PageUrl,
    choose: str = "link",
    link_for: LinkFor | None = None,
    htmx: bool = False,
    override_notice: bool = False,
    exclude_appointment_id: int | None = None,
    with_names: bool = False,
    selected: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Days with free times in a two-week page, and the times of the chosen (or first) day.

    Reads through queries.availability_inputs (at most 5 queries), plus one for the
    practitioners' names when `with_names` (the desk sees who is free at each time).
    """
    now = now or timezone.now()
    policy = ClinicPolicy.get()
    page = day_page(location=location, policy=policy, start_from=start_from, day=day, now=now)
    inputs = queries.availability_inputs(
        service=service,
        location=location,
        date_from=page.first,
        date_to=page.last_shown,
        practitioner_ids=[practitioner.pk] if practitioner else None,
        now=now,
        policy=policy,
        override_notice=override_notice,
        exclude_appointment_id=exclude_appointment_id,
    )
    days = inputs.days()
    chosen = day if day is not None else (days[0] if days else None)
    names: dict[int, str] = {}
    if with_names:
        names = dict(
            PractitionerProfile.objects.filter(pk__in=[p.id for p in inputs.practitioners]).values_list(
                "pk", "user__full_name"
            )
        )
    times: list[dict[str, Any]] = []
    if chosen is not None and page.first <= chosen <= page.last_shown:
        per = av.bookable_starts_many(
            inputs.practitioners, rules=inputs.rules, rooms=inputs.rooms, date_from=chosen, date_to=chosen
        )
        for start, pids in av.merged_starts(per):
            times.append(
                {
                    "start": start,
                    "iso": start.isoformat(),
                    "label": slot_label(start, location.tz),
                    "practitioner_id": pids[0],
                    "names": [names[pid] for pid in pids if pid in names],
                    "url": link_for(start, pids[0]) if link_for else "",
                }
            )

    def link(**params: str) -> dict[str, str]:
        url = page_url(**params)
        return {"url": url, "hx_url": page_url(**params, part="picker") if htmx else ""}

    return {
        "days": days,
        "day": chosen,
        "day_links": [{"day": d, "iso": d.isoformat(), "chosen": d == chosen, **link(day=d.isoformat())} for d in days],
        "prev": link(start_from=page.prev_from.isoformat()) if page.prev_from else None,
        "next": link(start_from=page.next_from.isoformat()) if page.next_from else None,
        "times": times,
        "first": page.first,
        "last_shown": page.last_shown,
        "tz_name": location.timezone,
        "location_name": location.name,
        "choose": choose,
        "htmx": htmx,
        "selected": selected,
    }
