"""`gkwatch workers --groups`: machines sharing one Redis and PostgreSQL split the worker groups."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gkwatch.service import CeleryService
from ground.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0", _env_file=None)  # type: ignore[call-arg]


def test_only_the_groups_asked_for_are_started(tmp_path: Path) -> None:
    cmds = CeleryService(_settings(tmp_path), process_concurrency=3, beat=False, groups=("process",)).commands()
    assert list(cmds) == ["process"]
    cmd = cmds["process"]
    assert cmd[cmd.index("-Q") + 1] == "process,evaluate" and cmd[cmd.index("-c") + 1] == "3"
    both = CeleryService(_settings(tmp_path), groups=("crawl", "notify")).commands()
    assert sorted(both) == ["beat", "crawl", "notify"]
    assert sorted(CeleryService(_settings(tmp_path)).commands()) == ["beat", "crawl", "notify", "process"]


def test_an_unknown_group_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="procss"):
        CeleryService(_settings(tmp_path), groups=("procss",))
    env = {**os.environ, "GKWATCH_REDIS_URL": "redis://127.0.0.1:1/0", "GKWATCH_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "gkwatch", "workers", "--groups", "process,procss"],
                         env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 2
    assert "未知的 worker 组" in out.stderr and "procss" in out.stderr
