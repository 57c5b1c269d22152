"""Staff pages: the front desk's patient records (contact details only) and the practitioner's chart."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic import access

from . import queries, services
from .models import Patient
from .questionnaire import latest_definitions
from .record_forms import RequestQuestionnaireForm, ReviewForm, StaffPatientForm

RECORD_STAFF = access.SCHEDULE_STAFF


@access.role_required(RECORD_STAFF)
def patient_list(request):
    q = request.GET.get("q", "").strip()
    include_archived = request.GET.get("archived") == "1"
    phones_to_check = request.GET.get("phones") == "check"
    q_error = ""
    if phones_to_check:
        patients = queries.phones_to_check()[:200]
    elif q and not queries.searchable(q):
        q_error = "The search contains a character that cannot be searched for. Please type it again."
        q = q.replace("\x00", "")
        patients = []
    elif q:
        patients = queries.patient_search(q, include_archived=include_archived)
    else:
        patients = Patient.objects.filter(archived=False).order_by("-created_at", "-id")[:20]
    patients = queries.with_intake_status(patients)
    return render(
        request,
        "patients/list.html",
        {
            "q": q,
            "q_error": q_error,
            "patients": patients,
            "include_archived": include_archived,
            "limit": queries.SEARCH_LIMIT,
            "phones_to_check": phones_to_check,
            "to_check_count": 0 if phones_to_check else queries.phones_to_check().count(),
        },
    )


def _save_record(request, form: StaffPatientForm, patient: Patient | None):
    """Create or update through the service; on a duplicate, show the candidates by the form."""
    data = {k: v for k, v in form.cleaned_data.items() if k != "force"}
    force = bool(form.cleaned_data.get("force"))
    try:
        if patient is None:
            saved = services.patient_create(created_by=request.user, allow_duplicate=force, request=request, **data)
        else:
            saved = services.patient_update(
                patient=patient, allow_duplicate=force, actor=request.user, request=request, **data
            )
        return saved, None
    except services.DuplicatePatient as exc:
        return None, exc
    except services.PatientError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None, None


@access.role_required(RECORD_STAFF)
def patient_create(request):
    duplicate = None
    form = StaffPatientForm(request.POST or None, show_force="force" in request.POST)
    if request.method == "POST" and form.is_valid():
        saved, duplicate = _save_record(request, form, None)
        if saved:
            messages.success(request, f"Record created for {saved.full_name}.")
            return redirect("patients:detail", pk=saved.pk)
        if duplicate:
            form = StaffPatientForm(request.POST, show_force=duplicate.forcible)
            form.is_valid()
    return render(request, "patients/record_form.html", {"form": form, "duplicate": duplicate, "patient": None})


@access.role_required(RECORD_STAFF)
def patient_edit(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    duplicate = None
    form = StaffPatientForm(request.POST or None, instance=patient, show_force="force" in request.POST)
    if request.method == "POST" and form.is_valid():
        saved, duplicate = _save_record(request, form, patient)
        if saved:
            messages.success(request, "Details saved.")
            return redirect("patients:detail", pk=saved.pk)
        if duplicate:
            form = StaffPatientForm(request.POST, instance=patient, show_force=duplicate.forcible)
            form.is_valid()
    return render(request, "patients/record_form.html", {"form": form, "duplicate": duplicate, "patient": patient})


@access.role_required(RECORD_STAFF)
def patient_detail(request, pk: int):
    """Contact details and intake status: no clinical answers here (the front desk uses it)."""
    patient = get_object_or_404(Patient.objects.select_related("user"), pk=pk)
    context = {
        "patient": patient,
        "status": queries.intake_status(patient),
        "hold": queries.patient_treatment_booking_hold(patient),
        "message_statuses": queries.message_statuses(patient),
        "sms_record": queries.sms_consent_record(patient),
        "duplicates": queries.duplicate_candidates(
            email=patient.email, phone=patient.phone, date_of_birth=patient.date_of_birth, exclude_pk=patient.pk
        ),
    }
    return render(request, "patients/detail.html", context)


@access.role_required(RECORD_STAFF)
@require_POST
def patient_archive(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    if request.POST.get("action") == "restore":
        try:
            services.patient_restore(patient=patient, actor=request.user, request=request)
        except services.PatientError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{patient.full_name}'s record is active again.")
    else:
        services.patient_archive(patient=patient, actor=request.user, request=request)
        messages.success(request, f"{patient.full_name}'s record is archived. Nothing was deleted.")
    return redirect("patients:detail", pk=patient.pk)


# --- practitioner ---------------------------------------------------------------------------


def _request_choices():
    return [(d.key, d.title) for d in latest_definitions()]


def _chart_response(request, patient: Patient, *, review_form=None, request_form=None, status=200):
    context = queries.chart(patient)
    context["review_form"] = review_form or ReviewForm()
    context["request_form"] = request_form or RequestQuestionnaireForm(choices=_request_choices())
    return render(request, "patients/chart.html", context, status=status)


@access.role_required(access.CLINICAL)
def chart(request, pk: int):
    patient = get_object_or_404(Patient.objects.select_related("user"), pk=pk)
    services.patient_chart_viewed(patient=patient, actor=request.user, request=request)
    return _chart_response(request, patient)


@access.role_required(access.CLINICAL)
@require_POST
def review(request, pk: int):
    """The "reviewed" action: clear (lifts the online booking hold) or refer (keeps it), with a note."""
    patient = get_object_or_404(Patient, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            rev = services.safety_review_record(
                patient=patient,
                reviewed_by=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except services.PatientError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Review recorded: {rev.get_decision_display().lower()}.")
            return redirect(reverse("patients:chart", kwargs={"pk": patient.pk}) + "#safety")
    return _chart_response(request, patient, review_form=form)


@access.role_required(access.CLINICAL)
@require_POST
def request_questionnaire(request, pk: int):
    """Ask the patient to fill in a questionnaire (e.g. a check-in or a licensed instrument)."""
    patient = get_object_or_404(Patient, pk=pk)
    form = RequestQuestionnaireForm(request.POST, choices=_request_choices())
    if form.is_valid():
        try:
            services.questionnaire_request(
                patient=patient,
                instrument_key=form.cleaned_data["instrument"],
                requested_by=request.user,
                request=request,
            )
        except services.PatientError as exc:
            form.add_error("instrument", exc.message)
        else:
            messages.success(request, "The patient will see it on their home page.")
            return redirect("patients:chart", pk=patient.pk)
    return _chart_response(request, patient, request_form=form)
