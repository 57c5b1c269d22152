"""A receiving mail backend for the crash test: one file per Message-ID, like a mailbox that
recognises a repeated Message-ID (as large providers do). Repeats are counted apart, slowly
enough (20 ms a message) that a SIGKILL lands in the middle of a batch."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class ReceiverBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        root = Path(os.environ["OUTBOX_RECEIVER_DIR"])
        for message in email_messages:
            time.sleep(0.02)
            name = hashlib.sha256(message.extra_headers["Message-ID"].encode()).hexdigest()
            try:
                with open(root / "inbox" / name, "x") as fh:
                    fh.write(message.subject)
            except FileExistsError:
                with open(root / "repeats" / f"{name}-{time.monotonic_ns()}", "x") as fh:
                    fh.write(message.subject)
        return len(email_messages)
