"""``gkwatch crawl`` says what each portal gave (issue 17): one line per portal as its crawl
ends — 找到 N 份报告, new and changed — with the documents it could not fetch and a portal
that could not be reached at all; then a table per portal of the reports read. Quiet
logs by default. Real parts: the demo's portal served on 127.0.0.1, Scrapy in a child
process, a closed port for the unreachable portal."""
from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _closed_port() -> int:
    # a port that was free a moment ago and has nobody listening: connections are refused
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_crawl_prints_a_line_per_portal_with_reports_found_and_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from gkwatch.cli import main
    from gkwatch.demo.run import register_plan
    from gkwatch.demo.site import build_site
    from gkwatch.sinks import StaticSite
    from ground.settings import Settings
    from models.crud import AgencyCreate, upsert_agency, upsert_portal
    from models.db import session_scope

    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    monkeypatch.setenv("GKWATCH_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GKWATCH_CRAWL_DOWNLOAD_DELAY", "0")
    settings = Settings()
    plan = build_site(tmp_path / "site", report_year=2025).to_dict()
    plan["agencies"] = plan["agencies"][:2]
    names = [a["name"] for a in plan["agencies"]]
    with StaticSite(tmp_path / "site") as site:
        register_plan(settings, plan, site.base_url)
        with session_scope(settings.effective_database_url) as s:
            agency = upsert_agency(s, data=AgencyCreate(name="示例镇人民政府", kind="乡镇街道", region="示例县"))
            upsert_portal(s, agency_id=agency.id, list_urls=[f"http://127.0.0.1:{_closed_port()}/gk/ndbg/"],  # type: ignore[arg-type]
                          allowed_hosts=["127.0.0.1"], options={"download_delay": 0})
        assert main(["crawl", "--all"]) == 0
    err = capsys.readouterr().err
    assert "抓取 3 个门户 crawling 3 portal(s)" in err
    for name in names:
        line = next(x for x in err.splitlines() if x.startswith(f"{name}："))
        found = re.search(r"找到 (\d+) 份报告（新 (\d+)，变更 0）", line)
        assert found and int(found.group(1)) >= 3 and found.group(1) == found.group(2), line
    unreachable = next(x for x in err.splitlines() if x.startswith("示例镇人民政府："))
    assert "抓取失败 crawl failed" in unreachable and "refused" in unreachable, unreachable
    # the closing table: every portal with the reports read from it after processing
    table = err[err.index("单位 agency"):]
    for name in names:
        row = next(x for x in table.splitlines() if x.startswith(name))
        assert int(row.split()[2]) >= 3, row  # reports read
    assert re.search(r"^示例镇人民政府\s+0\s+0\s+[1-9]", table, re.MULTILINE), table
    # quiet: no INFO log lines from the stages
    assert " INFO " not in err


def test_a_portal_line_lists_the_documents_not_fetched() -> None:
    from gkwatch.cli_crawl import SHOWN_FAILURES, portal_line

    failures = [(f"http://127.0.0.1:9/gk/{n}.pdf", "forbidden by robots.txt") for n in range(SHOWN_FAILURES + 2)]
    lines = portal_line({"agency": "示例县教育局", "state": "done", "error": None, "pages": 1, "found": 2, "new": 1,
                         "changed": 1, "failures": failures})
    assert lines[0].startswith("示例县教育局：列表页 1 页，找到 2 份报告（新 1，变更 1）")
    assert f"{SHOWN_FAILURES + 2} 个文档无法获取" in lines[0]
    assert lines[1] == "    ✗ http://127.0.0.1:9/gk/0.pdf：forbidden by robots.txt"
    assert len(lines) == 1 + SHOWN_FAILURES + 1 and "另有 2 个 and 2 more" in lines[-1]
