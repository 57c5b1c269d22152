"""Clinic computers are shared: a staff session ends after 30 minutes without activity; a patient's does not."""

import datetime as dt

import time_machine
from django.urls import reverse

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_staff_session_ends_after_30_idle_minutes(front_desk_client):
    schedule = reverse("scheduling:schedule")
    with time_machine.travel(START, tick=False) as traveller:
        assert front_desk_client.get(schedule).status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = front_desk_client.get(schedule)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
        login_page = front_desk_client.get(response["Location"]).content.decode()
        assert "You were signed out after 30 minutes without activity." in login_page


def test_activity_keeps_a_staff_session_alive(manager_client):
    home = reverse("clinic:manager_home")
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(4):  # two hours of work, a click every 29 minutes
            assert manager_client.get(home).status_code == 200
            traveller.shift(dt.timedelta(minutes=29))
        assert manager_client.get(home).status_code == 200


def test_a_patient_session_survives_a_long_pause(patient_client):
    home = reverse("patients:home")
    with time_machine.travel(START, tick=False) as traveller:
        assert patient_client.get(home).status_code == 200
        traveller.shift(dt.timedelta(hours=3))
        assert patient_client.get(home).status_code == 200
