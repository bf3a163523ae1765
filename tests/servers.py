"""Local servers for the tests: a free port to give one, and a real SMTP server (aiosmtpd)."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received: (recipients, subject, body) per message."""

    def __init__(self):
        self.messages: list[tuple[tuple[str, ...], str, str]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append((tuple(envelope.rcpt_tos), str(msg["Subject"]),
                                  msg.get_content()))
        return "250 Message accepted for delivery"


def free_port() -> int:
    # aiosmtpd cannot bind port 0, so ask the OS for a free port and hand it over.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
