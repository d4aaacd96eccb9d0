"""Children never outlive their work or their parent: a tool timeout kills the tool's own
children too, and a kill -9 of the process that started a child kills the child."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ground.errors import ExtractionError
from ground.procs import alive
from workers.extract.tools import run_tool

ROOT = Path(__file__).resolve().parents[2]


def _wait_dead(pid: int, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_timeout_kills_the_tools_own_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    # like soffice → soffice.bin: the tool starts a long-lived child of its own, then waits
    script = f"sleep 300 & echo $! > {pidfile}; wait"
    with pytest.raises(ExtractionError, match="longer than"):
        run_tool(["sh", "-c", script], timeout=1.0)
    grandchild = int(pidfile.read_text())
    assert _wait_dead(grandchild), "the tool's child survived the timeout"


def test_child_dies_with_a_parent_killed_hard(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    parent_code = (
        "import sys, subprocess\n"
        "from ground.procs import run_group\n"
        f"run_group(['sh', '-c', 'echo $$ > {pidfile}; exec sleep 300'], timeout=300)\n")
    parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=ROOT)
    try:
        end = time.monotonic() + 10
        while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < end:
            time.sleep(0.05)
        child = int(pidfile.read_text())
        assert alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert _wait_dead(child), "the child outlived its parent's kill -9"
    finally:
        if parent.poll() is None:
            parent.kill()
