"""``gkwatch portals discover / import / list / export / remove`` on the fixture city
(gkwatch/demo/cityserve.py: 30 bodies on five hosts at 127.0.16.x), and office rosters."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest
from sqlmodel import select

from crawler.survey import survey
from gkwatch.demo.cityserve import CityServer
from ground.errors import ConfigError
from gkwatch.portals import import_portals, load_portals
from gkwatch.portals_io import load_roster, normalise_kind, survey_entries, toml_text
from models import Agency, Portal


@pytest.fixture(scope="module")
def city() -> Iterator[CityServer]:
    with CityServer() as server:
        yield server


def test_discover_finds_every_body_its_kind_and_column(city: CityServer) -> None:
    before = len(city.requests)
    found = survey(city.url("www", "/"), delay=0)
    plan = {row["name"]: row for row in city.plan()}
    got = {b.name: (b.kind, b.column_url, b.list_kind) for b in found.bodies}
    assert got == {n: (r["kind"], r["column"], r["portal"]) for n, r in plan.items()}
    assert len(got) == 30 and all(b.problem is None for b in found.bodies)
    assert Counter(k for k, _, _ in got.values()) == {"部门": 17, "乡镇街道": 12, "本级政府": 1}
    assert found.government == "青岚市人民政府" and found.region == "青岚市"
    # one robots.txt per host, then only the directory, body and column pages
    hosts = Counter(h for h, m, p in city.requests[before:] if p == "/robots.txt")
    assert hosts == {"www": 1, "jcms": 1, "xxgk": 1, "app": 1, "gbk": 1}
    assert city.requests_to("ext") == [] and len(found.fetched) == len(city.requests) - before


def test_discovered_toml_imports_with_each_kinds_options(city: CityServer, tmp_path: Path, session) -> None:
    found = survey(city.url("www", "/zwgk/index.html"), delay=0)  # the 信息公开 page works too
    path = tmp_path / "portals.toml"
    path.write_text(toml_text(survey_entries(found), "review me"), encoding="utf-8")
    entries = {e.name: e for e in load_portals(path)}
    assert len(entries) == 30
    town = entries["青岚市城关街道办事处"]
    assert town.kind == "乡镇街道" and town.parent == "青岚市人民政府" and town.api is not None
    assert town.api["profile"] == "gkmlpt" and "sid=" in town.api["endpoint"]
    assert entries["青岚市卫生健康委员会"].render == "browser"
    assert import_portals(session, entries=list(entries.values())) == 30
    opts = {a.name: p.options for p, a in session.exec(select(Portal, Agency).where(Portal.agency_id == Agency.id))}
    assert opts["青岚市卫生健康委员会"]["render"] == "browser" and "api" in opts["青岚市东湖街道办事处"]


def _gk(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gkwatch", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "GKWATCH_DATA_DIR": str(data)})


def test_portals_commands_round_trip(city: CityServer, tmp_path: Path) -> None:
    data, toml = tmp_path / "var", tmp_path / "found.toml"
    out = _gk(["portals", "discover", city.url("www", "/"), "-o", str(toml), "--delay", "0"], data)
    assert out.returncode == 0, out.stderr
    assert "wrote 30 of 30 bodies" in out.stderr
    assert _gk(["portals", "import", str(toml)], data).returncode == 0
    rows = json.loads(_gk(["portals", "list", "--format", "json"], data).stdout)
    assert len(rows) == 30 and Counter(r["render"] or (r["api"] or {}).get("profile") for r in rows) == \
        {None: 21, "gkmlpt": 6, "browser": 3}
    exported = tmp_path / "exported.toml"
    assert _gk(["portals", "export", "-o", str(exported)], data).returncode == 0
    # the same portals come back (with the hosts they default to written out)
    same = lambda path: {e.name: {**e.model_dump(), "allowed_hosts": e.hosts()} for e in load_portals(path)}  # noqa: E731
    assert same(exported) == same(toml)
    out = _gk(["portals", "remove", "青岚市水利局", "不存在的局"], data)
    assert out.returncode == 1 and "青岚市水利局: removed" in out.stderr and "unknown agency" in out.stderr
    assert len(json.loads(_gk(["portals", "list", "--format", "json"], data).stdout)) == 29


def test_roster_csv_in_gbk_and_xlsx(tmp_path: Path) -> None:
    rows = [["单位名称", "类型", "地区", "年报栏目地址"],
            ["某县人民政府", "县政府", "某县", "http://127.0.0.1/zfxxgk/nb/"],
            ["某县教育局", "", "某县", "http://127.0.0.1/jyj/nb/"],
            ["某县城南街道办事处", "乡镇（街道）", "某县", "http://127.0.0.1/cnjd/nb/ ; http://127.0.0.1/cnjd/nb2/"]]
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)
    entries = load_roster(path)
    assert [(e.name, e.kind, len(e.list_urls)) for e in entries] == \
        [("某县人民政府", "本级政府", 1), ("某县教育局", "部门", 1), ("某县城南街道办事处", "乡镇街道", 2)]
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    xlsx = tmp_path / "roster.xlsx"
    wb.save(xlsx)
    assert [e.model_dump() for e in load_roster(xlsx)] == [e.model_dump() for e in entries]


def test_roster_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("单位名称,类型,地区,年报栏目地址\n某县教育局,部门,某县,ftp://x/\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"row 2 \(某县教育局\)"):
        load_roster(path)
    path.write_text("名字,网址\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="单位名称"):
        load_roster(path)
    with pytest.raises(ConfigError, match="类型"):
        normalise_kind("事业单位", "某县档案馆")


@pytest.mark.parametrize("name, kind", [
    ("青岚市人民政府", "本级政府"), ("某县人民政府", "本级政府"), ("某自治县人民政府", "本级政府"),
    ("青岚市人民政府办公室", "部门"), ("青岚市乡村振兴局", "部门"), ("某区发展和改革委员会", "部门"),
    ("某区东湖街道办事处", "乡镇街道"), ("某县石门镇人民政府", "乡镇街道"), ("某县云台乡", "乡镇街道"),
])
def test_agency_kind_from_the_name(name: str, kind: str) -> None:
    from crawler.directory import agency_kind

    assert agency_kind(name) == kind


def test_directory_reading_rules() -> None:
    from crawler.directory import body_links, column_link, looks_script_drawn

    page = ("<a href='/jyj/'>某县教育局</a><a href='/nb/2024.html'>某县教育局2024年政府信息公开工作年度报告</a>"
            "<a href='/zn.html'>政府信息公开指南</a><select><option value=''>乡镇网站</option>"
            "<option value='http://sxz.a.test/'>某县石溪镇人民政府</option></select>")
    assert [(b.text, b.url) for b in body_links(page, "http://a.test/zwgk/")] == \
        [("某县教育局", "http://a.test/jyj/"), ("某县石溪镇人民政府", "http://sxz.a.test/")]
    col = column_link("<a href='/nb/2024.html'>2024年政府信息公开工作年度报告</a>"
                      "<a href='/tz.html'>关于报送年度报告的通知</a><a href='/ndbg/'>政府信息公开年度报告</a>",
                      "http://a.test/jyj/")
    assert col is not None and col.url == "http://a.test/ndbg/"  # the column, not a report in it
    shell = "<div id='app'></div><script src='/app.js'></script><a href='/'>首页</a>"
    assert looks_script_drawn(shell, "http://a.test/nb.html")
    assert not looks_script_drawn(shell + "<a href='/c/1.html'>某县2024年政府信息公开工作年度报告</a>",
                                  "http://a.test/nb.html")


def test_bodies_discover_cannot_settle_are_flagged_not_guessed(tmp_path: Path) -> None:
    from crawler.testserver import SiteServer, html_reply

    names = ["某县教育局", "某县财政局", "某县民政局", "某县水利局", "某县林业局"]
    with SiteServer(host="127.0.16.21") as other, SiteServer(routes={}, host="127.0.16.20") as srv:
        srv.routes["/zwgk/"] = html_reply("".join(f"<a href='/b{i}/'>{n}</a>" for i, n in enumerate(names)))
        srv.routes["/"] = html_reply("<a href='/zwgk/'>政府信息公开</a>")
        for i in range(5):
            col = {0: "<a href='ndbg/'>政府信息公开年报</a>", 1: "<a href='zn.html'>政府信息公开指南</a>",
                   2: f"<a href='{other.url('/nb/')}'>政府信息公开年报</a>"}.get(i, "<a href='ndbg/'>年报</a>")
            srv.routes[f"/b{i}/"] = html_reply(col)
            srv.routes[f"/b{i}/ndbg/"] = html_reply("<ul><li><a href='1.html'>某县2024年政府信息公开工作年度报告</a></li></ul>")
        found = survey(srv.url("/"), delay=0)
        entries = survey_entries(found)
        text = toml_text(entries)
    by = {b.name: b for b in found.bodies}
    assert by["某县教育局"].column_url == srv.url("/b0/ndbg/") and by["某县教育局"].list_kind == "static"
    assert by["某县财政局"].column_url is None and "no 政府信息公开年报 column" in (by["某县财政局"].problem or "")
    assert "another host" in (by["某县民政局"].problem or "")
    assert other.requests == []  # a column off the directory's hosts is reported, not fetched
    assert found.government is None and text.count("[[agency]]") == 4  # 财政局 left out, commented
    assert "TO CHECK: no 政府信息公开年报 column" in text
