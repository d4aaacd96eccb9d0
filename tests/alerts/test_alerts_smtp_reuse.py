"""One SMTP connection per delivery sweep, against a real SMTP server (aiosmtpd on 127.0.0.1):
a sweep's digests share it, up to ``smtp_messages_per_connection``; a failed send or a
server that closed the idle connection costs a new connection, never a message."""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.channels import Message, get_channel
from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.outbox import deliver_due
from alerts.policy import DeadlinePolicy
from gkwatch.sinks import SmtpSink
from models import AgencyCreate
from models.crud import upsert_agency

BJ = ZoneInfo("Asia/Shanghai")
OFFICES = ["a@example.invalid", "b@example.invalid", "c@example.invalid"]


def _three_digests(session, settings) -> None:
    """One missing report, routed to three recipients: three digests due now."""
    agency = upsert_agency(session, data=AgencyCreate(name="示例县水利局", kind="部门"))
    session.commit()
    evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                         routes=list(load_config(settings).routes), now=datetime(2025, 3, 1, tzinfo=BJ))


def _settings(settings, smtp: SmtpSink, **extra):
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                       "mail_to": OFFICES, "webhook_url": "", **extra})


def test_a_sweep_sends_its_digests_over_one_connection(session, settings) -> None:
    with SmtpSink() as smtp:
        s = _settings(settings, smtp)
        _three_digests(session, s)
        rep = deliver_due(session, settings=s)
        assert rep.sent == 3 and rep.failed == 0
        assert sorted(r for m in smtp.messages for r in m.rcpt_to) == OFFICES
        assert [m.connection for m in smtp.messages] == [1, 1, 1]


def test_a_connection_carries_at_most_the_configured_number_of_messages(session, settings) -> None:
    with SmtpSink() as smtp:
        s = _settings(settings, smtp, smtp_messages_per_connection=2)
        _three_digests(session, s)
        assert deliver_due(session, settings=s).sent == 3
        assert [m.connection for m in smtp.messages] == [1, 1, 2]


def test_a_refused_message_is_retried_later_and_the_rest_go_over_a_new_connection(session, settings) -> None:
    with SmtpSink(answers=["451 4.3.0 try again later"]) as smtp:
        s = _settings(settings, smtp)
        _three_digests(session, s)
        rep = deliver_due(session, settings=s)
        assert (rep.sent, rep.failed) == (2, 1)
        assert smtp.refused == 1
        # the refusal came over connection 1, which was then closed
        assert [m.connection for m in smtp.messages] == [2, 2]


def test_a_connection_the_server_closed_while_idle_is_made_again(settings) -> None:
    with SmtpSink(idle_timeout=0.3) as smtp:
        s = _settings(settings, smtp)
        with get_channel("email", s) as email:
            email.send(Message(target=OFFICES[0], message_id="n-1", subject="逾期未发布", text="一"))
            time.sleep(1.0)  # past the server's idle timeout: it has said 421 and closed
            email.send(Message(target=OFFICES[1], message_id="n-2", subject="逾期未发布", text="二"))
        assert [(m.message_id, m.connection) for m in smtp.messages] == [("n-1", 1), ("n-2", 2)]
