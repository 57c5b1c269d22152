from django.urls import path

from . import intake_views, staff_views, views

app_name = "patients"
urlpatterns = [
    path("signup/", views.register, name="register"),
    path("", views.home, name="home"),
    path("details/", views.my_details, name="my_details"),
    # The patient's intake (their own, found from the login: no ids in these URLs).
    path("intake/", intake_views.intake_start, name="intake"),
    path("intake/step/<slug:slug>/", intake_views.intake_step, name="intake_step"),
    path("intake/step/<slug:slug>/autosave/", intake_views.intake_autosave, name="intake_autosave"),
    path("intake/advice/", intake_views.intake_advice, name="intake_advice"),
    path("intake/summary/", intake_views.intake_summary, name="intake_summary"),
    path("questionnaires/<int:pk>/", intake_views.questionnaire_fill, name="questionnaire"),
    path("answers/<int:pk>/", intake_views.response_detail, name="response_detail"),
    path("consents/<int:pk>/", intake_views.consent_detail, name="consent_detail"),
    # Staff: records (contact details, front desk) and the chart (practitioners).
    path("records/", staff_views.patient_list, name="list"),
    path("records/new/", staff_views.patient_create, name="create"),
    path("records/<int:pk>/", staff_views.patient_detail, name="detail"),
    path("records/<int:pk>/edit/", staff_views.patient_edit, name="edit"),
    path("records/<int:pk>/archive/", staff_views.patient_archive, name="archive"),
    path("records/<int:pk>/chart/", staff_views.chart, name="chart"),
    path("records/<int:pk>/review/", staff_views.review, name="review"),
    path("records/<int:pk>/request-questionnaire/", staff_views.request_questionnaire, name="request_questionnaire"),
]
