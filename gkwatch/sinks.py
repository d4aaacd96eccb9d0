"""Local receivers on 127.0.0.1: a static web server, an SMTP sink and a webhook sink.

The demo uses them as its portal network and its alert receivers; the tests use the
same classes, so what the demo shows is what the tests check.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from crawler.testserver import SiteServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loopback_certificate(folder: Path, *, hours: float = 24) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key, written to
    ``folder`` as ``cert.pem`` and ``key.pem``: a TLS receiver on loopback that a client
    trusts through that file (``GKWATCH_SMTP_CA_FILE``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=hours))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class StaticSite(SiteServer):
    """Serve a directory on 127.0.0.1 (Last-Modified / If-Modified-Since included)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root=root)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_to: list[str]
    subject: str
    text: str
    message_id: str       # X-Gkwatch-Message-Id
    header_id: str = ""   # the Message-ID header
    connection: int = 0   # which SMTP connection brought it: 1, 2, … in the order they came


class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps every message it receives.

    ``answers``: replies given to the first messages instead of accepting them (for
    instance ``"451 4.3.0 try again later"``), as a mail server having trouble would.
    It listens from ``__enter__`` on: before, its port refuses connections (a server down).
    ``idle_timeout``: seconds after which it closes a connection that sends nothing (a
    real server's is minutes; aiosmtpd's default 300 s).
    """

    def __init__(self, answers: list[str] | None = None, *, idle_timeout: float | None = None) -> None:
        self.messages: list[ReceivedMail] = []
        self.answers = list(answers or [])
        self.refused = 0
        self.connections = 0  # SMTP connections that sent a message or an answered try
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                if getattr(session, "gkwatch_connection", None) is None:
                    sink.connections += 1
                    session.gkwatch_connection = sink.connections
                if sink.answers:
                    sink.refused += 1
                    return sink.answers.pop(0)
                msg = message_from_bytes(envelope.content, policy=policy.default)
                body = msg.get_body(preferencelist=("plain",))
                sink.messages.append(ReceivedMail(
                    envelope.mail_from, list(envelope.rcpt_tos), str(msg["Subject"]),
                    body.get_content() if body else "", str(msg.get("X-Gkwatch-Message-Id", "")),
                    str(msg.get("Message-ID", "")), session.gkwatch_connection))
                return "250 OK"

        self.port = free_port()
        extra: dict[str, Any] = {} if idle_timeout is None else {"timeout": idle_timeout}
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **extra)
        self.running = False

    def start(self) -> None:
        self._controller.start()
        self.running = True

    def close(self) -> None:
        if self.running:
            self._controller.stop()
            self.running = False

    @contextmanager
    def stopped(self) -> Iterator["SmtpSink"]:
        """Not listening yet (a receiver down); :meth:`start` brings it up; closed on exit."""
        try:
            yield self
        finally:
            self.close()

    def __enter__(self) -> "SmtpSink":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Check a Standard Webhooks signature with the ``standardwebhooks`` library, as a
    receiver of ours would (``whsec_<base64>`` secrets, or raw text as its UTF-8 bytes)."""
    key: str | bytes = secret if secret.startswith("whsec_") else secret.encode()
    try:
        Webhook(key).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


@dataclass
class WebhookSink:
    """An HTTP receiver on 127.0.0.1 that records POSTs and verifies their signatures.

    ``answers``: statuses given to the first requests instead of accepting them (500, 429
    with ``Retry-After: 1``, 503…). With ``listen_late`` the port is chosen now but served
    only from ``__enter__`` on, so until then the receiver is down (connection refused).
    """

    secret: str = ""
    fail_first: int = 0  # answer 503 to this many requests first (outage simulation)
    received: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    listen_late: bool = False
    refused: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            # keep-alive, as receivers behind a web server do: a sender may reuse its connection
            protocol_version = "HTTP/1.1"
            timeout = 10  # an idle kept connection is closed after this many seconds

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 0
                if sink.fail_first > 0:
                    sink.fail_first -= 1
                    status = 503
                elif sink.answers:
                    status = sink.answers.pop(0)
                if status:
                    sink.refused.append(status)
                    self.send_response(status)
                    if status in (429, 503):
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                sink.received.append({"headers": headers, "body": json.loads(body or b"null"),
                                      "signature_ok": verify_signature(sink.secret, headers, body)
                                      if sink.secret else None,
                                      # the sender's port: the same for POSTs over one connection
                                      "peer_port": self.client_address[1]})
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._handler = Handler
        port = free_port() if self.listen_late else 0
        self.httpd: ThreadingHTTPServer | None = None if self.listen_late else self._bind(port)
        self.url = f"http://127.0.0.1:{port or self.httpd.server_address[1]}/hooks/gkwatch"  # type: ignore[union-attr]

    def _bind(self, port: int) -> ThreadingHTTPServer:
        return ThreadingHTTPServer(("127.0.0.1", port), self._handler)

    def start(self) -> None:
        if self.httpd is None:
            self.httpd = self._bind(int(self.url.split(":")[2].split("/")[0]))
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        self.running = True

    def close(self) -> None:
        if getattr(self, "running", False) and self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False

    @contextmanager
    def stopped(self) -> Iterator["WebhookSink"]:
        """Not serving yet (a receiver down, with ``listen_late``); :meth:`start` brings
        it up; closed on exit."""
        try:
            yield self
        finally:
            self.close()

    def __enter__(self) -> "WebhookSink":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
