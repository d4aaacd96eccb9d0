"""Email over STARTTLS and implicit TLS with AUTH, against aiosmtpd on 127.0.0.1 with a
certificate made for the test (trusted through ``smtp_ca_file``)."""
from __future__ import annotations

import ssl
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.outbox import deliver_due
from alerts.policy import DeadlinePolicy
from gkwatch.sinks import free_port, loopback_certificate
from models import AgencyCreate
from models.crud import upsert_agency

BJ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH")


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_email_over_tls_with_auth(session, settings, tmp_path: Path, mode: str) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = loopback_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    got: list[tuple[bool, bytes]] = []

    class Handler:
        async def handle_DATA(self, server, sess, envelope):  # type: ignore[no-untyped-def]
            got.append((sess.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
                        envelope.content))
            return "250 OK"

    def auth(server, sess, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        return AuthResult(success=isinstance(data, LoginPassword) and data.password == b"pw")

    port = free_port()
    common = dict(hostname="127.0.0.1", port=port, authenticator=auth, auth_required=True)
    if mode == "starttls":
        controller = Controller(Handler(), tls_context=server_ctx, require_starttls=True, **common)
    else:
        # implicit TLS: aiosmtpd does not count it as TLS for AUTH, though the socket is encrypted
        controller = Controller(Handler(), ssl_context=server_ctx, auth_require_tls=False, **common)
    controller.start()
    try:
        s = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_user": "u",
                                        "smtp_password": "pw", "smtp_ca_file": cert,
                                        "smtp_starttls": mode == "starttls", "smtp_ssl": mode == "ssl",
                                        "mail_to": ["office@example.invalid"]})
        agency = upsert_agency(session, data=AgencyCreate(name="示例县教育局", kind="部门"))
        session.commit()
        evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                             routes=list(load_config(s).routes), now=datetime(2025, 3, 1, tzinfo=BJ))
        assert deliver_due(session, settings=s).sent == 1
        assert len(got) == 1 and got[0][0] is True
    finally:
        controller.stop()


def test_untrusted_certificate_is_a_delivery_error_kept_for_retry(session, settings, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    cert, key = loopback_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    class Handler:
        async def handle_DATA(self, server, sess, envelope):  # type: ignore[no-untyped-def]
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=server_ctx,
                            require_starttls=True)
    controller.start()
    try:
        s = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": True,
                                        "mail_to": ["office@example.invalid"]})
        agency = upsert_agency(session, data=AgencyCreate(name="示例县财政局", kind="部门"))
        session.commit()
        evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                             routes=list(load_config(s).routes), now=datetime(2025, 3, 1, tzinfo=BJ))
        assert deliver_due(session, settings=s).failed == 1
    finally:
        controller.stop()
