"""Dashboard pages of issue 17, read as HTML: the matrix and the alert log sorted on the
server by their column headings, the region roll-up, the portal health page and the
links (report, source, snapshot) and the silence form on each alert."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("fastapi")

from tests.support.web import add_portals, build_sample, make_settings  # noqa: E402

TOKEN = "office-pages-admin"
READ = "office-pages-read"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 4, 1, tzinfo=UTC)




@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, int]]:
    from fastapi.testclient import TestClient

    from alerts.config import load_config
    from alerts.evaluate import evaluate_agency_year
    from gkwatch.web import create_app
    from models.db import session_scope

    settings = make_settings(tmp_path_factory.mktemp("pages"), web_admin_tokens=[TOKEN], web_read_tokens=[READ],
                             mail_to=["office@example.invalid"])
    ids = build_sample(settings)
    add_portals(settings, ids)
    with session_scope(settings.effective_database_url) as s:
        for key in ("inconsistent", "late"):
            evaluate_agency_year(s, agency_id=ids[key], year=2025, config=load_config(settings), now=NOW)
    return TestClient(create_app(settings)), ids


def _rows(html: str, table: str, attr: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(rf'<tr {attr}="([^"]*)"', body)


def test_matrix_sorts_by_its_headings(client: Any) -> None:
    c, _ = client
    default = _rows(c.get("/", headers=AUTH).text, "matrix", "data-agency")
    assert default == ["示例县人民政府", "示例县教育局", "示例县财政局", "示例县水利局"]  # as stored
    page = c.get("/", headers=AUTH, params={"sort": "name", "order": "desc", "region": ""}).text
    names = _rows(page, "matrix", "data-agency")
    assert names == sorted(default, reverse=True)
    # the heading now links to the other order, keeping nothing empty in the query
    assert 'href="/?sort=name&amp;order=asc"' in page and "机关 agency" in page
    # by the 2025 verdict, in the legend's order: on time, late, missing, inconsistent
    by_year = _rows(c.get("/", headers=AUTH, params={"sort": "y2025"}).text, "matrix", "data-agency")
    assert by_year == ["示例县人民政府", "示例县教育局", "示例县财政局", "示例县水利局"]
    by_year = _rows(c.get("/", headers=AUTH, params={"sort": "y2025", "order": "desc"}).text, "matrix", "data-agency")
    assert by_year == ["示例县水利局", "示例县财政局", "示例县教育局", "示例县人民政府"]
    # filters and sorting together; the links carry the filter
    page = c.get("/", headers=AUTH, params={"region": "示例县", "sort": "region"}).text
    assert set(_rows(page, "matrix", "data-agency")) == {"示例县人民政府", "示例县教育局", "示例县财政局"}
    assert "region=%E7%A4%BA%E4%BE%8B%E5%8E%BF&amp;sort=kind" in page
    # a sort key the page does not know is ignored, not an error
    assert c.get("/", headers=AUTH, params={"sort": "nonsense"}).status_code == 200


def test_region_rollup(client: Any) -> None:
    c, _ = client
    page = c.get("/", headers=AUTH).text
    body = page.split('id="regions"', 1)[1].split("</table>", 1)[0]
    assert "2025 年度分地区汇总" in body
    rows = dict(re.findall(r'<tr data-region="([^"]+)"[^>]*>(.*?)</tr>', body, re.DOTALL))
    assert set(rows) == {"示例县", "示例市", "总计 total"}

    def cells(region: str) -> dict[str, str]:
        return dict(re.findall(r'data-col="(\w+)">([^<]*)<', rows[region]))
    # 示例县: 3 bodies — on time, late, missing: 1 of 3 due on time
    assert cells("示例县") == {"bodies": "3", "on_time": "1", "late": "1", "missing": "1", "inconsistent": "0",
                            "changed": "0", "rate": "33.3%"}
    # 示例市: the inconsistent report was published on time
    assert cells("示例市") == {"bodies": "1", "on_time": "1", "late": "0", "missing": "0", "inconsistent": "1",
                            "changed": "0", "rate": "100.0%"}
    assert cells("总计 total")["bodies"] == "4" and cells("总计 total")["rate"] == "50.0%"


def test_alert_log_sorts_searches_and_links_the_evidence(client: Any) -> None:
    c, ids = client
    page = c.get("/alerts", headers=AUTH, params={"sort": "agency"}).text
    agencies = re.findall(r'<td><a href="/agencies/\d+">([^<]+)</a></td>', page)
    assert agencies == sorted(agencies) and len(set(agencies)) >= 3
    page = c.get("/alerts", headers=AUTH, params={"sort": "id", "order": "desc"}).text
    numbers = [int(n) for n in re.findall(r'<tr class="alert-\w+ sev-\w+">\s*<td>(\d+)</td>', page)]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 3
    assert "编号 #" in page and "sort=id&amp;order=asc" in page
    page = c.get("/alerts", headers=AUTH, params={"q": "示例县水利局", "sort": "kind"}).text
    assert set(re.findall(r'<td><a href="/agencies/\d+">([^<]+)</a></td>', page)) == {"示例县水利局"}
    # the inconsistent report's alert links to its report page, its source and its snapshot
    row = next(r for r in page.split("<tr ")[2:] if "示例县水利局" in r)
    assert f'href="/reports/{ids["report_inconsistent"]}"' in row
    assert 'href="http://127.0.0.1:9/3/2025.html"' in row
    assert f'href="/api/v1/versions/{ids["version_inconsistent"]}/snapshot"' in row
    assert c.get(f"/api/v1/versions/{ids['version_inconsistent']}/snapshot", headers=AUTH).status_code == 200


def test_silence_form_on_each_alert_has_a_duration_and_a_note(client: Any) -> None:
    c, _ = client
    page = c.get("/alerts", headers=AUTH, params={"state": "firing"}).text
    form = page.split('class="silence-one"', 1)[1].split("</form>", 1)[0]
    assert '<select name="hours">' in form and 'value="168"' in form and 'name="comment"' in form
    assert "静默此告警 silence this alert" in form
    read = c.get("/alerts", headers={"Authorization": f"Bearer {READ}"}, params={"state": "firing"}).text
    assert 'class="silence-one"' not in read  # admins only


def test_portal_health_page(client: Any) -> None:
    c, ids = client
    page = c.get("/portals", headers=AUTH).text
    assert '<a href="/portals">门户状态 portals</a>' in page
    found = re.findall(r'<tr data-portal="\d+"[^>]*>(.*?)</tr>', page, re.DOTALL)
    rows = {re.search(r"/agencies/(\d+)", r).group(1): r for r in found}  # type: ignore[union-attr]
    assert len(rows) == 2

    def cells(agency: int) -> dict[str, str]:
        return {k: v.strip() for k, v in re.findall(r'data-col="(\w+)"[^>]*>([^<]*)<', rows[str(agency)])}
    good, bad = cells(ids["on_time"]), cells(ids["missing"])
    assert good["reports"] == "2" and good["error"] == "—" and good["unreachable"] == "0"
    assert good["last"] == "2026-04-01 06:00" and good["next"] == "2026-04-02 06:00"  # Beijing time
    assert (bad["unreachable"], bad["robots"], bad["failures"], bad["reports"]) == ("2", "1", "3", "0")
    assert "列表页无法访问" in rows[str(ids["missing"])]
