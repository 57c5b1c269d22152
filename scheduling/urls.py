from django.urls import path

from . import (
    desk_board_views,
    desk_booking_views,
    desk_change_views,
    desk_schedule_views,
    link_views,
    outbox_views,
    patient_appointment_views,
    patient_booking_views,
    patient_waitlist_views,
    practitioner_calendar_views,
    sms_reply_views,
    sms_views,
)

app_name = "scheduling"
urlpatterns = [
    # Staff schedule (front desk, practitioners, managers).
    path("", desk_schedule_views.schedule, name="schedule"),
    # Front desk: one appointment, its changes, and booking for a caller.
    path("desk/appointments/<int:pk>/", desk_schedule_views.appointment, name="desk_appointment"),
    path("desk/appointments/<int:pk>/check-in/", desk_schedule_views.check_in, name="desk_check_in"),
    path("desk/appointments/<int:pk>/no-show/", desk_schedule_views.no_show, name="desk_no_show"),
    path("desk/appointments/<int:pk>/notes/", desk_schedule_views.notes, name="desk_notes"),
    path("desk/appointments/<int:pk>/cancel/", desk_change_views.cancel, name="desk_cancel"),
    path("desk/appointments/<int:pk>/reschedule/", desk_change_views.reschedule, name="desk_reschedule"),
    # The board: in-place actions (htmx), today's arrivals, a practitioner's printable day sheet.
    path("desk/appointments/<int:pk>/board/<slug:action>/", desk_board_views.board_action, name="desk_board_action"),
    path("desk/arrivals/", desk_board_views.arrivals, name="desk_arrivals"),
    path("desk/day-sheet/<int:practitioner>/", desk_board_views.day_sheet, name="desk_day_sheet"),
    path("desk/book/", desk_booking_views.book, name="desk_book"),
    # The outbox's failed messages: the desk calls these patients.
    path("desk/messages/failed/", outbox_views.failed_list, name="failed_messages"),
    path("desk/messages/<int:pk>/resend/", outbox_views.resend, name="message_resend"),
    path("desk/messages/<int:pk>/handled/", outbox_views.handled, name="message_handled"),
    # Patients' SMS replies that need a person: call-back requests, other text, unknown numbers.
    path("desk/replies/", sms_reply_views.reply_list, name="sms_replies"),
    path("desk/inbox-counts/", sms_reply_views.inbox_counts, name="desk_inbox_counts"),
    path("desk/replies/<int:pk>/handled/", sms_reply_views.reply_handled, name="sms_reply_handled"),
    path("desk/book/new-patient/", desk_booking_views.patient_new, name="desk_patient_new"),
    path("desk/book/confirm/", desk_booking_views.book_confirm, name="desk_book_confirm"),
    # Patient booking and their appointments.
    path("book/", patient_booking_views.book, name="book"),
    path("book/confirm/", patient_booking_views.book_confirm, name="book_confirm"),
    path("mine/", patient_appointment_views.my_appointments, name="my_appointments"),
    path("mine/<int:pk>/", patient_appointment_views.appointment_detail, name="appointment_detail"),
    path("mine/<int:pk>/cancel/", patient_appointment_views.appointment_cancel, name="appointment_cancel"),
    path("mine/<int:pk>/reschedule/", patient_appointment_views.appointment_reschedule, name="appointment_reschedule"),
    path("appointments/<int:pk>/calendar.ics", patient_appointment_views.appointment_ics, name="appointment_ics"),
    # Waitlist.
    path("waitlist/join/", patient_waitlist_views.waitlist_join, name="waitlist_join"),
    path("waitlist/<int:pk>/withdraw/", patient_waitlist_views.waitlist_withdraw, name="waitlist_withdraw"),
    path("waitlist/offers/<int:pk>/", patient_waitlist_views.waitlist_claim, name="waitlist_claim"),
    # One-click links in messages: the signed token is the credential (no login); see scheduling.links.
    path("l/confirm/<str:token>/", link_views.link_confirm, name="link_confirm"),
    path("l/cancel/<str:token>/", link_views.link_cancel, name="link_cancel"),
    path("l/check-in/<str:token>/", link_views.link_checkin, name="link_checkin"),
    # The SMS provider's signed webhooks: delivery status, and incoming messages (patients' replies).
    path("sms/status/", sms_views.sms_status, name="sms_status"),
    path("sms/inbound/", sms_views.sms_inbound, name="sms_inbound"),
    # Practitioner's private calendar feed.
    path("calendar/", practitioner_calendar_views.practitioner_calendar, name="practitioner_calendar"),
    path(
        "calendar/new-link/",
        practitioner_calendar_views.practitioner_calendar_rotate,
        name="practitioner_calendar_rotate",
    ),
    path("feed/<str:token>/calendar.ics", practitioner_calendar_views.practitioner_feed, name="practitioner_feed"),
]
