"""Sends per second: a channel's connection kept for a sweep against one per message.

    .venv/bin/python benchmarks/bench_send.py [--messages 200] [--tls] [--repeats 3]
    .venv/bin/python benchmarks/bench_send.py --channel webhook [--messages 200]

A real SMTP server (aiosmtpd) on 127.0.0.1 takes ``--messages`` digests, each to its own
recipient, sent through the email channel as the outbox's sweep sends them: over one kept
connection (``reused``) and, for comparison, with the connection closed after each message
(``per_message``, what every send did before the sweep kept its channels). ``--tls``: the
server requires STARTTLS and AUTH (a certificate made for the run), as a government mail
server does; a handshake and a login are then part of each new connection. Loopback has no
network latency: against a real server each connection also costs its round trips.
``--channel webhook``: the signed POSTs of ``--messages`` notifications to one HTTP/1.1
receiver on 127.0.0.1 (``gkwatch.sinks.WebhookSink``), over one keep-alive connection
against a new client and connection each.
Prints one JSON line per mode: median seconds for all messages and milliseconds a message.
"""
from __future__ import annotations

import argparse
import json
import logging
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _server(tls: bool, tmp: Path) -> tuple[Any, dict[str, Any], list[int]]:
    """A started aiosmtpd controller, the settings that reach it, the messages it took."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from gkwatch.sinks import free_port, loopback_certificate

    taken: list[int] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            taken.append(len(envelope.content))
            return "250 OK"

    port = free_port()
    extra: dict[str, Any] = {}
    conf: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": port}
    if tls:
        cert, key = loopback_certificate(tmp)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        extra = {"tls_context": ctx, "require_starttls": True, "auth_required": True,
                 "authenticator": lambda *a: AuthResult(success=True)}
        conf.update(smtp_starttls=True, smtp_user="gkwatch", smtp_password="s3cret", smtp_ca_file=cert)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **extra)
    controller.start()
    return controller, conf, taken


def _timed(settings: Any, kind: str, msgs: list[Any], repeats: int) -> list[dict[str, Any]]:
    from alerts.outbox import SweepChannels

    out = []
    for mode in ("reused", "per_message"):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            with SweepChannels(settings) as channels:
                channel = channels.get(kind)
                for m in msgs:
                    channel.send(m)
                    if mode == "per_message":
                        channel.close()
            times.append(time.perf_counter() - t0)
        sec = statistics.median(times)
        out.append({"channel": kind, "mode": mode, "messages": len(msgs), "seconds": round(sec, 3),
                    "ms_per_message": round(sec / len(msgs) * 1000, 2)})
    return out


def run_webhook(messages: int, repeats: int) -> list[dict[str, Any]]:
    from alerts.channels import Message
    from gkwatch.sinks import WebhookSink
    from ground.settings import Settings

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    with tempfile.TemporaryDirectory() as tmp, WebhookSink(secret=secret) as hook:
        settings = Settings(data_dir=Path(tmp) / "var", _env_file=None, webhook_secret=secret,  # type: ignore[call-arg]
                            webhook_allow_private=True)
        event = {"event": "firing", "kind": "P-MISSING", "agency": "示例县水利局", "year": 2024}
        msgs = [Message(target=hook.url, message_id=f"n-{i}",
                        subject="【gkwatch】逾期未发布 1 项", text="", events=[event])
                for i in range(messages)]
        out = _timed(settings, "webhook", msgs, repeats)
        assert len(hook.received) == 2 * repeats * messages, "the receiver did not take every message"
    return out


def run(messages: int, tls: bool, repeats: int) -> list[dict[str, Any]]:
    import warnings

    from alerts.channels import Message
    from ground.settings import Settings

    warnings.filterwarnings("ignore", "Requiring AUTH")
    # aiosmtpd logs a deprecation of its own at every login it takes
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        controller, conf, taken = _server(tls, Path(tmp))
        try:
            settings = Settings(data_dir=Path(tmp) / "var", _env_file=None, **conf)  # type: ignore[call-arg]
            msgs = [Message(target=f"office{i}@example.invalid", message_id=f"n-{i}",
                            subject="【gkwatch】逾期未发布 1 项", text="示例县水利局 2024 年度报告逾期未发布。")
                    for i in range(messages)]
            out = [dict(r, tls=tls) for r in _timed(settings, "email", msgs, repeats)]
            assert len(taken) == 2 * repeats * messages, "the server did not take every message"
        finally:
            controller.stop()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=200)
    p.add_argument("--tls", action="store_true", help="STARTTLS and AUTH required by the server")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--channel", choices=("email", "webhook"), default="email")
    a = p.parse_args()
    rows = run(a.messages, a.tls, a.repeats) if a.channel == "email" else run_webhook(a.messages, a.repeats)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
