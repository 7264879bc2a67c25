"""A real SMTP server in-process (aiosmtpd, 127.0.0.1, a free port, no STARTTLS) that can be
started late (mail server down) and stopped; it records every message it accepts."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        from aiosmtpd.controller import Controller
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def wait_for(self, n: int, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < end:
            time.sleep(0.05)

    def settings(self, **kw):  # type: ignore[no-untyped-def]
        from app.config import get_settings
        return get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": self.port,
                                                 "smtp_starttls": False, "smtp_user": None,
                                                 "mail_from": "alerts@icbt.example.org", **kw})


@pytest.fixture
def smtp() -> Iterator[SMTPSink]:
    """A mail server on a free port, running."""
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_down() -> Iterator[SMTPSink]:
    """A mail server that is down until the test calls .start()."""
    sink = SMTPSink()
    yield sink
    sink.stop()
