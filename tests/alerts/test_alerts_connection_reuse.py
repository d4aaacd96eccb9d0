"""A delivery sweep keeps its connections, against real receivers on 127.0.0.1.

Email (aiosmtpd): a sweep's digests share one SMTP connection, up to
``smtp_messages_per_connection``; a failed send or a server that closed the idle connection
costs a new connection, never a message. Webhooks (an HTTP/1.1 receiver): a sweep's POSTs
to one receiver share one keep-alive connection, never one of another name behind the same
address (names mapped to 127.0.0.1 by a test resolver)."""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.channels import Message, get_channel, netguard
from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.outbox import deliver_due
from alerts.policy import DeadlinePolicy
from gkwatch.sinks import SmtpSink, WebhookSink
from models import AgencyCreate
from models.crud import upsert_agency

BJ = ZoneInfo("Asia/Shanghai")
OFFICES = ["a@example.invalid", "b@example.invalid", "c@example.invalid"]


def _missing(session, settings, *names: str) -> None:
    """A missing report of each agency named, due to be told now."""
    for name in names:
        agency = upsert_agency(session, data=AgencyCreate(name=name, kind="部门"))
        session.commit()
        evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                             routes=list(load_config(settings).routes), now=datetime(2025, 3, 1, tzinfo=BJ))


def _three_digests(session, settings) -> None:
    """One missing report, routed to three recipients: three digests due now."""
    _missing(session, settings, "示例县水利局")


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


def test_a_421_on_a_kept_connection_sends_the_message_over_a_new_one(settings) -> None:
    with SmtpSink() as smtp:
        with get_channel("email", _settings(settings, smtp)) as email:
            email.send(Message(target=OFFICES[0], message_id="n-1", subject="逾期未发布", text="一"))
            smtp.answers.append("421 4.7.0 too many messages on this connection")
            email.send(Message(target=OFFICES[1], message_id="n-2", subject="逾期未发布", text="二"))
        assert smtp.refused == 1
        assert [(m.message_id, m.connection) for m in smtp.messages] == [("n-1", 1), ("n-2", 2)]


PER_AGENCY = """
[[receivers]]
name = "auditor"
webhook = ["{hook}"]

[[routes]]
name = "all"
receivers = ["auditor"]
group_by = ["agency"]
"""


def test_a_sweep_posts_to_one_webhook_receiver_over_one_connection(session, settings, tmp_path) -> None:
    with WebhookSink(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") as hook:
        cfg = tmp_path / "alerts.toml"
        cfg.write_text(PER_AGENCY.format(hook=hook.url), encoding="utf-8")  # a message per agency
        s = settings.model_copy(update={"alerts_config": cfg, "webhook_allow_private": True,
                                        "webhook_secret": hook.secret})
        _missing(session, s, "示例县水利局", "示例县林业局", "示例县文旅局")
        assert deliver_due(session, settings=s).sent == 3
        assert len(hook.received) == 3 and all(r["signature_ok"] for r in hook.received)
        assert len({r["peer_port"] for r in hook.received}) == 1
        # the next sweep opens its own connection: the first was closed at the sweep's end
        _missing(session, s, "示例县民政局")
        assert deliver_due(session, settings=s).sent == 1
        assert hook.received[3]["peer_port"] not in {r["peer_port"] for r in hook.received[:3]}


@pytest.fixture
def two_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two receiver names behind one address, as on a shared web host."""
    table = {"a.example.test": ["127.0.0.1"], "b.example.test": ["127.0.0.1"]}
    monkeypatch.setattr(netguard, "RESOLVER", lambda host, port: table[host])


def test_two_names_behind_one_address_never_share_a_connection(settings, two_names) -> None:
    with WebhookSink() as hook:
        port = hook.url.split(":")[2].split("/")[0]
        s = settings.model_copy(update={"webhook_allow_private": True})
        with get_channel("webhook", s) as webhook:
            for i, name in enumerate(["a", "b", "a", "b"]):
                webhook.send(Message(target=f"http://{name}.example.test:{port}/hooks/gkwatch",
                                     message_id=f"n-{i}", subject="逾期未发布", text="",
                                     events=[{"event": "firing", "kind": "P-MISSING"}]))
    hosts = [r["headers"]["host"].split(":")[0] for r in hook.received]
    ports = [r["peer_port"] for r in hook.received]
    assert hosts == ["a.example.test", "b.example.test", "a.example.test", "b.example.test"]
    assert ports[0] == ports[2] and ports[1] == ports[3] and ports[0] != ports[1]
