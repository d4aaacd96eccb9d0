"""The fault suite: 1,000 documents through the real service while it has a bad day.

``gkwatch workers`` (the supervisor the deploy docs name: celery worker groups and beat)
on a real redis-server and a real PostgreSQL cluster. While the 1,000 documents go
through: a worker is killed (``kill -9``, with its pool children) three times at random
moments, Redis is killed once and started again empty, PostgreSQL is killed once
(``-m immediate``, as a crash) and started again; the email and webhook receivers are down
at first, then answer with errors (SMTP 451, HTTP 500 and 429) before they accept.

In the end: every document processed once (one report, no repeated finding), every
agency-year evaluated, every notification sent, each received under one message id
(email ``Message-ID``, ``webhook-id``) by a receiver that de-duplicates by that id, none
under two ids, nothing left pending, running or dead. The counts are printed.

``GKWATCH_FAULT_SEED`` replays a run (the seed is printed and named in every failure).
"""
from __future__ import annotations

import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from tests.support.procs import restartable_postgres, restartable_redis, started_process

pytestmark = pytest.mark.slow
DOCUMENTS = int(os.environ.get("GKWATCH_FAULT_DOCUMENTS", "1000"))
WAIT = float(os.environ.get("GKWATCH_FAULT_WAIT", "600"))  # seconds; far more than a run without faults needs
ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def worker_pid(supervisor: int, group: str) -> int | None:
    """The main process of ``gkwatch workers``' worker group ``group`` (``-n group@%h``)."""
    for pid in _children(supervisor):
        args = _cmdline(pid)
        if "worker" in args and any(a.startswith(f"{group}@") for a in args):
            return pid
    return None


def kill_tree(pid: int) -> None:
    """SIGKILL a worker and its pool children at once, as the OOM killer or a crash would."""
    for p in [pid, *_children(pid)]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Run:
    """The database seen from the test, surviving PostgreSQL's own downtime."""

    def __init__(self, settings: Any, seed: int, logs: list[Path]) -> None:
        self.settings, self.seed, self.logs = settings, seed, logs

    def count(self, query: Callable[[Any], int]) -> int | None:
        from models.db import session_scope

        try:
            with session_scope(self.settings.effective_database_url) as s:
                return query(s)
        except OperationalError:
            return None  # PostgreSQL is down at this moment

    def fail(self, what: str) -> None:
        tail = "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs if p.exists())
        pytest.fail(f"seed {self.seed}: {what}\nstates: {self.count(_states)}\n{tail}")


def _done(s: Any) -> int:
    from sqlmodel import func, select

    from models import DocumentVersion

    return s.exec(select(func.count()).select_from(DocumentVersion).where(DocumentVersion.state == "done")).one()


def _states(s: Any) -> dict[str, Any]:
    """Units per state and their newest errors: what a failure message shows."""
    from sqlmodel import select

    from models import AgencyYear, Delivery, DocumentVersion, Notification

    out: dict[str, Any] = {}
    for model in (DocumentVersion, AgencyYear, Delivery, Notification):
        rows = s.exec(select(model)).all()
        out[model.__name__] = dict(Counter(r.state for r in rows))
        errors = [r.last_error for r in rows if getattr(r, "last_error", None) and r.state != "done"]
        out[model.__name__ + " errors"] = errors[-3:]
    return out


def _settled(n: int) -> Callable[[Any], int]:
    """1 when every document, agency-year and notification has reached its end."""
    def query(s: Any) -> int:
        from sqlmodel import func, select

        from models import AgencyYear, Delivery, DocumentVersion, Notification

        def count(model: Any, *where: Any) -> int:
            return s.exec(select(func.count()).select_from(model).where(*where)).one()

        return int(count(DocumentVersion, DocumentVersion.state == "done") == n
                   and count(AgencyYear, AgencyYear.state == "done") == n
                   and count(Delivery) >= 2 * n and count(Delivery, Delivery.state != "sent") == 0
                   and count(Notification, Notification.state != "sent") == 0)
    return query


def _env(redis_url: str, db_url: str, tmp: Path, smtp_port: int, hook_url: str) -> dict[str, str]:
    quiet_minute = (datetime.now().minute + 30) % 60  # keep the hourly deadline tick out of the run
    return {"GKWATCH_REDIS_URL": redis_url, "GKWATCH_DATABASE_URL": db_url, "GKWATCH_DATA_DIR": str(tmp / "var"),
            "GKWATCH_SMTP_HOST": "127.0.0.1", "GKWATCH_SMTP_PORT": str(smtp_port),
            "GKWATCH_MAIL_TO": '["office@example.invalid"]', "GKWATCH_SENTRY_DSN": "",
            "GKWATCH_WEBHOOK_URL": hook_url, "GKWATCH_WEBHOOK_SECRET": "fault-suite-secret-0123456789",
            "GKWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
            "GKWATCH_NOTIFY_RETRY_BASE_SECONDS": "1", "GKWATCH_NOTIFY_RETRY_MAX_SECONDS": "4",
            "GKWATCH_LEASE_SECONDS": "8", "GKWATCH_PROCESS_TIME_LIMIT": "6", "GKWATCH_NOTIFY_LEASE_SECONDS": "8",
            "GKWATCH_TASK_MAX_RETRIES": "5", "GKWATCH_RETRY_BASE_SECONDS": "0.5", "GKWATCH_RETRY_MAX_SECONDS": "3",
            "GKWATCH_TICK_RECONCILE_SECONDS": "2", "GKWATCH_TICK_DELIVER_SECONDS": "1",
            "GKWATCH_TICK_CRAWL_SECONDS": "3600", "GKWATCH_TICK_EVALUATE_MINUTE": str(quiet_minute)}


def test_a_thousand_documents_through_killed_workers_redis_postgres_and_failing_receivers(tmp_path) -> None:
    from celery import Celery
    from sqlmodel import select

    from benchmarks.bench_pipeline import discover, make_agencies
    from ground.settings import Settings
    from gkwatch.sinks import SmtpSink, WebhookSink
    from models import Agency, AgencyYear, Alert, Delivery, DocumentVersion, Finding, Notification, Report
    from models.db import session_scope, upgrade
    from workers.tasks import dispatch

    seed = int(os.environ.get("GKWATCH_FAULT_SEED") or random.randrange(1, 10**6))
    rng = random.Random(seed)
    print(f"fault suite seed {seed}")
    log = tmp_path / "workers.log"
    with restartable_postgres() as pg, restartable_redis(tmp_path) as redis:
        upgrade(pg.url)
        settings = Settings(data_dir=tmp_path / "var", database_url=pg.url, _env_file=None)  # type: ignore[call-arg]
        run = Run(settings, seed, [log])
        items = make_agencies(settings, DOCUMENTS)
        # down at first (nothing listens), then errors before they accept
        # (one message per receiver and group is in flight, so each answer costs one backoff)
        smtp = SmtpSink(answers=["451 4.3.0 try again later"] * 3)
        hook = WebhookSink(secret="fault-suite-secret-0123456789", answers=[500] * 3 + [429] * 5,
                           listen_late=True)
        env = _env(redis.url, pg.url, tmp_path, smtp.port, hook.url)
        # when each fault strikes, as a count of documents done (random, replayable)
        kills = sorted(rng.sample(range(DOCUMENTS // 10, DOCUMENTS * 9 // 10), 3))
        faults = sorted([(k, "worker") for k in kills] +
                        [(rng.randrange(DOCUMENTS // 5, DOCUMENTS // 2), "redis"),
                         (rng.randrange(DOCUMENTS // 2, DOCUMENTS * 4 // 5), "postgres"),
                         (rng.randrange(DOCUMENTS * 2 // 5, DOCUMENTS * 3 // 5), "receivers")])
        struck: list[str] = []
        argv = [sys.executable, "-m", "gkwatch", "workers", "--concurrency", "2"]
        with started_process(argv, env=env, log=log, term_timeout=60) as sup, smtp.stopped(), hook.stopped():
            client = Celery(broker=redis.url)
            versions: list[int] = []
            for i in range(0, len(items), 200):  # discovery arrives in crawl-sized batches
                new = discover(settings, items[i:i + 200])
                dispatch([("process", v) for v in new], via=client)
                versions += new
            assert len(versions) == DOCUMENTS
            end = time.monotonic() + WAIT
            while faults and time.monotonic() < end:
                done = run.count(_done)
                if done is not None and done >= faults[0][0]:
                    _, what = faults.pop(0)
                    if what == "worker":
                        group = rng.choice(["process", "process", "notify"])
                        pid = worker_pid(sup.pid, group)
                        if pid is None:  # between a death and its restart: the other group
                            group = "notify" if group == "process" else "process"
                            pid = worker_pid(sup.pid, group)
                        assert pid is not None, f"seed {seed}: no {group} worker under the supervisor"
                        kill_tree(pid)
                        what = f"worker {group} at {done}"
                    elif what == "redis":
                        redis.restart()
                        what = f"redis at {done}"
                    elif what == "postgres":
                        pg.restart(pause=2.0)
                        what = f"postgres at {done}"
                    else:
                        smtp.start()
                        hook.start()
                        what = f"receivers up at {done}"
                    struck.append(what)
                    print("fault:", what, flush=True)
                time.sleep(0.2)
            if faults:
                run.fail(f"gave up before every fault had struck: {struck}, left {faults}")
            while time.monotonic() < end and run.count(_settled(DOCUMENTS)) != 1:
                time.sleep(1.0)
            if run.count(_settled(DOCUMENTS)) != 1:
                run.fail(f"gave up waiting for every document, verdict and notification (faults {struck})")
            restarts = log.read_text(errors="replace").count("starting it again")

        with session_scope(pg.url) as s:
            states = Counter(v.state for v in s.exec(select(DocumentVersion)).all())
            assert states == {"done": DOCUMENTS}
            reports = Counter(r.version_id for r in s.exec(select(Report)).all())
            assert set(reports) == set(versions) and set(reports.values()) == {1}
            keys = Counter((f.version_id, f.rule, repr(sorted(f.where.items()))) for f in s.exec(select(Finding)).all())
            assert [k for k, n in keys.items() if n > 1] == []
            years = s.exec(select(AgencyYear)).all()
            assert len(years) == DOCUMENTS and {(y.state, y.status) for y in years} == {("done", "late")}
            late = s.exec(select(Alert).where(Alert.kind == "P-LATE")).all()
            assert len(late) == DOCUMENTS and len({a.agency_id for a in late}) == DOCUMENTS
            assert s.exec(select(Alert).where(Alert.kind.in_(["P-MISSING", "P-UNPARSED"]))).all() == []  # type: ignore[attr-defined]
            deliveries = s.exec(select(Delivery)).all()
            per_alert = Counter((d.alert_id, d.channel) for d in deliveries)
            assert set(per_alert.values()) == {1} and len(per_alert) == 2 * DOCUMENTS  # email + webhook each
            notes = s.exec(select(Notification)).all()
            assert {n.state for n in notes} == {"sent"}
            # each alert's delivery went out in exactly one notification (one message id)
            carried = Counter(d for n in notes for d in n.delivery_ids)
            assert set(carried) == {d.id for d in deliveries} and set(carried.values()) == {1}
            sent_ids = {ch: {n.message_id for n in notes if n.channel == ch} for ch in ("email", "webhook")}
            agencies = {a.name for a in s.exec(select(Agency)).all()}
        mail_ids = Counter(m.message_id for m in smtp.messages)
        hook_ids = Counter(r["headers"]["webhook-id"] for r in hook.received)
        # every notification arrived, under the id it was planned with, and nothing else did
        assert set(mail_ids) == sent_ids["email"] and set(hook_ids) == sent_ids["webhook"]
        assert all(m.header_id == f"<{m.message_id}@gkwatch>" for m in smtp.messages)
        assert all(r["signature_ok"] for r in hook.received)
        repeats = sum(n - 1 for n in mail_ids.values()) + sum(n - 1 for n in hook_ids.values())
        # a repeat can only follow a crash between sending and recording it (one per fault at most)
        assert repeats <= len(struck), f"seed {seed}: {repeats} repeated messages"
        mail = "\n".join(m.text for m in smtp.messages)
        assert [a for a in agencies if a not in mail] == []  # every late body named in an email
        print(f"fault suite: {DOCUMENTS} documents, faults {struck}, {restarts} worker restarts by the supervisor, "
              f"{len(sent_ids['email'])} emails and {len(sent_ids['webhook'])} webhooks, each received under one id "
              f"({repeats} repeats de-duplicated by id), refused first: smtp {smtp.refused}, "
              f"webhook {Counter(hook.refused)}")


def test_gkwatch_workers_starts_again_a_worker_that_exits_and_dies_with_its_supervisor(tmp_path) -> None:
    """A worker that exits, even with status 0 (as after kombu's lost connection), is
    started again; a ``kill -9`` of the supervisor leaves no worker running (PDEATHSIG)."""
    from ground.procs import alive
    from models.db import upgrade

    with restartable_postgres() as pg, restartable_redis(tmp_path) as redis:
        upgrade(pg.url)
        env = _env(redis.url, pg.url, tmp_path, 1, "")
        log = tmp_path / "workers.log"
        argv = [sys.executable, "-m", "gkwatch", "workers", "--no-beat"]
        with started_process(argv, env=env, log=log, term_timeout=60) as sup:
            def wait_for(pred: Callable[[], Any], what: str) -> Any:
                end = time.monotonic() + 60
                while time.monotonic() < end:
                    found = pred()
                    if found:
                        return found
                    time.sleep(0.2)
                pytest.fail(f"gave up waiting for {what}\n{log.read_text(errors='replace')[-3000:]}")

            first = wait_for(lambda: worker_pid(sup.pid, "notify"), "the notify worker")
            # its signal handlers are in place once it says it is ready
            wait_for(lambda: any("notify@" in line and "ready." in line
                                 for line in log.read_text(errors="replace").splitlines()),
                     "the notify worker to be ready")
            os.kill(first, signal.SIGTERM)  # a warm shutdown: the worker exits with status 0
            again = wait_for(lambda: (p := worker_pid(sup.pid, "notify")) and p != first and p, "its restart")
            assert "notify exited with 0; starting it again" in log.read_text(errors="replace")
            workers = [p for p in _children(sup.pid) if "worker" in _cmdline(p)]
            assert again in workers and len(workers) == 3  # crawl, process, notify
            os.kill(sup.pid, signal.SIGKILL)
            sup.wait(10)
            wait_for(lambda: not any(alive(p) for p in workers), "the workers to die with their supervisor")
