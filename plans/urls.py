from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("day/", views.my_day, name="my_day"),
]
