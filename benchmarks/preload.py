"""Fill a PostgreSQL database with N agency-years of already-processed data, as a
``bench_pipeline.py`` burst of N agencies leaves it: every report parsed, every
agency-year evaluated late, a P-LATE alert firing for each, its outbox row sent in a
digest, and the receiver's notification log naming every alert still firing.

How (the cheapest faithful way): a *template* of up to 200 agencies is run through the
real stage functions (``workers.units``: ingest, process, evaluate, and an outbox sweep
after every ``sweep_every`` evaluations, as the benchmark's debounced sweeps do), then
its rows are copied in SQL (``INSERT … SELECT``) until N agencies exist: every id is
shifted by a whole multiple of the template's id range, foreign keys and the ids inside
JSON columns (a digest's ``delivery_ids``, an alert's ``agency_id`` label) shifted with
it, and the unique strings (names, URLs, fingerprints, message ids) made distinct. The
notification log is then given every copied fingerprint, as the real sends would have
written it. Finally ``ANALYZE`` (autovacuum would have analyzed tables that grew this
much by the time the next burst arrives).

Copies are byte-for-byte the template's rows apart from those keys, so the tables,
their indexes, TOASTed JSON and planner statistics are shaped as after a real run —
at about 1 % of the cost of running the units N times.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, inspect, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_pipeline import discover, make_agencies
from ground.settings import Settings
from workers.units import run_deliver_unit, run_evaluate_unit, run_process_unit

#: tables copied, parents first; per table the columns that hold another table's id
#: (column → table) — every other column is copied as it is unless UNIQUE_EXPR says how
REFERENCES: dict[str, dict[str, str]] = {
    "agency": {"parent_id": "agency"},
    "portal": {"agency_id": "agency"},
    "document": {"portal_id": "portal", "agency_id": "agency", "current_version_id": "documentversion"},
    "documentversion": {"document_id": "document", "previous_version_id": "documentversion"},
    "report": {"agency_id": "agency", "version_id": "documentversion"},
    "finding": {"agency_id": "agency", "version_id": "documentversion", "report_id": "report"},
    "agencyyear": {"agency_id": "agency", "report_id": "report"},
    "alert": {"agency_id": "agency"},
    "delivery": {"alert_id": "alert"},
    "notification": {},
    # what the receiver was told is firing, one row per alert (the log is not copied:
    # one receiver, one group)
    "notificationfiring": {},
}

#: columns with a unique value (or one naming a shifted id) : their SQL for copy ``:k``
UNIQUE_EXPR: dict[str, dict[str, str]] = {
    "agency": {"name": "name || '#' || :k"},
    "document": {"url": "url || '#' || :k"},
    "alert": {"fingerprint": "encode(sha256(convert_to(fingerprint || ':' || :k, 'UTF8')), 'hex')",
              "labels": "CASE WHEN agency_id IS NULL THEN labels ELSE "
                        "jsonb_set(labels::jsonb, '{agency_id}', to_jsonb(agency_id + :off_agency))::json END"},
    "delivery": {"message_id": "'msg_' || md5(message_id || ':' || :k)",
                 "payload": "CASE WHEN payload->'labels'->>'agency_id' IS NULL THEN payload ELSE "
                            "jsonb_set(payload::jsonb, '{labels,agency_id}', "
                            "to_jsonb((payload->'labels'->>'agency_id')::int + :off_agency))::json END"},
    "notificationfiring": {"fingerprint": "encode(sha256(convert_to(fingerprint || ':' || :k, 'UTF8')), 'hex')"},
    "notification": {"message_id": "'msg_' || md5(message_id || ':' || :k)",
                     "delivery_ids": "(SELECT coalesce(json_agg((x #>> '{}')::int + :off_delivery), '[]'::json) "
                                     "FROM json_array_elements(delivery_ids) x)"},
}


def copied_fingerprint(fp: str, k: int) -> str:
    """The fingerprint of copy ``k`` of an alert (the same as UNIQUE_EXPR's SQL)."""
    return hashlib.sha256(f"{fp}:{k}".encode()).hexdigest()


def run_template(settings: Any, n: int, *, sweep_every: int) -> int:
    """Run ``n`` agencies through the real units; returns how many reports were processed."""
    items = make_agencies(settings, n, prefix="预载县机关", seed=11)
    versions = [v for i in range(0, len(items), 200) for v in discover(settings, items[i:i + 200])]
    evaluations: list[int] = []
    for v in versions:
        evaluations += [u for st, u in run_process_unit(settings, v) if st == "evaluate"]
    for i, u in enumerate(dict.fromkeys(evaluations), 1):
        run_evaluate_unit(settings, u)
        if sweep_every and i % sweep_every == 0:
            run_deliver_unit(settings, 0)
    for _ in range(3):  # what is still due after the last evaluations
        run_deliver_unit(settings, 0)
    return len(versions)


def _id_ranges(conn: Any, tables: list[str]) -> dict[str, tuple[int, int]]:
    out = {}
    for table in tables:
        lo, hi = conn.execute(text(f"SELECT min(id), max(id) FROM {table}")).one()
        out[table] = (int(lo or 0), int(hi or 0))
    return out


def replicate(engine: Engine, copies: int) -> dict[str, int]:
    """Copy every template row ``copies`` times; returns the rows per table afterwards."""
    tables = [t for t in REFERENCES if inspect(engine).has_table(t)]  # the schema of this checkout
    columns = {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in tables}
    with engine.begin() as conn:
        ranges = _id_ranges(conn, tables)
        width = {t: (hi - lo + 1) if hi else 0 for t, (lo, hi) in ranges.items()}
        template_ids = {t: lo for t, (lo, _) in ranges.items()}
        for k in range(1, copies + 1):
            offsets = {f"off_{t}": k * w for t, w in width.items()}
            for table in tables:
                refs = REFERENCES[table]
                if not width[table]:
                    continue
                exprs = []
                for col in columns[table]:
                    if col == "id":
                        exprs.append(f"id + :off_{table}")
                    elif col in refs:
                        exprs.append(f"{col} + :off_{refs[col]}")
                    else:
                        exprs.append(UNIQUE_EXPR.get(table, {}).get(col, f'"{col}"'))
                names = ", ".join(f'"{c}"' for c in columns[table])
                conn.execute(text(f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {table} "
                                  f"WHERE id BETWEEN :lo AND :hi"),
                             {**offsets, "k": k, "lo": template_ids[table], "hi": ranges[table][1]})
        for table in tables:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        conn.execute(text("UPDATE notificationlog SET notifications = notifications * :n"), {"n": copies + 1})
        if "firing" in [c["name"] for c in inspect(engine).get_columns("notificationlog")]:
            # a schema that keeps the list in the log: every copy's firing alerts in it, as
            # the copies' sends would have written it
            for log_id, firing in conn.execute(text("SELECT id, firing FROM notificationlog")).all():
                everyone = list(firing) + [copied_fingerprint(fp, k) for k in range(1, copies + 1) for fp in firing]
                conn.execute(text("UPDATE notificationlog SET firing = CAST(:f AS json) WHERE id = :id"),
                             {"f": json.dumps(everyone), "id": log_id})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
                for t in [*tables, "notificationlog"]}


def preload(settings: Any, engine: Engine, agencies: int, *, template: int = 200,
            sweep_every: int = 20) -> dict[str, Any]:
    """At least ``agencies`` agency-years processed, evaluated and notified (rounded up to
    whole copies of the template)."""
    size = min(template, agencies)
    run_template(settings, size, sweep_every=sweep_every)
    copies = -(-agencies // size) - 1
    rows = replicate(engine, copies)
    return {"agencies": size * (copies + 1), "template": size, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    """Preload in a process of its own (``profile_pipeline.py`` runs it so): the profiled
    process then starts as cold, whatever the preload (no parse caches, compiled
    statements or imports warmed by the template's units)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", required=True)
    p.add_argument("--agencies", type=int, required=True)
    p.add_argument("--data-dir", type=Path, required=True, help="where the template's snapshots go")
    p.add_argument("--smtp-port", type=int, required=True, help="the SMTP sink the template's digests go to")
    args = p.parse_args(argv)
    settings = Settings(data_dir=args.data_dir, database_url=args.database_url, smtp_host="127.0.0.1",  # type: ignore[call-arg]
                        smtp_port=args.smtp_port, mail_to=["office@example.invalid"], _env_file=None)
    engine = create_engine(args.database_url)
    try:
        print(json.dumps(preload(settings, engine, args.agencies), ensure_ascii=False))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
