from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("signup/", views.register, name="register"),
    path("", views.home, name="home"),
]
