"""The patient's side of a plan: read it, accept it, book its sessions, watch the scores change."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic import access
from patients.queries import patient_for_user

from . import chart, queries, services, visit_queries
from .book_views import booking_page
from .models import TreatmentPlan
from .progress import MEASURES, cadence_text


def _own_plan(request, pk: int) -> TreatmentPlan:
    """The logged-in patient's own plan; anyone else's is a 404 so ids cannot be probed."""
    patient = patient_for_user(request.user)
    try:
        plan = queries.plan_detail(pk)
    except TreatmentPlan.DoesNotExist:
        raise Http404("No such plan.")
    if patient is None or plan.patient_id != patient.pk:
        raise Http404("No such plan.")
    return plan


@access.role_required(access.PATIENT)
def my_plans(request):
    patient = patient_for_user(request.user)
    plans = queries.plans_for_patient(patient) if patient else []
    open_plans = [p for p in plans if p.is_open]
    if len(open_plans) == 1:
        return redirect("plans:my_plan", pk=open_plans[0].pk)
    return render(request, "plans/my_plans.html", {"plans": plans})


@access.role_required(access.PATIENT)
def my_plan(request, pk: int):
    plan = _own_plan(request, pk)
    progress = queries.plan_progress(plan)
    context = {
        "plan": plan,
        "rows": queries.session_rows(plan),
        "progress": progress,
        "cadence": cadence_text(plan.cadence),
        "goals": [MEASURES[g["measure"]].goal_text(g["target"], g.get("baseline")) for g in plan.goals],
        "chart": chart.render_svg(progress.series, title="Your scores across the plan"),
        "visits": visit_queries.signed_advice_for_patient(plan.patient)[:5],
    }
    return render(request, "plans/my_plan.html", context)


@require_POST
@access.role_required(access.PATIENT)
def my_plan_accept(request, pk: int):
    plan = _own_plan(request, pk)
    try:
        services.plan_accept(plan=plan, by=request.user)
    except services.PlanError as exc:
        messages.error(request, exc.message)
        return redirect("plans:my_plan", pk=plan.pk)
    messages.success(request, "Thank you: your plan is accepted. Now choose the times for your sessions.")
    return redirect("plans:my_plan_book", pk=plan.pk)


@access.role_required(access.PATIENT)
def my_plan_book(request, pk: int):
    plan = _own_plan(request, pk)
    url = reverse("plans:my_plan", kwargs={"pk": plan.pk})
    return booking_page(request, plan, template_name="plans/book.html", done_url=url, extra={"back_url": url})
