"""The embedded service bounds each document's time: a document read past
``GKWATCH_PROCESS_TIME_LIMIT`` is stopped (its child process killed), retried like any
failure and given up as one P-UNPARSED, and the documents behind it are read as usual.

The slow document is a real one, no patched parser: a scanned report, which OCR reads in
seconds, against a limit of a fraction of that."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import select

from benchmarks.bench_pipeline import discover, make_agencies
from gkwatch.demo.render_scan import render_scan
from gkwatch.demo.reports import Stock, make_report
from ground.errors import ParseError, TimeLimitExceeded
from ground.procs import alive
from models import AgencyYear, DocumentVersion, Finding, Report
from models.db import session_scope
from workers.extract import ocr_rapid
from workers.sandbox import ParseSandbox

pytestmark = pytest.mark.skipif(not ocr_rapid.available(), reason="rapidocr-onnxruntime missing")
LIMIT = 2.0  # seconds: OCR of the scan takes several times this


@pytest.fixture(scope="module")
def scan() -> bytes:
    report, _ = make_report("限时县测试局", 2024, "部门", seed=5, stock=Stock((0,) * 6, 0, 12))
    return render_scan(report, seed=5)


def test_a_document_over_the_limit_is_stopped_and_the_next_one_is_read(scan: bytes, settings) -> None:
    page = make_agencies(settings, 1)[0]["item"]
    html = Path(page["snapshot"]).read_bytes()
    with ParseSandbox(LIMIT) as box:
        first = box.parse(html, filename="r.html")
        child = box._proc.pid
        with pytest.raises(TimeLimitExceeded) as err:
            box.parse(scan, filename="scan.pdf")
        assert "时限" in str(err.value) and err.value.limit == LIMIT
        assert not alive(child)  # the child reading it is gone, not left running
        # a new child reads the next document, the same way as before
        assert box.parse(html, filename="r.html")["table3"] == first["table3"]
        assert box._proc.pid != child
        # a document error keeps its class and its source across the process boundary
        with pytest.raises(ParseError) as bad:
            box.parse("只是一段文字。\n".encode(), filename="x.txt")
        assert bad.value.source == "x.txt" and str(bad.value).count("x.txt") == 1


def test_embedded_serve_is_not_stalled_by_one_slow_document(scan: bytes, settings) -> None:
    from gkwatch.service import Service

    fast = settings.model_copy(update={"process_time_limit": LIMIT, "task_max_retries": 1,
                                       "retry_base_seconds": 0.01, "retry_max_seconds": 0.05,
                                       "retry_countdown_max": 5.0})
    items = make_agencies(fast, 4)
    # the second agency published a scan instead of a page
    sha = hashlib.sha256(scan).hexdigest()
    path = fast.effective_snapshot_dir / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(scan)
    slow = items[1]["item"]
    slow.update(kind="attachment", url=slow["url"].replace(".html", ".pdf"), sha256=sha, size=len(scan),
                content_type="application/pdf", snapshot=str(path))
    versions = discover(fast, items)
    service = Service(fast)
    try:
        for _ in range(10):  # each pass: its work, then the retries it leaves in the database
            service.run_once(float(_))
            with session_scope(fast.effective_database_url) as s:
                if all(s.get(DocumentVersion, v).state in ("done", "failed") for v in versions):
                    break
    finally:
        service.sandbox.close()
    with session_scope(fast.effective_database_url) as s:
        states = [s.get(DocumentVersion, v).state for v in versions]
        assert states == ["done", "failed", "done", "done"]
        [unparsed] = s.exec(select(Finding).where(Finding.rule == "P-UNPARSED")).all()
        assert unparsed.version_id == versions[1] and "时限" in unparsed.actual + unparsed.message_zh
        assert s.get(DocumentVersion, versions[1]).attempts == fast.task_max_retries + 1
        assert len(s.exec(select(Report)).all()) == 3
        assert {y.state for y in s.exec(select(AgencyYear)).all()} == {"done"}  # all four evaluated
    assert service.sandbox._proc is None  # closed: no child left behind
