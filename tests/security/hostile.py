"""The engine behind the every-form hostile-input test.

It finds what to attack by itself, so a form or filter added later is covered without a new test:

- every URL in the access matrix (tests/access/rows_*.py), for every role the matrix lets in;
- on each page, every <form>: POST forms get hostile values (all fields at once, then one field at a
  time on top of the page's own values, then tampered management forms); GET forms and same-page links
  give the list filters' parameter names, which get hostile values one by one;
- URLs with an id get unknown and absurd ids;
- every model in the admin site, for a manager and for a superuser: the changelist's filters and date
  drill-downs, search, ordering and paging; actions; the add and change forms with their inlines.

Every request runs inside a savepoint that is rolled back, so one request's writes (or a PostgreSQL
error that aborted the transaction) never leak into the next. The only failure is a 5xx response.
"""

from __future__ import annotations

import itertools
import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

HOSTILE: dict[str, str] = {
    "empty": "",
    "long": "x" * 10_000,
    "nul": "a\x00b",
    "emoji": "🙂 💉 ✨ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "sql": "'; DROP TABLE clinic_user; -- \" OR 1=1",
    "script": "<script>alert(1)</script>{{ 7|add:7 }}",
    "year1": "0001-01-01",
    "year9999": "9999-12-31",
    "datetime1": "0001-01-01T00:00",
    "datetime9999": "9999-12-31T23:59",
    "huge": "9" * 30,
    "negative": "-9223372036854775809",
    "nan": "NaN",
}
# One field at a time on top of the page's own values: the values a field's own checks must refuse.
PER_FIELD = ("nul", "year9999", "huge")
# A list filter's parameter gets these (fewer than a form's fields: list pages are the costly ones).
PARAM_VALUES = ("long", "nul", "sql", "year9999", "huge")
# Parameters every page may be given, whatever it shows.
GENERIC_PARAMS = {
    "next": ["abc", "//evil.example/", HOSTILE["nul"]],
    "page": ["abc", HOSTILE["huge"]],
}
DATE_DRILLDOWNS = [
    {"year": "9999"},
    {"year": "1"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "1", "month": "1", "day": "1"},
    {"year": "2026", "month": "13"},
    {"year": "2026", "month": "2", "day": "30"},
    {"year": HOSTILE["huge"]},
    {"year": "abc"},
]
MANAGEMENT_TAMPERING = ["-1", "abc", HOSTILE["huge"], "1000000"]
UNKNOWN_IDS = ["0", "999999999", "9" * 25]
_LATER_ROW = re.compile(r"-[1-9][0-9]*-")  # rooms-3-name: not the first row of a formset
SKIP_ACTIONS = {"logout"}  # posting it would end the session the other requests rely on


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, default value)
    _select: str | None = None
    _options: list[str] = field(default_factory=list)
    _selected: str | None = None

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _, _ in self.fields))

    def baseline(self) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        for name, kind, value in self.fields:
            if kind in ("radio-unchecked", "checkbox-unchecked", "submit"):
                continue
            data.setdefault(name, []).append(value)
        for name, kind, value in self.fields:
            if kind == "radio-unchecked" and name not in data:
                data[name] = [value]
            if kind == "submit" and name not in data:
                data[name] = [value]
        return data


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self._form = Form(method=attrs.get("method", "get").lower(), action=attrs.get("action", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "name" not in attrs and tag != "option":
            return
        name = attrs.get("name", "")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                kind = kind if "checked" in attrs else f"{kind}-unchecked"
                form.fields.append((name, kind, attrs.get("value", "on")))
            elif kind in ("submit", "image", "button"):
                form.fields.append((name, "submit", attrs.get("value", "")))
            elif kind != "file":
                form.fields.append((name, kind, attrs.get("value", "")))
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            form.fields.append((name, "submit", attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = name, []
        elif tag == "select":
            form._select, form._options, form._selected = name, [], None
        elif tag == "option" and form._select is not None:
            value = attrs.get("value", "")
            form._options.append(value)
            if "selected" in attrs:
                form._selected = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif form is None:
            return
        elif tag == "textarea" and self._textarea is not None:
            form.fields.append((self._textarea, "textarea", "".join(self._text)))
            self._textarea = None
        elif tag == "select" and form._select is not None:
            chosen = form._selected
            if chosen is None:
                chosen = next((o for o in form._options if o), form._options[0] if form._options else "")
            form.fields.append((form._select, "select", chosen))
            form._select = None


def parse(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


@dataclass
class Failure:
    method: str
    url: str
    what: str
    status: int
    where: str

    def __str__(self) -> str:
        return f"{self.method} {self.url} [{self.what}] → {self.status}: {self.where}"


class Attacker:
    """Sends requests as one client and remembers every 5xx with the line that raised it."""

    def __init__(
        self, client: Client, known: dict[tuple[str, str], str] | None = None, shard: tuple[int, int] = (0, 1)
    ) -> None:
        self.client = client
        self.client.raise_request_exception = False
        self.failures: list[Failure] = []
        self.expected: list[Failure] = []
        self.known = known or {}
        self.requests = 0
        # (k, n): send only the k-th of every n attacks, so one large page's attack can be split over several
        # tests (and pytest-xdist workers). The pages' own GETs, which discover what to attack, always go.
        self.shard = shard
        self._attacks = 0

    def _send(self, method: str, url: str, data, what: str):
        if not what.startswith("page"):
            self._attacks += 1
            if self._attacks % self.shard[1] != self.shard[0]:
                return None
        self.requests += 1
        sid = transaction.savepoint()
        try:
            if method == "GET":
                response = self.client.get(url, data or None)
            else:
                response = self.client.post(url, data or {})
        finally:
            transaction.savepoint_rollback(sid)
        if response.status_code >= 500:
            where = "(no exception recorded)"
            if getattr(response, "exc_info", None):
                exc_type, exc, tb = response.exc_info
                frames = [fr for fr in traceback.extract_tb(tb) if "/site-packages/" not in fr.filename]
                last = frames[-1] if frames else traceback.extract_tb(tb)[-1]
                where = f"{exc_type.__name__}: {str(exc)[:160]!r} at {last.filename}:{last.lineno}"
            failure = Failure(method, url, what, response.status_code, where)
            if self._is_known(url, what):
                self.expected.append(failure)
            else:
                self.failures.append(failure)
        return response

    def _is_known(self, url: str, what: str) -> bool:
        try:
            name = resolve(urlsplit(url).path).view_name
        except Resolver404:
            return False
        return any(name == k_name and k_what in what for (k_name, k_what) in self.known)

    def get(self, url: str, params: dict | None = None, what: str = "page"):
        return self._send("GET", url, params, what)

    def post(self, url: str, data: dict, what: str):
        return self._send("POST", url, data, what)

    # --- the attacks ----------------------------------------------------------------------

    def attack_page(self, url: str, subpages: bool = False) -> None:
        """GET the page, then attack what it offers: its query parameters and its forms.

        With `subpages`, pages linked below this one (an admin object's history, password, delete) too."""
        response = self.get(url)
        final = url
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            final = response["Location"]
            response = self.get(final, what="page (redirect target)")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            self.attack_params(url, list(GENERIC_PARAMS))
            return
        page = parse(response.content.decode(errors="replace"))
        path = urlsplit(final).path
        params = set(GENERIC_PARAMS)
        for link in page.links:
            parts = urlsplit(urljoin(final, link))
            if parts.path == path and parts.query:
                params.update(p.split("=", 1)[0] for p in parts.query.split("&"))
        for form in page.forms:
            if form.method == "get":
                params.update(n for n in form.names() if n)
        self.attack_params(url, sorted(params))
        for form in page.forms:
            if form.method == "post":
                self.attack_form(final, form)
        if subpages and final == url:
            below = {urlsplit(urljoin(final, link)).path for link in page.links}
            for sub in sorted(p for p in below if p.startswith(path) and p != path):
                self.attack_page(sub)

    def attack_params(self, url: str, params: list[str]) -> None:
        for name in params:
            values = GENERIC_PARAMS.get(name, [HOSTILE[k] for k in PARAM_VALUES])
            keys = {v: k for k, v in HOSTILE.items()}
            for value in values:
                self.get(url, {name: value}, what=f"?{name}={keys.get(value, value[:20])}")

    def attack_form(self, page_url: str, form: Form) -> None:
        target = urljoin(page_url, form.action) if form.action else page_url
        if urlsplit(target).netloc not in ("", "testserver"):
            return
        try:
            if resolve(urlsplit(target).path).url_name in SKIP_ACTIONS:
                return
        except Resolver404:
            return
        names = [n for n in form.names() if n and n != "csrfmiddlewaretoken"]
        baseline = form.baseline()
        self.post(target, baseline, what="form as shown")
        for key, value in HOSTILE.items():
            data = {n: value for n in names}
            self.post(target, data, what=f"every field={key}")
        # One row of each inline or formset stands for its siblings: the same field's checks run on each.
        editable = [
            n for n, kind, _ in form.fields if kind not in ("hidden", "submit") and n and not _LATER_ROW.search(n)
        ]
        for name, key in itertools.product(dict.fromkeys(editable), PER_FIELD):
            self.post(target, {**baseline, name: HOSTILE[key]}, what=f"{name}={key}")
        for name in names:
            if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
                for value in MANAGEMENT_TAMPERING:
                    self.post(target, {**baseline, name: value}, what=f"{name}={value[:20]}")
        ids = [
            n
            for n in names
            if (n.endswith("-id") and not _LATER_ROW.search(n)) or n in ("pk", "id", "appointment", "patient")
        ]
        for name, value in itertools.product(ids, UNKNOWN_IDS):
            self.post(target, {**baseline, name: value}, what=f"{name}=unknown id {value[:12]}")

    def attack_unknown_ids(self, url_for) -> None:
        """`url_for(pk)` builds the URL with another id."""
        for value in UNKNOWN_IDS:
            url = url_for(value)
            self.get(url, what=f"unknown id {value[:12]}")
            self.post(url, {}, what=f"unknown id {value[:12]}")

    def attack_changelist(self, url: str, cl, request) -> None:
        """An admin list: each filter's parameters, the date drill-down, search, ordering, paging, actions."""
        params = {"q", "o", "p", "all", "e"}
        for spec in getattr(cl, "filter_specs", []):
            params.update(spec.expected_parameters())
        self.attack_params(url, sorted(params))
        if cl.date_hierarchy:
            for drill in DATE_DRILLDOWNS:
                query = {f"{cl.date_hierarchy}__{k}": v for k, v in drill.items()}
                self.get(url, query, what=f"date drill-down {urlencode(query)[:60]}")
        actions = [name for name, _ in cl.model_admin.get_action_choices(request) if name]
        for action, selected in itertools.product(actions + ["no-such-action"], ["abc", *UNKNOWN_IDS]):
            self.post(
                url, {"action": action, "_selected_action": selected, "index": "0"}, what=f"action {action} {selected}"
            )
