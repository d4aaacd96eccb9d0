"""PP-OCRv4 text boxes of one page image, through ``rapidocr-onnxruntime``.

The detection and recognition models ship inside the ``rapidocr_onnxruntime`` wheel; the
engine is built from them once per process and never downloads anything.

RapidOCR's own pipeline is used for its parts (detector, recogniser, CTC decoder) but not
as a whole, for two reasons measured on 150-dpi scans of report tables:

* it pads every recognition input to 320 px width with grey; a table page is mostly
  lone digits ("0", "1"), each of which then costs a 48x320 inference and is read with
  low confidence (a lone "0" at 0.66–0.8). Padded with white to the next 32 px (96 px at
  least), the same digits read at 0.97 in half the time;
* it turns any crop taller than 1.5x its width by 90° (for vertical text); a lone digit
  is that tall, and turned or not reads better depending on the digit: both are read and
  the likelier reading is kept (see ``read_boxes``).
"""
from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import Any, NamedTuple

ENGINE_NAME = "rapidocr PP-OCRv4"
MAX_DET_SIDE = 2000  # px: larger pages are scaled down for detection only (as RapidOCR does)
_REC_H = 48          # the recogniser's input height
_MIN_REC_W = 96      # white-padded minimum input width (2:1 — a lone digit)
_REC_STEP = 32       # input widths are rounded up to this: few distinct shapes to plan
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# a box read as one of these alone is, in a table of counts, a zero the model misread
_ZERO_LOOKALIKES = {"o", "O", "〇", "○", "。", "Q", "D", "0."}
_LOOKALIKE_CONF = 0.5
BOX_THRESH = 0.3  # RapidOCR's default 0.5 loses faint lone digits


class OcrBox(NamedTuple):
    """One recognised text box: its text, the recogniser's score and its four corners
    (pixels of the page image, clockwise from top-left)."""

    text: str
    score: float
    quad: tuple[tuple[float, float], ...]


def available() -> bool:
    """Whether the engine can be imported (its models are part of the package)."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _threads() -> int:
    """One inference thread per CPU this process may use (the worker queue pins workers),
    at most 4: more threads do not pay on a page's small inputs."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(4, int(os.environ.get("GKWATCH_OCR_THREADS", n))))


@lru_cache(maxsize=1)
def engine() -> Any:
    """The RapidOCR engine (models loaded once per process)."""
    from rapidocr_onnxruntime import RapidOCR  # lazy: onnxruntime and OpenCV are heavy

    n = _threads()
    eng = RapidOCR(use_cls=False, print_verbose=False, intra_op_num_threads=n,
                   inter_op_num_threads=1)
    # a lone "0" on a grainy scan scores 0.3–0.5 as a text region: kept (and read with a
    # low confidence, so uncertain) rather than lost as a blank cell
    eng.text_det.postprocess_op.box_thresh = BOX_THRESH
    return eng


def _crop(img: Any, quad: Any) -> Any:
    """The box's pixels warped upright (RapidOCR's crop without its 90° turn of narrow
    boxes: ``read_boxes`` decides about that)."""
    import cv2
    import numpy as np

    pts = np.asarray(quad, dtype=np.float32)
    w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    w, h = max(w, 1), max(h, 1)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(pts, dst)
    out = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE,
                              flags=cv2.INTER_CUBIC)
    return out


def _rec_input(crop: Any) -> Any:
    import cv2
    import numpy as np

    h, w = crop.shape[:2]
    rw = max(1, int(math.ceil(_REC_H * w / h)))
    width = max(_MIN_REC_W, int(math.ceil(rw / _REC_STEP) * _REC_STEP))
    canvas = np.full((_REC_H, width, 3), 255.0, np.float32)  # white, as paper
    canvas[:, :rw] = cv2.resize(crop, (rw, _REC_H)).astype(np.float32)
    return ((canvas / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)


def _clean(text: str, score: float) -> tuple[str, float]:
    text = " ".join(text.translate(_FULLWIDTH_DIGITS).split())
    if text in _ZERO_LOOKALIKES:
        return "0", min(score, _LOOKALIKE_CONF)  # right more often than not, never certain
    return text, score


def _detect(bgr: Any) -> list[Any]:
    import cv2

    eng = engine()
    h, w = bgr.shape[:2]
    ratio = min(1.0, MAX_DET_SIDE / max(h, w))
    img = bgr if ratio == 1.0 else cv2.resize(bgr, (int(w * ratio), int(h * ratio)))
    boxes, _ = eng.text_det(img)
    if boxes is None or len(boxes) == 0:
        return []
    return [b / ratio for b in boxes]


def read_boxes(rgb: Any) -> list[OcrBox]:
    """Every text box of an RGB page image (numpy ``HxWx3`` uint8), with its text and
    score; boxes read as nothing are left out."""
    import numpy as np

    bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # the models were trained on OpenCV's BGR
    rec = engine().text_rec
    out: list[OcrBox] = []
    quads = _detect(bgr)
    # same-width inputs one after another in small batches: a batch is padded to its widest
    crops = [_crop(bgr, q) for q in quads]
    inputs = [_rec_input(c) for c in crops]
    # a lone glyph (crop at least 1.5x taller than wide) is read upright and turned by 90°
    # as RapidOCR turns it: turned, a lone "0" reads at 0.95 instead of 0.4 (as "o" or
    # "。" half the time); upright, other digits read better. The likelier reading wins.
    turned = {len(inputs) + k: i for k, i in enumerate(
        [i for i, c in enumerate(crops) if c.shape[0] >= 1.5 * c.shape[1]])}
    inputs += [_rec_input(np.rot90(crops[i])) for i in turned.values()]
    order = sorted(range(len(inputs)), key=lambda i: inputs[i].shape[2])
    results: dict[int, tuple[str, float]] = {}
    k = 0
    while k < len(order):
        width = inputs[order[k]].shape[2]
        batch = [order[k]]
        while k + len(batch) < len(order) and len(batch) < 8 \
                and inputs[order[k + len(batch)]].shape[2] == width:
            batch.append(order[k + len(batch)])
        preds = rec.session(np.stack([inputs[i] for i in batch]))[0]
        for i, (text, score) in zip(batch, rec.postprocess_op(preds)):
            results[i] = _clean(text, float(score))
        k += len(batch)
    for k, i in turned.items():
        if results[k][1] > results[i][1]:
            results[i] = results[k]
    for i, q in enumerate(quads):
        text, score = results[i]
        if text:
            out.append(OcrBox(text, score, tuple((float(x), float(y)) for x, y in q)))
    return out


def _seal_ink(text: str) -> bool:
    """A recognised piece under a seal that cannot be the report's: no digit and at most
    one Chinese character ("+++++", "★", "书")."""
    return not any(ch.isdigit() for ch in text) and sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") <= 1


def read_page(rgb: Any, dpi: float, page: int, footer: Any = None) -> list[Any]:
    """One page image as paragraph Blocks in the shape ``pdf.py`` gives text-layer pages:
    one per visual line, words positioned in page units (points at ``dpi``), the
    scanned grid's drawn cells where the page has one. ``footer`` (a compiled regex)
    drops page-number lines."""
    import cv2
    import numpy as np

    from workers.extract import scan_grid, scan_lines
    from workers.extract.model import Block
    from workers.extract.rules import cells_at

    boxes = read_boxes(rgb)
    if not boxes:
        return []
    h, w = rgb.shape[:2]
    angle = scan_lines.skew_angle([b.quad for b in boxes])
    m = None
    upright = rgb
    if abs(angle) >= 0.05:  # below this a row drifts under a pixel across a table
        m = scan_lines.deskew_matrix(angle, w, h)
        upright = cv2.warpAffine(rgb, np.array(m, dtype=np.float64).reshape(2, 3), (w, h),
                                 flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    pieces = [scan_lines.piece(b.text, b.score, b.quad, m) for b in boxes]
    scale = 72.0 / dpi
    heights = sorted(p.h for p in pieces)
    grey = cv2.cvtColor(upright, cv2.COLOR_RGB2GRAY)
    rules = scan_grid.find_rules(grey, scale, heights[len(heights) // 2])
    colour = bool(np.any(rgb[:, :, 0] != rgb[:, :, 2]))
    mask = scan_grid.seal_mask(upright) if colour else None
    out = []
    for line in scan_lines.group_lines(pieces):
        words = []
        for p in line:
            covered = scan_grid.sealed(mask, p.x0, p.x1, p.y0, p.y1)
            if covered and _seal_ink(p.text):
                continue  # the seal's own ring, star or a glyph of its legend, not the report's
            cap = scan_grid.SEAL_CONF if covered else 1.0
            words.extend(scan_lines.split_words(p, scale, min(p.score, cap)))
        if not words:
            continue
        text = " ".join(wd.text for wd in words)
        if footer is not None and footer.match(text):
            continue
        ys = sorted(p.cy for p in line)
        y = ys[len(ys) // 2] * scale
        cells = cells_at(rules, y) if rules else None
        out.append(Block("para", text=text, page=page, words=words, cells=cells))
    return out
