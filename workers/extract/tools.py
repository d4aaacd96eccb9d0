"""Running external converters (antiword, LibreOffice, tesseract) safely.

Every tool runs with a timeout, without a shell, on a file in a private temporary
directory; its failures become :class:`ExtractionError` with the tool's own message, so
callers see one error family whatever went wrong.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ground.errors import ExtractionError
from ground.procs import run_group

#: Seconds one tool run may take before it is killed (a hostile file must not hang a worker).
DEFAULT_TIMEOUT = 120.0


def find_tool(*names: str) -> str | None:
    """The path of the first of ``names`` on PATH, or None."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_tool(args: list[str], *, timeout: float = DEFAULT_TIMEOUT, source: str | None = None,
             cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``args``; a timeout or a failure to start raises ExtractionError.

    The exit status is left to the caller: tools report "not a Word document" and the like
    through it, and only the caller knows what that means for the file."""
    tool = Path(args[0]).name
    try:
        # its own process group: a timeout kills what the tool started too (soffice.bin)
        return run_group(args, timeout=timeout, cwd=cwd, env={**os.environ, **env} if env else None)
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(f"{tool} took longer than {timeout:g} s", source=source) from exc
    except OSError as exc:
        raise ExtractionError(f"cannot run {tool}: {exc.strerror or exc}", source=source) from exc


def tool_message(proc: subprocess.CompletedProcess, limit: int = 300) -> str:
    """The tool's complaint (stderr, else stdout), one line, for an error message."""
    raw = proc.stderr or proc.stdout or b""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    text = " ".join(text.split())
    return text[:limit] or f"exit status {proc.returncode}"
