"""What the web tests share: a small database built from rows (no crawl) with findings from
the real rule catalogue, settings in a temporary directory, the app under a real uvicorn on
127.0.0.1, and the list of every route the app serves."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

T3_KEYS = (["1", "2", "3.1", "3.2"] + [f"3.3.{i}" for i in range(1, 9)] + [f"3.4.{i}" for i in range(1, 4)]
           + [f"3.5.{i}" for i in range(1, 6)] + [f"3.6.{i}" for i in range(1, 4)] + ["3.7", "4"])


UTC = timezone.utc


def make_report(agency: str, year: int, *, new: int = 6, granted: int = 4, broken: bool = False) -> dict[str, Any]:
    """A balanced 2021-layout report; ``broken`` adds one to 3.7's 自然人 column and total."""
    t3: dict[str, list[int | None]] = {k: [0] * 7 for k in T3_KEYS}
    t3["1"] = [new, 0, 0, 0, 0, 0, new]
    t3["3.1"] = [granted, 0, 0, 0, 0, 0, granted]
    t3["3.2"] = [new - granted - 1, 0, 0, 0, 0, 0, new - granted - 1]
    t3["3.7"] = [new - 1, 0, 0, 0, 0, 0, new - 1]
    t3["4"] = [1, 0, 0, 0, 0, 0, 1]
    if broken:
        t3["3.7"] = [new, 0, 0, 0, 0, 0, new]
    return {"schema": "gkwatch.report/1", "agency": agency, "year": year, "format_version": "2021",
            "sections": ["1", "2", "3", "4", "5", "6"], "title": f"{agency}{year}年政府信息公开工作年度报告",
            "table2": {"rules": {"issued": 0, "repealed": 0, "in_force": 0},
                       "normative_documents": {"issued": 2, "repealed": 1, "in_force": 9},
                       "licensing": {"decisions": 12}, "punishment": {"decisions": 3},
                       "coercion": {"decisions": 0}, "fees": {"amount": 0}},
            "table3": t3,
            "table4": {"review": [1, 0, 0, 0, 1], "litigation_direct": [0, 0, 0, 0, 0],
                       "litigation_after_review": [0, 0, 0, 0, 0]},
            "provenance": {"table3": {"3.7": [{"page": 2, "table": 2, "row": 30, "col": 3 + i} for i in range(7)]}}}


def build_sample(settings: Any) -> dict[str, int]:
    """Four agencies, years 2024–2025: on time, late, missing, inconsistent (with an edited
    second version), alerts with deliveries. Returns the ids the tests need."""
    from models import (
        Agency,
        AgencyYear,
        Alert,
        Delivery,
        Document,
        DocumentVersion,
        Finding,
        Report,
    )
    from models.db import session_scope
    from workers.validate import validate

    snapdir = settings.effective_snapshot_dir
    ids: dict[str, int] = {}
    deadline = {y: datetime(y + 1, 1, 31, 15, 59, tzinfo=UTC) for y in (2024, 2025)}
    plan = [("示例县人民政府", "本级政府", "on_time"), ("示例县教育局", "部门", "late"),
            ("示例县财政局", "部门", "missing"), ("示例县水利局", "部门", "inconsistent")]
    with session_scope(settings.effective_database_url) as s:
        for n, (name, kind, status25) in enumerate(plan):
            agency = Agency(name=name, kind=kind, region="示例县" if n < 3 else "示例市")
            s.add(agency)
            s.flush()
            ids[status25] = agency.id  # type: ignore[assignment]
            for year in (2024, 2025):
                status = status25 if year == 2025 else "on_time"
                ay = AgencyYear(agency_id=agency.id, year=year, status="on_time" if status == "inconsistent" else status,
                                deadline=deadline[year], state="done", evaluated_at=deadline[2025] + timedelta(days=60))
                if status != "missing":
                    published = deadline[year] + timedelta(days=10 if status == "late" else -20)
                    doc = Document(url=f"http://127.0.0.1:9/{n}/{year}.html", agency_id=agency.id, year=year,
                                   title=f"{name}{year}年政府信息公开工作年度报告")
                    s.add(doc)
                    s.flush()
                    versions = [make_report(name, year)]
                    if status == "inconsistent":  # first clean, then edited into an inconsistent one
                        versions.append(make_report(name, year, granted=3, broken=True))
                    prev = None
                    for data in versions:
                        body = f"<html><body><h1>{data['title']}</h1><p>{data['table3']['3.1']}</p></body></html>".encode()
                        sha = hashlib.sha256(body).hexdigest()
                        path = snapdir / sha[:2] / sha
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(body)
                        v = DocumentVersion(document_id=doc.id, sha256=sha, size=len(body), content_type="text/html",  # type: ignore[arg-type]
                                            snapshot=str(path), published_at=published, state="done",
                                            dates=[{"source": "meta", "value": published.isoformat()},
                                                   {"source": "list", "value": published.date().isoformat()}],
                                            previous_version_id=prev)
                        s.add(v)
                        s.flush()
                        report = Report(agency_id=agency.id, year=year, version_id=v.id, format_version="2021",  # type: ignore[arg-type]
                                        published_at=published, data=data)
                        s.add(report)
                        s.flush()
                        for f in validate(data, agency_kind=kind):
                            if f["status"] == "fail":
                                s.add(Finding(agency_id=agency.id, year=year, version_id=v.id, report_id=report.id,
                                              rule=f["rule"], severity=f["severity"], status="fail",
                                              where=f.get("where") or {}, expected=f.get("expected"),
                                              actual=f.get("actual"), message_zh=f.get("message_zh", ""),
                                              message_en=f.get("message_en", "")))
                        prev = v.id
                        doc.current_version_id = v.id
                        ay.report_id, ay.published_at = report.id, published
                    if status == "inconsistent" and year == 2025:
                        ids["report_inconsistent"] = ay.report_id  # type: ignore[assignment]
                        ids["version_inconsistent"] = prev  # type: ignore[assignment]
                        ay.rules_failed = sorted({f["rule"] for f in validate(versions[-1])
                                                  if f["status"] == "fail" and f["severity"] == "error"})
                    if status == "on_time" and year == 2025:
                        ids["report_on_time"] = ay.report_id  # type: ignore[assignment]
                s.add(ay)
        alert = Alert(fingerprint="f" * 64, kind="P-MISSING", agency_id=ids["missing"], year=2025,
                      rule="P-MISSING", severity="error", summary_zh="示例县财政局 2025 年报未发布",
                      summary_en="no 2025 report")
        s.add(alert)
        s.flush()
        for channel, target, state in (("email", "office@example.invalid", "sent"),
                                       ("webhook", "http://127.0.0.1:9/hook", "dead")):
            s.add(Delivery(alert_id=alert.id, event="firing", channel=channel, target=target,  # type: ignore[arg-type]
                           message_id=f"msg_{channel}", state=state, attempts=1 if state == "sent" else 5,
                           sent_at=datetime.now(UTC) if state == "sent" else None,
                           last_error=None if state == "sent" else "connection refused"))
    return ids


def make_settings(tmp: Path, **extra: Any) -> Any:
    from ground.settings import Settings
    from models.db import upgrade

    s = Settings(data_dir=tmp / "var", _env_file=None, **extra)  # type: ignore[call-arg]
    upgrade(s.effective_database_url)
    return s


class LiveServer:
    """The app under a real uvicorn on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: Any) -> None:
        import socket

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                   lifespan="off"))
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(500):  # wait until it listens (bounded; not a timed assertion)
            if self.server.started:
                return self
            time.sleep(0.02)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def every_route(app: Any) -> list[tuple[str, str]]:
    """(method, concrete path) for every route the app serves, path parameters set to 1.

    Walks included routers too (FastAPI may keep them as wrappers around the original
    router; the web app includes its routers without a prefix, so paths are complete)."""
    from starlette.routing import Mount

    out: list[tuple[str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, Mount):
                continue
            if hasattr(route, "path") and hasattr(route, "endpoint"):
                path = re.sub(r"\{[^}]+\}", "1", route.path)
                for method in sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD"}):
                    out.append((method, path))
                continue
            inner = getattr(route, "routes", None) or getattr(getattr(route, "original_router", None), "routes", [])
            walk(list(inner))

    walk(list(app.routes))
    return sorted(set(out))


def add_portals(settings: Any, ids: dict[str, int], *,
                now: datetime = datetime(2026, 4, 1, tzinfo=timezone.utc)) -> None:
    """Portals for two agencies: one healthy with its reports, one whose last crawl failed
    and whose documents were unreachable or forbidden by robots.txt."""
    from sqlmodel import select

    from models import CrawlRun, Document, Portal
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        good = Portal(agency_id=ids["on_time"], list_urls=["http://127.0.0.1:9/0/list.html"],
                      last_crawl_at=now - timedelta(hours=2), next_crawl_at=now + timedelta(hours=22))
        bad = Portal(agency_id=ids["missing"], list_urls=["http://127.0.0.1:9/2/list.html"],
                     last_crawl_at=now - timedelta(hours=1), next_crawl_at=now, consecutive_failures=3)
        s.add_all([good, bad])
        s.flush()
        for doc in s.exec(select(Document).where(Document.agency_id == ids["on_time"])).all():
            doc.portal_id = good.id
            s.add(doc)
        for n, error in enumerate(("ConnectionRefusedError: refused", "forbidden by robots.txt",
                                   "TimeoutError: timed out")):
            s.add(Document(url=f"http://127.0.0.1:9/2/doc{n}.html", agency_id=ids["missing"], year=2025,
                           portal_id=bad.id, last_error=error))
        s.add(CrawlRun(portal_id=good.id, state="done", pages=1, finished_at=now - timedelta(hours=2)))
        s.add(CrawlRun(portal_id=bad.id, state="failed", error="列表页无法访问 list page unreachable: refused",
                       finished_at=now - timedelta(hours=1)))
