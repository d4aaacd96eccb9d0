"""A whole report laid out in one spreadsheet-style <table> (pages exported from Excel/WPS).

Such a page has no paragraphs: every heading and narrative paragraph sits in a row of its
own, one text cell spanning the sheet (``colspan`` = all columns, or the row's only cell),
and the statistical tables are the ordinary rows of the same sheet. Left as one grid, the
narrative would look like table rows to the parser. :func:`table_blocks` splits such a
sheet back into paragraphs and tables; any other table comes back as one block, unchanged.
"""
from __future__ import annotations

import re

from workers.extract.model import Block, Cell

_TOP = re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]")  # 一、总体情况
_SUB = re.compile(r"^[(（][一二三四五六七八九十]{1,3}[)）]")  # （一）主动公开
_PROSE_LEN = 40  # a text row this long is a sentence, whatever it holds
# A report sheet prints its section headings (一、… 六、) in rows of their own; an ordinary
# table has at most one such caption (besides notes), so it is never split.
_MIN_HEADINGS = 2


def _text_row(n_tds: int, row: list[Cell], width: int) -> str | None:
    """The text of a row made of one text cell across the sheet, else None.

    The cell starts the row and either is the row's only cell or covers at least two
    thirds of the sheet (exporters pad a merged text row with empty cells). A cell
    covered from a row above, with other text, makes it an ordinary table row."""
    if not row or row[0].span or not row[0].text.strip():
        return None
    text, own = row[0].text, 1
    for c in row[1:]:
        if c.span and c.text == text:
            own += 1
        elif c.text.strip():
            return None
    return text if n_tds == 1 or own * 3 >= width * 2 else None


def _narrative(text: str) -> bool:
    """A heading or a sentence rather than a caption such as 第二十条第（一）项 or 单位：件."""
    t = text.strip()
    return bool(_TOP.match(t) or _SUB.match(t)) or "。" in t or len(t) >= _PROSE_LEN


def _is_sheet(texts: list[str | None]) -> bool:
    return sum(1 for t in texts if t and _TOP.match(t.strip())) >= _MIN_HEADINGS


def _grid_block(rows: list[list[Cell]]) -> Block:
    """One run of table rows as its own grid: rows renumbered from 0, and the sheet's
    padding columns (empty in every row of the run) cut off both sides."""
    used = {c.col for r in rows for c in r if c.text.strip()}
    lo, hi = min(used), max(used) + 1
    out = [[Cell(c.text, n, c.col - lo, c.span) for c in r[lo:hi]] for n, r in enumerate(rows)]
    return Block("table", rows=out, grid=True)


def _paras(text: str) -> list[Block]:
    return [Block("para", text=line) for line in text.split("\n") if line.strip()]


def _split(grid: list[list[Cell]], texts: list[str | None]) -> list[Block]:
    """Narrative rows become paragraphs; the rows between them become table blocks. A run
    without any multi-cell row (a title, a signature, a date) is paragraphs as well."""
    blocks: list[Block] = []
    run: list[tuple[list[Cell], str | None]] = []

    def close() -> None:
        if not run:
            return
        if any(t is None for _, t in run):
            blocks.append(_grid_block([r for r, _ in run]))
        else:
            for _, t in run:
                blocks.extend(_paras(t or ""))
        run.clear()

    for row, text in zip(grid, texts):
        if not any(c.text.strip() for c in row):
            continue  # a spacer row of the sheet
        if text is not None and _narrative(text):
            close()
            blocks.extend(_paras(text))
        else:
            run.append((row, text))
    close()
    return blocks


def table_blocks(tds_per_row: list[int], grid: list[list[Cell]]) -> list[Block]:
    """The blocks of one gridded HTML table: a report sheet split into paragraphs and
    tables, any other table as a single grid block. ``tds_per_row`` counts the cells
    written in each <tr> (aligned with ``grid``)."""
    # a sheet has two rows that start with a section heading (``_is_sheet`` over the rows'
    # texts, whose first cell is their text): most tables have none, seen without
    # reading every row's cells
    if sum(1 for r in grid if r and not r[0].span and _TOP.match(r[0].text.strip())) < _MIN_HEADINGS:
        return [Block("table", rows=grid, grid=True)]
    width = max((len(r) for r in grid), default=0)
    texts = [_text_row(n, row, width) for n, row in zip(tds_per_row, grid)]
    if not _is_sheet(texts):
        return [Block("table", rows=grid, grid=True)]
    return _split(grid, texts)
