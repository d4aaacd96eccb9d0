"""``gkwatch portals``: discover a government's bodies, import, list, remove, export."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _session():  # type: ignore[no-untyped-def]
    from gkwatch.commands import _settings
    from models.db import session_scope

    return session_scope(_settings().effective_database_url)


def cmd_discover(args: argparse.Namespace) -> int:
    """Walk from a home / 信息公开 page to every body's column; write a TOML to review."""
    from collections import Counter

    from crawler.survey import survey
    from gkwatch.portals_io import survey_entries, toml_text

    result = survey(args.url, delay=args.delay, obey_robots=not args.ignore_robots, timeout=args.timeout)
    entries = survey_entries(result)
    found = [e for e in entries if not e.get("_skip")]
    kinds = Counter(e["kind"] for e in entries)
    header = (f"Portals found from {result.start_url} by `gkwatch portals discover`: review, then\n"
              f"  gkwatch portals import {args.output or 'THIS_FILE.toml'}\n"
              f"directory pages: {', '.join(result.directory_urls)}\n"
              f"{len(entries)} bodies ({', '.join(f'{k} {n}' for k, n in kinds.items())}), "
              f"{len(found)} with a column; {len(result.fetched)} requests")
    text = toml_text(entries, header)
    if args.format == "json":
        json.dump({"directory": result.directory_urls, "government": result.government,
                   "bodies": [{k: v for k, v in e.items() if k != "_comment"} for e in entries],
                   "requests": len(result.fetched)}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        _err(f"wrote {len(found)} of {len(entries)} bodies to {args.output}")
    elif args.format != "json":
        sys.stdout.write(text)
    problems = [e for e in entries if "TO CHECK" in str(e.get("_comment"))]
    for e in problems:
        _err(f"  to check: {e['name']}: {e['_comment'].splitlines()[-1]}")
    return 0 if found else 1


def cmd_import(args: argparse.Namespace) -> int:
    """Import agencies and their portals from a TOML file or a CSV / XLSX roster."""
    from gkwatch.portals import import_portals
    from gkwatch.portals_io import load_any

    entries = load_any(Path(args.file))
    with _session() as s:
        n = import_portals(s, entries=entries)
    _err(f"imported {n} agencies with their portals")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from gkwatch.portals_io import portal_rows
    from gkwatch.plaintext import table

    with _session() as s:
        rows = portal_rows(s)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    how = lambda r: r["render"] or (r["api"] or {}).get("profile") or ("api" if r["api"] else r["list_kind"])  # noqa: E731
    print(table(["单位", "类型", "读取", "启用", "栏目"],
                [[r["name"], r["kind"], how(r), "是" if r["enabled"] else "否", r["list_urls"][0]] for r in rows]))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from gkwatch.portals_io import remove_portals

    with _session() as s:
        done = remove_portals(s, args.names)
    for name, what in done.items():
        _err(f"{name}: {what}")
    return 1 if any(w == "unknown agency" for w in done.values()) else 0


def cmd_export(args: argparse.Namespace) -> int:
    from gkwatch.portals_io import portal_rows, toml_text

    with _session() as s:
        rows = [r for r in portal_rows(s) if r["enabled"] or args.all]
    text = toml_text(rows, "gkwatch portals export: the watched portals, importable again")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        _err(f"wrote {len(rows)} portals to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("portals", help="manage the watched portals")
    psub = p.add_subparsers(dest="portals_command", required=True)
    pp = psub.add_parser("discover", help="find every body and its annual-report column from a "
                                          "government's home or 信息公开 page; write a TOML to review")
    pp.add_argument("url")
    pp.add_argument("-o", "--output", help="write the TOML here (default: standard output)")
    pp.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host")
    pp.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    pp.add_argument("--ignore-robots", action="store_true", help="do not obey robots.txt (your own sites only)")
    pp.add_argument("--format", choices=("toml", "json"), default="toml")
    pp.set_defaults(func=cmd_discover)

    pp = psub.add_parser("import", help="import agencies and portals from a TOML file or a CSV/XLSX "
                                        "roster (单位名称, 类型, 地区, 年报栏目地址)")
    pp.add_argument("file")
    pp.set_defaults(func=cmd_import)

    pp = psub.add_parser("list", help="the watched portals")
    pp.add_argument("--format", choices=("table", "json"), default="table")
    pp.set_defaults(func=cmd_list)

    pp = psub.add_parser("remove", help="stop watching agencies' portals (kept disabled if they found documents)")
    pp.add_argument("names", nargs="+", metavar="NAME")
    pp.set_defaults(func=cmd_remove)

    pp = psub.add_parser("export", help="the portals as a TOML file that `portals import` takes")
    pp.add_argument("-o", "--output")
    pp.add_argument("--all", action="store_true", help="include disabled portals")
    pp.set_defaults(func=cmd_export)
