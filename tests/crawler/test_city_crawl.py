"""End to end on the fixture city: ``portals discover`` from the home page, import, then
the crawl stage of every portal (the production path: portal options → spec → child
crawl → ingest).  Every planted report must be found with its publication date, every
attachment fetched, and no request may leave the city's hosts."""
from __future__ import annotations

import os
import shutil
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from crawler.survey import survey
from gkwatch.demo.cityserve import CityServer
from gkwatch.portals import import_portals, load_portals
from gkwatch.portals_io import survey_entries, toml_text
from models import Document, DocumentVersion, Portal
from workers.stages.crawl import crawl_portal, schedule_crawl

BEIJING = timezone(timedelta(hours=8))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (apt-get install chromium)")
def test_discover_then_crawl_finds_every_report_with_its_date(tmp_path: Path, settings, session) -> None:
    with CityServer() as city:
        found = survey(city.url("www", "/"), delay=0)
        path = tmp_path / "portals.toml"
        path.write_text(toml_text(survey_entries(found)), encoding="utf-8")
        assert import_portals(session, entries=load_portals(path)) == 30
        for portal in session.exec(select(Portal)).all():
            crawl_portal(session, run_id=schedule_crawl(session, portal_id=portal.id), settings=settings)  # type: ignore[arg-type]
        requests = list(city.requests)
        plan = city.plan()
        attachments = {city.url(b.host, p) for b in city.city.bodies for r in b.reports for p, _ in r.attachments}
        ext = city.urls["ext"]
    docs = {d.url: d for d in session.exec(select(Document)).all()}
    missing, wrong = [], []
    for row in plan:
        for rep in row["reports"]:
            doc = docs.get(rep["url"])
            if doc is None or doc.last_status != 200:
                missing.append((row["name"], rep["year"]))
                continue
            version = session.get(DocumentVersion, doc.current_version_id)
            got = version.published_at.astimezone(BEIJING).isoformat() if version and version.published_at else None
            if (doc.year, got) != (rep["year"], rep["published"]):
                wrong.append((row["name"], rep["year"], doc.year, got, rep["published"]))
    assert missing == [] and wrong == []
    assert sum(len(r["reports"]) for r in plan) == 90
    assert all(docs[u].last_status == 200 for u in attachments) and len(attachments) >= 5
    # the city's pages link a site outside it: reported as an off-host entry, never fetched
    assert {h for h, _, _ in requests} == {"www", "jcms", "xxgk", "app", "gbk"}
    offhost = [d for u, d in docs.items() if u.startswith(ext)]
    assert offhost and all(d.last_status is None and "off-host" in (d.last_error or "") for d in offhost)
