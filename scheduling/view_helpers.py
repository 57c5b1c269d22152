"""Small helpers shared by the patient's and the desk's scheduling views."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import check_not_far


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The `next` parameter when it is a path or URL on this site, else `default`.

    A value such as "abc" (relative, would resolve against the current URL), "//evil.example" or
    "https://evil.example" falls back to the default: no open redirect, no 500.
    """
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if (
        nxt.startswith("/")
        and "\x00" not in nxt
        and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return nxt
    return default


def date_param(request: HttpRequest, name: str) -> dt.date | None:
    """A date from the query string; a malformed or far-off one is ignored (the page shows the default)."""
    try:
        value = dt.date.fromisoformat(request.GET.get(name, ""))
        check_not_far(value)
    except (ValueError, ValidationError):
        return None
    return value
