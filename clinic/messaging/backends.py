"""SMS backends. Each has `send(message) -> provider message id` and raises SmsError."""

from __future__ import annotations

import sys
import threading
import uuid
from pathlib import Path

from django.conf import settings

from . import SmsError, SmsMessage

# The locmem backend's sent messages (tests empty it between tests).
outbox: list[SmsMessage] = []
_lock = threading.Lock()


class ConsoleBackend:
    def send(self, message: SmsMessage) -> str:
        sid = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"SMS to {message.to} [{sid}]\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return sid


class LocmemBackend:
    def send(self, message: SmsMessage) -> str:
        with _lock:
            outbox.append(message)
        return f"locmem-{len(outbox)}"


class FileBackend:
    """One file per message in SMS_FILE_PATH (for demos and the benchmark)."""

    def send(self, message: SmsMessage) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            sid = f"file-{uuid.uuid4().hex}"
            (folder / f"{sid}.txt").write_text(f"To: {message.to}\nKey: {message.key}\n\n{message.body}\n")
        except OSError as exc:
            raise SmsError(str(exc)) from exc
        return sid
