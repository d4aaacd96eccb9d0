"""Access to the narrative text the parser adds (``title``, ``preamble``, ``section_text``)."""
from __future__ import annotations

import re
import unicodedata

_WS_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")


def normalize(text: str) -> str:
    """NFKC (full-width digits, punctuation kept as Chinese where NFKC keeps it), and
    whitespace removed except between two digits (PDF line breaks split words)."""
    t = unicodedata.normalize("NFKC", text)
    # NFKC turns Chinese punctuation （），：；into ASCII; map the ones we split on back.
    t = t.translate(str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}))
    t = re.sub(r"(?<=\d)，(?=\d{3}(?!\d))", "", t)  # thousands separators 3,119
    t = _WS_BETWEEN_DIGITS.sub(" ", t)
    t = re.sub(r"(?<!\d)\s+|\s+(?!\d)", "", t)
    return t


def section_texts(report: dict) -> dict[str, str] | None:
    """{"1": text, …} as given by the parser, or None when the report has no text."""
    st = report.get("section_text")
    if not isinstance(st, dict):
        return None
    return {str(k): v for k, v in st.items() if isinstance(v, str)}


def all_texts(report: dict) -> list[tuple[str, str]] | None:
    """(where, normalized text) for the preamble and each section, in order; None when
    the report carries no narrative text at all."""
    st = section_texts(report)
    pre = report.get("preamble")
    if st is None and not isinstance(pre, str):
        return None
    out: list[tuple[str, str]] = []
    if isinstance(pre, str) and pre.strip():
        out.append(("preamble", normalize(pre)))
    for k in sorted((st or {}), key=lambda s: (len(s), s)):
        out.append((k, normalize(st[k])))
    return out
