"""The crawl stage in batches: several portals on several loopback hosts crawled by one
crawl unit in one child process (crawler/batch.py), each recorded in its own CrawlRun.

Politeness is checked where it matters, at the servers: every request's arrival and the
moment its answer was written are recorded per host, and on one host no request may
arrive before the previous answer was written (no two in flight) nor sooner after the
previous arrival than the delay."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from crawler.testserver import SiteServer, html_page, html_reply
from models import Agency, CrawlRun, Document, Portal
from workers.stages.crawl import schedule_crawl
from workers.units import run_crawl_unit

HTML = {"Content-Type": "text/html; charset=utf-8"}
DELAY = 0.4
#: arrivals are stamped by a server thread of a loaded machine: allow this much noise
#: on the spacing (the no-overlap check needs none: it is causal)
STAMP_NOISE = 0.04


def _column(prefix: str, name: str, *, private_report: bool = False) -> dict:
    """A column at /<prefix>/ with two reports, the newer with a PDF attachment."""
    def title(y: int) -> str:
        return f"{name}{y}年度政府信息公开工作年度报告"

    where = {2024: f"/{prefix}/2024.html", 2023: (f"/private/{prefix}-2023.html" if private_report
                                                   else f"/{prefix}/2023.html")}
    links = "".join(f'<li><a href="{where[y]}">{title(y)}</a> {y + 1}-01-20</li>' for y in (2024, 2023))
    routes = {f"/{prefix}/": html_reply(f"<ul>{links}</ul>"),
              f"/{prefix}/2024.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 not really\n%%EOF")}
    for y, path in where.items():
        extra = f'<a href="/{prefix}/2024.pdf">附件：{title(y)}.pdf</a>' if y == 2024 else ""
        routes[path] = (200, HTML, html_page(f"<h1>{title(y)}</h1><p>发布时间：{y + 1}-01-20 09:00</p>{extra}",
                                             title=title(y)))
    return routes


def _robots(disallow: str = "") -> dict:
    text = "User-agent: *\n" + (f"Disallow: {disallow}\n" if disallow else "")
    return {"/robots.txt": (200, {"Content-Type": "text/plain"}, text.encode())}


def _portal(session, name: str, url: str, **options) -> int:  # type: ignore[no-untyped-def]
    agency = Agency(name=name)
    session.add(agency)
    session.commit()
    portal = Portal(agency_id=agency.id, list_urls=[url], options={"download_delay": DELAY, **options})
    session.add(portal)
    session.commit()
    return schedule_crawl(session, portal_id=portal.id)  # type: ignore[arg-type]


def _assert_polite(srv: SiteServer) -> None:
    stamps = sorted((start, end, path) for path, start, end in srv.timed)
    assert len(stamps) >= 2
    for (s0, e0, p0), (s1, _, p1) in zip(stamps, stamps[1:]):
        assert s1 > e0, f"{p1} arrived before the answer to {p0} was written"
        assert s1 - s0 >= DELAY - STAMP_NOISE, f"{p1} {s1 - s0:.3f} s after {p0}"


def test_one_unit_crawls_many_portals_politely_per_host(settings, session) -> None:
    settings = settings.model_copy(update={"crawl_batch_portals": 10, "crawl_batch_concurrency": 8})
    a_routes = {**_robots(), **_column("a1", "甲一局"), **_column("a2", "甲二局"), **_column("a3", "甲三局")}
    b_routes = {**_robots(), **_column("b1", "乙一局"), **_column("b2", "乙二局")}
    c_routes = {**_robots(), **_column("c1", "丙一局")}
    # answers take 50 ms, so two requests in flight at once would show as an overlap
    with SiteServer(routes=a_routes, host="127.0.33.1", latency=0.05) as a, \
            SiteServer(routes=b_routes, host="127.0.33.2", latency=0.05) as b, \
            SiteServer(routes=c_routes, host="127.0.33.3", latency=0.05) as c:
        runs = {key: _portal(session, name, srv.url(f"/{key}/")) for key, name, srv in (
            ("a1", "甲一局", a), ("a2", "甲二局", a), ("a3", "甲三局", a),
            ("b1", "乙一局", b), ("b2", "乙二局", b), ("c1", "丙一局", c))}
        follow = run_crawl_unit(settings, runs["a1"])
    session.expire_all()
    # one unit took them all: every run is done, no message for the others was needed
    assert {r.id: r.state for r in session.exec(select(CrawlRun)).all()} == {r: "done" for r in runs.values()}
    assert sum(1 for stage, _ in follow if stage == "process") == 3 * len(runs)
    for key, run_id in runs.items():
        portal = session.get(Portal, session.get(CrawlRun, run_id).portal_id)
        docs = session.exec(select(Document).where(Document.portal_id == portal.id)).all()
        assert sorted((d.year, d.kind, d.last_status) for d in docs) == [
            (2023, "page", 200), (2024, "attachment", 200), (2024, "page", 200)], key
        assert all(f"/{key}/" in d.url for d in docs)
        assert portal.consecutive_failures == 0 and portal.last_crawl_at is not None
    for srv in (a, b, c):
        _assert_polite(srv)
        # robots.txt once per host for the whole batch, not once per portal
        assert srv.requests.count("/robots.txt") == 1
    assert len(a.requests) == 1 + 3 * 4 and len(b.requests) == 1 + 2 * 4


def test_a_down_server_and_a_bad_spec_fail_alone(settings, session) -> None:
    settings = settings.model_copy(update={"crawl_batch_portals": 10})
    with SiteServer(routes={**_robots(), **_column("ok", "丁局")}, host="127.0.33.5") as ok:
        down = SiteServer(host="127.0.33.6")
        down_url = down.url("/gone/")
        down.httpd.server_close()  # nothing listens there any more: connection refused
        run_ok = _portal(session, "丁局", ok.url("/ok/"))
        run_down = _portal(session, "戊局", down_url)
        run_bad = _portal(session, "己局", ok.url("/bad/"), link_patterns=["(unclosed"])
        run_crawl_unit(settings, run_down)
    session.expire_all()
    runs = {r.id: r for r in session.exec(select(CrawlRun)).all()}
    assert runs[run_ok].state == "done" and runs[run_ok].documents_new == 3
    assert runs[run_down].state == "failed" and "no list page could be fetched" in (runs[run_down].error or "")
    assert runs[run_bad].state == "failed" and "bad spec" in (runs[run_bad].error or "")
    for rid, failures in ((run_ok, 0), (run_down, 1), (run_bad, 1)):
        assert session.get(Portal, runs[rid].portal_id).consecutive_failures == failures
    assert "/bad/" not in ok.requests


def test_robots_txt_is_obeyed_across_the_portals_of_a_batch(settings, session) -> None:
    settings = settings.model_copy(update={"crawl_batch_portals": 10})
    routes = {**_robots("/private/"), **_column("open", "庚局", private_report=True), **_column("private", "辛局")}
    with SiteServer(routes=routes, host="127.0.33.7") as srv:
        run_open = _portal(session, "庚局", srv.url("/open/"))
        run_private = _portal(session, "辛局", srv.url("/private/"))
        run_crawl_unit(settings, run_open)
    session.expire_all()
    assert not [p for p in srv.requests if p.startswith("/private/")]
    assert srv.requests.count("/robots.txt") == 1
    forbidden = session.exec(select(Document).where(Document.url == srv.url("/private/open-2023.html"))).one()
    assert forbidden.last_status is None and forbidden.last_error == "forbidden by robots.txt"
    # the second portal's whole column is disallowed: nothing fetched, its own run failed
    assert session.get(CrawlRun, run_open).state == "done"
    run = session.get(CrawlRun, run_private)
    assert run.state == "failed" and "robots.txt" in (run.error or "")


def test_runs_the_batch_had_no_time_for_wait_for_the_next(settings, session) -> None:
    # three portals on one host at 0.6 s between requests (robots.txt, a list, two reports
    # and a PDF: at least 2.4 s for the first) in a batch given 1 s
    settings = settings.model_copy(update={"crawl_batch_portals": 10, "crawl_batch_seconds": 1.0})
    routes = {**_robots(), **_column("t1", "壬一局"), **_column("t2", "壬二局"), **_column("t3", "壬三局")}
    with SiteServer(routes=routes, host="127.0.33.8") as srv:
        runs = [_portal(session, f"壬{i}局", srv.url(f"/t{i}/"), download_delay=0.6) for i in (1, 2, 3)]
        follow = run_crawl_unit(settings, runs[0])
        session.expire_all()
        states = [session.get(CrawlRun, r).state for r in runs]
        assert states[1:] == ["pending", "pending"]
        assert ("crawl", runs[1]) in follow and ("crawl", runs[2]) in follow
        assert not [p for p in srv.requests if p.startswith(("/t2/", "/t3/"))]
        # and the next unit takes them
        run_crawl_unit(settings.model_copy(update={"crawl_batch_seconds": 600.0}), runs[1])
    session.expire_all()
    assert [session.get(CrawlRun, r).state for r in runs[1:]] == ["done", "done"]
    assert [p for p in srv.requests if p.startswith(("/t2/", "/t3/"))]


def test_crawler_settings_copied_by_pickle_equal_the_deep_copy(tmp_path) -> None:
    """Each crawler of a batch starts from a copy of the process's settings; the pickled
    copy must be what Scrapy's deep copy gives (every key, value and priority, nested
    settings too), unfrozen and of the same class, and independent of the original."""
    import copy

    from scrapy.settings import BaseSettings

    from crawler.batch import PROCESS_SETTINGS, PickledCopySettings
    from crawler.run import crawl_settings
    from crawler.spec import load_spec

    def flat(s: BaseSettings) -> dict:
        return {k: (flat(a.value) if isinstance(a.value, BaseSettings) else (a.value, a.priority), a.priority)
                for k, a in s.attributes.items()}

    original = PickledCopySettings({**PROCESS_SETTINGS, "LOG_LEVEL": "WARNING"})
    spec = load_spec({"portal_id": 1, "agency": "甲局", "list_urls": ["http://127.0.0.1:9/a/"], "known": {}})
    original.setdict(crawl_settings(spec, snapshot_dir=tmp_path, out_path=tmp_path / "o.jsonl"), priority="cmdline")
    delay = original.getfloat("DOWNLOAD_DELAY")
    got = original.copy()
    assert type(got) is PickledCopySettings and not got.frozen
    assert flat(got) == flat(copy.deepcopy(original)) == flat(original)
    got.set("DOWNLOAD_DELAY", 9.0, priority="cmdline")
    got["DOWNLOAD_HANDLERS"]["s3"] = "x"
    assert original.getfloat("DOWNLOAD_DELAY") == delay != 9.0 and original["DOWNLOAD_HANDLERS"]["s3"] is None
    # a value pickle cannot take: the deep copy, as Scrapy would
    odd = PickledCopySettings({"HOOK": lambda: 1})
    assert odd.copy()["HOOK"] is odd["HOOK"]


def test_a_batch_frees_finished_crawlers_by_full_collections_of_its_own(monkeypatch) -> None:
    """Python's own full collections are off while a batch runs (each traverses the heap);
    the batch collects after every FULL_COLLECTION_EVERY finished portals, and the
    process's collector is as before once the batch is over."""
    import gc

    from crawler import batch as b

    calls: list[int] = []
    monkeypatch.setattr(b.gc, "collect", lambda *a: calls.append(1) or 0)
    runner = b.Batch([], snapshot_dir=Path("."), concurrency=1, time_budget=0, emit=lambda r: None,
                     settings_for=lambda *a, **k: {})
    for _ in range(b.FULL_COLLECTION_EVERY * 3 - 1):
        runner._collect_garbage()
    assert len(calls) == 2
    seen: dict[str, object] = {}

    def fake_run(ready):  # type: ignore[no-untyped-def]
        seen["threshold"], seen["frozen"] = gc.get_threshold(), gc.get_freeze_count()
        return {}

    before = gc.get_threshold()
    monkeypatch.setattr(runner, "prepare", lambda: [object()])
    monkeypatch.setattr(runner, "_run", fake_run)
    runner.run()
    assert seen["threshold"][:2] == before[:2] and seen["threshold"][2] >= 10_000
    assert seen["frozen"] > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_batch_whose_crawlers_all_fail_to_start_ends(tmp_path) -> None:
    """Every portal failing before its crawler starts ends every chain before the reactor
    runs; the batch must still stop (once it hung, then raised) and report each portal."""
    import json
    import subprocess
    import sys

    code = f"""
import json, sys
from pathlib import Path
import scrapy.crawler
from crawler import batch as b
from crawler.run import crawl_settings

def refuse(*a, **k):
    raise RuntimeError("no crawler")

scrapy.crawler.CrawlerProcess.create_crawler = refuse
tmp = Path({str(tmp_path)!r})
entries = [b.Entry(key=str(i), spec={{"portal_id": i, "agency": "甲局", "known": {{}},
                                      "list_urls": [f"http://127.0.0.{{i + 2}}:9/a/"]}},
                   out=tmp / "o.jsonl") for i in range(2)]
rows = []
b.Batch(entries, snapshot_dir=tmp, concurrency=2, time_budget=30, emit=rows.append,
        settings_for=crawl_settings).run()
print(json.dumps(rows, ensure_ascii=False))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(r["key"] for r in rows) == ["0", "1"]
    assert all(not r["ok"] and "crawler did not start" in r["error"] for r in rows)
