"""Rows as a crawl leaves them, for the alert tests: an agency with its portal, the
crawler's item for one document, ingest followed by each new version's process unit (as a
worker runs it), the alerts firing for an agency-year, and the example office config."""
from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from alerts.config import AlertsConfig, parse_config
from ground.settings import Settings
from models import AgencyCreate, Alert, Portal
from models.crud import upsert_agency, upsert_portal
from workers.stages.ingest import ingest_items

ROOT = Path(__file__).resolve().parents[2]

BJ = ZoneInfo("Asia/Shanghai")


HOST = "http://127.0.0.1:1/nb"


def office_config() -> AlertsConfig:
    """The example configuration of deploy/, as a province's office would run it."""
    data = tomllib.loads((ROOT / "deploy" / "alerts.example.toml").read_text(encoding="utf-8"))
    return parse_config(data, Settings(_env_file=None))  # type: ignore[call-arg]


def add_portal(session: Session, name: str) -> Portal:
    agency = upsert_agency(session, data=AgencyCreate(name=name, kind="部门", region="其他县"))
    portal = upsert_portal(session, agency_id=agency.id, list_urls=[f"{HOST}/"], allowed_hosts=["127.0.0.1"])
    session.commit()
    return portal


def crawled_item(tmp: Path, data: bytes, *, url: str, year: int, published: str, kind: str = "page",
          content_type: str = "text/html; charset=utf-8", parent: str | None = None,
          dates: list[dict] | None = None) -> dict:
    """The crawler's item for one document of an annual-report column."""
    sha = hashlib.sha256(data).hexdigest()
    path = tmp / sha
    path.write_bytes(data)
    return {"type": "document", "url": url, "entry_url": parent or url, "parent_url": parent, "kind": kind,
            "title": f"{year}年政府信息公开工作年度报告", "year": year, "content_type": content_type,
            "status": 200, "sha256": sha, "size": len(data), "snapshot": str(path),
            "fetched_at": published, "headers": {}, "published_at": published,
            "dates": dates or [{"source": "meta", "value": published}]}


def ingest_and_process(session: Session, settings: Settings | None, portal: Portal, items: list[dict]) -> list[int]:
    """Ingest one crawl; with ``settings``, run each new version's process unit (the
    stage, its lease and its follow-up), as a worker would."""
    from workers.units import run_process_unit

    res = ingest_items(session, portal=portal, items=items)
    for vid in res.new_versions if settings is not None else []:
        assert [stage for stage, _ in run_process_unit(settings, vid)] == ["evaluate"]
    session.expire_all()  # the unit wrote through its own session
    return res.new_versions


def firing_alerts(session: Session, agency_id: int, year: int) -> dict[str, Alert]:
    return {a.kind: a for a in session.exec(select(Alert).where(
        Alert.agency_id == agency_id, Alert.year == year, Alert.state == "firing")).all()}
