"""The processes deploy/compose.yaml names, started for real on this machine: a private
redis-server and PostgreSQL, ``gkwatch db upgrade`` (the migrate service), ``gkwatch web``,
celery beat and one celery worker per queue, each with the command line the compose file
gives it. Beat's crawl tick crawls a generated demo portal network; the test waits until
verdicts appear and checks every process's ``/healthz`` and the metrics."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from gkwatch.sinks import SmtpSink, StaticSite, free_port
from tests.support.procs import http_get as get
from tests.support.procs import postgres_server, redis_server, started_process, wait_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "deploy-test-admin-token"


def compose_services() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))["services"]


def local_argv(command: list[str], *, data_dir: Path, web_port: int) -> list[str]:
    """The compose command as it runs here: this virtualenv's executables, loopback
    addresses, a free port for the web app and the data directory under ``data_dir``."""
    argv = list(command)
    if argv[0] == "celery":  # workers/app.py installs the health hooks itself
        argv = [sys.executable, "-m", "celery", *argv[1:]]
    elif argv[0] == "gkwatch":
        argv = [str(Path(sys.executable).parent / "gkwatch"), *argv[1:]]
    out = []
    for i, arg in enumerate(argv):
        prev = argv[i - 1] if i else ""
        if prev == "--host":
            arg = "127.0.0.1"
        elif prev == "--port":
            arg = str(web_port)
        elif arg.startswith("/var/lib/gkwatch"):
            arg = str(data_dir) + arg.removeprefix("/var/lib/gkwatch")
        out.append(arg)
    return out


def sample(text: str, name: str, labels: str = "") -> float:
    for line in text.splitlines():
        if line.startswith(name + (labels if labels else " ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{labels} not in the exposition")


def wait_for(what: str, check, timeout: float, procs: dict[str, subprocess.Popen], logs: Path):  # type: ignore[no-untyped-def]
    """Poll ``check`` until it returns a true value; fail early if a process died."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        dead = {n: p.returncode for n, p in procs.items() if p.poll() is not None}
        if dead or time.monotonic() > end:
            tails = "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-1500:]}" for f in sorted(logs.glob("*.log")))
            pytest.fail(f"{what}: {'exited ' + str(dead) if dead else 'timed out'}\n{tails}")
        time.sleep(0.5)


def test_compose_processes_run_a_demo_crawl_and_answer_health_and_metrics(tmp_path: Path) -> None:
    from celery import Celery

    from gkwatch.demo.run import register_plan
    from gkwatch.demo.site import build_site
    from ground.settings import Settings
    from models.crud import statuses
    from models.db import session_scope
    from workers.units import QUEUES

    services = compose_services()
    plan = build_site(tmp_path / "site", report_year=2025).to_dict()
    data_dir, logs = tmp_path / "var", tmp_path / "logs"
    data_dir.mkdir()
    logs.mkdir()
    with ExitStack() as stack:
        db_url = stack.enter_context(postgres_server(tmp_path))
        redis_url = stack.enter_context(redis_server(tmp_path))
        site = stack.enter_context(StaticSite(tmp_path / "site"))
        smtp = stack.enter_context(SmtpSink())
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("GKWATCH_")}
        env = {**base_env, "GKWATCH_DATABASE_URL": db_url, "GKWATCH_REDIS_URL": redis_url,
               "GKWATCH_DATA_DIR": str(data_dir), "GKWATCH_SMTP_HOST": "127.0.0.1",
               "GKWATCH_SMTP_PORT": str(smtp.port), "GKWATCH_MAIL_TO": '["office@example.invalid"]',
               "GKWATCH_WEB_ADMIN_TOKENS": json.dumps([TOKEN]), "GKWATCH_HEALTH_HOST": "127.0.0.1",
               "GKWATCH_CRAWL_DOWNLOAD_DELAY": "0",
               # short beat ticks so that the crawl tick comes within the test's time
               "GKWATCH_TICK_CRAWL_SECONDS": "3", "GKWATCH_TICK_DELIVER_SECONDS": "3",
               "GKWATCH_TICK_RECONCILE_SECONDS": "10"}

        # the migrate service, then the demo agencies (their portals are due at once)
        subprocess.run(local_argv(services["migrate"]["command"], data_dir=data_dir, web_port=0),
                       env=env, cwd=str(ROOT), check=True, timeout=120)
        settings = Settings(database_url=db_url, redis_url=redis_url, data_dir=data_dir,
                            _env_file=None)  # type: ignore[call-arg]
        register_plan(settings, plan, site.base_url)

        web_port = free_port()
        procs: dict[str, subprocess.Popen] = {}
        health_ports: dict[str, int] = {}
        names = ["web", "beat", *[f"worker-{q}" for q in QUEUES]]
        for name in names:
            proc_env = dict(env)
            if name != "web":
                health_ports[name] = free_port()
                proc_env["GKWATCH_HEALTH_PORT"] = str(health_ports[name])
            argv = local_argv(services[name]["command"], data_dir=data_dir, web_port=web_port)
            procs[name] = stack.enter_context(started_process(argv, env=proc_env, log=logs / f"{name}.log", term_timeout=30))

        wait_port(web_port, timeout=60)
        health_urls = {"web": f"http://127.0.0.1:{web_port}/healthz",
                       **{n: f"http://127.0.0.1:{p}/healthz" for n, p in health_ports.items()}}
        for name, url in health_urls.items():
            body = wait_for(f"{name} /healthz", lambda url=url: (lambda r: r[0] == 200 and r[1])(get(url)),
                            90, procs, logs)
            health = json.loads(body)
            assert health == health | {"status": "ok", "database": "ok", "redis": "ok"}, (name, health)
            assert health["role"] == ("web" if name == "web" else
                                      "beat" if name == "beat" else health["role"])
            if name.startswith("worker-"):
                assert health["role"].startswith(f"worker {name.removeprefix('worker-')}@")

        # beat's crawl tick → notify worker schedules the crawls → crawl → process workers
        want = len(plan["agencies"])

        def crawled() -> bool:
            from sqlmodel import select

            from models import CrawlRun, DocumentVersion

            with session_scope(db_url) as s:
                runs = s.exec(select(CrawlRun)).all()
                versions = s.exec(select(DocumentVersion)).all()
            return len({r.portal_id for r in runs if r.state == "done"}) == want and bool(versions) and \
                all(v.state in ("done", "failed") for v in versions)

        wait_for("the demo crawl through beat and the workers", crawled, 240, procs, logs)
        Celery(broker=redis_url).send_task("gkwatch.tick.evaluate", queue="evaluate")

        def verdicts() -> list:
            with session_scope(db_url) as s:
                rows = statuses(s, year=2025)
            return rows if len(rows) == want and all(r["status"] != "pending" for r in rows) else []

        rows = wait_for("verdicts for every agency", verdicts, 120, procs, logs)
        assert {r["status"] for r in rows} >= {"on_time", "missing"}

        # metrics from a worker's health server and from the web app agree with the database
        status, text = get(f"http://127.0.0.1:{health_ports['worker-process']}/metrics")
        assert status == 200
        assert sample(text, "gkwatch_up") == 1 and sample(text, "gkwatch_redis_up") == 1
        assert sample(text, "gkwatch_documents_processed_total") >= 1
        assert sample(text, "gkwatch_portals") == want
        for q in QUEUES:
            assert sample(text, "gkwatch_queue_depth", f'{{queue="{q}"}}') >= 0
        assert sample(text, "gkwatch_units", '{stage="crawl",state="done"}') >= want
        assert get(f"http://127.0.0.1:{web_port}/metrics")[0] == 401
        status, web_text = get(f"http://127.0.0.1:{web_port}/metrics", token=TOKEN)
        assert status == 200
        missing = sum(1 for r in rows if r["status"] == "missing")
        assert sample(web_text, "gkwatch_agency_years", '{status="missing"}') == missing
        firing = wait_for("alerts firing in the metrics", lambda: sum(
            float(line.rsplit(" ", 1)[1]) for line in get(f"http://127.0.0.1:{web_port}/metrics", token=TOKEN)[1]
            .splitlines() if line.startswith("gkwatch_alerts_firing{")), 60, procs, logs)
        assert firing >= missing
        assert sample(web_text, "gkwatch_crawl_errors_total") == 0
        assert all(p.poll() is None for p in procs.values()), {n: p.returncode for n, p in procs.items()}
