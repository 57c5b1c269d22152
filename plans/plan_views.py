"""Staff pages for treatment plans.

Practitioners make, review, adjust and discontinue plans and see the scores. The front desk sees a
patient's plans, their sessions and progress counts (no scores, goals or reasons), records
acceptance given in person and books the sessions. Managers have no access: plans are clinical.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import access
from clinic.audit import audit
from clinic.models import PractitionerProfile, Role, Service, ServiceKind
from patients.models import Patient
from patients.services import checkin_request

from . import chart, queries, services
from .book_views import booking_page
from .forms import GOAL_FIELDS, AdjustForm, DiscontinueForm, PlanForm, ReviewForm
from .models import PlanStatus, TreatmentPlan
from .progress import MEASURES, cadence_text, suggested_target

PLAN_STAFF = (Role.PRACTITIONER, Role.FRONT_DESK)


def _plan(pk: int) -> TreatmentPlan:
    try:
        return queries.plan_detail(pk)
    except TreatmentPlan.DoesNotExist:
        raise Http404("No such plan.")


def _baselines(patient: Patient) -> dict[str, float | None]:
    series = queries.patient_outcomes(patient)["series"]
    return {key: (series[key][0][1] if series.get(key) else None) for key in MEASURES}


@access.role_required(PLAN_STAFF)
def patient_plans(request, patient_pk: int):
    patient = get_object_or_404(Patient, pk=patient_pk)
    plans = queries.plans_for_patient(patient)
    return render(request, "plans/patient_plans.html", {"patient": patient, "plans": plans})


@access.role_required(access.PRACTITIONER)
def plan_new(request, patient_pk: int):
    """Make a plan from the intake: the classification picks the template, the baseline the goals."""
    patient = get_object_or_404(Patient, pk=patient_pk)
    profile = PractitionerProfile.objects.filter(user=request.user).first()
    intake = queries.intake_acuity(patient)
    baselines = _baselines(patient)
    audit(request=request, action="view", obj=patient, patient_id=patient.pk, detail="intake scores for a new plan")
    wanted = services.expected_template_acuity(intake) if intake else None
    suggested = queries.templates_for().filter(acuity=wanted).first() if wanted else None
    # A template without a follow-up service (the seed runs before any service exists) still gets one.
    service = (suggested and suggested.follow_up_service) or Service.objects.filter(
        kind=ServiceKind.FOLLOW_UP, active=True
    ).order_by("pk").first()
    initial = {"template": suggested, "start_date": timezone.localdate(), "service": service}
    for name, key in GOAL_FIELDS.items():
        target = suggested_target(MEASURES[key], baselines[key])
        initial[name] = None if target is None else int(target)
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if profile is None:
            form.add_error(None, "Your practitioner profile is not set up yet.")
        else:
            data = form.cleaned_data
            try:
                plan = services.plan_propose(
                    patient=patient,
                    practitioner=profile,
                    template=data["template"],
                    by=request.user,
                    start_date=data["start_date"],
                    planned_sessions=data["planned_sessions"],
                    count_reason=data["count_reason"],
                    acuity_reason=data["acuity_reason"],
                    goals=form.goals(baselines),
                    service=data["service"],
                )
            except services.PlanError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Plan proposed. The patient can accept it in their portal.")
                return redirect("plans:detail", pk=plan.pk)
    context = {
        "patient": patient,
        "form": form,
        "intake": intake,
        "baselines": [(MEASURES[k], v) for k, v in baselines.items()],
        "templates": list(queries.templates_for()),
    }
    return render(request, "plans/plan_new.html", context)


@access.role_required(PLAN_STAFF)
def plan_detail(request, pk: int):
    plan = _plan(pk)
    clinical = access.can_read_clinical(request.user)
    progress = queries.plan_progress(plan, with_scores=clinical)
    context = {
        "plan": plan,
        "patient": plan.patient,
        "clinical": clinical,
        "rows": queries.session_rows(plan),
        "progress": progress,
        "cadence": cadence_text(plan.cadence),
    }
    if clinical:
        audit(request=request, action="view", obj=plan, patient_id=plan.patient_id, detail="treatment plan")
        events, reviews = queries.plan_history(plan)
        context.update(
            events=events,
            reviews=reviews,
            goals=_goal_rows(plan),
            chart=chart.render_svg(progress.series),
            review_form=ReviewForm(),
            adjust_form=AdjustForm(initial={"planned_sessions": plan.planned_sessions}),
            discontinue_form=DiscontinueForm(),
        )
    return render(request, "plans/plan_detail.html", context)


def _goal_rows(plan: TreatmentPlan) -> list[str]:
    return [MEASURES[g["measure"]].goal_text(g["target"], g.get("baseline")) for g in plan.goals]


def _back(plan: TreatmentPlan):
    return redirect("plans:detail", pk=plan.pk)


@require_POST
@access.role_required(PLAN_STAFF)
def plan_accept_in_person(request, pk: int):
    plan = _plan(pk)
    try:
        services.plan_accept(plan=plan, by=request.user)
        messages.success(request, "Acceptance recorded. The sessions can be booked now.")
    except services.PlanError as exc:
        messages.error(request, exc.message)
    return _back(plan)


def _post_form(request, plan: TreatmentPlan, form_class, action):
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back(plan)
    try:
        action(form.cleaned_data)
    except services.PlanError as exc:
        messages.error(request, exc.message)
    return _back(plan)


@require_POST
@access.role_required(access.PRACTITIONER)
def plan_review(request, pk: int):
    plan = _plan(pk)

    def act(data):
        review = services.plan_review_record(
            plan=plan,
            by=request.user,
            decision=data["decision"],
            reason=data["reason"],
            planned_sessions=data["planned_sessions"],
            cadence=data["cadence"],
        )
        messages.success(request, f"Review recorded: {review.get_decision_display()}.")

    return _post_form(request, plan, ReviewForm, act)


@require_POST
@access.role_required(access.PRACTITIONER)
def plan_adjust(request, pk: int):
    plan = _plan(pk)

    def act(data):
        services.plan_adjust(
            plan=plan,
            by=request.user,
            reason=data["reason"],
            planned_sessions=data["planned_sessions"],
            cadence=data["cadence"],
        )
        messages.success(request, "Plan adjusted.")

    return _post_form(request, plan, AdjustForm, act)


@require_POST
@access.role_required(access.PRACTITIONER)
def plan_discontinue(request, pk: int):
    plan = _plan(pk)

    def act(data):
        services.plan_discontinue(plan=plan, by=request.user, reason=data["reason"])
        messages.success(request, "Plan discontinued.")

    return _post_form(request, plan, DiscontinueForm, act)


@require_POST
@access.role_required(access.PRACTITIONER)
def plan_request_checkin(request, pk: int):
    """Ask the patient for the outcome check-in (shown in their portal), e.g. before a review session."""
    plan = _plan(pk)
    checkin_request(patient=plan.patient, requested_by=request.user)
    messages.success(request, "Check-in requested: the patient sees it in their portal.")
    return _back(plan)


@access.role_required(PLAN_STAFF)
def plan_book(request, pk: int):
    plan = _plan(pk)
    return booking_page(
        request,
        plan,
        template_name="plans/book.html",
        done_url=reverse("plans:detail", kwargs={"pk": plan.pk}),
        extra={"back_url": reverse("plans:detail", kwargs={"pk": plan.pk}), "is_active": PlanStatus.ACTIVE},
    )
