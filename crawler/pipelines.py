"""Item pipeline: content-addressed snapshots of raw bytes, and one JSON line per item.

Snapshots live at ``<snapshot_dir>/<sha256[:2]>/<sha256>``; a file is written to a
temporary name in the same directory and renamed, so a reader never sees half a file
and two crawls storing the same bytes do not clash.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, TextIO

from crawler.items import CrawledItem, DocumentItem


def snapshot_path(snapshot_dir: Path, sha256: str) -> Path:
    return snapshot_dir / sha256[:2] / sha256


def store_snapshot(snapshot_dir: Path, body: bytes) -> tuple[str, Path]:
    """Store ``body`` (once) and return ``(sha256, path)``."""
    digest = hashlib.sha256(body).hexdigest()
    path = snapshot_path(snapshot_dir, digest)
    if path.exists() and path.stat().st_size == len(body):
        return digest, path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest, path


class SnapshotJsonLinesPipeline:
    """Stores an item's ``body`` bytes and appends the item (without them) to the output
    file, as its own JSON line (:meth:`crawler.items.DocumentItem.to_json`).

    Settings: ``GKWATCH_SNAPSHOT_DIR``, ``GKWATCH_OUT_PATH``.
    """

    def __init__(self, snapshot_dir: str, out_path: str) -> None:
        self.snapshot_dir = Path(snapshot_dir)
        self.out_path = Path(out_path)
        self._fh: TextIO | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "SnapshotJsonLinesPipeline":
        s = crawler.settings
        return cls(s.get("GKWATCH_SNAPSHOT_DIR"), s.get("GKWATCH_OUT_PATH"))

    def open_spider(self, spider: Any = None) -> None:
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        self.out_path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.out_path.open("a", encoding="utf-8")

    def close_spider(self, spider: Any = None) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None

    def process_item(self, item: CrawledItem, spider: Any = None) -> CrawledItem:
        body, item.body = item.body, None
        if body is not None:
            digest, path = store_snapshot(self.snapshot_dir, body)
            item.sha256, item.size = digest, len(body)
            if isinstance(item, DocumentItem):
                item.snapshot = str(path)
        elif isinstance(item, DocumentItem) and item.not_modified and item.sha256:
            # 304: no new bytes; point at the snapshot we already hold, if any
            path = snapshot_path(self.snapshot_dir, item.sha256)
            item.snapshot = str(path) if path.exists() else None
        assert self._fh is not None, "pipeline not opened"
        self._fh.write(item.to_json() + "\n")
        self._fh.flush()
        return item
