"""The JSON API and the exports over a small database; schemathesis over its OpenAPI
description against a real uvicorn server."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from tests.support.web import LiveServer, build_sample, make_settings  # noqa: E402

TOKEN = "api-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def world(tmp_path: Path) -> tuple[Any, dict[str, int]]:
    from gkwatch.web import create_app

    settings = make_settings(tmp_path, web_admin_tokens=[TOKEN], web_read_tokens=["api-read-token"])
    ids = build_sample(settings)
    return create_app(settings), ids


def get(app: Any, path: str, **kw: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app).get(path, headers=AUTH, **kw)


def test_statuses_filters_and_report_with_failing_cell(world: tuple[Any, dict[str, int]]) -> None:
    app, ids = world
    rows = get(app, "/api/v1/statuses", params={"year": 2025}).json()
    assert sorted(r["status"] for r in rows) == ["inconsistent", "late", "missing", "on_time"]
    assert [r["agency"] for r in get(app, "/api/v1/statuses", params={"status": "late"}).json()] == ["示例县教育局"]
    assert get(app, "/api/v1/statuses", params={"status": "bogus"}).status_code == 422
    report = get(app, f"/api/v1/reports/{ids['report_inconsistent']}").json()
    fails = [f for f in report["findings"] if f["rule"] == "T3-BALANCE"]
    assert fails and fails[0]["where"]["table"] == "table3"
    assert len(report["versions"]) == 2
    agency = get(app, f"/api/v1/agencies/{ids['late']}").json()
    assert agency["years"][0]["status"] == "late" and agency["documents"]
    assert get(app, "/api/v1/agencies/999").status_code == 404
    alerts = get(app, "/api/v1/alerts").json()
    assert alerts[0]["kind"] == "P-MISSING" and {d["channel"] for d in alerts[0]["deliveries"]} == {"email", "webhook"}


def test_diff_between_versions_and_snapshot_bytes(world: tuple[Any, dict[str, int]]) -> None:
    app, ids = world
    diff = get(app, f"/api/v1/reports/{ids['report_inconsistent']}/diff").json()
    changed = {(c["table"], c["row"], c["column"]) for c in diff["changes"]}
    assert ("table3", "3.1", 0) in changed and ("table3", "3.7", 0) in changed
    assert diff["against_version_id"] is not None
    assert get(app, f"/api/v1/reports/{ids['report_on_time']}/diff").json()["changes"] == []
    snap = get(app, f"/api/v1/versions/{ids['version_inconsistent']}/snapshot")
    assert snap.status_code == 200 and snap.headers["content-type"].startswith("text/html")
    assert snap.headers["content-security-policy"] == "sandbox"
    assert "示例县水利局" in snap.content.decode("utf-8")
    assert get(app, "/api/v1/versions/9999/snapshot").status_code == 404


def test_audit_exports_csv_and_xlsx(world: tuple[Any, dict[str, int]]) -> None:
    from openpyxl import load_workbook

    app, _ = world
    r = get(app, "/api/v1/export/audit.csv", params={"year": 2025})
    assert r.headers["content-type"].startswith("text/csv") and "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("机关") and len(rows) == 5
    bad = next(row for row in rows if row[0] == "示例县水利局")
    assert bad[4] == "inconsistent" and "T3-BALANCE" in bad[9] and bad[7].startswith("2026-01-31")
    r = get(app, "/api/v1/export/audit.xlsx")
    # the upward workbook (tests/web/test_exports_upward.py): statuses in Chinese on its detail sheet
    ws = load_workbook(io.BytesIO(r.content))["明细 detail"]
    values = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(values) == 1 + 8 and {v[5] for v in values[1:]} == {"按时", "逾期", "未发布", "数据不一致"}


def test_schemathesis_finds_no_server_error(world: tuple[Any, dict[str, int]], tmp_path: Path) -> None:
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    if exe is None:
        pytest.skip("schemathesis is not installed")
    app, _ = world
    with LiveServer(app) as server:
        proc = subprocess.run([exe, "run", f"{server.url}/openapi.json", "-H", f"Authorization: Bearer {TOKEN}",
                               "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                               "response_schema_conformance", "-n", "15", "--seed", "7", "--no-color"],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "passed" in proc.stdout


def test_admin_creates_lists_and_expires_a_silence(world: tuple[Any, dict[str, int]]) -> None:
    from fastapi.testclient import TestClient

    app, ids = world
    c = TestClient(app)
    r = c.post("/api/v1/silences", json={"matchers": {"kind": "P-MISSING", "agency_id": str(ids["missing"])},
                                         "hours": 48, "comment": "区财政局已说明"}, headers=AUTH)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["active"] and made["matchers"]["kind"] == "P-MISSING"
    listed = c.get("/api/v1/silences", headers=AUTH).json()
    assert [s["id"] for s in listed] == [made["id"]]
    page = c.get("/silences", headers=AUTH)
    assert "区财政局已说明" in page.text and "kind=P-MISSING" in page.text
    read = {"Authorization": "Bearer api-read-token"}
    assert c.post(f"/api/v1/silences/{made['id']}/expire", headers=read).status_code == 403
    r = c.post(f"/api/v1/silences/{made['id']}/expire", headers=AUTH)
    assert r.status_code == 200 and r.json()["active"] is False
    assert c.post("/api/v1/silences/12345/expire", headers=AUTH).status_code == 404
