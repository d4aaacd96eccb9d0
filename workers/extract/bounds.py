"""Bounded cost for office packages: zip bombs, endless sheets and giant merges.

A DOCX or XLSX is a zip; its members may inflate a thousandfold (a 10 MB file holding a
10 GB member), and a 5 KB sheet can declare one cell at XFD1048576 or a merge of
A1:XFD1048576, which a spreadsheet library turns into billions of cell objects. Before any
library sees the package:

- the declared inflated sizes are checked (zipfile never reads past a member's declared
  size, so the declaration bounds the work);
- each worksheet's merges are clipped to the area its cells really occupy, and the
  package is rebuilt in memory with the clipped merges.

Readers then walk the cells that exist (sparse), never the sheet's rectangle.
"""
from __future__ import annotations

import io
import re
import zipfile

from ground.errors import ExtractionError

MAX_MEMBERS = 5_000
MAX_INFLATED = 256 * 1024 * 1024       # all members together
MAX_MEMBER = 128 * 1024 * 1024         # one member
MAX_RATIO = 200                         # inflated / compressed, for members over 1 MB
SHEET_MAX_ROWS = 20_000                 # an annual report's sheet has a few hundred
SHEET_MAX_COLS = 256

_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"[^>]*/>')


def col_number(letters: bytes | str) -> int:
    """'A' → 1, 'XFD' → 16384."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def check_package(data: bytes, kind: str, *, source: str | None) -> zipfile.ZipFile:
    """Open the zip and refuse it, with the reason, when it would inflate past the limits."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExtractionError(f"corrupt or unreadable {kind}: {exc}", source=source) from exc
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ExtractionError(f"{kind} package has {len(infos)} members, over the limit of {MAX_MEMBERS}",
                              source=source)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER or (info.file_size > 1 << 20 and ratio > MAX_RATIO):
            raise ExtractionError(
                f"{kind} member {info.filename} inflates to {info.file_size} bytes "
                f"({ratio:.0f}× its stored size): refused as a zip bomb", source=source)
    if total > MAX_INFLATED:
        raise ExtractionError(f"{kind} package inflates to {total} bytes, over the limit of {MAX_INFLATED}",
                              source=source)
    return zf


def _clip_merges(xml: bytes) -> bytes:
    """The sheet with every merge clipped to the rows and columns its cells occupy."""
    max_r = max_c = 0
    for m in _CELL_REF.finditer(xml):
        max_c = max(max_c, col_number(m.group(1)))
        max_r = max(max_r, int(m.group(2)))
    max_r, max_c = min(max_r, SHEET_MAX_ROWS), min(max_c, SHEET_MAX_COLS)

    def clip(m: re.Match[bytes]) -> bytes:
        c0, r0 = col_number(m.group(1)), int(m.group(2))
        c1, r1 = (col_number(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
        c1, r1 = min(c1, max(max_c, c0)), min(r1, max(max_r, r0))
        if c0 > SHEET_MAX_COLS or r0 > SHEET_MAX_ROWS or (c0, r0) == (c1, r1):
            return b""  # outside what is read, or a one-cell merge: nothing to merge
        return f'<mergeCell ref="{_letters(c0)}{r0}:{_letters(c1)}{r1}"/>'.encode()

    return _MERGE.sub(clip, xml)


def bounded_xlsx(data: bytes, *, source: str | None) -> bytes:
    """The XLSX with its merges clipped (a new package only when something changed)."""
    zf = check_package(data, "XLSX", source=source)
    changed: dict[str, bytes] = {}
    for info in zf.infolist():
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            xml = zf.read(info)
            clipped = _clip_merges(xml)
            if clipped != xml:
                changed[info.filename] = clipped
    if not changed:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in zf.infolist():
            new.writestr(info, changed.get(info.filename) or zf.read(info))
    return out.getvalue()
