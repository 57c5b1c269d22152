"""Visit note pages: start from the appointment, edit the draft, sign, read with amendments, point search."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic import access, point_search
from clinic.audit import audit
from clinic.models import AcupuncturePoint
from patients.queries import patient_alerts
from scheduling.models import Appointment

from . import needle_safety, visit_queries
from . import visit_services as vs
from .visit_forms import MAX_POINTS_TEXT, AdverseEventForm, AmendmentForm, VisitForm, format_points, parse_points
from .visit_models import VisitRecord


def _visit(pk: int, request, detail: str = "") -> VisitRecord:
    try:
        return visit_queries.visit_for_reading(pk, actor=request.user, detail=detail)
    except VisitRecord.DoesNotExist:
        raise Http404("No such visit.")


@require_POST
@access.role_required(access.PRACTITIONER)
def visit_start(request, appointment_pk: int):
    appt = get_object_or_404(Appointment, pk=appointment_pk)
    try:
        visit = vs.visit_start(appointment=appt, by=request.user)
    except vs.VisitError as exc:
        messages.error(request, exc.message)
        return redirect("plans:my_day")
    return redirect("plans:visit_edit", pk=visit.pk)


def _reasons(post) -> dict[str, str]:
    return {k[4:]: v.replace("\x00", "")[:1000] for k, v in post.items() if k.startswith("ack_") and len(k) < 80}


def _findings(visit: VisitRecord, codes: list[str], electro: bool) -> list[needle_safety.Finding]:
    points = list(AcupuncturePoint.objects.filter(code__in=codes))
    return vs.safety_findings(visit=visit, points=points, electro=electro)


@access.role_required(access.PRACTITIONER)
def visit_edit(request, pk: int):
    visit = _visit(pk, request, detail="visit form")
    if visit.is_signed or visit.author_id != request.user.pk:
        return redirect("plans:visit_detail", pk=visit.pk)
    ae_form = AdverseEventForm(request.POST or None, prefix="ae")
    if request.method == "POST":
        form = VisitForm(request.POST, instance=VisitRecord.objects.get(pk=visit.pk))
        if form.is_valid() and ae_form.is_valid():
            data = {name: form.cleaned_data[name] for name in vs.NOTE_FIELDS}
            try:
                vs.visit_save(
                    visit=visit,
                    by=request.user,
                    data=data,
                    points=form.cleaned_data["points"],
                    adverse_event=ae_form.event(),
                    reasons=_reasons(request.POST),
                )
                if request.POST.get("then") == "sign":
                    vs.visit_sign(visit=visit, by=request.user)
                    messages.success(request, "Visit note saved and signed.")
                    return redirect("plans:visit_detail", pk=visit.pk)
            except vs.VisitError as exc:
                for field, errs in exc.errors.items():
                    form.add_error(field if field in form.fields else None, errs)
                if not exc.errors:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Visit note saved. Sign it when it is complete.")
                return redirect("plans:visit_edit", pk=visit.pk)
        # From what was typed (a field with an error has left cleaned_data): the panel matches the page.
        entries, _ = parse_points(str(form["points"].value() or "").replace("\x00", "")[:MAX_POINTS_TEXT])
        electro = bool(form["electro"].value())
    else:
        entries = [vs.PointEntry(p.point.code, p.laterality, p.note) for p in visit.points.all()]
        initial = {"points": format_points(entries)}
        start = request.GET.get("start")
        if start == "last" and (last := visit_queries.same_as_last_time(visit)):
            entries, techniques = last
            initial.update(techniques, points=format_points(entries))
        elif start == "plan":
            entries = visit_queries.plan_protocol(visit)
            initial["points"] = format_points(entries)
        form = VisitForm(instance=visit, initial=initial)
        electro = bool(initial.get("electro", visit.electro))
    findings = _findings(visit, [e.code for e in entries], electro)
    reasons = _reasons(request.POST) if request.method == "POST" else {}
    context = {
        "visit": visit,
        "form": form,
        "ae_form": ae_form,
        "alerts": patient_alerts(visit.patient),
        "findings": findings,
        "acks": [(f, reasons.get(f.key, "")) for f in needle_safety.needing_reason(findings)],
        "has_last": visit_queries.last_signed_visit(visit.patient_id, exclude=visit.pk) is not None,
        "has_plan": bool(visit_queries.plan_protocol(visit)),
    }
    return render(request, "plans/visit_form.html", context)


@access.role_required(access.PRACTITIONER)
def visit_safety(request, pk: int):
    """htmx: the safety findings for the points and techniques on the form right now (nothing is saved)."""
    visit = get_object_or_404(VisitRecord.objects.select_related("patient"), pk=pk)
    if not request.htmx:  # a panel of the visit form, not a page of its own
        return redirect("plans:visit_edit", pk=visit.pk)
    entries, _ = parse_points(request.GET.get("points", "").replace("\x00", "")[:MAX_POINTS_TEXT])
    findings = _findings(visit, [e.code for e in entries], bool(request.GET.get("electro")))
    reasons = _reasons(request.GET)
    audit(request=request, action="view", obj=visit.patient, patient_id=visit.patient_id, detail="needle safety check")
    acks = [(f, reasons.get(f.key, "")) for f in needle_safety.needing_reason(findings)]
    return render(request, "plans/_visit_safety.html", {"findings": findings, "acks": acks})


@access.role_required(access.PRACTITIONER)
def visit_detail(request, pk: int):
    visit = _visit(pk, request)
    context = {
        "visit": visit,
        "verified": vs.visit_verify(visit) if visit.is_signed else None,
        "amend_form": AmendmentForm(),
        "can_sign": not visit.is_signed and visit.author_id == request.user.pk,
    }
    return render(request, "plans/visit_detail.html", context)


@require_POST
@access.role_required(access.PRACTITIONER)
def visit_sign(request, pk: int):
    visit = get_object_or_404(VisitRecord, pk=pk)
    try:
        vs.visit_sign(visit=visit, by=request.user)
        messages.success(request, "Visit note signed. It can now only be amended.")
    except vs.VisitError as exc:
        messages.error(request, exc.message)
    return redirect("plans:visit_detail", pk=visit.pk)


@require_POST
@access.role_required(access.PRACTITIONER)
def visit_amend(request, pk: int):
    visit = get_object_or_404(VisitRecord, pk=pk)
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            vs.visit_amend(visit=visit, by=request.user, **form.cleaned_data)
            messages.success(request, "Amendment added.")
            return redirect("plans:visit_detail", pk=visit.pk)
        except vs.VisitError as exc:
            form.add_error(None, exc.message)
    visit = _visit(pk, request)
    context = {"visit": visit, "verified": vs.visit_verify(visit), "amend_form": form, "can_sign": False}
    return render(request, "plans/visit_detail.html", context, status=400)


@access.role_required(access.PRACTITIONER)
def point_suggestions(request):
    """htmx: up to 12 points matching what was typed, marked when forbidden in pregnancy."""
    q = request.GET.get("q", "").replace("\x00", "")
    rows = point_search.search(q)
    # Without htmx (no JavaScript, or opened directly) it is a small point-lookup page.
    template = "plans/_point_suggestions.html" if request.htmx else "plans/point_lookup.html"
    return render(request, template, {"rows": rows, "q": q[:64]})
