"""Frictions of the command line found by an office's trial (issue 17), one test each."""
from __future__ import annotations

import logging
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gkwatch.cli import build_parser, main

REAL = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real"
ROOT = Path(__file__).resolve().parents[2]


def _two_reports() -> list[Path]:
    files = sorted(REAL.glob("*.pdf"))[:2] if REAL.is_dir() else []
    if len(files) < 2:
        pytest.skip("corpus not available")
    return files


def test_check_of_two_files_names_each_and_prints_its_findings_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _two_reports()
    assert main(["check", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    head_a, head_b = out.index(f"== {a} =="), out.index(f"== {b} ==")
    assert head_a < head_b
    # each file's findings table sits between its own header and the next one
    first = out[head_a:head_b]
    assert "规则" in first and "表三 收到和处理政府信息公开申请情况" in first
    assert "表二 主动公开政府信息情况" in first and "处理决定数量" in first
    # rows carry their printed names, cells are named, never indexed
    assert "3.3.1 （三）不予公开 1.属于国家秘密" in first
    assert "table3" not in out and "[6]" not in out


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("gkwatch ")


def test_serve_accepts_the_insecure_local_flag_its_error_suggests() -> None:
    from gkwatch.cli_web import check_start

    suggestion = check_start(host="127.0.0.1", has_tokens=False, insecure_local=False)
    assert suggestion and "--insecure-local" in suggestion
    args = build_parser().parse_args(["serve", "--web-port", "0", "--insecure-local"])
    assert args.insecure_local is True
    assert check_start(host=args.web_host, has_tokens=False, insecure_local=args.insecure_local) is None


def test_serve_logging_hides_alembic_info_unless_verbose(tmp_path: Path) -> None:
    code = ("import sys; from ground.telemetry import setup_logging; from models.db import upgrade; "
            f"setup_logging(len(sys.argv) > 1); upgrade('sqlite:///{tmp_path}/' + str(len(sys.argv)) + '.db')")
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    loud = subprocess.run([sys.executable, "-c", code, "-v"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert quiet.returncode == 0 and loud.returncode == 0, quiet.stderr + loud.stderr
    assert "alembic" not in quiet.stderr
    assert "alembic" in loud.stderr
    logging.getLogger("alembic").setLevel(logging.NOTSET)


def test_silence_for_an_unknown_agency_name_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from ground.settings import get_settings
    from models import AgencyCreate
    from models.crud import upsert_agency
    from models.db import session_scope, upgrade

    monkeypatch.setenv("GKWATCH_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        url = get_settings().effective_database_url
        upgrade(url)
        with session_scope(url) as s:
            upsert_agency(s, data=AgencyCreate(name="示例县教育局", kind="部门", region="示例县"))
        assert main(["silence", "add", "agency=教育局", "--duration", "1h"]) == 0
        err = capsys.readouterr().err
        assert "没有名为“教育局”的机关" in err and "示例县教育局" in err and "silences 0 of 0" in err
        assert main(["silence", "add", "agency=示例县教育局", "--duration", "1h"]) == 0
        assert "没有名为" not in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_example_alerts_config_routes_every_alert_kind() -> None:
    from alerts.config import parse_config
    from alerts.routes import targets_for
    from ground.settings import Settings
    from workers.metrics import ALERT_KINDS

    text = (ROOT / "deploy" / "alerts.example.toml").read_text(encoding="utf-8")
    config = parse_config(tomllib.loads(text), Settings(_env_file=None), where="example")  # type: ignore[call-arg]
    for kind in ALERT_KINDS:
        labels = {"kind": kind, "agency_id": 1, "year": 2025, "region": "别处", "severity": "error"}
        assert list(targets_for(labels, list(config.routes), event="firing")), kind
    assert "P-DATES" in text  # explained there: a finding on the agency page, not an alert


def test_demo_explains_its_counts_and_prints_a_runnable_dashboard_command() -> None:
    from gkwatch.commands import delivered_line
    from gkwatch.web import hint, program

    alerts = [{"channel": c} for c in ("email",) * 4 + ("webhook",) * 4]
    line = delivered_line(alerts, mails=3, webhooks=3, bad_signatures=0)
    assert "4 条告警事件经 3 封邮件" in line and "share one message" in line
    command = hint(Path("/tmp/demo"))
    assert command.startswith(program()) and " web --data-dir " in command
    assert program() == "gkwatch" or Path(program().split()[0].strip("'")).exists()
