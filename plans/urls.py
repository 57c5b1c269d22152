from django.urls import path

from . import patient_views, plan_views, views, visit_export, visit_views
from .reports import views as report_views

app_name = "plans"
urlpatterns = [
    path("day/", views.my_day, name="my_day"),
    # Staff: practitioners and the front desk.
    path("patients/<int:patient_pk>/plans/", plan_views.patient_plans, name="patient_plans"),
    path("patients/<int:patient_pk>/plans/new/", plan_views.plan_new, name="new"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="detail"),
    path("plans/<int:pk>/accept/", plan_views.plan_accept_in_person, name="accept_in_person"),
    path("plans/<int:pk>/review/", plan_views.plan_review, name="review"),
    path("plans/<int:pk>/adjust/", plan_views.plan_adjust, name="adjust"),
    path("plans/<int:pk>/discontinue/", plan_views.plan_discontinue, name="discontinue"),
    path("plans/<int:pk>/book/", plan_views.plan_book, name="book"),
    path("plans/<int:pk>/check-in/", plan_views.plan_request_checkin, name="request_checkin"),
    # Manager reports (aggregates only).
    path("reports/", report_views.report_index, name="reports"),
    path("reports/<slug:kind>/", report_views.report, name="report"),
    path("reports/<slug:kind>/csv/", report_views.report_csv, name="report_csv"),
    # Visit notes (practitioners); the front desk sees only that a visit was recorded.
    path("appointments/<int:appointment_pk>/visit/", visit_views.visit_start, name="visit_start"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", visit_views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/safety/", visit_views.visit_safety, name="visit_safety"),
    path("visits/<int:pk>/sign/", visit_views.visit_sign, name="visit_sign"),
    path("visits/<int:pk>/amend/", visit_views.visit_amend, name="visit_amend"),
    path("visits/points/", visit_views.point_suggestions, name="point_suggestions"),
    path("patients/<int:patient_pk>/visits/", visit_export.patient_visits, name="patient_visits"),
    path("patients/<int:patient_pk>/visits/export.<str:fmt>", visit_export.visit_export, name="visit_export"),
    path("my-visits/", visit_export.my_visits, name="my_visits"),
    # The patient's own plans.
    path("my-plans/", patient_views.my_plans, name="my_plans"),
    path("my-plans/<int:pk>/", patient_views.my_plan, name="my_plan"),
    path("my-plans/<int:pk>/accept/", patient_views.my_plan_accept, name="my_plan_accept"),
    path("my-plans/<int:pk>/book/", patient_views.my_plan_book, name="my_plan_book"),
]
