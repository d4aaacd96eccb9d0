"""The web dashboard and JSON API (``gkwatch web``).

:func:`create_app` builds the FastAPI application; :func:`hint` is the command line that
opens the dashboard on the database a demo left behind.
"""
from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gkwatch.web.app import create_app as build

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ground.settings import Settings


def create_app(settings: Settings, *, insecure_local: bool = False) -> FastAPI:
    """See :func:`gkwatch.web.app.create_app`."""
    return build(settings, insecure_local=insecure_local)


def hint(data_dir: Path | str) -> str:
    """The command that serves the dashboard on the database under ``data_dir``.

    ``data_dir`` is the demo's root (holding ``var/``) or the settings' data directory
    itself; the command binds to 127.0.0.1 only and needs no token (``--insecure-local``).
    """
    root = Path(data_dir).resolve()
    var = root / "var" if (root / "var").is_dir() or not (root / "gkwatch.sqlite3").exists() else root
    return f"{program()} web --data-dir {shlex.quote(str(var))} --insecure-local"


def program() -> str:
    """How to run this gkwatch again: ``gkwatch`` when that name on PATH is this very
    installation, else the full path of the venv's script (the venv need not be active)."""
    here = Path(sys.executable).parent / "gkwatch"
    found = shutil.which("gkwatch")
    if found and here.exists() and Path(found).resolve() == here.resolve():
        return "gkwatch"
    if here.exists():
        return shlex.quote(str(here))
    return f"{shlex.quote(sys.executable)} -m gkwatch"
