from .matrix import Row, everyone, only, owner_only


def _link(purpose: str):
    """A genuine one-click link for the world's (future, booked) appointment: the signed token is the
    credential, so every role, anonymous included, gets the same page and nothing else."""

    def kwargs(w: dict) -> dict:
        from scheduling.links import Purpose, make_token

        response_id = w["checkin"].pk if purpose == "checkin" else None
        return {"token": make_token(Purpose(purpose), w["appointment"], response_id=response_id)}

    return kwargs


_STAFF = ("practitioner", "front_desk", "manager")

ROWS = {
    "scheduling:schedule": only("practitioner", "front_desk", "manager"),
    # Front desk (schedule staff): one appointment, its changes, booking for a caller. Patients 403.
    "scheduling:desk_appointment": only(*_STAFF, kwargs=lambda w: {"pk": w["appointment"].pk}),
    "scheduling:desk_cancel": only(*_STAFF, kwargs=lambda w: {"pk": w["appointment"].pk}),
    "scheduling:desk_reschedule": only(*_STAFF, kwargs=lambda w: {"pk": w["appointment"].pk}),
    "scheduling:desk_check_in": everyone(405, kwargs=lambda w: {"pk": w["appointment"].pk}),  # POST only
    "scheduling:desk_no_show": everyone(405, kwargs=lambda w: {"pk": w["appointment"].pk}),  # POST only
    "scheduling:desk_notes": everyone(405, kwargs=lambda w: {"pk": w["appointment"].pk}),  # POST only
    "scheduling:desk_board_action": everyone(
        405, kwargs=lambda w: {"pk": w["appointment"].pk, "action": "check-in"}
    ),  # POST only
    "scheduling:desk_arrivals": only(*_STAFF),
    "scheduling:desk_day_sheet": only(*_STAFF, kwargs=lambda w: {"practitioner": w["appointment"].practitioner_id}),
    "scheduling:desk_book": only(*_STAFF),
    # The outbox's failed messages: front desk and managers (contact details, no clinical content).
    "scheduling:failed_messages": only("front_desk", "manager"),
    "scheduling:message_resend": everyone(405, kwargs=lambda w: {"pk": 1}),  # POST only
    "scheduling:message_handled": everyone(405, kwargs=lambda w: {"pk": 1}),  # POST only
    # Patients' SMS replies needing a person: front desk and managers (contact details, no clinical content).
    "scheduling:sms_replies": only("front_desk", "manager"),
    "scheduling:desk_inbox_counts": Row(
        anon=302, patient=403, other_patient=403, practitioner=403, front_desk=302, manager=302
    ),  # the menu's badges (htmx); a plain GET goes to the replies list
    "scheduling:sms_reply_handled": everyone(405, kwargs=lambda w: {"pk": 1}),  # POST only
    "scheduling:desk_patient_new": only(*_STAFF),
    "scheduling:desk_book_confirm": only(*_STAFF),
    # Patient booking: only patients; per-object pages are the owner's (another patient → 404).
    "scheduling:book": only("patient"),
    "scheduling:book_confirm": only("patient"),
    "scheduling:my_appointments": only("patient"),
    "scheduling:appointment_detail": owner_only(kwargs=lambda w: {"pk": w["appointment"].pk}),
    "scheduling:appointment_cancel": owner_only(kwargs=lambda w: {"pk": w["appointment"].pk}),
    "scheduling:appointment_reschedule": owner_only(kwargs=lambda w: {"pk": w["appointment"].pk}),
    # Schedule staff may download any appointment's .ics (to email or print it for a caller).
    "scheduling:appointment_ics": owner_only(
        "practitioner", "front_desk", "manager", kwargs=lambda w: {"pk": w["appointment"].pk}
    ),
    "scheduling:waitlist_join": only("patient"),
    "scheduling:waitlist_withdraw": everyone(405, kwargs=lambda w: {"pk": w["waitlist_entry"].pk}),  # POST only
    "scheduling:waitlist_claim": owner_only(kwargs=lambda w: {"pk": w["waitlist_offer"].pk}),
    # One-click links in messages: open to everyone holding the token (tests/scheduling/test_one_click_links.py
    # covers forged, expired, moved and wrong-purpose tokens: 400/410, never another page).
    "scheduling:link_confirm": everyone(200, kwargs=_link("confirm")),
    "scheduling:link_cancel": everyone(200, kwargs=_link("cancel")),
    "scheduling:link_checkin": everyone(200, kwargs=_link("checkin")),
    "scheduling:sms_status": everyone(405),  # POST only, signed by the SMS provider
    "scheduling:sms_inbound": everyone(405),  # POST only, anonymous but signed by the SMS provider
    # Practitioner's private feed: the token is the credential, so it is open to everyone holding it.
    "scheduling:practitioner_calendar": only("practitioner"),
    "scheduling:practitioner_calendar_rotate": everyone(405),  # POST only
    "scheduling:practitioner_feed": everyone(200, kwargs=lambda w: {"token": w["practitioner"].calendar_token}),
}
