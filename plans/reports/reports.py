"""Each report as a page: its definition, tables (also the CSV) and chart, built from queries + compute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from plans.progress import MEASURES

from . import compute, outcomes, queries, svg
from .queries import Scope


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list]


@dataclass
class Report:
    slug: str
    title: str
    definition: list[str]
    tables: list[Table] = field(default_factory=list)
    chart: str = ""
    notes: list[str] = field(default_factory=list)


def _show(value) -> str | float | int:
    return "–" if value is None else value


def utilisation(scope: Scope) -> Report:
    rows = queries.utilisation(scope)
    table = Table(
        "Utilisation per practitioner",
        ["Practitioner", "Working hours", "Booked hours", "Utilisation %"],
        [[r["name"], r["u"].working_hours, r["u"].booked_hours, _show(r["u"].percent)] for r in rows],
    )
    chart = svg.bar_chart(
        title="Utilisation per practitioner",
        description="; ".join(f"{r['name']}: {_show(r['u'].percent)}%" for r in rows)
        or "No working hours in this range.",
        labels=[r["name"] for r in rows],
        series=[("Utilisation", [r["u"].percent for r in rows])],
        unit="Booked hours as % of working hours",
    )
    return Report(
        "utilisation",
        "Utilisation per practitioner",
        [
            "Utilisation = booked hours ÷ working hours, per practitioner, over the local days of the range.",
            "Working hours: the weekly working-hour blocks on each day, in each location's own time zone (a "
            "daylight-saving day is an hour shorter or longer), minus time off, times the practitioner's "
            "parallel capacity.",
            "Booked hours: the part of each booked, checked-in or completed appointment inside those hours. "
            "No-shows and cancellations freed their time and do not count; buffers do not count.",
        ],
        [table],
        chart,
    )


def attendance(scope: Scope) -> Report:
    a = queries.attendance(scope)
    table = Table(
        "No-shows and late cancellations",
        ["Figure", "Count", "Rate % of denominator"],
        [
            ["Attended (checked in or completed)", a.attended, _show(compute.rate(a.attended, a.denominator))],
            ["No-shows", a.no_shows, _show(a.no_show_rate)],
            ["Late cancellations", a.late_cancellations, _show(a.late_cancellation_rate)],
            ["Denominator (attended + no-shows + late cancellations)", a.denominator, ""],
            ["Cancelled in good time (not in the denominator)", a.early_cancellations, ""],
            ["Still booked (not in the denominator)", a.unresolved, ""],
        ],
    )
    chart = svg.bar_chart(
        title="No-show and late-cancellation rates",
        description=f"No-show rate {_show(a.no_show_rate)}%, "
        f"late-cancellation rate {_show(a.late_cancellation_rate)}%, "
        f"of {a.denominator} appointments.",
        labels=["No-shows", "Late cancellations"],
        series=[("Rate", [a.no_show_rate, a.late_cancellation_rate])],
        unit=f"% of {a.denominator} appointments",
    )
    return Report(
        "attendance",
        "No-show and late-cancellation rates",
        [
            "Appointments starting in the range (their local date). The denominator is every appointment the "
            "clinic kept the time for and whose outcome is known: attended + no-shows + late cancellations.",
            "A late cancellation is one made inside the clinic's cancellation window. Cancellations made "
            "earlier, and appointments still marked booked, are counted but are not in the denominator.",
        ],
        [table],
        chart,
    )


def rebooking(scope: Scope) -> Report:
    r = queries.rebooking(scope)
    table = Table(
        "New patients and rebooking",
        ["Figure", "Value"],
        [
            ["New patients (first ever visit in the range)", r.new_patients],
            ["Completed visits", r.completed_visits],
            ["Completed visits followed by another booking", r.rebooked],
            ["Rebook rate %", _show(r.rebook_rate)],
        ],
    )
    chart = svg.bar_chart(
        title="Rebook rate",
        description=f"{r.rebooked} of {r.completed_visits} completed visits were followed by another booking "
        f"({_show(r.rebook_rate)}%). {r.new_patients} new patients.",
        labels=["Rebooked", "Not rebooked"],
        series=[("Completed visits", [r.rebooked, r.completed_visits - r.rebooked])],
        unit="Completed visits",
    )
    return Report(
        "rebooking",
        "New patients and rebook rate",
        [
            "New patients: patients whose first ever visit (checked in or completed, at any location) falls in "
            "the range; with a location chosen, whose first visit was there.",
            "Rebook rate: of the completed visits in the range, the share whose patient has another appointment "
            "(booked, attended or a no-show; not cancelled) starting later, wherever and whenever it was booked.",
        ],
        [table],
        chart,
    )


def plans(scope: Scope) -> Report:
    p = queries.plan_completion(scope)
    status_table = Table(
        "Plans started in the range",
        ["Status", "Plans"],
        [[s.capitalize(), p.by_status.get(s, 0)] for s in ("active", "completed", "discontinued")]
        + [["Completion rate % (completed ÷ ended)", _show(p.completion_rate)]],
    )
    drops = p.drop_off()
    drop_table = Table(
        "Drop-off by session number",
        ["Session", "Plans that attended at least this many sessions", "% of plans", "Lost since the previous session"],
        [[d["session"], d["reached"], _show(d["percent"]), d["lost"]] for d in drops],
    )
    chart = svg.bar_chart(
        title="Plans reaching each session",
        description="; ".join(f"session {d['session']}: {d['reached']} plans" for d in drops) or "No plans started.",
        labels=[f"Session {d['session']}" for d in drops],
        series=[("Plans", [d["reached"] for d in drops])],
        unit=f"Plans (of {p.total} started)",
    )
    return Report(
        "plans",
        "Plan completion and drop-off",
        [
            "Plans accepted by the patient whose start date is in the range (at the chosen location). Proposed "
            "plans that were never accepted are not counted.",
            "Completion rate = completed plans ÷ plans that have ended (completed or discontinued); active "
            "plans are shown but are not in the rate.",
            "Drop-off: for each session number k, the plans whose patient attended (completed) at least k of "
            "the plan's sessions. Active plans may still reach later sessions.",
        ],
        [status_table, drop_table],
        chart,
    )


def _fig(f: outcomes.Figure, *, percent: bool = False) -> str:
    if f.n == 0 or f.value is None:
        return "–" if f.n == 0 else f"fewer than {outcomes.MIN_PATIENTS} patients"
    return f"{f.value:g}% (n={f.n})" if percent else f"{f.value:+g} (n={f.n})"


def outcome_report(scope: Scope) -> Report:
    rows = outcomes.gather(queries.outcome_rows(scope))
    keys = outcomes.MEASURE_KEYS
    labels = {k: MEASURES[k].label for k in keys}
    main = Table(
        "Outcomes by plan type",
        ["Plan type", "When", "Meaningful improvement"]
        + [f"{labels[k]}: mean change ({'0–10' if k != 'function_index' else '0–100'})" for k in keys],
        [[r.plan_type, r.label, _fig(r.improved, percent=True)] + [_fig(r.changes[k]) for k in keys] for r in rows],
    )
    ref = outcomes.REFERENCE
    ends = [r for r in rows if r.moment == "end"]
    scaled = Table(
        "On the trial's 0–100 scale (end of plan; pain ×10)",
        ["Group", "Leg pain change (0–100)", "Function / disability index change (0–100)"],
        [
            [
                f"{r.plan_type} (this clinic)",
                _show(r.change_on_100("leg_pain_average")),
                _show(r.change_on_100("function_index")),
            ]
            for r in ends
        ]
        + [
            [
                "Trial: acupuncture (Tu 2024, week 4)",
                ref["leg_pain_average"]["acupuncture"],
                ref["function_index"]["acupuncture"],
            ],
            ["Trial: sham (Tu 2024, week 4)", ref["leg_pain_average"]["sham"], ref["function_index"]["sham"]],
        ],
    )
    names = [r[0] for r in scaled.rows]
    chart = svg.bar_chart(
        title="Mean change at the end of the plan, beside a published trial",
        description="; ".join(f"{r[0]}: leg pain {r[1]}, function index {r[2]}" for r in scaled.rows)
        + ". Negative is better. The trial's figures are its result, not a promise.",
        labels=names,
        series=[
            ("Leg pain (0–100)", [_num(r[1]) for r in scaled.rows]),
            ("Function / disability index (0–100)", [_num(r[2]) for r in scaled.rows]),
        ],
        unit="Mean change from baseline (negative is better)",
    )
    return Report(
        "outcomes",
        "Outcomes by plan type",
        [
            "Plans accepted whose start date is in the range, grouped by plan type; one plan per patient and type "
            "(the latest). Baseline: each measure's last score before the first attended session (the intake).",
            "At the review session: the latest score taken after at least one session and by the plan's first "
            "review session (the check-in before it counts). At the end: the latest score of plans that have "
            "ended (completed or discontinued).",
            "Meaningful improvement: leg or back pain down 2 points or 30% of baseline, or the function index "
            "down 10 points (the same rule as the plan's review), in at least one measure. The share is of the "
            "patients with a score at that moment; n is the number of patients behind each figure.",
            f"Figures from fewer than {outcomes.MIN_PATIENTS} patients are not shown, so no single patient's "
            "answers can be read from a report.",
        ],
        [main, scaled],
        chart,
        notes=[
            "Reference: Tu et al. 2024 (JAMA Internal Medicine), a randomised trial in chronic sciatica from disc "
            "herniation: by week 4 leg pain (0–100) fell 30.8 with acupuncture vs 14.9 with sham, and the "
            "Oswestry Disability Index fell 13.0 vs 4.9. It is a trial's result, not a promise: its patients, "
            "points and schedule differ from this clinic's. Our pain scores (0–10) are multiplied by 10 to sit "
            "on its scale; our function index is Oswestry-style (0–100). The trial reported no back-pain figure.",
        ],
    )


def _num(value) -> float | None:
    return value if isinstance(value, int | float) else None


REPORTS: dict[str, tuple[str, str, Callable[[Scope], Report]]] = {
    "utilisation": ("Utilisation per practitioner", "Booked hours out of working hours.", utilisation),
    "attendance": ("No-shows and late cancellations", "Rates with their denominator.", attendance),
    "rebooking": ("New patients and rebook rate", "First visits, and visits followed by another booking.", rebooking),
    "plans": ("Plan completion and drop-off", "How many plans finish, and where patients stop.", plans),
    "outcomes": ("Outcomes by plan type", "Are patients getting better? Beside a published trial.", outcome_report),
}
