"""Start real servers and workers for integration tests (redis-server, PostgreSQL, celery).

The servers themselves live in ``benchmarks/servers.py`` (the benchmarks need them without
pytest); here a missing server program skips the test instead of failing it.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks import servers
from benchmarks.servers import celery_worker, wait_port  # noqa: F401  (re-exported for the tests)
from gkwatch.sinks import free_port


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port; yields its URL."""
    if servers.redis_exe() is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    with servers.redis_server(tmp_path) as url:
        yield url


class PostgresProcess(servers.PostgresProcess):
    """``servers.PostgresProcess`` (kill, restart), or the test skipped without PostgreSQL."""

    def __init__(self) -> None:
        if servers.pg_bindir() is None:
            pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
        super().__init__()


@contextmanager
def restartable_postgres() -> Iterator[PostgresProcess]:
    server = PostgresProcess()
    try:
        server.start()
        server.createdb()
        yield server
    finally:
        server.remove()


@contextmanager
def postgres_server(tmp_path: Path) -> Iterator[str]:
    """A private PostgreSQL cluster on a free loopback port; yields a SQLAlchemy URL."""
    with restartable_postgres() as server:
        yield server.url


# --- helpers for the pipeline fault tests (appended) ------------------------------------

class RedisProcess:
    """A private redis-server that a test can stop and start again on the same port
    (without persistence: a restart empties every queue)."""

    def __init__(self, tmp_path: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.skip("redis-server is not installed (.ci/run installs it)")
        self.exe, self.dir, self.port = exe, tmp_path, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def restart(self, pause: float = 1.0) -> None:
        self.stop()
        time.sleep(pause)  # clients see the connection refused for a moment
        self.start()


@contextmanager
def restartable_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def started_process(argv: list[str], *, env: dict[str, str], log: Path | None = None,
                    term_timeout: float = 20) -> Iterator[subprocess.Popen]:
    """A process in its own session (so a test can ``kill -9`` its whole group with
    :func:`kill_group`); SIGTERM on the way out, SIGKILL to the group if it is stuck."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                            cwd=str(Path(__file__).resolve().parents[2]), start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(term_timeout)
            except subprocess.TimeoutExpired:
                kill_group(proc)
        if log:
            out.close()  # type: ignore[union-attr]


@contextmanager
def celery_process(env: dict[str, str], args: list[str], *, app: str = "workers.app",
                   log: Path | None = None) -> Iterator[subprocess.Popen]:
    """``celery -A app <args>`` via :func:`started_process` (prefork parent and children
    share the process group)."""
    with started_process([sys.executable, "-m", "celery", "-A", app, *args], env=env, log=log) as proc:
        yield proc


def http_get(url: str, token: str = "") -> tuple[int, str]:
    """Status and body of a GET (0 and the error when nothing answers)."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a process started by :func:`celery_process` and all its children."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


def worker_args(queues: str = "crawl,process,evaluate,notify", concurrency: int = 1) -> list[str]:
    return ["worker", "-Q", queues, "-c", str(concurrency), "--pool", "prefork", "-l", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]


def beat_args(tmp_path: Path) -> list[str]:
    return ["beat", "-l", "INFO", "--pidfile", str(tmp_path / "beat.pid"), "-s", str(tmp_path / "beat-schedule")]
