"""Settings for the crash test's worker: the project's, with the receiving mail backend."""

from clinic.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.integration.outbox_receiver.ReceiverBackend"
