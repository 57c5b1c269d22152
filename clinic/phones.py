"""Phone numbers: what the clinic accepts, and the one form it stores (E.164, e.g. +447700900123).

Pure: no ORM, no settings. Parsing, validation and formatting are Google's libphonenumber (the `phonenumbers`
package). A number typed without its country code ("07700 900123", "(212) 555-0100") is read as a
number of the *default region*; which region that is, is decided in one place,
clinic.queries.phone_region(), and passed in here.

We keep E.164 text in ordinary CharFields rather than django-phonenumber-field's model field: that
field's default region is one static setting, where ours depends on the location, and a text column
keeps every reader (search keys, the outbox's recipient, templates) working on plain strings.
"""

from __future__ import annotations

import functools
from importlib import resources

import phonenumbers
from django.core.exceptions import ValidationError

# Longer than any number written with spaces and an extension; more is not a phone number, and
# phonenumbers would otherwise spend time on a pasted essay.
MAX_INPUT = 40


class PhoneError(ValueError):
    """Text that is not a phone number we can use; `message` is what the person reads."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def example(region: str) -> str:
    """ "07400 123456 or +44 7400 123456": how a number of `region` may be typed."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+44 7700 900123"
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"{national} or {international}"


def invalid_message(region: str) -> str:
    return (
        "Enter a phone number we can call or text, as you would dial it: "
        f"e.g. {example(region)}. A number from another country needs its + code."
    )


def to_e164(text: str | None, *, region: str) -> str:
    """The number in E.164 ("+447700900123"), or "" for empty text. Raises PhoneError.

    Accepts national and international ways of writing it: spaces, dashes, dots, brackets, a
    leading 00 or +, and the UK's "+44 (0)".
    """
    text = (text or "").strip()
    if not text:
        return ""
    if "\x00" in text or len(text) > MAX_INPUT:
        raise PhoneError(invalid_message(region))
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(invalid_message(region)) from exc
    if not _acceptable(number):
        raise PhoneError(invalid_message(region))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Ofcom keeps 07700 900000-900999 for drama: never a real line, so libphonenumber calls them invalid,
# but they are the UK's safe numbers for demos, training and tests, and the desk uses them so.
_FICTION_RANGES = (("+447700900", 13),)


def _acceptable(number: phonenumbers.PhoneNumber) -> bool:
    if phonenumbers.is_valid_number(number):
        return True
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return any(e164.startswith(prefix) and len(e164) == length for prefix, length in _FICTION_RANGES)


def clean_phone(text: str | None, *, region: str, required: bool = True) -> str:
    """A form's phone field: the number in E.164, or a ValidationError to show next to the field.
    Every form that takes a phone number (patients' and staff's) cleans it here."""
    text = (text or "").strip()
    if not text:
        if required:
            raise ValidationError("Please enter a phone number.")
        return ""
    try:
        return to_e164(text, region=region)
    except PhoneError as exc:
        raise ValidationError(exc.message) from exc


def is_e164(text: str | None) -> bool:
    """Whether `text` is a valid number already stored the clinic's way (what SMS may be sent to)."""
    if not text or not text.startswith("+") or len(text) > 16:
        return False
    try:
        return to_e164(text, region="ZZ") == text
    except PhoneError:
        return False


def display(text: str | None) -> str:
    """A stored number as people read it ("+44 7700 900123"); text we could not convert, as it is."""
    if not is_e164(text):
        return text or ""
    number = phonenumbers.parse(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_country(code: str | None) -> bool:
    """A two-letter ISO 3166-1 code that phone numbers can belong to ("GB", "US", "AU")."""
    return bool(code) and code in phonenumbers.SUPPORTED_REGIONS


def _tzdata_table(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def _zone_countries() -> dict[str, str]:
    # zone.tab gives each canonical zone the one country it is in (Europe/London -> GB).
    return {row[2]: row[0] for row in _tzdata_table("zone.tab") if len(row) >= 3}


def country_for_timezone(tz_name: str | None) -> str | None:
    """The country of an IANA zone ("Australia/Sydney" -> "AU"), or None for zones of no single country
    ("UTC", "Etc/GMT+5") and old aliases not in the table."""
    code = _zone_countries().get(tz_name or "")
    return code if is_country(code) else None


@functools.cache
def country_choices() -> list[tuple[str, str]]:
    """(code, "Name (code)") for every country phone numbers can belong to, by name."""
    names = {row[0]: row[1] for row in _tzdata_table("iso3166.tab") if len(row) >= 2}
    return sorted(
        ((code, f"{names[code]} ({code})") for code in phonenumbers.SUPPORTED_REGIONS if code in names),
        key=lambda choice: choice[1],
    )
