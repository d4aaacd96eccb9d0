"""Where the pipeline's time goes per report: the stage functions the Celery tasks run
(``workers.units``), called one after the other in one process on PostgreSQL.

    .venv/bin/python benchmarks/profile_pipeline.py --agencies 300 [--cprofile out.prof]

The same synthetic agencies as ``bench_pipeline.py`` (one late report each). The
ingest of the discoveries is timed first (one ``ingest_items`` per agency, as the
benchmark's driver does, in batches of 200). Each ``process`` unit is split into
extraction + parse (``parse_bytes``), validation
(``check_report``) and the rest (claim, reads, writes, commits: the database part);
then every ``evaluate`` unit; then outbox sweeps (``deliver``) to a local SMTP sink until
every alert is out. Prints one JSON line: per stage, CPU and wall milliseconds per
report and SQL statements per report (counted on the engine). ``--cprofile`` writes a
profile of all three stages and prints its top functions to stderr.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
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
    """CPU and wall seconds and SQL statements spent inside named parts."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.sql: dict[str, int] = {}
        self.statements = 0

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        c0, w0, q0 = time.process_time(), time.perf_counter(), self.statements
        try:
            yield
        finally:
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c0
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w0
            self.sql[name] = self.sql.get(name, 0) + self.statements - q0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.part(name):
                return fn(*args, **kwargs)
        return timed


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import event

    import workers.parse
    import workers.stages.process as process_stage
    from benchmarks.bench_pipeline import discover, make_agencies
    from benchmarks.servers import postgres_server
    from gkwatch.sinks import SmtpSink
    from ground.settings import Settings
    from models.db import get_engine, upgrade
    from workers.units import run_deliver_unit, run_evaluate_unit, run_process_unit

    tmp = Path(tempfile.mkdtemp(prefix="gkwatch-prof-"))
    clock = Clock()
    profile = cProfile.Profile() if args.cprofile else None
    with ExitStack() as stack:
        db_url = args.database_url or stack.enter_context(postgres_server(tmp))
        smtp = stack.enter_context(SmtpSink())
        settings = Settings(data_dir=tmp / "var", database_url=db_url, smtp_host="127.0.0.1",  # type: ignore[call-arg]
                            smtp_port=smtp.port, mail_to=["office@example.invalid"], _env_file=None)
        upgrade(db_url)
        items = make_agencies(settings, args.agencies)

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
        with clock.part("evaluate"):
            for u in dict.fromkeys(evaluations):
                run_evaluate_unit(settings, u)
        sweeps = 0
        with clock.part("deliver (sweeps + SMTP)"):
            while len(smtp.messages) < 1 or sweeps < 2:  # a sweep sends what is due; a second finds nothing
                run_deliver_unit(settings, 0)
                sweeps += 1
                if sweeps > 50:
                    break
        if profile:
            profile.disable()
            profile.dump_stats(args.cprofile)
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(args.top)
        mails = len(smtp.messages)
    n = len(versions)
    cpu, wall, sql = dict(clock.cpu), dict(clock.wall), dict(clock.sql)
    rest = "process: claim, reads, writes, commits"
    cpu[rest] = cpu["process (all)"] - cpu["process: extract + parse"] - cpu["process: validate"]
    wall[rest] = wall["process (all)"] - wall["process: extract + parse"] - wall["process: validate"]
    sql[rest] = sql["process (all)"]
    order = ["ingest (discovery)", "process: extract + parse", "process: validate", rest, "process (all)", "evaluate",
             "deliver (sweeps + SMTP)"]
    return {"agencies": args.agencies, "reports": n, "emails": mails, "sweeps": sweeps,
            "per_report": {k: {"cpu_ms": round(cpu[k] / n * 1000, 2), "wall_ms": round(wall[k] / n * 1000, 2),
                               "sql": round(sql.get(k, 0) / n, 1)} for k in order}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agencies", type=int, default=300)
    p.add_argument("--database-url", default="")
    p.add_argument("--cprofile", default="", help="write a cProfile of the stages to this file")
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args(argv)
    print(json.dumps(run(args), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
