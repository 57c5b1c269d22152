"""The patient's intake in steps, red-flag advice, the summary, and other questionnaires they fill in.

Each step is saved on the server as soon as it is sent (valid answers into the response, anything
else as a draft), so a validation error, a reload or a closed tab loses nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from clinic import access

from . import intake_flow, queries, services
from .models import HOLD_CATEGORIES, Consent, FlagCategory, QuestionnaireResponse, SafetyFlag
from .questionnaire import get_definition
from .questionnaire_forms import ConsentForm
from .questionnaire_pages import questionnaire_section_page
from .questionnaire_pages import section_form as _section_form


def _patient_or_404(request):
    patient = queries.patient_for_user(request.user)
    if patient is None or patient.archived:
        raise Http404("No patient record for this login.")
    return patient


def _steps_nav(done: list[str], current: str) -> list[dict]:
    return [
        {
            "slug": s.slug,
            "title": s.title,
            "number": i,
            "done": s.slug in done,
            "current": s.slug == current,
            "open": intake_flow.may_open(s.slug, done),
        }
        for i, s in enumerate(intake_flow.STEPS, start=1)
    ]


def _steps_done(intake) -> list[str]:
    return intake.steps_done if intake else []


@access.role_required(access.PATIENT)
def intake_start(request):
    """Resume at the first step not yet saved. A read: the intake is created by the first save."""
    patient = _patient_or_404(request)
    intake = queries.current_intake(patient)
    if intake and intake.is_complete:
        return redirect("patients:intake_summary")
    step = intake_flow.first_missing(_steps_done(intake)) or intake_flow.STEPS[-1]
    return redirect("patients:intake_step", slug=step.slug)


@access.role_required(access.PATIENT)
def intake_step(request, slug: str):
    patient = _patient_or_404(request)
    try:
        step = intake_flow.step(slug)
    except KeyError:
        raise Http404("No such step.")
    intake = queries.current_intake(patient)
    done = _steps_done(intake)
    if intake and intake.is_complete:
        messages.info(request, "Your intake is complete. Thank you!")
        return redirect("patients:intake_summary")
    if not intake_flow.may_open(slug, done):
        first = intake_flow.first_missing(done)
        return redirect("patients:intake_step", slug=first.slug)
    if step.is_consent:
        return _consent_step(request, patient, intake, step)

    response = queries.intake_step_response(patient=patient, intake=intake, instrument_key=step.instrument)
    definition = response.definition
    if request.method == "POST":
        form = _section_form(response, step.section, data=request.POST)
        if "save_later" in request.POST:
            services.intake_step_draft_save(patient=patient, slug=slug, raw=form.raw_values())
            messages.success(request, "Saved. You can carry on where you left off at any time.")
            return redirect("patients:home")
        if form.is_valid():
            try:
                result = services.intake_step_save(
                    patient=patient, slug=slug, answers=form.answers, actor=request.user, request=request
                )
            except services.AnswersInvalid as exc:
                for key, msg in exc.errors.items():
                    form.add_error(key if key in form.fields else None, msg)
            else:
                if result.new_red_flags:
                    return redirect("patients:intake_advice")
                nxt = intake_flow.first_missing([*done, slug])
                return redirect("patients:intake_step", slug=nxt.slug) if nxt else redirect("patients:intake_summary")
        # Not valid: keep what was typed on the server too, so a reload or a closed tab loses nothing.
        services.intake_step_draft_save(patient=patient, slug=slug, raw=form.raw_values())
    else:
        form = _section_form(response, step.section)
    context = {
        "step": step,
        "number": intake_flow.position(slug),
        "total": len(intake_flow.STEPS),
        "steps": _steps_nav(done, slug),
        "previous": intake_flow.previous(slug),
        "definition": definition,
        "section": definition.section(step.section),
        "form": form,
        "autosave_url": reverse("patients:intake_autosave", kwargs={"slug": slug}),
    }
    return render(request, "patients/intake_step.html", context, status=200)


def _consent_step(request, patient, intake, step):
    definition = get_definition(intake_flow.CONSENT_KEY)
    form = ConsentForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_sign(
                patient=patient,
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agree"],
                ip_address=access.client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                intake=intake,
                actor=request.user,
                request=request,
            )
        except services.AnswersInvalid as exc:
            # Every step was valid when saved; this only happens if something changed since.
            step_back = intake_flow.step(exc.step) if exc.step else intake_flow.STEPS[0]
            messages.warning(request, f"An earlier answer needs another look, in “{step_back.title}”.")
            return redirect("patients:intake_step", slug=step_back.slug)
        except services.PatientError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Thank you. Your answers are with your acupuncturist.")
            return redirect("patients:intake_summary")
    context = {
        "step": step,
        "number": intake_flow.position(step.slug),
        "total": len(intake_flow.STEPS),
        "steps": _steps_nav(intake.steps_done, step.slug),
        "previous": intake_flow.previous(step.slug),
        "definition": definition,
        "form": form,
        "patient": patient,
    }
    return render(request, "patients/intake_consent.html", context)


@access.role_required(access.PATIENT)
@require_POST
def intake_autosave(request, slug: str):
    """htmx: keep what is typed as a draft while the patient works through a step."""
    patient = _patient_or_404(request)
    try:
        step = intake_flow.step(slug)
    except KeyError:
        raise Http404("No such step.")
    intake = queries.current_intake(patient)
    if step.is_consent or (intake and intake.is_complete) or not intake_flow.may_open(slug, _steps_done(intake)):
        return HttpResponse(status=204)
    response = queries.intake_step_response(patient=patient, intake=intake, instrument_key=step.instrument)
    form = _section_form(response, step.section, data=request.POST)
    services.intake_step_draft_save(patient=patient, slug=slug, raw=form.raw_values())
    return HttpResponse(status=204)


@access.role_required(access.PATIENT)
def intake_advice(request):
    """What to do about the warning signs the patient reported. Calm, clear, and shown at once."""
    patient = _patient_or_404(request)
    flags = list(
        SafetyFlag.objects.filter(patient=patient, category__in=HOLD_CATEGORIES, review__isnull=True).order_by(
            "raised_at", "id"
        )
    )
    if not flags:
        return redirect("patients:home")
    definition = get_definition("safety_screening", flags[0].response.instrument_version if flags[0].response else None)
    urgent = [f for f in flags if f.category == FlagCategory.CAUDA_EQUINA]
    other = [f for f in flags if f.category == FlagCategory.RED_FLAG]
    intake = queries.current_intake(patient)
    next_step = intake_flow.first_missing(intake.steps_done) if intake and not intake.is_complete else None
    context = {
        "urgent": urgent,
        "other": other,
        "urgent_advice": definition.advice.get("cauda_equina"),
        "other_advice": definition.advice.get("red_flag"),
        "next_step": next_step,
    }
    return render(request, "patients/intake_advice.html", context)


@access.role_required(access.PATIENT)
def intake_summary(request):
    patient = _patient_or_404(request)
    intake = queries.current_intake(patient)
    views = []
    if intake:
        for r in intake.responses.all():
            views.append(queries.response_view(r, for_patient=True))
        order = {k: i for i, k in enumerate(intake_flow.INSTRUMENTS)}
        views.sort(key=lambda v: order.get(v["response"].instrument_key, 99))
        services.intake_summary_viewed(intake=intake, actor=request.user, request=request)
    context = {
        "intake": intake,
        "views": views,
        "next_step": intake_flow.first_missing(intake.steps_done) if intake and not intake.is_complete else None,
        "hold": queries.patient_treatment_booking_hold(patient),
        "consent": queries.consent_current(patient),
    }
    return render(request, "patients/intake_summary.html", context)


@access.role_required(access.PATIENT)
def questionnaire_fill(request, pk: int):
    """A check-in or a questionnaire the practitioner asked for, one section per page."""
    patient = _patient_or_404(request)
    response = get_object_or_404(QuestionnaireResponse, pk=pk, patient=patient, intake__isnull=True)
    if response.is_submitted:
        return redirect("patients:response_detail", pk=response.pk)

    def sent() -> HttpResponse:
        messages.success(request, "Thank you. Your answers have been sent to your acupuncturist.")
        return redirect("patients:home")

    return questionnaire_section_page(
        request,
        response,
        page_url=reverse("patients:questionnaire", kwargs={"pk": pk}),
        actor=request.user,
        on_sent=sent,
    )


@access.role_required(access.PATIENT, access.CLINICAL)
def response_detail(request, pk: int):
    """One set of answers. The patient sees their own (another patient's id → 404); practitioners any."""
    response = get_object_or_404(QuestionnaireResponse.objects.select_related("patient"), pk=pk)
    access.require_patient_owner(request, response.patient)
    services.response_viewed(response=response, actor=request.user, request=request)
    view = queries.response_view(response, for_patient=request.user.is_patient)
    context = {"view": view, "response": response, "definition": view["definition"], "patient": response.patient}
    return render(request, "patients/response_detail.html", context)


@access.role_required(access.PATIENT, access.CLINICAL)
@require_safe  # read-only on purpose: a signed consent has no edit path
def consent_detail(request, pk: int):
    consent = get_object_or_404(Consent.objects.select_related("patient"), pk=pk)
    access.require_patient_owner(request, consent.patient)
    services.consent_viewed(consent=consent, actor=request.user, request=request)
    return render(request, "patients/consent_detail.html", {"consent": consent, "patient": consent.patient})
