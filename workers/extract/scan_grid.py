"""What a scanned page shows besides text: the ruling lines of its tables and red seals.

* Ruling lines: long horizontal and vertical strokes of the binarised (upright) page,
  found by morphological opening with kernels longer than any glyph. They become the
  same ``PageRules`` that ``rules.py`` reads from a text-layer PDF's drawing, in page
  units, so ``rules.cells_at`` gives each OCR line its drawn cells: the parser's second
  reading of the columns, independent of where the recognised boxes sit.
* Seals: red pixels (high red, low green and blue) of a colour page. A number under a
  stamp may be misread, so words overlapping a seal get a low confidence: the cell is
  then uncertain (reviewed by a person), not wrong.
"""
from __future__ import annotations

from typing import Any

from workers.extract.rules import HRule, PageRules, VRule

SEAL_CONF = 0.5          # confidence ceiling for a word a seal covers
_SEAL_SHARE = 0.03       # share of a word's box in red pixels from which it counts as covered
_MIN_RULE_PX = 40        # px: shorter strokes are glyph parts ("一", "1"), not rules
_GLYPH_FACTOR = 2.5      # and rules are longer than this many text heights


def find_rules(grey: Any, scale: float, text_h: float = 20.0) -> PageRules | None:
    """Ruling lines of an upright greyscale page (numpy ``HxW`` uint8), in page units
    (``scale`` per pixel, y downwards like the OCR words' frame), or None without any
    vertical rule."""
    import cv2
    import numpy as np

    bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    length = int(max(_MIN_RULE_PX, _GLYPH_FACTOR * text_h))
    # a rule left skewed by a fraction of a degree drifts a pixel or two along its length:
    # thicken across it first so that the opening keeps it whole
    horiz = cv2.morphologyEx(cv2.dilate(bw, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN,
                             np.ones((1, length * 2), np.uint8))
    vert = cv2.morphologyEx(cv2.dilate(bw, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN,
                            np.ones((length, 1), np.uint8))
    out = PageRules([], [])
    n, _, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    for x, y, w, h, _ in stats[1:n]:
        if h >= length and w <= max(6, h // 8):
            out.vertical.append(VRule((x + w / 2) * scale, y * scale, (y + h) * scale))
    n, _, stats, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    for x, y, w, h, _ in stats[1:n]:
        if w >= 2 * length and h <= max(6, w // 8):
            out.horizontal.append(HRule((y + h / 2) * scale, x * scale, (x + w) * scale))
    if not out.vertical:
        return None
    out.vertical.sort()
    out.horizontal.sort()
    return out


def seal_mask(rgb: Any) -> Any | None:
    """Boolean mask of red seal pixels of an RGB page, or None when there are none."""
    import cv2
    import numpy as np

    r, g, b = (rgb[:, :, i].astype(np.int16) for i in range(3))
    red = (r > 110) & (r - g > 45) & (r - b > 45)
    if red.sum() < 200:  # a few red pixels: JPEG colour noise, a red heading letter
        return None
    # the seal's own strokes are thin rings and glyphs: close them into the area it covers
    closed = cv2.morphologyEx(red.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    return closed.astype(bool)


def sealed(mask: Any | None, x0: float, x1: float, y0: float, y1: float) -> bool:
    """Whether a seal covers part of the pixel box ``x0..x1 × y0..y1``."""
    if mask is None:
        return False
    h, w = mask.shape
    a, b = max(0, int(x0)), min(w, int(x1) + 1)
    c, d = max(0, int(y0)), min(h, int(y1) + 1)
    if a >= b or c >= d:
        return False
    return float(mask[c:d, a:b].mean()) >= _SEAL_SHARE
