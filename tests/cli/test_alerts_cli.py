"""``gkwatch alerts list|test|deliver`` and ``gkwatch silence add|list|expire``."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gkwatch.cli import main
from gkwatch.sinks import SmtpSink, WebhookSink

BJ = ZoneInfo("Asia/Shanghai")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the CLI in-process against a settings object read from the environment."""
    from ground import settings as settings_mod

    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GKWATCH_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GKWATCH_WEBHOOK_ALLOW_PRIVATE", "true")
    settings_mod.get_settings.cache_clear()

    def run(*argv: str, capsys) -> tuple[int, str]:
        settings_mod.get_settings.cache_clear()
        code = main(list(argv))
        return code, capsys.readouterr().out

    yield run
    settings_mod.get_settings.cache_clear()


def _missing_alert() -> None:
    from alerts.config import load_config
    from alerts.evaluate import evaluate_agency_year
    from ground.settings import get_settings
    from models import AgencyCreate
    from models.crud import upsert_agency
    from models.db import session_scope, upgrade

    settings = get_settings()
    upgrade(settings.effective_database_url)
    with session_scope(settings.effective_database_url) as s:
        a = upsert_agency(s, data=AgencyCreate(name="示例县教育局", kind="部门", region="示例县"))
        s.commit()
        evaluate_agency_year(s, agency_id=a.id, year=2024, config=load_config(settings),
                             now=datetime(2025, 3, 1, tzinfo=BJ))


def test_silence_add_list_expire_and_alerts_list(cli, capsys, monkeypatch) -> None:
    with SmtpSink() as smtp:
        monkeypatch.setenv("GKWATCH_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GKWATCH_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("GKWATCH_MAIL_TO", '["office@example.invalid"]')
        code, out = cli("silence", "add", "kind=P-MISSING", "agency=示例县教育局", "--duration", "3d",
                        "--comment", "已督促", capsys=capsys)
        assert code == 0 and "silence #1" in out
        _missing_alert()
        code, out = cli("alerts", "list", "--format", "json", capsys=capsys)
        rows = json.loads(out)
        assert rows[0]["kind"] == "P-MISSING" and rows[0]["muted"].startswith("silenced by #1")
        code, out = cli("alerts", "deliver", capsys=capsys)
        assert code == 0 and "0 sent" in out and smtp.messages == []
        code, out = cli("silence", "list", capsys=capsys)
        assert "已督促" in out and "P-MISSING" in out
        code, out = cli("silence", "expire", "1", capsys=capsys)
        assert code == 0 and "expired" in out
        code, out = cli("silence", "list", "--format", "json", capsys=capsys)
        assert json.loads(out) == []
        code, out = cli("alerts", "deliver", capsys=capsys)
        assert "1 sent" in out and len(smtp.messages) == 1
        code, out = cli("alerts", "list", capsys=capsys)
        assert "示例县教育局" in out and "sent:1" in out
        assert cli("silence", "expire", "99", capsys=capsys)[0] == 2


def test_alerts_test_sends_through_email_and_webhook(cli, capsys, monkeypatch) -> None:
    with SmtpSink() as smtp, WebhookSink(secret=SECRET) as hook:
        monkeypatch.setenv("GKWATCH_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GKWATCH_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("GKWATCH_MAIL_TO", '["office@example.invalid"]')
        monkeypatch.setenv("GKWATCH_WEBHOOK_URL", hook.url)
        monkeypatch.setenv("GKWATCH_WEBHOOK_SECRET", SECRET)
        assert cli("alerts", "test", "email", capsys=capsys)[0] == 0
        assert len(smtp.messages) == 1 and "测试通知" in smtp.messages[0].subject
        assert cli("alerts", "test", "webhook", capsys=capsys)[0] == 0
        assert hook.received[0]["signature_ok"] is True
        assert cli("alerts", "test", "pigeon", capsys=capsys)[0] == 2
