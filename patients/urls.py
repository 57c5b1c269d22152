from django.urls import path

from . import account_views, intake_views, preference_views, search_views, staff_views, views

app_name = "patients"
urlpatterns = [
    # The patient's own pages, under /me/ (found from the login: no ids except their own objects).
    path("me/signup/", views.register, name="register"),
    path("me/", views.home, name="home"),
    path("me/details/", views.my_details, name="my_details"),
    path("me/details/messages/", preference_views.my_message_preferences, name="my_message_preferences"),
    # The unsubscribe link in every email to a patient: a signed token, no login.
    path("unsubscribe/<str:token>/", preference_views.unsubscribe_link, name="unsubscribe"),
    path("me/verify-email/resend/", account_views.verify_email_resend, name="verify_email_resend"),
    path("me/verify-email/<str:token>/", account_views.verify_email, name="verify_email"),
    path("me/welcome/<uidb64>/<token>/", account_views.invitation, name="invitation"),
    path("me/intake/", intake_views.intake_start, name="intake"),
    path("me/intake/step/<slug:slug>/", intake_views.intake_step, name="intake_step"),
    path("me/intake/step/<slug:slug>/autosave/", intake_views.intake_autosave, name="intake_autosave"),
    path("me/intake/advice/", intake_views.intake_advice, name="intake_advice"),
    path("me/intake/summary/", intake_views.intake_summary, name="intake_summary"),
    path("me/questionnaires/<int:pk>/", intake_views.questionnaire_fill, name="questionnaire"),
    path("me/answers/<int:pk>/", intake_views.response_detail, name="response_detail"),
    path("me/consents/<int:pk>/", intake_views.consent_detail, name="consent_detail"),
    # Staff, under /patients/: records (contact details, front desk) and the chart (practitioners).
    path("patients/", staff_views.patient_list, name="list"),
    path("patients/search/", search_views.search, name="search"),
    path("patients/new/", staff_views.patient_create, name="create"),
    path("patients/<int:pk>/", staff_views.patient_detail, name="detail"),
    path("patients/<int:pk>/edit/", staff_views.patient_edit, name="edit"),
    path("patients/<int:pk>/archive/", staff_views.patient_archive, name="archive"),
    path("patients/<int:pk>/invite/", account_views.patient_invite, name="invite"),
    path("patients/<int:pk>/chart/", staff_views.chart, name="chart"),
    path("patients/<int:pk>/review/", staff_views.review, name="review"),
    path("patients/<int:pk>/request-questionnaire/", staff_views.request_questionnaire, name="request_questionnaire"),
]
