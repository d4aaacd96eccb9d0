"""The ``gkwatch`` command line.

Every sub-command imports what it needs only when it runs, so that ``gkwatch parse``
starts in a fraction of a second (the corpus scorer calls it dozens of times).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from gkwatch.plaintext import render_check, render_report
from ground.errors import DocumentError, GkwatchError

Handler = Callable[[argparse.Namespace], int]


def _print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def cmd_parse(args: argparse.Namespace) -> int:
    """Parse one document into the canonical report (contract gkwatch.report/1)."""
    from workers.parse import parse_path

    report = parse_path(Path(args.file))
    if args.format == "json":
        print(report.to_json())
    else:
        print(render_report(report))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Parse and validate documents (contract gkwatch.findings/1)."""
    from workers.pipeline import check_documents

    results = check_documents([Path(f) for f in args.files],
                              previous=Path(args.previous) if args.previous else None,
                              agency_kind=args.agency_kind)
    if args.format == "json":
        _print_json(results[0] if len(results) == 1 else results)
    else:
        # each file under its own name, its findings after it (not before the next header)
        for path, res in zip(args.files, results):
            print(render_check(res, name=path if len(results) > 1 else None))
            print()
    failed = any(f.get("status") == "fail" and f.get("severity") == "error"
                 for res in results for f in res["findings"])
    return 1 if failed and args.strict else 0


def _version() -> str:
    try:
        return version("gkwatch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gkwatch", description="Watch government portals for 政府信息公开工作年度报告: "
        "publication deadlines, table consistency, silent edits; alerts by email and webhook.")
    p.add_argument("--version", action="version", version=f"gkwatch {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sp = sub.add_parser("parse", help="parse a report file into the canonical JSON")
    sp.add_argument("file")
    sp.add_argument("--format", choices=("table", "json"), default="table")
    sp.set_defaults(func=cmd_parse)

    sp = sub.add_parser("check", help="parse and validate report files")
    sp.add_argument("files", nargs="+", metavar="FILE")
    sp.add_argument("--previous", help="last year's report of the same agency (cross-year rules)")
    sp.add_argument("--agency-kind", help="部门 / 乡镇街道 / 县级政府 … (for T2-POWER)")
    sp.add_argument("--format", choices=("table", "json"), default="table")
    sp.add_argument("--strict", action="store_true", help="exit 1 when an error rule fails")
    sp.set_defaults(func=cmd_check)

    from gkwatch import commands

    commands.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DocumentError as exc:
        print(f"gkwatch: cannot read document: {exc}", file=sys.stderr)
        return 3
    except GkwatchError as exc:
        print(f"gkwatch: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head/less that closed early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("gkwatch: interrupted", file=sys.stderr)
        return 130
