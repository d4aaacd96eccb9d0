"""Plain text and markdown: paragraphs, tab-separated rows, pipe tables, one-cell-per-line rows."""
from __future__ import annotations

import re

from workers.extract.model import Block, Cell, Document

_SEP_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s*")
_ONE_CELL_RE = re.compile(r"^\t[^\t]*$")


def _pipe_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def text_to_document(text: str, *, fmt: str, encoding: str | None) -> Document:
    """Turn decoded text into blocks; every table is non-grid (blank = empty cell text)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    table_no = 0
    i, n = 0, len(lines)

    def add_table(rows: list[list[str]]) -> None:
        nonlocal table_no
        table_no += 1
        blocks.append(Block("table", rows=[[Cell(t, r, c) for c, t in enumerate(row)]
                                           for r, row in enumerate(rows)], table=table_no))

    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.lstrip().startswith("|") and line.count("|") >= 2:
            rows = []
            while i < n and lines[i].lstrip().startswith("|"):
                if not _SEP_RE.match(lines[i]):
                    rows.append(_pipe_cells(lines[i]))
                i += 1
            add_table(rows)
            continue
        if _ONE_CELL_RE.match(line) and i + 1 < n and _ONE_CELL_RE.match(lines[i + 1]):
            # One cell per line (copied from a Word table): a blank line ends the row.
            rows = []
            while i < n and (_ONE_CELL_RE.match(lines[i]) or not lines[i].strip()):
                row = []
                while i < n and _ONE_CELL_RE.match(lines[i]):
                    row.append(lines[i][1:].strip())
                    i += 1
                if row:
                    rows.append(row)
                while i < n and not lines[i].strip() and lines[i] != "\t":
                    i += 1
                    if i < n and not _ONE_CELL_RE.match(lines[i]):
                        break
            add_table(rows)
            continue
        if "\t" in line.strip("\n") and line.strip():
            rows = []
            while i < n and "\t" in lines[i] and not _ONE_CELL_RE.match(lines[i]):
                rows.append([c.strip() for c in lines[i].split("\t")])
                i += 1
            if rows:
                add_table(rows)
                continue
        blocks.append(Block("para", text=_HEADING_RE.sub("", line).strip()))
        i += 1
    return Document(blocks=blocks, format=fmt, encoding=encoding)
