"""``gkwatch demo``: the whole service once, on embedded defaults, against a generated
portal network served on 127.0.0.1.

Steps: generate the county's portals → serve them → start an SMTP sink and a webhook
sink → register agencies and portals → crawl, parse, validate, evaluate, notify (phase 1)
→ edit one published report on the portal → crawl again (phase 2) → print the status
table and the alerts delivered, and compare both with what the generator planted.
"""
from __future__ import annotations

import base64
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gkwatch.demo.site import apply_edit, build_site
from gkwatch.sinks import SmtpSink, StaticSite, WebhookSink
from ground.settings import Settings
from models import AgencyCreate
from models.crud import delivered_alerts, statuses, upsert_agency, upsert_portal
from models.db import session_scope, upgrade
from workers.inline import drain
from workers.stages.crawl import schedule_crawl
from workers.units import mark_due_evaluations

Progress = Callable[[str], None]


@dataclass
class DemoResult:
    statuses: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    expected: list[dict[str, Any]]
    mismatches: list[str] = field(default_factory=list)
    mails: int = 0
    webhooks: int = 0
    bad_signatures: int = 0
    data_dir: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {"statuses": [{k: s[k] for k in ("agency", "year", "status", "rules_failed")}
                             for s in self.statuses],
                "alerts": [{k: a[k] for k in ("kind", "agency", "year", "channel")} for a in self.alerts],
                "expected_statuses_matched": not self.mismatches, "mismatches": self.mismatches}


def expected_rows(plan: dict[str, Any], *, edited: bool = False) -> list[dict[str, Any]]:
    """What the generator planted, in the shape of the status table; ``edited``: after the
    planted edit of a published report (:func:`gkwatch.demo.site.apply_edit`) was crawled."""
    out = []
    for a in plan["agencies"]:
        status = "inconsistent" if a.get("inconsistent") else a["status"]
        if edited and a["name"] == plan.get("edit_agency") and status in ("on_time", "late"):
            status = "changed"  # edited after publication: P-CHANGED, shown as 发布后变更
        out.append({"agency": a["name"], "year": plan["report_year"], "status": status,
                    "rules_failed": sorted(a.get("rules_failed") or [])})
    return out


def compare(statuses: list[dict[str, Any]], expected: list[dict[str, Any]]) -> list[str]:
    got = {(s["agency"], s["year"]): s for s in statuses}
    problems = []
    for exp in expected:
        have = got.get((exp["agency"], exp["year"]))
        if have is None:
            problems.append(f"{exp['agency']} {exp['year']}: no verdict")
        elif have["status"] != exp["status"] or sorted(have["rules_failed"]) != exp["rules_failed"]:
            problems.append(f"{exp['agency']} {exp['year']}: expected {exp['status']} {exp['rules_failed']}, "
                            f"got {have['status']} {have['rules_failed']}")
    return problems


def register_plan(settings: Settings, plan: dict[str, Any], base_url: str) -> list[int]:
    upgrade(settings.effective_database_url)
    portal_ids = []
    with session_scope(settings.effective_database_url) as s:
        # parents first, so that parent links resolve
        for a in sorted(plan["agencies"], key=lambda a: a.get("parent") is not None):
            agency = upsert_agency(s, data=AgencyCreate(name=a["name"], kind=a["kind"], region=a.get("region", ""),
                                                        parent=a.get("parent")))
            portal = upsert_portal(s, agency_id=agency.id, list_urls=[base_url + p for p in a["list_paths"]],  # type: ignore[arg-type]
                                   allowed_hosts=["127.0.0.1"], options={"download_delay": 0})
            portal_ids.append(portal.id)
    return portal_ids  # type: ignore[return-value]


def _crawl_all(settings: Settings, portal_ids: list[int], *, now: datetime, progress: Progress) -> None:
    with session_scope(settings.effective_database_url) as s:
        runs = [schedule_crawl(s, portal_id=p) for p in portal_ids]
    counts: dict[str, int] = {}

    def tick(stage: str, unit: int, left: int) -> None:
        counts[stage] = counts.get(stage, 0) + 1
        if stage == "crawl":
            progress(f"  crawled portal {counts['crawl']}/{len(runs)}")

    drain(settings, [("crawl", r) for r in runs], now=now, progress=tick)
    progress("  processed " + ", ".join(f"{n} {stage}" for stage, n in counts.items()))


def run_demo(*, now: datetime, data_dir: Path | None = None, progress: Progress = print,
             report_year: int | None = None) -> DemoResult:
    """Run the demo end to end; ``now`` is the audit date (after the deadlines)."""
    root = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="gkwatch-demo-"))
    year = report_year or now.year - 1
    progress(f"[1/6] generating the demo portal network in {root / 'site'}")
    plan_obj = build_site(root / "site", report_year=year)
    plan = plan_obj.to_dict()
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    with StaticSite(root / "site") as site, SmtpSink() as smtp, WebhookSink(secret=secret) as hook:
        progress(f"[2/6] portal on {site.base_url}, SMTP sink on 127.0.0.1:{smtp.port}, webhook sink on {hook.url}")
        settings = Settings(data_dir=root / "var", smtp_host="127.0.0.1", smtp_port=smtp.port,
                            mail_to=["gongkaiban@demo.invalid"], webhook_url=hook.url, webhook_secret=secret,
                            webhook_allow_private=True, crawl_download_delay=0.0, crawl_timeout=300)
        portal_ids = register_plan(settings, plan, site.base_url)
        progress(f"[3/6] registered {len(portal_ids)} agencies and their portals")
        progress("[4/6] crawl → parse → validate → evaluate → notify (first visit)")
        _crawl_all(settings, portal_ids, now=now, progress=progress)
        drain(settings, mark_due_evaluations(settings, years=[year]), now=now)
        progress("[5/6] an agency edits its published report; crawling again")
        apply_edit(root / "site", plan_obj)
        _crawl_all(settings, portal_ids, now=now, progress=progress)
        drain(settings, mark_due_evaluations(settings, years=[year]), now=now)
        with session_scope(settings.effective_database_url) as s:
            rows = [r for r in statuses(s, year=year)]
            alerts = delivered_alerts(s)
        progress("[6/6] done")
        expected = expected_rows(plan, edited=True)
        return DemoResult(statuses=rows, alerts=alerts, expected=expected, mismatches=compare(rows, expected),
                          mails=len(smtp.messages), webhooks=len(hook.received),
                          bad_signatures=sum(1 for r in hook.received if r["signature_ok"] is False),
                          data_dir=root)
