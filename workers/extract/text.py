"""Plain text and markdown: paragraphs, tab-separated rows, pipe tables, one-cell-per-line
rows, and HTML tables embedded among the lines (read by the HTML reader, see embedded.py)."""
from __future__ import annotations

import re

from workers.extract.embedded import Piece, fragment_to_text, inline_to_text, split_embedded
from workers.extract.html import fragment_blocks, number_tables
from workers.extract.model import Block, Cell, ExtractedDocument

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


def text_to_document(text: str, *, fmt: str, encoding: str | None) -> ExtractedDocument:
    """Turn decoded text into blocks. Tables of the text itself are non-grid (blank = empty
    cell text); embedded HTML tables are grids. Tables are numbered in reading order."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    warnings: list[str] = []
    blocks: list[Block] = []
    for piece in split_embedded(text, warnings):
        blocks.extend(_piece_blocks(piece, fmt))
    meta = {"warnings": "\n".join(warnings)} if warnings else {}
    return ExtractedDocument(blocks=number_tables(blocks), format=fmt, encoding=encoding, meta=meta)


def _piece_blocks(piece: Piece, fmt: str) -> list[Block]:
    if not piece.html:
        return _line_blocks(inline_to_text(piece.text, entities=fmt == "markdown"))
    # Markup lxml makes nothing of is still read, as text, rather than dropped.
    return fragment_blocks(piece.text) or _line_blocks(fragment_to_text(piece.text))


def _line_blocks(text: str) -> list[Block]:
    """Blocks of text without markup, line by line."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i, n = 0, len(lines)

    def add_table(rows: list[list[str]]) -> None:
        # U+2028: a <br> inside the row's cell (embedded.inline_to_text)
        blocks.append(Block("table", rows=[[Cell(t.replace("\u2028", "\n"), r, c) for c, t in enumerate(row)]
                                           for r, row in enumerate(rows)]))

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
    return blocks
