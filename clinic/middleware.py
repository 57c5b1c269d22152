import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout


class StaffIdleTimeoutMiddleware:
    """Log staff out after STAFF_IDLE_TIMEOUT seconds without a request.

    Clinic computers are shared and left unattended between patients; patient sessions keep
    Django's normal lifetime.
    """

    KEY = "_last_seen"
    # The last-seen time is written at most once a minute: writing the session on every click would
    # make every staff page view a database write (and, on SQLite, take the single write lock).
    # The cost is that a session may end up to a minute early.
    RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_clinic_staff:
            now = time.time()
            last = request.session.get(self.KEY)
            if last is not None and now - last > settings.STAFF_IDLE_TIMEOUT:
                logout(request)
                minutes = settings.STAFF_IDLE_TIMEOUT // 60
                messages.info(request, f"You were signed out after {minutes} minutes without activity.")
            elif last is None or now - last >= self.RESOLUTION:
                request.session[self.KEY] = now
        return self.get_response(request)
