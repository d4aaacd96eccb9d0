"""Incremental crawling through the database: a second crawl of an unchanged portal
stores nothing new; an edited report yields exactly one P-CHANGED and a new version,
with both snapshots kept."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

pytestmark = pytest.mark.slow


def _crawl(settings, portal_ids):
    from models.db import session_scope
    from workers.inline import drain
    from workers.stages.crawl import schedule_crawl

    with session_scope(settings.effective_database_url) as s:
        runs = [schedule_crawl(s, portal_id=p) for p in portal_ids]
    drain(settings, [("crawl", r) for r in runs])
    items = []
    for r in runs:
        path = settings.data_dir.resolve() / "crawls" / f"run-{r}.jsonl"
        items += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items


def test_second_crawl_downloads_no_unchanged_document_and_an_edit_is_one_change(settings, session,
                                                                                 tmp_path) -> None:
    from gkwatch.demo.run import register_plan
    from gkwatch.demo.site import apply_edit, build_site
    from gkwatch.sinks import StaticSite
    from models import DocumentVersion, Finding

    plan_obj = build_site(tmp_path / "site", report_year=2025)
    plan = plan_obj.to_dict()
    edited = plan["edit_agency"]
    # three columns of different styles, the edited one among them
    chosen = [a for a in plan["agencies"] if a["name"] == edited]
    chosen += [a for a in plan["agencies"] if a["style"] != chosen[0]["style"]][:2]
    plan["agencies"] = chosen
    with StaticSite(tmp_path / "site") as site:
        portal_ids = register_plan(settings, plan, site.base_url)
        first = _crawl(settings, portal_ids)
        versions_1 = session.exec(select(DocumentVersion)).all()
        assert len(versions_1) >= 9  # three years of reports per column, plus attachments

        site.requests.clear()
        second = _crawl(settings, portal_ids)
        session.expire_all()
        assert len(session.exec(select(DocumentVersion)).all()) == len(versions_1)
        docs = [it for it in second if it["type"] == "document" and not it.get("error")]
        assert docs and all(it["not_modified"] for it in docs), [it["url"] for it in docs if not it["not_modified"]]
        assert {it["url"] for it in first if it["type"] == "document"} == {it["url"] for it in second if it["type"] == "document"}

        apply_edit(tmp_path / "site", plan_obj)
        _crawl(settings, portal_ids)
        session.expire_all()
        versions_3 = session.exec(select(DocumentVersion)).all()
        assert len(versions_3) == len(versions_1) + 1
        changes = session.exec(select(Finding).where(Finding.rule == "P-CHANGED")).all()
        assert len(changes) == 1 and changes[0].where["change"] == "content"
        new = max(versions_3, key=lambda v: v.id)
        old = session.get(DocumentVersion, new.previous_version_id)
        assert old is not None and Path(old.snapshot).exists() and Path(new.snapshot).exists()
        assert old.sha256 != new.sha256
