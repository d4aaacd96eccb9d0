"""Private redis-server, PostgreSQL cluster and ``celery worker`` processes on loopback.

Used by the benchmarks and, through ``tests/support/procs.py`` (which turns a missing program into
a skipped test), by the integration tests. Nothing here imports pytest: the benchmarks
run after ``pip install -e '.[bench]'`` alone. A missing program raises
:class:`MissingProgram` with what to install.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gkwatch.sinks import free_port

ROOT = Path(__file__).resolve().parents[1]


class MissingProgram(RuntimeError):
    """A server program this machine does not have (``.ci/run`` installs them)."""


def wait_port(port: int, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def redis_exe() -> str | None:
    return shutil.which("redis-server")


def pg_bindir() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port, without persistence; yields its URL."""
    exe = redis_exe()
    if exe is None:
        raise MissingProgram("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def celery_worker(env: dict[str, str], *, queues: str = "crawl,process,evaluate,notify",
                  concurrency: int = 2, log: Path | None = None) -> Iterator[subprocess.Popen]:
    """A real ``celery worker`` process with the given environment."""
    full_env = {**os.environ, **env}
    out = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues,
                             "-c", str(concurrency), "--pool", "prefork", "-l", "INFO", "--without-gossip",
                             "--without-mingle", "--without-heartbeat"],
                            env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=str(ROOT))
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        if log:
            out.close()  # type: ignore[union-attr]


class PostgresProcess:
    """A private PostgreSQL cluster (``fsync=off``) on a free loopback port that can be
    killed (``pg_ctl -m immediate``: as a crash, no shutdown checkpoint) and started again.

    PostgreSQL refuses to run as root, so when this runs as root the cluster is created
    and started as the ``postgres`` system user (in a fresh directory it can own).
    """

    def __init__(self) -> None:
        bindir = pg_bindir()
        if bindir is None:
            raise MissingProgram("PostgreSQL is not installed (.ci/run installs it)")
        import pwd

        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="gkwatch-pg-"))
        self.data, self.sock = self.base / "data", self.base / "sock"
        self.sock.mkdir()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for p in (self.base, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.url = f"postgresql+psycopg://gkwatch@127.0.0.1:{self.port}/gkwatch"
        subprocess.run(self.as_user + [str(bindir / "initdb"), "-D", str(self.data), "-U", "gkwatch",
                                       "--auth=trust", "-E", "UTF8", "--locale=C"],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        subprocess.run(self.as_user + [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                                       str(self.base / "log"), "-o",
                                       f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off",
                                       "start"], check=True, stdout=subprocess.DEVNULL)

    def kill(self) -> None:
        """Stop at once, as a crash would (every connection is cut, nothing is flushed)."""
        subprocess.run(self.as_user + [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                       "stop"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def restart(self, pause: float = 1.0) -> None:
        self.kill()
        time.sleep(pause)  # clients see the connection refused for a moment
        self.start()

    def createdb(self) -> None:
        subprocess.run(self.as_user + [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                                       "-U", "gkwatch", "gkwatch"], check=True)

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def postgres_server(tmp_path: Path) -> Iterator[str]:
    """A private PostgreSQL cluster on a free loopback port; yields a SQLAlchemy URL."""
    server = PostgresProcess()
    try:
        server.start()
        server.createdb()
        yield server.url
    finally:
        server.remove()
