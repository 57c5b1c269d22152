from .matrix import Row, everyone, only, owner_only

_PLAN = {"kwargs": lambda w: {"pk": w["plan"].pk}}
_VISIT = {"kwargs": lambda w: {"pk": w["visit"].pk}}
_PATIENT = {"kwargs": lambda w: {"patient_pk": w["patient"].pk}}

ROWS = {
    "plans:my_day": only("practitioner"),
    # Staff plan pages: practitioners (everything) and the front desk (counts, no scores); managers never.
    "plans:patient_plans": only("practitioner", "front_desk", **_PATIENT),
    "plans:new": only("practitioner", **_PATIENT),
    "plans:detail": only("practitioner", "front_desk", **_PLAN),
    "plans:book": only("practitioner", "front_desk", **_PLAN),
    "plans:accept_in_person": everyone(405, **_PLAN),  # POST only
    "plans:review": everyone(405, **_PLAN),  # POST only
    "plans:adjust": everyone(405, **_PLAN),  # POST only
    "plans:discontinue": everyone(405, **_PLAN),  # POST only
    "plans:request_checkin": everyone(405, **_PLAN),  # POST only
    # Visit notes: practitioners only; the front desk sees the visit list (dates, no content).
    "plans:visit_start": everyone(405, kwargs=lambda w: {"appointment_pk": w["appointment"].pk}),  # POST only
    "plans:visit_detail": only("practitioner", **_VISIT),
    "plans:visit_edit": only("practitioner", **_VISIT),
    "plans:visit_safety": Row(
        anon=302, patient=403, other_patient=403, practitioner=302, front_desk=403, manager=403, **_VISIT
    ),  # an htmx panel; a plain GET goes to the form
    "plans:visit_sign": everyone(405, **_VISIT),  # POST only
    "plans:visit_amend": everyone(405, **_VISIT),  # POST only
    "plans:point_suggestions": only("practitioner", query="?q=bl40"),
    "plans:patient_visits": only("practitioner", "front_desk", **_PATIENT),
    "plans:visit_export": only("practitioner", kwargs=lambda w: {"patient_pk": w["patient"].pk, "fmt": "csv"}),
    "plans:my_visits": only("patient"),
    # The patient's own plan; another patient gets 404.
    # With one open plan the list goes straight to it (302); the other patient has none (200).
    "plans:my_plans": Row(anon=302, patient=302, other_patient=200, practitioner=403, front_desk=403, manager=403),
    "plans:my_plan": owner_only(**_PLAN),
    "plans:my_plan_accept": everyone(405, **_PLAN),  # POST only
    "plans:my_plan_book": owner_only(**_PLAN),
    # Manager reports (W11): aggregates for managers only; the front desk and practitioners get 403.
    "plans:reports": only("manager"),
    "plans:report": only("manager", kwargs=lambda w: {"kind": "outcomes"}),
    "plans:report_csv": only("manager", kwargs=lambda w: {"kind": "outcomes"}),
}
