"""`gkwatch serve --web-port` runs the dashboard inside the service and stops on SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from gkwatch.sinks import free_port
from tests.support.procs import wait_port


def test_serve_with_web_answers_and_stops_cleanly(tmp_path) -> None:
    port = free_port()
    env = {**os.environ, "GKWATCH_DATA_DIR": str(tmp_path / "var"),
           "GKWATCH_WEB_READ_TOKENS": json.dumps(["read-token-for-serve-test-0123"])}
    proc = subprocess.Popen([sys.executable, "-m", "gkwatch", "serve", "--web-port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_port(port, timeout=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as resp:
            assert resp.status == 200
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/statuses",
                                     headers={"Authorization": "Bearer read-token-for-serve-test-0123"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/statuses", timeout=10)
            raise AssertionError("unauthenticated request was served")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
    finally:
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]


def test_serve_refuses_the_web_without_a_token(tmp_path) -> None:
    env = {**os.environ, "GKWATCH_DATA_DIR": str(tmp_path / "var")}
    env.pop("GKWATCH_WEB_READ_TOKENS", None)
    env.pop("GKWATCH_WEB_ADMIN_TOKENS", None)
    p = subprocess.run([sys.executable, "-m", "gkwatch", "serve", "--web-port", str(free_port())], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "token" in p.stderr
