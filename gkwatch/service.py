"""``gkwatch serve``: the long-running service.

On embedded defaults (:class:`Service`) one process runs the same ticks as Celery beat
would — crawl due portals, evaluate deadlines, deliver due notifications, reconcile —
and the units of work in-process. SIGTERM or SIGINT stops it between two units, so no
work is lost: anything not finished is still ``pending`` (or leased) in the database and
is picked up on restart.

With ``GKWATCH_REDIS_URL`` (:class:`CeleryService`) the same service is a set of
``celery worker`` processes, one per queue group, and the one ``celery beat``; SIGTERM
is passed on (a warm shutdown: running tasks finish, their messages are acknowledged).
"""
from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from ground.procs import die_with_parent
from ground.telemetry import setup_logging
from models import utcnow
from models.db import session_scope, upgrade
from workers.inline import drain, pending_work
from workers.sandbox import ParseSandbox
from workers.stages.crawl import due_portals, schedule_crawl
from workers.units import mark_due_evaluations

log = logging.getLogger("gkwatch.service")


@dataclass
class Ticks:
    crawl: float = 300.0
    evaluate: float = 3600.0
    deliver: float = 30.0
    reconcile: float = 120.0

    @classmethod
    def from_settings(cls, settings: Any) -> "Ticks":
        return cls(crawl=settings.tick_crawl_seconds, deliver=settings.tick_deliver_seconds,
                   reconcile=settings.tick_reconcile_seconds)


class Service:
    """The embedded scheduler and worker loop."""

    def __init__(self, settings: Any, ticks: Ticks | None = None) -> None:
        self.settings = settings
        self.ticks = ticks or Ticks.from_settings(settings)
        self.stopping = threading.Event()
        self._last: dict[str, float] = {}
        self.units_done = 0
        # one document never stalls the service: each is read in a child with a time limit
        self.sandbox = ParseSandbox(settings.process_time_limit)

    def stop(self, *_: Any) -> None:
        log.info("stopping after the current unit of work")
        self.stopping.set()

    def _due(self, name: str, every: float, now: float) -> bool:
        if now - self._last.get(name, -1e18) >= every:
            self._last[name] = now
            return True
        return False

    def run_once(self, now: float) -> int:
        """One pass over the ticks that are due; returns how many units ran."""
        work = pending_work(self.settings)  # the reconciler: whatever an earlier run left
        if self._due("crawl", self.ticks.crawl, now):
            with session_scope(self.settings.effective_database_url) as s:
                work += [("crawl", schedule_crawl(s, portal_id=p)) for p in due_portals(s, now=utcnow())]
        if self._due("evaluate", self.ticks.evaluate, now):
            work += mark_due_evaluations(self.settings)
        if len(work) > 1:
            log.info("%s unit(s) of work to run", len(work))
        started = time.monotonic()
        done = drain(self.settings, work, stop=self.stopping, progress=self._progress, parse=self.sandbox.parse)
        if done > 1:
            log.info("ran %s unit(s) in %.1fs", done, time.monotonic() - started,
                     extra={"units": done})
        self.units_done += done
        return done

    def _progress(self, stage: str, unit: int, left: int) -> None:
        """Progress of a long drain: a line every 100 units."""
        self._count = getattr(self, "_count", 0) + 1
        if self._count % 100 == 0:
            log.info("progress: %s units done, %s queued", self._count, left,
                     extra={"done": self._count, "queued": left, "stage": stage})

    def serve(self) -> None:
        if self.settings.log_format == "json":
            setup_logging(logging.getLogger().level <= logging.DEBUG, fmt="json")
        upgrade(self.settings.effective_database_url)
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("gkwatch service started (database %s)", self.settings.effective_database_url.split("@")[-1])
        try:
            while not self.stopping.is_set():
                self.run_once(time.monotonic())
                self.stopping.wait(min(self.ticks.deliver, self.ticks.crawl, self.ticks.reconcile))
        finally:
            self.sandbox.close()
        log.info("gkwatch service stopped; %s unit(s) of work done", self.units_done)


#: (name, queues, concurrency or None for the --concurrency option)
WORKER_GROUPS: tuple[tuple[str, str, int | None], ...] = (
    ("crawl", "crawl", 1),              # Scrapy in a child process per crawl: few at a time
    ("process", "process,evaluate", None),
    ("notify", "notify", 1),            # outbox sweeps and beat ticks: short, never behind a backlog
)


class CeleryService:
    """Celery workers (one per queue group) and beat on this machine, supervised: a
    process that dies is started again; SIGTERM stops them all with a warm shutdown."""

    def __init__(self, settings: Any, *, process_concurrency: int = 2, beat: bool = True,
                 groups: tuple[str, ...] | None = None) -> None:
        """``groups``: the worker groups this machine runs (default all of
        :data:`WORKER_GROUPS`), so that machines sharing one Redis and PostgreSQL can
        split them (CPU machines ``process``, one small machine ``crawl,notify`` and beat)."""
        known = [name for name, _, _ in WORKER_GROUPS]
        unknown = [g for g in groups or () if g not in known]
        if unknown:
            raise ValueError(f"未知的 worker 组 unknown worker group(s): {', '.join(unknown)} "
                             f"(known: {', '.join(known)})")
        self.settings = settings
        self.process_concurrency = process_concurrency
        self.beat = beat
        self.groups = tuple(groups) if groups else tuple(known)
        self.stopping = threading.Event()
        self.procs: dict[str, subprocess.Popen] = {}

    def commands(self) -> dict[str, list[str]]:
        base = [sys.executable, "-m", "celery", "-A", self.settings.celery_app]
        out = {name: base + ["worker", "-Q", queues, "-n", f"{name}@%h",
                             "-c", str(conc or self.process_concurrency), "-l", "INFO"]
               for name, queues, conc in WORKER_GROUPS if name in self.groups}
        if self.beat:
            out["beat"] = base + ["beat", "-l", "INFO"]
        return out

    def stop(self, *_: Any) -> None:
        self.stopping.set()

    def serve(self) -> int:
        upgrade(self.settings.effective_database_url)
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        cmds = self.commands()
        started: dict[str, float] = {}
        while not self.stopping.is_set():
            for name, cmd in cmds.items():
                proc = self.procs.get(name)
                if proc is not None and proc.poll() is None:
                    continue
                if proc is not None:
                    log.warning("%s exited with %s; starting it again", name, proc.returncode)
                if time.monotonic() - started.get(name, -1e9) < 5:
                    continue  # a process that keeps dying is restarted at most every 5 s
                started[name] = time.monotonic()
                # PDEATHSIG: a kill -9 of this supervisor does not leave workers running unseen
                self.procs[name] = subprocess.Popen(cmd, preexec_fn=die_with_parent)  # noqa: PLW1509
            self.stopping.wait(1.0)
        log.info("stopping celery processes (warm shutdown)")
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(self.settings.process_time_limit + 30)
            except subprocess.TimeoutExpired:
                log.error("%s did not stop; killing it (its unit's lease will expire)", name)
                proc.kill()
                proc.wait(10)
        return 0
