"""Child processes that cannot outlive their work or their parent.

A converter or a crawler started for one unit of work runs in a process group of its own,
so that a timeout kills everything it started (LibreOffice's ``soffice`` starts
``soffice.bin``; killing only the direct child leaves that running forever), and it is
told by the kernel to die with the process that started it (Linux ``PR_SET_PDEATHSIG``),
so that a ``kill -9`` of the service does not leave a crawler running unseen.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; else nothing)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # not fatal: the process group still bounds a timeout


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not; another user's process does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return True


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the child's whole process group, then reap the child."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run_group(args: list[str], *, timeout: float, **kw: Any) -> subprocess.CompletedProcess:
    """Like ``subprocess.run(args, capture_output=True, timeout=…)``, but the child leads
    a new process group that is killed as a whole on timeout (``TimeoutExpired`` is
    raised as with ``subprocess.run``), and dies if this process dies."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=die_with_parent, **kw)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise
    except BaseException:
        kill_group(proc)
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)
