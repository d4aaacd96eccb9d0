"""Report-level facts: title, agency, year and layout version (the outline is in sections.py)."""
from __future__ import annotations

import re

from workers.parse.layouts import Layouts
from workers.parse.rows import Row

_TITLE_RE = re.compile(
    r"(?P<pre>[^\s。，；;:：]{0,40}?)\s*(?P<year>20\d{2})\s*年\s*度?\s*(?P<mid>[^\d。，；]{0,40}?)\s*"
    r"政府\s*信息\s*公开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:工\s*作\s*)?(?:年\s*)?报\s*告")
_PERIOD_RES = (re.compile(r"(20\d{2})\s*年\s*1\s*月\s*1\s*日"),
               re.compile(r"截[至止]\s*(20\d{2})\s*年\s*12\s*月\s*31\s*日"),
               re.compile(r"(20\d{2})\s*年\s*度"))
_PREFIX_JUNK = re.compile(r"^(?:标题|题目|title)\s*[:：]\s*|^#+\s*|^正文\s*", re.I)


def find_title(rows: list[Row], meta: dict[str, str]) -> tuple[str | None, str | None, int | None]:
    """(title, agency, year) from the first lines (or the page's title metadata)."""
    lines = [r.text.strip() for r in rows[:40] if r.text.strip()]
    cands = list(lines)
    for i in range(len(lines) - 1):
        cands.append(lines[i] + lines[i + 1])
    if meta.get("title"):
        cands.append(meta["title"])
    for i, line in enumerate(cands):
        s = _PREFIX_JUNK.sub("", line).strip()
        m = _TITLE_RE.search(s)
        if not m or len(s) > 120:
            continue
        agency = (m.group("pre") or m.group("mid") or "").strip(" -—_|")
        agency = re.sub(r"\s+", "", agency)
        if not agency and i > 0 and i < len(lines):
            prev = lines[i - 1].strip()
            if 2 <= len(prev) <= 30 and not re.search(r"\d", prev):
                agency = prev
        return s[: m.end()].strip(), agency or None, int(m.group("year"))
    return None, None, None


def find_year(text: str) -> int | None:
    for rx in _PERIOD_RES:
        m = rx.search(text)
        if m:
            return int(m.group(1))
    return None


def find_version(compact: str, L: Layouts) -> str | None:
    n19 = sum(k in compact for k in L.version["2019"])
    n21 = sum(k in compact for k in L.version["2021"])
    if n19 == 0 and n21 == 0:
        return None
    return "2019" if n19 > n21 else "2021"
