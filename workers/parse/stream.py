"""Tables read as a stream of labels and numbers, whatever the lines are.

Text out of PDFs, OCR and converters prints a table row in many shapes: a row per line,
a cell per line, the values on the line after their label, a label broken over two lines
or pages, table 四's fifteen headings first and its fifteen numbers after. Line breaks
tell nothing reliable, so here they are dropped: the region of a table becomes a stream
of text chunks (consecutive label text, joined) and value groups (consecutive numbers and
blank marks). The national template is then aligned to it:

- a chunk is split at its printed numbering ("（三）不予公开1.属于国家秘密" → two labels)
  and each part matched to a row of the layout; a group heading is no row;
- the value group after a chunk belongs to the chunk's last row; rows named before it
  in the same chunk were printed without values: blank rows, not missing ones;
- a group of k×n values after k labels in a row of chunks fills them in order;
- fewer values than cells and only digits: fused digits (fused.py); anything else is a
  row printed but not read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from workers.parse.fused import T3_TOTAL, T4_TOTAL, Identity, balanced, read_run
from workers.parse.layouts import Layouts, RowSpec
from workers.parse.normalize import is_blank_mark, is_number, norm, to_number
from workers.parse.rows import Row
from workers.parse.table3 import match_cell
from workers.parse.table24 import t2_row_name
from workers.reading import TEXT, Reading

# where a printed numbering starts inside joined label text: 一、 (一) 1. 1、
_NUMBERING = re.compile(r"(?=(?:[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十\d]{1,2}\)|(?<![\d.])\d{1,2}[、.](?!\d)))")


@dataclass
class Segment:
    text: str                                   # joined, normalized label text
    values: list[str] = field(default_factory=list)
    prov: dict | None = None


@dataclass
class StreamRow:
    values: list
    reads: list[Reading]
    pool: tuple = ()


def segments(rows: list[Row]) -> list[Segment]:
    """The rows' cells as alternating label chunks and value groups."""
    out: list[Segment] = [Segment("")]
    for r in rows:
        for it in r.cells:
            t = it.text.strip()
            if not t:
                continue
            if is_number(t) or (is_blank_mark(t) and len(t) <= 2):
                out[-1].values.append(t)
            else:
                if out[-1].values:
                    out.append(Segment(""))
                if out[-1].prov is None:
                    out[-1].prov = it.prov
                out[-1].text += norm(t)
    return [s for s in out if s.text or s.values]


def sub_labels(text: str) -> list[str]:
    """'(三)不予公开1.属于国家秘密' → ['(三)不予公开', '1.属于国家秘密']."""
    cuts = sorted({m.start() for m in _NUMBERING.finditer(text)} | {0})
    return [text[a:b] for a, b in zip(cuts, cuts[1:] + [len(text)]) if text[a:b]]


def _cells(vals: list[str], n: int, identity: Identity | None) -> StreamRow | None:
    """n cells from one value group: as printed, or fused digits split."""
    if len(vals) == n:
        return StreamRow([to_number(v) if is_number(v) else None for v in vals], [Reading(TEXT)] * n)
    if len(vals) < n and all(is_number(v) for v in vals):
        # a number may be printed with spaces inside ("1 234", as is_number and to_number
        # read it): its digits are one token of the run
        got = read_run([v.replace(" ", "") for v in vals], n, identity=identity, prefer=balanced)
        if got:
            return StreamRow(got.values, got.cells, got.pool)
    return None


def align(segs: list[Segment], match: Callable[[str], str | None], width: Callable[[str], int],
          identity: Callable[[str], Identity | None] = lambda key: None
          ) -> tuple[dict[str, StreamRow], dict[str, str]]:
    """Rows read (key → cells) and rows printed but unreadable (key → printed values).
    ``match(label)`` names the layout row of one sub-label, ``width(key)`` its cells."""
    found: dict[str, StreamRow] = {}
    unread: dict[str, str] = {}
    queue: list[str] = []
    for seg in segs:
        for lab in sub_labels(seg.text):
            key = match(lab)
            if key and key not in found and key not in queue:
                queue.append(key)
        if not seg.values or not queue:
            continue
        n = width(queue[-1])
        k = len(seg.values) // n if len(seg.values) % n == 0 else 0
        if 1 < k <= len(queue) and all(width(q) == n for q in queue[-k:]):
            targets = queue[-k:]
            for j, key in enumerate(targets):
                got = _cells(seg.values[j * n:(j + 1) * n], n, identity(key))
                if got is not None:
                    found[key] = got
        else:
            targets = queue[-1:]
            got = _cells(seg.values, n, identity(targets[0]))
            if got is None:
                unread[targets[0]] = " ".join(seg.values)
            else:
                found[targets[0]] = got
        for key in queue[:len(queue) - len(targets)]:
            m = width(key)
            found[key] = StreamRow([None] * m, [Reading(TEXT, why="label printed without values")] * m)
        queue = []
    return found, {k: v for k, v in unread.items() if k not in found}


def t3_matcher(L: Layouts, version: str | None):
    """Sub-label → table-三 row key (a collapsed row whose sub-rows the layout has is a
    group heading, never a row of its own here)."""
    keys = L.t3_keys(version)
    specs: list[RowSpec] = [s for s in L.t3_rows if s.key in keys]
    split = {s.key for s in specs if s.collapsed and any(o.key.startswith(s.key + ".") for o in specs)}

    def match(label: str) -> str | None:
        hits = [(match_cell(label, s, True), s.key) for s in specs]
        hits = [(p, k) for p, k in hits if p >= 0 and k not in split]
        return min(hits)[1] if hits else None
    return match


def stream_table3(rows: list[Row], L: Layouts, version: str | None
                  ) -> tuple[dict[str, StreamRow], dict[str, str]]:
    return align(segments(rows), t3_matcher(L, version), lambda key: 7, lambda key: T3_TOTAL)


def stream_table2(rows: list[Row], L: Layouts, version: str | None
                  ) -> tuple[dict[str, StreamRow], dict[str, str]]:
    """Table 二's rows by name; each has as many cells as the layout gives it fields."""
    fields = L.t2_fields.get(version or "2021") or L.t2_fields["2021"]

    names = sorted(((w, name) for name, words in L.t2_rows.items() if name in fields for w in words),
                   key=lambda x: -len(x[0]))

    def match(label: str) -> str | None:
        # the row's name is what stands right before its numbers (headings may precede it)
        name = t2_row_name(label, L)
        if name in fields:
            return name
        return next((nm for w, nm in names if label.endswith(w)), None)
    return align(segments(rows), match, lambda key: len(fields[key]))


def stream_table4(rows: list[Row]) -> StreamRow | None:
    """The 15 values of table 四's region (headings are text, dropped)."""
    vals = [v for s in segments(rows) for v in s.values]
    return _cells(vals, 15, T4_TOTAL) if vals else None
