"""Manager reports: a list, each report's page (filters, definition, chart, tables) and its CSV."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render

from clinic import access
from clinic.audit import audit

from .forms import ReportFilterForm
from .reports import REPORTS


@access.role_required(access.MANAGER)
def report_index(request):
    items = [{"slug": slug, "title": title, "summary": summary} for slug, (title, summary, _) in REPORTS.items()]
    return render(request, "plans/reports/index.html", {"reports": items})


def _build(request, kind: str):
    if kind not in REPORTS:
        raise Http404("No such report.")
    title, _, build = REPORTS[kind]
    form = ReportFilterForm(request.GET)
    report = build(form.scope()) if form.is_valid() else None
    return title, form, report


@access.role_required(access.MANAGER)
def report(request, kind: str):
    title, form, report = _build(request, kind)
    if report is not None and kind == "outcomes":
        audit(request=request, action="view", object_type="report", object_id=kind, detail=request.GET.urlencode())
    query = request.GET.urlencode()
    return render(
        request,
        "plans/reports/report.html",
        {"kind": kind, "title": title, "form": form, "report": report, "query": query, "reports": REPORTS},
    )


@access.role_required(access.MANAGER)
def report_csv(request, kind: str):
    title, form, report = _build(request, kind)
    if report is None:
        return render(request, "plans/reports/report.html", {"kind": kind, "title": title, "form": form}, status=400)
    scope = form.scope()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{kind}-{scope.first:%Y%m%d}-{scope.last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    where = scope.location.name if scope.location else "All locations"
    writer.writerow([report.title, f"{scope.first:%Y-%m-%d} to {scope.last:%Y-%m-%d}", where])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    if kind == "outcomes":
        audit(request=request, action="export", object_type="report", object_id=kind, detail=name)
    return response
