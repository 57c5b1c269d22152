from django.contrib import admin
from django.urls import include, path

from . import views

clinic_patterns = (
    [
        path("", views.manager_home, name="manager_home"),
        path("staff/new/", views.staff_create, name="staff_create"),
        path("audit/", views.audit_log, name="audit_log"),
        path("audit/export.csv", views.audit_log_csv, name="audit_log_csv"),
    ],
    "clinic",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/change/", views.password_change, name="password_change"),
    path("accounts/password/change/done/", views.password_change_done, name="password_change_done"),
    path("accounts/password/reset/", views.password_reset, name="password_reset"),
    path("accounts/password/reset/done/", views.password_reset_done, name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("accounts/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("manage/", include(clinic_patterns)),
    # The patients app serves /me/ (the patient's own pages) and /patients/ (staff); see patients/urls.py.
    path("", include("patients.urls")),
    path("schedule/", include("scheduling.urls")),
    path("practice/", include("plans.urls")),
    path("admin/", admin.site.urls),
]
