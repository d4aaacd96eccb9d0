"""Ingest and process: versions, reports, and P-CHANGED only when numbers or dates change."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import select

from models import AgencyCreate, DocumentVersion, Finding, Report
from models.crud import upsert_agency, upsert_portal
from tests.conftest import SHARED
from workers.stages.ingest import ingest_items
from workers.stages.process import process_version

SEED = SHARED / "corpus" / "seeds" / "000_76ac588e40fcc707.txt"
pytestmark = pytest.mark.skipif(not SEED.exists(), reason="shared corpus not available")
URL = "http://127.0.0.1:1/nb/202501/t20250120_1.txt"


def _item(tmp: Path, data: bytes, published: str) -> dict:
    sha = hashlib.sha256(data).hexdigest()
    path = tmp / sha
    path.write_bytes(data)
    return {"type": "document", "url": URL, "entry_url": URL, "kind": "page", "title": "2024年度政府信息公开工作年度报告",
            "year": 2024, "content_type": "text/plain; charset=utf-8", "status": 200, "sha256": sha,
            "size": len(data), "snapshot": str(path), "fetched_at": "2025-01-21T08:00:00+08:00", "headers": {},
            "dates": [{"source": "meta", "value": published}], "published_at": published}


def _run(session, portal, items) -> list[int]:
    res = ingest_items(session, portal=portal, items=items)
    for v in res.new_versions:
        process_version(session, version_id=v)
    return res.new_versions


def test_changes_are_judged_on_numbers_and_dates(session, tmp_path) -> None:
    agency = upsert_agency(session, data=AgencyCreate(name="示例社区管理办公室", kind="乡镇街道"))
    portal = upsert_portal(session, agency_id=agency.id, list_urls=["http://127.0.0.1:1/nb/"],
                           allowed_hosts=["127.0.0.1"])
    session.commit()
    original = SEED.read_bytes()
    assert len(_run(session, portal, [_item(tmp_path, original, "2025-01-20T09:00:00+08:00")])) == 1
    # the same content again: no new version
    assert _run(session, portal, [_item(tmp_path, original, "2025-01-20T09:00:00+08:00")]) == []

    # bytes change outside the tables (a view counter): new version, but no P-CHANGED
    assert len(_run(session, portal, [_item(tmp_path, original + "\n浏览次数：42\n".encode(),
                                            "2025-01-20T09:00:00+08:00")])) == 1
    assert session.exec(select(Finding).where(Finding.rule == "P-CHANGED")).all() == []

    # one number of table 三 changes: one P-CHANGED naming the cell
    text = original.decode("utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("一、本年新收"))
    edited = text.replace(line, line.replace("\t1\t", "\t3\t", 1).rsplit("\t1", 1)[0] + "\t3\t")
    assert edited != text
    _run(session, portal, [_item(tmp_path, edited.encode("utf-8"), "2025-01-20T09:00:00+08:00")])
    changes = session.exec(select(Finding).where(Finding.rule == "P-CHANGED")).all()
    assert len(changes) == 1 and changes[0].where["change"] == "content"
    assert {(c["row"], c["column"], c["old"], c["new"]) for c in changes[0].where["cells"]} == \
        {("1", 0, 1, 3), ("1", 6, 1, 3)}

    # re-dated: a second P-CHANGED, for the date
    _run(session, portal, [_item(tmp_path, edited.encode("utf-8"), "2025-03-02T10:00:00+08:00")])
    kinds = sorted(f.where["change"] for f in session.exec(select(Finding).where(Finding.rule == "P-CHANGED")))
    assert kinds == ["content", "date"]
    # every version keeps its snapshot and its own report
    versions = session.exec(select(DocumentVersion)).all()
    assert len(versions) == 4 and all(Path(v.snapshot).exists() for v in versions)
    assert len(session.exec(select(Report)).all()) == 4


def test_processing_twice_changes_nothing(session, tmp_path) -> None:
    agency = upsert_agency(session, data=AgencyCreate(name="示例街道办事处", kind="乡镇街道"))
    portal = upsert_portal(session, agency_id=agency.id, list_urls=["http://127.0.0.1:1/nb/"],
                           allowed_hosts=["127.0.0.1"])
    session.commit()
    [vid] = _run(session, portal, [_item(tmp_path, SEED.read_bytes(), "2025-01-20T09:00:00+08:00")])
    before = [(f.rule, f.status) for f in session.exec(select(Finding))]
    process_version(session, version_id=vid)
    after = [(f.rule, f.status) for f in session.exec(select(Finding))]
    assert before == after and len(session.exec(select(Report)).all()) == 1


def test_unparseable_document_is_a_finding(session, tmp_path) -> None:
    agency = upsert_agency(session, data=AgencyCreate(name="示例镇人民政府", kind="乡镇街道"))
    portal = upsert_portal(session, agency_id=agency.id, list_urls=["http://127.0.0.1:1/nb/"],
                           allowed_hosts=["127.0.0.1"])
    session.commit()
    item = _item(tmp_path, b"%PDF-1.4 broken", "2025-01-20T09:00:00+08:00")
    item["url"] = item["entry_url"] = URL.replace(".txt", ".pdf")
    item["kind"] = "attachment"
    _run(session, portal, [item])
    [f] = session.exec(select(Finding)).all()
    assert f.rule == "P-UNPARSED" and f.status == "fail"


def test_disagreeing_page_dates_are_an_info_finding(session, tmp_path) -> None:
    agency = upsert_agency(session, data=AgencyCreate(name="示例区司法局", kind="部门"))
    portal = upsert_portal(session, agency_id=agency.id, list_urls=["http://127.0.0.1:1/nb/"],
                           allowed_hosts=["127.0.0.1"])
    session.commit()
    item = _item(tmp_path, SEED.read_bytes(), "2025-01-20T09:00:00+08:00")
    item["dates"] = [{"source": "meta", "value": "2025-01-20T09:00:00+08:00"},
                     {"source": "byline", "value": "2025-01-20T00:00:00+08:00"},
                     {"source": "url", "value": "2025-01-23T00:00:00+08:00"}]
    _run(session, portal, [item])
    [f] = session.exec(select(Finding).where(Finding.rule == "P-DATES")).all()
    assert f.severity == "info" and f.actual == ["2025-01-20", "2025-01-23"]
    assert "url 2025-01-23" in f.message_en


PINGTAN = SHARED / "corpus" / "real"


@pytest.mark.skipif(not (PINGTAN / "012_pingtan_2023.txt").exists(), reason="shared corpus not available")
def test_cross_year_rules_run_whichever_report_arrives_first(session, tmp_path) -> None:
    """2023's report stored before 2022's: the X-* findings of 2023 appear once 2022 lands."""
    agency = upsert_agency(session, data=AgencyCreate(name="平潭综合实验区", kind="本级政府"))
    portal = upsert_portal(session, agency_id=agency.id, list_urls=["http://127.0.0.1:1/nb/"],
                           allowed_hosts=["127.0.0.1"])
    session.commit()

    def item(name: str, year: int) -> dict:
        it = _item(tmp_path, (PINGTAN / name).read_bytes(), f"{year + 1}-02-20T09:00:00+08:00")
        it["url"] = it["entry_url"] = f"http://127.0.0.1:1/nb/{year}.txt"
        it["year"] = year
        return it

    _run(session, portal, [item("012_pingtan_2023.txt", 2023)])
    assert session.exec(select(Finding).where(Finding.rule.startswith("X-"))).all() == []
    _run(session, portal, [item("011_pingtan_2022.txt", 2022)])
    stock = session.exec(select(Finding).where(Finding.rule == "X-STOCK", Finding.year == 2023)).all()
    assert [f.status for f in stock] == ["fail"]  # 698 + 77 − 132 = 643, printed 470 (gold README)
    # processing 2022 again redoes 2023's cross-year findings instead of adding more
    v2022 = session.exec(select(DocumentVersion).order_by(DocumentVersion.id.desc())).first()
    process_version(session, version_id=v2022.id)
    assert len(session.exec(select(Finding).where(Finding.rule == "X-STOCK", Finding.year == 2023)).all()) == 1
