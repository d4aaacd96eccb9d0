"""Shared fixtures: a migrated SQLite database and settings pointing at a temp dir."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from gkwatch.settings import Settings
    from models.db import upgrade

    s = Settings(data_dir=tmp_path / "var", crawl_download_delay=0.0, webhook_allow_private=True,
                 _env_file=None)  # type: ignore[call-arg]
    upgrade(s.effective_database_url)
    return s


@pytest.fixture
def session(settings) -> Iterator:  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from models.db import get_engine

    with Session(get_engine(settings.effective_database_url), expire_on_commit=False) as s:
        yield s
