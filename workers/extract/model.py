"""The neutral document model every extractor produces.

A document is a flat list of blocks in reading order. A block is either a paragraph
(one line of text) or a table (rows of cells). Cells keep where they came from so the
parser can report provenance. Extractors never interpret content; that is the parser's job.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Word(NamedTuple):
    """A run of characters printed close together on one line, with its horizontal extent
    in page units (PDF and OCR): table cells are told apart by where their numbers sit.
    ``conf`` is the recogniser's confidence for OCR words (lowered where a seal covers
    the word); None for printed text, which is read exactly (a default, so that the
    parser's readings of text-layer PDFs carry no confidence)."""

    text: str
    x0: float
    x1: float
    conf: float | None = None


@dataclass(slots=True)
class Cell:
    """One table cell. ``span`` marks a grid position covered by a merged cell."""

    text: str
    row: int
    col: int
    span: bool = False


@dataclass(slots=True)
class Block:
    """A paragraph (``rows`` empty) or a table (``text`` empty).

    ``grid`` is True when the table came from real cell structure (HTML, DOCX, sheets),
    so that an empty cell is a genuinely blank cell rather than layout whitespace.
    ``words`` (PDF paragraphs only) are the line's words with positions; then
    ``text == " ".join(w.text for w in words)``.
    ``cells`` (PDF paragraphs only) are the horizontal extents ``(x0, x1)``, left to right
    and in the words' units, of the table cells drawn (ruling lines) across the line's
    height, label cells included; None when no drawn cell crosses the line or the page's
    rules were not read. ``workers.extract.rules.drawn_cell_of`` says which cell a word
    lies in: a second reading of a table's columns, independent of where glyphs cluster.
    """

    kind: str  # "para" | "table"
    text: str = ""
    rows: list[list[Cell]] = field(default_factory=list)
    page: int | None = None
    table: int | None = None
    grid: bool = False
    words: list[Word] | None = None
    cells: list[tuple[float, float]] | None = None


@dataclass(slots=True)
class ExtractedDocument:
    """Everything the parser needs from a file (not the ``models.Document`` row of a URL)."""

    blocks: list[Block]
    format: str
    encoding: str | None = None
    pages: int | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def plain_text(self) -> str:
        """All text in reading order, table rows tab-joined, one line per paragraph/row."""
        out: list[str] = []
        for b in self.blocks:
            if b.kind == "para":
                out.append(b.text)
            else:
                for r in b.rows:
                    out.append("\t".join([c.text for c in r if not c.span]))
        return "\n".join(out)

