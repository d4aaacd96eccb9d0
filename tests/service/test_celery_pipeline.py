"""With GKWATCH_REDIS_URL the pipeline runs through a real redis-server and a real
``celery worker`` process, and reaches the same verdicts as the embedded mode."""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from celery import Celery

from ground.settings import Settings
from gkwatch.sinks import SmtpSink, StaticSite
from tests.support.procs import celery_worker, redis_server

pytestmark = pytest.mark.slow
BJ = ZoneInfo("Asia/Shanghai")


def test_demo_portal_through_redis_and_a_celery_worker(tmp_path) -> None:
    from gkwatch.demo.run import compare, expected_rows, register_plan
    from gkwatch.demo.site import build_site
    from models.crud import delivered_alerts, statuses
    from models.db import session_scope
    from workers.stages.crawl import schedule_crawl

    plan = build_site(tmp_path / "site", report_year=2025).to_dict()
    with redis_server(tmp_path) as redis_url, StaticSite(tmp_path / "site") as site, SmtpSink() as smtp:
        env = {"GKWATCH_REDIS_URL": redis_url, "GKWATCH_DATA_DIR": str(tmp_path / "var"),
               "GKWATCH_SMTP_HOST": "127.0.0.1", "GKWATCH_SMTP_PORT": str(smtp.port),
               "GKWATCH_MAIL_TO": '["office@example.invalid"]', "GKWATCH_CRAWL_DOWNLOAD_DELAY": "0"}
        settings = Settings(data_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
        portal_ids = register_plan(settings, plan, site.base_url)
        with session_scope(settings.effective_database_url) as s:
            runs = [schedule_crawl(s, portal_id=p) for p in portal_ids]
        client = Celery(broker=redis_url)
        with celery_worker(env, log=tmp_path / "worker.log"):
            for run in runs:
                client.send_task("gkwatch.crawl", args=[run], queue="crawl")
            deadline = time.monotonic() + 240
            want = len(plan["agencies"])
            rows: list = []
            while time.monotonic() < deadline:
                with session_scope(settings.effective_database_url) as s:
                    from models import CrawlRun, DocumentVersion
                    from sqlmodel import select

                    busy = s.exec(select(CrawlRun).where(CrawlRun.state != "done")).all() + \
                        s.exec(select(DocumentVersion).where(DocumentVersion.state != "done")).all()
                if not busy:
                    break
                time.sleep(0.5)
            client.send_task("gkwatch.tick.evaluate", queue="evaluate")
            while time.monotonic() < deadline:
                with session_scope(settings.effective_database_url) as s:
                    rows = statuses(s, year=2025)
                    sent = delivered_alerts(s)
                # the verdicts first, then every planted alert kind delivered (digests go out in turn)
                if len(rows) == want and all(r["status"] != "pending" for r in rows) and \
                        {"P-MISSING", "P-LATE", "inconsistent"} <= {a["kind"] for a in sent}:
                    break
                time.sleep(0.5)
        assert compare(rows, expected_rows(plan)) == [], (tmp_path / "worker.log").read_text()[-3000:]
        assert smtp.messages, "the notify queue delivered no email"
        kinds = {a["kind"] for a in sent}
        assert {"P-MISSING", "P-LATE", "inconsistent"} <= kinds
