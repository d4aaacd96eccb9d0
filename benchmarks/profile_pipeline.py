"""Where the pipeline's time goes per report: the stage functions the Celery tasks run
(``workers.units``), called one after the other in one process on PostgreSQL.

    .venv/bin/python benchmarks/profile_pipeline.py --agencies 300 [--cprofile out.prof]
        [--preload 20000] [--sweep-every 20]

The same synthetic agencies as ``bench_pipeline.py`` (one late report each). The
ingest of the discoveries is timed first (one ``ingest_items`` per agency, as the
benchmark's driver does, in batches of 200). Each ``process`` unit is split into
extraction + parse (``parse_bytes``), validation
(``check_report``) and the rest (claim, reads, writes, commits: the database part);
then every ``evaluate`` unit; then outbox sweeps (``deliver``) to a local SMTP sink until
every alert is out. Prints one JSON line: per stage, CPU and wall milliseconds per
report, SQL statements per report (counted on the engine) and, on a server this
script started, the PostgreSQL processes' CPU milliseconds per report (``db_cpu_ms``,
read from /proc at the start and end of each stage's part). ``--cprofile`` writes a
profile of all three stages and prints its top functions to stderr.

``--preload N`` first fills the database with N agency-years already processed,
evaluated and notified, as a benchmark burst of N leaves it (``benchmarks/preload.py``:
a template of 200 agencies run through the same units, its rows then copied in SQL; in a
process of its own, so this one starts equally cold whatever N), so the cost per report
can be compared at 0, 10,000 and 20,000 agencies already there.
``--sweep-every K`` sweeps the outbox after every K evaluations (the benchmark's workers
sweep once per debounce second, about every 20 evaluations at its throughput) instead
of only at the end.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class Clock:
    """CPU and wall seconds and SQL statements spent inside named parts, and the
    database server's CPU seconds meanwhile (``db``: its processes' CPU so far, read
    outside the timed window)."""

    def __init__(self, db: Callable[[], float] | None = None) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.sql: dict[str, int] = {}
        self.db_cpu: dict[str, float] = {}
        self.statements = 0
        self.db = db

    @contextmanager
    def part(self, name: str, *, db: bool = True) -> Iterator[None]:
        d0 = self.db() if db and self.db else 0.0
        c0, w0, q0 = time.process_time(), time.perf_counter(), self.statements
        try:
            yield
        finally:
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c0
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w0
            self.sql[name] = self.sql.get(name, 0) + self.statements - q0
            if db and self.db:
                self.db_cpu[name] = self.db_cpu.get(name, 0.0) + self.db() - d0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.part(name, db=False):
                return fn(*args, **kwargs)
        return timed


def reset_statement_stats(engine: Any) -> None:
    """Where the database has pg_stat_statements, start its counts afresh: they then show
    the profiled reports' statements only (not the preload's)."""
    from sqlalchemy import text

    with engine.begin() as c:
        if c.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")).first():
            c.execute(text("SELECT pg_stat_statements_reset()"))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import event

    import workers.parse
    import workers.stages.process as process_stage
    from benchmarks.bench_pipeline import (
        ProcWatch,
        discover,
        make_agencies,
        postmaster_pid,
    )
    from benchmarks.servers import postgres_server
    from gkwatch.sinks import SmtpSink
    from ground.settings import Settings
    from models.db import get_engine, upgrade
    from workers.units import run_deliver_unit, run_evaluate_unit, run_process_unit

    tmp = Path(tempfile.mkdtemp(prefix="gkwatch-prof-"))
    profile = cProfile.Profile() if args.cprofile else None
    with ExitStack() as stack:
        db_url = args.database_url or stack.enter_context(postgres_server(tmp))
        smtp = stack.enter_context(SmtpSink())
        settings = Settings(data_dir=tmp / "var", database_url=db_url, smtp_host="127.0.0.1",  # type: ignore[call-arg]
                            smtp_port=smtp.port, mail_to=["office@example.invalid"], _env_file=None)
        upgrade(db_url)
        pg = postmaster_pid(db_url)  # None for a server not ours: no database CPU figures
        clock = Clock(ProcWatch([pg]).cpu_seconds if pg else None)
        preloaded: dict[str, Any] = {}
        if args.preload:
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "preload.py"), "--database-url", db_url,
                                  "--agencies", str(args.preload), "--data-dir", str(tmp / "var"),
                                  "--smtp-port", str(smtp.port)], check=True, capture_output=True, text=True)
            preloaded = json.loads(out.stdout.strip().splitlines()[-1])
            preloaded["seconds"] = round(time.perf_counter() - t0, 1)
            print(f"preloaded {preloaded}", file=sys.stderr, flush=True)
        reset_statement_stats(get_engine(db_url))
        items = make_agencies(settings, args.agencies)
        mails_before = len(smtp.messages)  # the preload's

        def count(*_: Any) -> None:
            clock.statements += 1
        event.listen(get_engine(db_url), "before_cursor_execute", count)
        with clock.part("ingest (discovery)"):  # one ingest per agency, as one crawl each would
            versions = [v for i in range(0, len(items), 200) for v in discover(settings, items[i:i + 200])]

        parse = clock.wrap("process: extract + parse", workers.parse.parse_bytes)
        stack.callback(setattr, process_stage, "check_report", process_stage.check_report)
        process_stage.check_report = clock.wrap("process: validate", process_stage.check_report)
        evaluations: list[int] = []
        if profile:
            profile.enable()
        with clock.part("process (all)"):
            for v in versions:
                evaluations += [u for st, u in run_process_unit(settings, v, parse=parse) if st == "evaluate"]
        sweeps = 0
        for i, u in enumerate(dict.fromkeys(evaluations), 1):
            with clock.part("evaluate"):
                run_evaluate_unit(settings, u)
            if args.sweep_every and i % args.sweep_every == 0:
                with clock.part("deliver (sweeps + SMTP)"):
                    run_deliver_unit(settings, 0)
                    sweeps += 1
        with clock.part("deliver (sweeps + SMTP)"):
            final = 0  # a sweep sends what is due; a second finds nothing
            while len(smtp.messages) <= mails_before or final < 2:
                run_deliver_unit(settings, 0)
                sweeps, final = sweeps + 1, final + 1
                if final > 50:
                    break
        if profile:
            profile.disable()
            profile.dump_stats(args.cprofile)
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(args.top)
        mails = len(smtp.messages) - mails_before
    n = len(versions)
    cpu, wall, sql, db_cpu = dict(clock.cpu), dict(clock.wall), dict(clock.sql), dict(clock.db_cpu)
    rest = "process: claim, reads, writes, commits"
    cpu[rest] = cpu["process (all)"] - cpu["process: extract + parse"] - cpu["process: validate"]
    wall[rest] = wall["process (all)"] - wall["process: extract + parse"] - wall["process: validate"]
    sql[rest] = sql["process (all)"]
    order = ["ingest (discovery)", "process: extract + parse", "process: validate", rest, "process (all)", "evaluate",
             "deliver (sweeps + SMTP)"]
    return {"agencies": args.agencies, "preloaded": preloaded.get("agencies", 0), "reports": n, "emails": mails, "sweeps": sweeps,
            "per_report": {k: {"cpu_ms": round(cpu[k] / n * 1000, 2), "wall_ms": round(wall[k] / n * 1000, 2),
                               "sql": round(sql.get(k, 0) / n, 1),
                               **({"db_cpu_ms": round(db_cpu[k] / n * 1000, 2)} if k in db_cpu else {})}
                           for k in order}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agencies", type=int, default=300)
    p.add_argument("--database-url", default="")
    p.add_argument("--cprofile", default="", help="write a cProfile of the stages to this file")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--preload", type=int, default=0, help="agency-years already processed before the profiled ones")
    p.add_argument("--sweep-every", type=int, default=0, help="an outbox sweep after every K evaluations")
    args = p.parse_args(argv)
    print(json.dumps(run(args), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
