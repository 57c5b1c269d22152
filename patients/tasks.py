from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string

from clinic.messaging import queue_email


@shared_task
def login_email_changed_notice(old_email: str, new_email: str) -> None:
    """Tell the previous address that the login email was changed by the clinic.

    Staff can change a patient's email, and password resets then go to the new address; the
    notice lets the real owner notice a mistake or an impersonation and call the clinic.
    """
    ctx = {"clinic_name": settings.CLINIC_NAME, "masked_new": mask_email(new_email)}
    queue_email(
        kind="login_email_changed",
        to=old_email,
        subject=" ".join(render_to_string("emails/login_email_changed_subject.txt", ctx).split()),
        text=render_to_string("emails/login_email_changed_body.txt", ctx),
    )


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
