"""The calendar the app works in, one home for "is this date usable?".

Dates typed or put in a URL go through a UTC conversion or a day's arithmetic, which overflows
near year 1 and year 9999 (a 500). No clinic books, works or audits outside these years.
"""

from __future__ import annotations

import datetime as dt

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
OUT_OF_RANGE = f"Enter a date between {FIRST_DAY.year} and {LAST_DAY.year}."


def in_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(raw: str | None) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) within the supported years, else None."""
    try:
        day = dt.date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if in_range(day) else None
