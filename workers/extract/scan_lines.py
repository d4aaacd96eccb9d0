"""OCR text boxes → the lines and positioned words a text-layer PDF gives (pure geometry).

A scanned page yields text boxes in pixels, each with one score. The parser wants what
``pdf.py`` produces: one line per printed row, its words left to right with horizontal
extents (``Word``), so that ``workers.parse.columns`` places numbers by position the
same way for both. This module

* estimates the page's skew from the boxes of long text runs (their top edges are the
  baselines' direction) and rotates box corners into the upright frame;
* groups boxes into lines by their vertical centres;
* splits a box holding several space-separated tokens ("3 1 0") into words with
  proportional extents (CJK characters count twice the width of digits).
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

from workers.extract.model import Word

MAX_SKEW = 2.5   # degrees: beyond this the estimate is more likely vertical text than skew
_MIN_LONG = 4.0  # a box at least this many times wider than tall carries a baseline
_LINE_TOL = 0.35  # boxes of one line: centres closer than this fraction of the box height

Quad = Sequence[tuple[float, float]]
Affine = tuple[float, float, float, float, float, float]  # x' = a x + b y + c; y' = d x + e y + f


class Piece(NamedTuple):
    """A text box in the upright frame (pixels, y downwards)."""

    text: str
    score: float
    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0


def skew_angle(quads: Sequence[Quad]) -> float:
    """Page skew in degrees (positive: lines fall to the right, y downwards), the median
    over boxes of long text runs; 0.0 when there are none or the estimate is implausible."""
    angles = []
    for q in quads:
        (x0, y0), (x1, y1), _, (x3, y3) = q[:4]
        w = math.hypot(x1 - x0, y1 - y0)
        h = math.hypot(x3 - x0, y3 - y0)
        if h > 0 and w >= _MIN_LONG * h and w >= 60:
            angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    if len(angles) < 3:
        return 0.0
    angles.sort()
    a = angles[len(angles) // 2]
    return a if abs(a) <= MAX_SKEW else 0.0


def deskew_matrix(angle: float, width: float, height: float) -> Affine:
    """The rotation about the page centre that makes lines falling at ``angle`` degrees
    horizontal (the same matrix as ``cv2.getRotationMatrix2D(centre, angle, 1)``)."""
    r = math.radians(angle)
    a, b = math.cos(r), math.sin(r)
    cx, cy = width / 2, height / 2
    return (a, b, (1 - a) * cx - b * cy, -b, a, b * cx + (1 - a) * cy)


def apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]


def piece(text: str, score: float, quad: Quad, m: Affine | None = None) -> Piece:
    pts = [apply(m, x, y) for x, y in quad] if m else list(quad)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return Piece(text, score, min(xs), max(xs), min(ys), max(ys))


def group_lines(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """Pieces grouped into lines (top to bottom), each sorted left to right.

    A piece joins the line whose centre is nearest to its own when closer than
    ``_LINE_TOL`` of the taller height: the numbers of one table row sit within a few
    pixels of one centre, while a wrapped label's two lines beside them are half a line
    above and below, and stay lines of their own (the parser pairs them)."""
    lines: list[list[Piece]] = []
    centres: list[float] = []
    for p in sorted(pieces, key=lambda p: (p.cy, p.x0)):
        best, dist = -1, math.inf
        for k in range(max(0, len(lines) - 4), len(lines)):  # only the last few can be near
            d = abs(p.cy - centres[k])
            tall = max(p.h, sorted(q.h for q in lines[k])[len(lines[k]) // 2])
            if d <= _LINE_TOL * tall and d < dist:
                best, dist = k, d
        if best < 0:
            lines.append([p])
            centres.append(p.cy)
        else:
            lines[best].append(p)
            ys = sorted(q.cy for q in lines[best])
            centres[best] = ys[len(ys) // 2]
    order = sorted(range(len(lines)), key=lambda k: centres[k])
    return [sorted(lines[k], key=lambda p: p.x0) for k in order]


def _units(ch: str) -> float:
    return 2.0 if ord(ch) > 0x2e7f else 1.0  # CJK and fullwidth forms are about square


def split_words(p: Piece, scale: float, conf: float | None = None) -> list[Word]:
    """The piece's whitespace-separated tokens as words, in page units (``scale`` per
    pixel), each spanning its share of the box by character widths; all carry the box's
    score (or ``conf``)."""
    score = p.score if conf is None else conf
    text = p.text
    total = sum(_units(c) for c in text) or 1.0
    span = p.x1 - p.x0
    words: list[Word] = []
    pos = 0.0
    start: float | None = None
    buf: list[str] = []
    for ch in text + " ":
        u = _units(ch)
        if ch.isspace():
            if buf:
                a, b = p.x0 + span * start / total, p.x0 + span * pos / total  # type: ignore[operator]
                words.append(Word("".join(buf), a * scale, b * scale, score))
                buf = []
            pos += u
            continue
        if not buf:
            start = pos
        buf.append(ch)
        pos += u
    return words
