"""Patient search for staff, reached from the search box on every desk page.

Contact details only (name, phone, date of birth, intake badge): nothing clinical. An htmx request
gets just the results list (search as you type); without JavaScript the form submits to the page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic import access

from . import queries
from .queries.search import MAX_QUERY, SearchError, find_patients


@access.role_required(access.SCHEDULE_STAFF)
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    error = ""
    try:
        results = find_patients(q)
    except SearchError as exc:
        error, results = exc.message, []
        q = q.replace("\x00", "")[:MAX_QUERY]
    results = queries.with_intake_status(results) if results else []
    ctx = {"q": q.strip(), "error": error, "results": results}
    template = "patients/_search_results.html" if request.headers.get("HX-Request") else "patients/search.html"
    return render(request, template, ctx)
