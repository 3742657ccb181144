"""The sandbox's mail server: an SMTP sink (aiosmtpd) that keeps every message it receives.

Stands in for the group's mail relay locally. Each accepted message is
written to `<directory>/<n>-<timestamp>.eml` (what a test or the demo reads)
and kept in `messages`; nothing is forwarded anywhere. It speaks plain SMTP
without authentication on loopback, like the other fakes.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    path: Path
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage


def read_mailbox(directory: Path | str) -> list[ReceivedMail]:
    """Every message the sink wrote to `directory`, oldest first (what a test of another process reads)."""
    out = []
    for path in sorted(Path(directory).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        recipients = tuple(r.strip() for r in str(message.get("X-Sandbox-Rcpt-To", "")).split(",") if r.strip())
        out.append(ReceivedMail(path, str(message.get("X-Sandbox-Mail-From", "")), recipients, message))
    return out


class _Keeper:
    def __init__(self, directory: Path):
        self.directory = directory
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._counter = itertools.count(len(list(directory.glob("*.eml"))) + 1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        envelope_headers = (
            f"X-Sandbox-Mail-From: {envelope.mail_from}\r\nX-Sandbox-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        with self._lock:
            path = self.directory / f"{next(self._counter):05d}-{int(time.time() * 1000)}.eml"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(envelope_headers + raw)
            tmp.replace(path)
            message = email.message_from_bytes(raw, policy=email.policy.default)
            self.messages.append(ReceivedMail(path, envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    # aiosmtpd's Controller checks it is up by connecting to its port, so it cannot bind port 0 itself.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class MailSink:
    def __init__(self, directory: Path | str, *, host: str = "127.0.0.1", port: int = 0):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port or _free_port(host)
        self._keeper = _Keeper(self.directory)
        self._controller = Controller(self._keeper, hostname=host, port=self.port)

    @property
    def messages(self) -> list[ReceivedMail]:
        return list(self._keeper.messages)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
