"""Managers can look at bookings in the admin but cannot change them there (services only)."""

from django.urls import reverse

from scheduling.models import AppointmentStatus
from tests import factories as f


def test_managers_see_bookings_read_only(manager_client, clinic):
    appt = f.AppointmentFactory(
        practitioner=clinic.practitioner, service=clinic.service, location=clinic.location, room=clinic.rooms[0]
    )
    for name in ("appointment", "waitlistentry", "waitlistoffer", "notification"):
        assert manager_client.get(reverse(f"admin:scheduling_{name}_changelist")).status_code == 200, name
    page = manager_client.get(reverse("admin:scheduling_appointment_change", args=[appt.pk])).content.decode()
    assert appt.patient.full_name in page and 'name="_save"' not in page
    assert manager_client.get(reverse("admin:scheduling_appointment_add")).status_code == 403
    response = manager_client.post(
        reverse("admin:scheduling_appointment_change", args=[appt.pk]), {"status": AppointmentStatus.CANCELLED}
    )
    assert response.status_code == 403
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED
