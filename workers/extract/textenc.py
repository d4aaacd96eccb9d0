"""Decoding bytes of text/HTML documents: BOM, declared charset, then detection."""
from __future__ import annotations

import codecs
import re

_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# XHTML pages (and some CMS exports) name their encoding in an XML declaration only
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_CT_RE = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9_\-]+)", re.I)

# GB2312/GBK are subsets of GB18030; decoding with the superset never loses text.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "cp936": "gb18030", "utf8": "utf-8"}


def _norm(name: str) -> str | None:
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, content_type: str | None = None, *, html: bool = False) -> tuple[str, str]:
    """Return (text, encoding). Order: BOM, HTTP charset, XML declaration, meta charset, UTF-8,
    detection."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    declared: list[str] = []
    if content_type:
        m = _CT_RE.search(content_type)
        if m:
            declared.append(m.group(1))
    if html:
        m = _XML_DECL_RE.match(data[:512])
        if m:
            declared.append(m.group(1).decode("ascii", "ignore"))
        m = _META_RE.search(data[:4096])
        if m:
            declared.append(m.group(1).decode("ascii", "ignore"))
    for name in declared:
        enc = _norm(name)
        if enc:
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                continue  # declared charset is wrong: fall through to detection
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # lazy: only for odd encodings

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return data.decode("utf-8", errors="replace"), "utf-8"
