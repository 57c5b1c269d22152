"""WCAG 2.1 AA, measured: axe-core runs on every page each role can open, at desktop and phone width.

The page list is built, not written out: every URL name in the access matrix (tests/access/) that answers 200 to a
GET for the role, with the matrix's own world for the ids; plus the pages reached only through links or query
strings (the booking flows step by step, every intake step, the schedule's views, and the admin pages the manager
uses, crawled from the admin index). A new page gets its access-matrix row and is then checked here with no edit.

A test fails on any serious or critical violation, on a few lesser rules this site has promised to keep (heading
order, labelled fields and table headers), and on a page whose first link is not "Skip to main content". The message
lists each rule with its pages, widths and offending elements. One browser context per role; each page is loaded once
and checked at both widths.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.urls import reverse
from playwright.sync_api import expect

from clinic.models import ServiceKind
from patients.intake_flow import SLUGS
from patients.models import Intake
from tests import factories as f
from tests.access.test_access_matrix import ROWS
from tests.access.world import build_world

ROLES = ("anon", "patient", "practitioner", "front_desk", "manager")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
FAIL_IMPACTS = {"serious", "critical"}
# Lesser in axe's scale, but each was a defect here once (issue 7): keep them fixed.
ALSO_FAIL = {"heading-order", "empty-table-header", "label", "page-has-heading-one", "landmark-one-main"}
# axe's options: report violations only (passes and incomplete results are large and unused here).
AXE_RUN = "axe.run(document, {resultTypes: ['violations']})"
# The first link on a page skips to the main content, and its target exists (ours: #main; the admin's: #content-start).
SKIP_LINK_OK = """(() => {
  const a = document.querySelector('body a[href]');
  return !!a && a.textContent.trim() === 'Skip to main content' && !!document.querySelector(a.getAttribute('href'));
})()"""
# Long lists repeat one row's markup (100 acupuncture points, 600 time-zone filter links): the first few rows stand
# for the rest, and checking the contrast of hundreds of copies would take most of the run.
TRIM_REPEATS = """
for (const sel of ['#result_list tbody tr:nth-child(n+6)', '#changelist-filter li:nth-child(n+11)']) {
  document.querySelectorAll(sel).forEach((el) => el.remove());
}
"""


@pytest.fixture
def world(patient, other_patient, practitioner, front_desk_user, manager_user):
    w = build_world(
        patient=patient,
        other_patient=other_patient,
        practitioner=practitioner,
        front_desk=front_desk_user,
        manager=manager_user,
    )
    # What the pages need to show their full content rather than their empty states.
    f.policy(min_notice_hours=0, max_advance_days=60)
    initial = f.ServiceFactory(name="Initial consultation", kind=ServiceKind.INITIAL, duration_minutes=60)
    practitioner.services.add(initial)
    w["initial"] = initial
    w["location"] = w["appointment"].location
    # An intake with every question step saved and the consent still to sign: every step opens.
    Intake.objects.create(patient=patient, steps_done=list(SLUGS[:-1]))
    f.AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        service=w["appointment"].service,
        location=w["location"],
        room=w["appointment"].room,
        start=w["appointment"].start - dt.timedelta(days=7),
        status="completed",
    )
    return w


def _user(role: str, world: dict):
    return {
        "patient": world["patient"].user,
        "practitioner": world["practitioner"].user,
        "front_desk": world["front_desk"],
        "manager": world["manager"],
    }.get(role)


def _matrix_pages(role: str, world: dict) -> list[str]:
    """Every URL the access matrix says this role may GET with a 200."""
    return [
        reverse(name, kwargs=row.kwargs(world)) + row.query
        for name, row in sorted(ROWS.items())
        if row.expected(role) == 200
    ]


def _extra_pages(role: str, world: dict) -> list[str]:
    """Pages behind query strings: the same views in the states a user reaches by choosing things."""
    loc = world["location"].pk
    svc, initial = world["appointment"].service.pk, world["initial"].pk
    if role == "patient":
        return [reverse("patients:intake_step", kwargs={"slug": s}) for s in SLUGS] + [
            f"{reverse('scheduling:book')}?service={initial}&location={loc}",
        ]
    if role in ("practitioner", "front_desk", "manager"):
        schedule = f"{reverse('scheduling:schedule')}?location={loc}&day={world['appointment'].start.date():%Y-%m-%d}"
        return [
            schedule,
            schedule + "&view=week",
            schedule + "&by=room",
            f"{reverse('scheduling:desk_book')}?patient={world['patient'].pk}&service={svc}&location={loc}",
            f"{reverse('patients:list')}?q={world['patient'].full_name.split()[0]}",
        ]
    return []


def _followed_pages(page, role: str, world: dict) -> list[str]:
    """Pages reached only by following links: the picker's day and time links, and the admin's pages."""
    found: list[str] = []
    if role == "patient":
        page.goto(f"{reverse('scheduling:book')}?service={world['initial'].pk}&location={world['location'].pk}")
        found.append(page.get_by_test_id("days").get_by_role("link").nth(1).get_attribute("href"))
        found.append(page.get_by_test_id("times").get_by_role("link").first.get_attribute("href"))
    if role in ("practitioner", "front_desk", "manager"):
        page.goto(
            f"{reverse('scheduling:desk_book')}?patient={world['patient'].pk}"
            f"&service={world['appointment'].service.pk}&location={world['location'].pk}"
        )
        found.append(page.get_by_test_id("times").get_by_role("link").first.get_attribute("href"))
    if role == "manager":
        found += _admin_pages(page)
    return [urljoin(reverse("home"), h) if not h.startswith(("/", "?")) else h for h in found]


def _admin_pages(page) -> list[str]:
    """The manager's admin: its index, every model list it links to, and one form per model (an object's change
    form, which shows the inlines with rows, or the add form when there is no object yet)."""
    page.goto(reverse("admin:index"))
    hrefs = {urlsplit(a.get_attribute("href")).path for a in page.locator("#content-main a[href^='/admin/']").all()}
    pages = [reverse("admin:index")]
    for href in sorted(h for h in hrefs if not h.endswith("/add/")):
        pages.append(href)
        page.goto(href)
        first = page.locator("#result_list tbody tr th a").first
        if first.count():
            pages.append(urlsplit(first.get_attribute("href")).path)
        elif f"{href}add/" in hrefs:
            pages.append(f"{href}add/")
    return pages


def _violations(page) -> list[dict]:
    result = page.evaluate(AXE_RUN)
    return [v for v in result["violations"] if v["impact"] in FAIL_IMPACTS or v["id"] in ALSO_FAIL]


def _report(role: str, checked: int, found: dict) -> str:
    """One entry per rule and set of elements, with every page and width where it was seen."""
    lines = [f"Accessibility violations for {role} ({checked} pages checked):"]
    for (rule, impact, help_text, nodes), where in found.items():
        lines.append(f"- {rule} ({impact}): {help_text}")
        lines += [f"    on {w}" for w in where[:6]] + (
            [f"    … and {len(where) - 6} more pages"] if len(where) > 6 else []
        )
        lines += [f"    element: {n}" for n in nodes[:5]] + (
            [f"    … and {len(nodes) - 5} more"] if len(nodes) > 5 else []
        )
    return "\n".join(lines)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_no_serious_accessibility_violation(role, page, login, world):
    user = _user(role, world)
    if user is not None:
        login(page, user.email, f.TEST_PASSWORD)
    # The axe-core bundled with axe-playwright-python, loaded into every page of this context as it opens (cheaper
    # than sending the script into each page afterwards, as Axe.run does).
    page.context.add_init_script(script=AXE_SCRIPT)
    urls = list(
        dict.fromkeys(_matrix_pages(role, world) + _extra_pages(role, world) + _followed_pages(page, role, world))
    )
    found: dict[tuple, list[str]] = {}
    for url in urls:
        response = page.request.get(url, max_redirects=0)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue  # redirects are checked where they land; files (.ics) are not pages
        page.set_viewport_size(WIDTHS["desktop"])
        page.goto(url)
        expect(page.locator("main, #content").first).to_be_visible()
        page.evaluate(TRIM_REPEATS)
        if not page.evaluate(SKIP_LINK_OK):
            found.setdefault(("skip-link", "serious", "The first link skips to the main content", ()), []).append(url)
        for width, size in WIDTHS.items():
            page.set_viewport_size(size)
            for v in _violations(page):
                nodes = tuple(f"{' '.join(map(str, n['target']))}: {n['html'][:160]}" for n in v["nodes"])
                found.setdefault((v["id"], v["impact"], v["help"], nodes), []).append(f"{url} [{width}]")
    assert len(urls) >= 3, f"only {len(urls)} pages for {role}: is the page list broken?"
    assert not found, _report(role, len(urls), found)
