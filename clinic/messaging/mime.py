"""Building and writing out an email faster, with the same bytes as Django (the multipart boundary aside, which is
random anyway). `QuickEmail` is Django's EmailMultiAlternatives with the shortcuts below.

Building: Django passes every ASCII subject through `email.header.Header(...).encode()` to fold it, about
half the time of `EmailMessage.message()`; a subject of up to 76 printable ASCII characters folds to itself,
so QuickEmail sets such a subject directly.

Django builds its MIME messages with the standard library's compat32 policy. Two steps of writing one
out (every backend does: SMTP, file, console) cost about two thirds of the time, for nothing in our emails:
- the generator picks each multipart boundary by compiling a new regular expression for it and searching
  the whole message text with it;
- every header is folded through `email.header.Header`, even a short single-line ASCII one, which folds
  to itself.

`quicken(message)` gives every multipart part a boundary made of 128 random bits, drawn after the
message's text was written (so the text cannot contain it, short of guessing 128 bits; the stdlib checks
because its own boundary is a 63-bit number from a non-cryptographic generator), and sets the policy
`QUICK_COMPAT32`: compat32, except that a header that fits on one line in printable ASCII is written as
it is. Anything else takes compat32's own path.
tests/scheduling/test_outbox_batches.py checks that both write the same headers and parts.
"""

from __future__ import annotations

import secrets
from email.message import Message
from email.policy import Compat32

from django.core.mail import EmailMultiAlternatives


class QuickCompat32(Compat32):
    def _fits(self, name: str, value: object) -> bool:
        return (
            isinstance(value, str)
            and bool(self.max_line_length)
            and len(name) + 2 + len(value) <= self.max_line_length
            and value.isascii()
            and value.isprintable()  # no tab, CR or LF: compat32 would rework those
        )

    def fold(self, name, value):
        if self._fits(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if self._fits(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


QUICK_COMPAT32 = QuickCompat32()


def quicken(message: Message) -> Message:
    """The same message, set up to be written out quickly (see the module's docstring)."""
    message.policy = QUICK_COMPAT32  # the generator uses the top-level message's policy for every part
    if message.is_multipart():
        token = secrets.token_hex(16)
        for n, part in enumerate(p for p in message.walk() if p.is_multipart()):
            part.set_boundary(f"=============={token}.{n}==")
    return message


def _folds_to_itself(subject: object) -> bool:
    return isinstance(subject, str) and len(subject) <= 76 and subject.isascii() and subject.isprintable()


class QuickEmail(EmailMultiAlternatives):
    def message(self):
        subject = self.subject
        quick = _folds_to_itself(subject)  # printable: no CR or LF, so no header injection either
        if quick:
            self.subject = ""
        try:
            message = super().message()
        finally:
            self.subject = subject
        if quick:
            message.replace_header("Subject", subject)
        return quicken(message)
