"""A new patient signs up on a phone, fills in the intake with a red flag and gets the advice at once;
a practitioner sees the alert and clears it; the patient confirms their email from the sign-up link and
can then book online."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import ServiceKind
from tests import factories as f

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def item(page, key: str):
    return page.locator(f"#item-{key}")


def pick(page, key: str, label: str):
    item(page, key).locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()


def save(page):
    page.get_by_role("button", name="Save and continue").click()


def test_red_flag_advice_then_review_then_booking(browser, page, live_server, login):
    setup = f.bookable_setup(kind=ServiceKind.INITIAL, duration=60)
    setup.service.name = "Initial consultation"
    setup.service.save()
    practitioner = setup.practitioner.user
    page.set_viewport_size(PHONE)

    # --- sign up on a phone; straight into the intake -------------------------------------
    page.goto("/me/signup/")
    for name, value in [("full_name", "Rosa Red"), ("email", "rosa@example.org"), ("phone", "+44 7700 900321"),
                        ("date_of_birth", "1970-03-14"), ("password1", f.TEST_PASSWORD),
                        ("password2", f.TEST_PASSWORD)]:  # fmt: skip
        page.locator(f"input[name={name}]").fill(value)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_test_id("step-counter")).to_contain_text("Step 1 of 8")

    # --- step 1: where it hurts ---------------------------------------------------------------
    with page.expect_response(lambda r: "autosave" in r.url and r.status == 204):
        item(page, "pain_map").locator("label[for=id_pain_map_buttock_left]").click()
    page.reload()  # as if the tab had been closed: the answer was kept on the server as it was given
    expect(item(page, "pain_map").locator("#id_pain_map_buttock_left")).to_be_checked()
    item(page, "pain_map").locator("label[for=id_pain_map_thigh_left]").click()
    pick(page, "symptoms", "Sharp or shooting pain running down one leg")
    page.locator("input[name=onset_date]").fill((timezone.localdate() - dt.timedelta(weeks=3)).isoformat())
    save(page)  # the cause is missing: the answer is asked for by the question, the rest is kept
    expect(item(page, "cause")).to_contain_text("Please pick one of the options.")
    expect(item(page, "pain_map").locator("#id_pain_map_thigh_left")).to_be_checked()
    assert no_sideways_scroll(page)
    pick(page, "cause", "I don't know")
    save(page)

    # --- a reload halfway keeps the place ---------------------------------------------------------
    expect(page.get_by_test_id("step-counter")).to_contain_text("Step 2 of 8")
    page.reload()
    expect(page.get_by_test_id("step-counter")).to_contain_text("Step 2 of 8")

    # --- step 2: warning signs, with saddle numbness --------------------------------------------
    for key in page.locator(".q-item").evaluate_all("els => els.map(e => e.id.replace('item-', ''))"):
        pick(page, key, "Yes" if key == "ce_saddle" else "No")
    save(page)
    expect(page.get_by_test_id("advice-emergency")).to_contain_text("Please go to an emergency department today")
    expect(page.get_by_test_id("advice-emergency")).to_contain_text("numbness around the back passage")
    assert no_sideways_scroll(page)

    # --- the rest of the intake, still on the phone -----------------------------------------------
    page.get_by_role("link", name="Continue the questions").click()
    for key in (
        "bleeding_disorder",
        "implant",
        "metal_allergy",
        "needle_fear",
        "fainting",
        "lie_still",
        "skin_condition",
    ):
        pick(page, key, "No")
    pick(page, "blood_thinners", "No, none of these")
    pick(page, "pregnant", "No")
    pick(page, "diabetes", "No")
    page.locator("textarea[name=medications]").fill("none")
    page.locator("textarea[name=allergies]").fill("none")
    save(page)
    pick(page, "treatments_tried", "Painkillers")
    expect(item(page, "helped_painkillers")).to_be_visible()  # a follow-up appears once it applies
    pick(page, "helped_painkillers", "A little")
    save(page)
    for key, value in [("leg_pain_now", "6"), ("leg_pain_average", "5"), ("leg_pain_worst", "8"),
                       ("back_pain_now", "3"), ("back_pain_average", "3"), ("back_pain_worst", "5")]:  # fmt: skip
        item(page, key).locator(f"label[for=id_{key}_{value}]").click()
    assert no_sideways_scroll(page)
    save(page)
    pick(page, "sleep", "I wake now and then")
    item(page, "stress").locator("label[for=id_stress_4]").click()
    page.locator("textarea[name=goals]").fill("Sit through a whole film")
    save(page)
    for key in page.locator(".q-item").evaluate_all("els => els.map(e => e.id.replace('item-', ''))"):
        if key != "fi_sex_life":  # may be skipped
            item(page, key).locator("label").nth(2).click()
    save(page)
    page.get_by_label("Type your full name to sign").fill("rosa red")
    page.get_by_label("I have read the information above").check()
    page.get_by_role("button", name="Sign and finish").click()
    expect(page.get_by_test_id("intake-complete")).to_be_visible()
    expect(page.get_by_test_id("booking-hold")).to_be_visible()

    # --- booking is refused while the patient is held --------------------------------------------
    page.goto("/schedule/book/")
    expect(page.get_by_test_id("service-refused").first).to_contain_text("review")

    # --- a practitioner sees the alert and clears it ---------------------------------------------
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    login(desk, practitioner.email, f.TEST_PASSWORD)
    desk.goto("/patients/?q=rosa")
    desk.get_by_role("link", name="Chart").click()
    expect(desk.get_by_test_id("alert-cauda-equina")).to_contain_text("Saddle numbness")
    expect(desk.get_by_test_id("key-scores")).to_contain_text("acute")
    desk.locator("input[name=decision][value=clear]").check()
    desk.get_by_label("Note").fill("Phoned Rosa: numbness was from cycling, gone now; seen by GP. Fine to treat.")
    desk.get_by_test_id("review-submit").click()
    expect(desk.get_by_text("Review recorded: cleared for acupuncture.")).to_be_visible()
    staff.close()

    # --- the patient confirms their email address from the sign-up link -----------------------------
    [verification] = [m for m in mail.outbox if m.to == ["rosa@example.org"]]
    link = re.search(r"https?://\S+", verification.body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.get_by_test_id("verify-confirm").click()

    # --- now the patient can book -------------------------------------------------------------------
    page.goto("/schedule/book/")
    expect(page.get_by_test_id("service-refused")).to_have_count(0)
    page.get_by_role("button", name="Show available days").click()
    page.get_by_test_id("times").locator("a").first.click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("You're booked.")).to_be_visible()
