from django.urls import path

from . import patient_views, views

app_name = "scheduling"
urlpatterns = [
    # Staff schedule (front desk, practitioners, managers).
    path("", views.schedule, name="schedule"),
    # Patient booking.
    path("book/", patient_views.book, name="book"),
    path("book/confirm/", patient_views.book_confirm, name="book_confirm"),
    path("mine/", patient_views.my_appointments, name="my_appointments"),
    path("mine/<int:pk>/", patient_views.appointment_detail, name="appointment_detail"),
    path("mine/<int:pk>/cancel/", patient_views.appointment_cancel, name="appointment_cancel"),
    path("mine/<int:pk>/reschedule/", patient_views.appointment_reschedule, name="appointment_reschedule"),
    path("appointments/<int:pk>/calendar.ics", patient_views.appointment_ics, name="appointment_ics"),
    # Waitlist.
    path("waitlist/join/", patient_views.waitlist_join, name="waitlist_join"),
    path("waitlist/<int:pk>/withdraw/", patient_views.waitlist_withdraw, name="waitlist_withdraw"),
    path("waitlist/offers/<int:pk>/", patient_views.waitlist_claim, name="waitlist_claim"),
    # Practitioner's private calendar feed.
    path("calendar/", patient_views.practitioner_calendar, name="practitioner_calendar"),
    path("calendar/new-link/", patient_views.practitioner_calendar_rotate, name="practitioner_calendar_rotate"),
    path("feed/<str:token>/calendar.ics", patient_views.practitioner_feed, name="practitioner_feed"),
]
