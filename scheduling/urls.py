from django.urls import path

from . import desk_views, patient_views

app_name = "scheduling"
urlpatterns = [
    # Staff schedule (front desk, practitioners, managers).
    path("", desk_views.schedule, name="schedule"),
    # Front desk: one appointment, its changes, and booking for a caller.
    path("desk/appointments/<int:pk>/", desk_views.appointment, name="desk_appointment"),
    path("desk/appointments/<int:pk>/check-in/", desk_views.check_in, name="desk_check_in"),
    path("desk/appointments/<int:pk>/no-show/", desk_views.no_show, name="desk_no_show"),
    path("desk/appointments/<int:pk>/notes/", desk_views.notes, name="desk_notes"),
    path("desk/appointments/<int:pk>/cancel/", desk_views.cancel, name="desk_cancel"),
    path("desk/appointments/<int:pk>/reschedule/", desk_views.reschedule, name="desk_reschedule"),
    path("desk/book/", desk_views.book, name="desk_book"),
    path("desk/book/new-patient/", desk_views.patient_new, name="desk_patient_new"),
    path("desk/book/confirm/", desk_views.book_confirm, name="desk_book_confirm"),
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
