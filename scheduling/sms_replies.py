"""What a patient's SMS reply means, and how its sender's number compares with stored numbers.
Pure functions: no database (the service is scheduling.services.sms_replies).

Codes: "C" confirms, "R" asks for a call back. CANCEL and STOP are never codes: carriers treat
them (and STOPALL, UNSUBSCRIBE, END, QUIT) as opt-out words and stop delivering our texts to
the number whatever we do, so the clinic honours them too. START, UNSTOP and YES are the
carriers' opt-in words; re-consent to SMS is recorded by a person (the desk), never by a text.
"""

from __future__ import annotations

import re

from .models import SmsReplyMeaning

CONFIRM_CODES = frozenset({"c"})
CALL_BACK_CODES = frozenset({"r"})
# The standard opt-out keywords (CTIA; Twilio's defaults), matched as the whole message.
OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
# Unambiguous even with more words after them ("STOP please", "unsubscribe me"); "cancel my
# appointment" or "end of the week?" are questions for the desk.
OPT_OUT_LEADING_WORDS = frozenset({"stop", "stopall", "unsubscribe"})
OPT_IN_WORDS = frozenset({"start", "unstop", "yes"})

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_WORDS = re.compile(r"[^\W_]+")


def keyword(body: str) -> str:
    """The reply as a keyword: case and spacing ignored, punctuation around it dropped
    (" c. " -> "c", "'R'" -> "r", "Stop!" -> "stop")."""
    return _EDGE.sub("", " ".join((body or "").split())).casefold()


def interpret(body: str) -> str:
    """The SmsReplyMeaning of a reply's text. Anything not recognised is OTHER: a person reads it."""
    word = keyword(body)
    if word in CONFIRM_CODES:
        return SmsReplyMeaning.CONFIRM
    if word in CALL_BACK_CODES:
        return SmsReplyMeaning.CALL_BACK
    if word in OPT_OUT_WORDS:
        return SmsReplyMeaning.OPT_OUT
    first = _WORDS.match(word)
    if first and first.group() in OPT_OUT_LEADING_WORDS:
        return SmsReplyMeaning.OPT_OUT
    if word in OPT_IN_WORDS:
        return SmsReplyMeaning.OPT_IN
    return SmsReplyMeaning.OTHER


def international_digits(number: str) -> str:
    """The digits of an international number ("+44 7700 900123", "0044 7700 900123",
    "+447700900123" -> "447700900123"), i.e. its E.164 form without the "+"; "" for a national
    number ("07700 900123"), which only the last-9-digits key (patients.models.phone_key) can match."""
    number = (number or "").strip()
    digits = "".join(c for c in number if c.isdigit())
    if number.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        return ""
    return international if 8 <= len(international) <= 15 and international[0] != "0" else ""


def same_number(sender: str, stored: str) -> bool:
    """Does a stored phone number belong to the sender (the provider sends E.164)?

    Compared in E.164 when both are international; a stored national number ("07700 900123",
    from before numbers were stored as E.164) matches on its last 9 digits."""
    a, b = international_digits(sender), international_digits(stored)
    if a and b:
        return a == b
    key_a = "".join(c for c in sender if c.isdigit())[-9:]
    key_b = "".join(c for c in stored if c.isdigit())[-9:]
    return bool(key_a) and len(key_a) == 9 and key_a == key_b
