from django import template

from clinic import phones
from clinic.models import Location

register = template.Library()


@register.inclusion_tag("clinic/_contacts.html")
def clinic_contacts() -> dict:
    """The clinics' phone numbers. Patients are told to "call the clinic" in several places
    (a safety hold, a closed record, a service not bookable online), so the numbers are always in view."""
    return {"locations": Location.objects.filter(active=True).exclude(phone="").only("name", "phone")}


@register.filter
def phone(value: str | None) -> str:
    """A stored E.164 number as people read it ("+44 7700 900123"); unreadable text as it was typed."""
    return phones.display(value)
