"""Filling in a check-in or requested questionnaire one section per page: shared by the patient's
own page (logged in) and the one-click check-in link in a message (scheduling.link_views), so both
save, validate and keep drafts the same way."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinic.models import User

from . import services
from .models import QuestionnaireResponse
from .questionnaire_forms import SectionForm


def section_form(response: QuestionnaireResponse, section: str, data=None) -> SectionForm:
    definition = response.definition
    mine = {it.key for it in definition.section(section).items}
    context = {k: v for k, v in response.answers.items() if k not in mine}
    saved = response.drafts.get(section) or {k: v for k, v in response.answers.items() if k in mine}
    return SectionForm(data, definition=definition, section=section, context=context, saved=saved)


def questionnaire_section_page(
    request: HttpRequest,
    response: QuestionnaireResponse,
    *,
    page_url: str,
    actor: User | None,
    on_sent: Callable[[], HttpResponse],
    extra_context: dict | None = None,
) -> HttpResponse:
    """The section asked for (?section=) or the first one not done; a POST saves it (a draft when
    not valid yet) and moves to the next section at `page_url`, or calls `on_sent` after the last."""
    definition = response.definition
    keys = definition.section_keys
    wanted = request.GET.get("section") or next((k for k in keys if k not in response.sections_done), keys[-1])
    if wanted not in keys:
        raise Http404("No such section.")
    if request.method == "POST":
        form = section_form(response, wanted, data=request.POST)
        if form.is_valid():
            try:
                result = services.questionnaire_section_save(
                    response=response, section=wanted, answers=form.answers, actor=actor, request=request
                )
            except services.AnswersInvalid as exc:
                for key, msg in exc.errors.items():
                    form.add_error(key if key in form.fields else None, msg)
            else:
                if result.response.is_submitted:
                    return on_sent()
                remaining = [k for k in keys if k not in result.response.sections_done]
                return redirect(f"{page_url}?section={remaining[0]}")
        services.response_draft_save(response=response, section=wanted, raw=form.raw_values())
    else:
        form = section_form(response, wanted)
    context = {
        "response": response,
        "definition": definition,
        "section": definition.section(wanted),
        "number": keys.index(wanted) + 1,
        "total": len(keys),
        "form": form,
        **(extra_context or {}),
    }
    return render(request, "patients/questionnaire_fill.html", context)
