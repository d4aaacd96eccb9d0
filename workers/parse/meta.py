"""Report-level facts: title, agency, year, layout version, sections and their text."""
from __future__ import annotations

import re

from workers.parse.layouts import Layouts
from workers.parse.normalize import norm, strip_numbering
from workers.parse.rows import Row

_TITLE_RE = re.compile(
    r"(?P<pre>[^\s。，；;:：]{0,40}?)\s*(?P<year>20\d{2})\s*年\s*度?\s*(?P<mid>[^\d。，；]{0,40}?)\s*"
    r"政府\s*信息\s*公开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:工\s*作\s*)?(?:年\s*)?报\s*告")
_PERIOD_RES = (re.compile(r"(20\d{2})\s*年\s*1\s*月\s*1\s*日"),
               re.compile(r"截[至止]\s*(20\d{2})\s*年\s*12\s*月\s*31\s*日"),
               re.compile(r"(20\d{2})\s*年\s*度"))
_PREFIX_JUNK = re.compile(r"^(?:标题|题目|title)\s*[:：]\s*|^#+\s*|^正文\s*", re.I)
_HEADING_NUM = re.compile(r"^(?:[一二三四五六七八九十]{1,2}[、.．]|[（(][一二三四五六七八九十]{1,2}[)）])")


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


def _heading_key(text: str, L: Layouts) -> str | None:
    t = norm(text)
    if len(t) > 45:
        return None
    rest, nums = strip_numbering(t)
    for key, words in L.sections.items():
        for w in words:
            if nums and w in rest and len(rest) <= len(w) + 12:
                return key
            # an unnumbered heading is the keyword alone, not a sentence that starts with it
            if not nums and rest.startswith(w) and len(rest) <= len(w) + 4 and "。" not in rest:
                return key
    return None


def find_sections(rows: list[Row], L: Layouts, skip: set[int]) -> tuple[list[tuple[str, int]], bool]:
    """(section key, row index) of the first heading of each section, in document order.

    The flag is True when the headings were found inline in flat text; the positions are
    then offsets in the normalized text of all rows.
    """
    found: dict[str, int] = {}
    for i, r in enumerate(rows):
        if i in skip or len(r.cells) > 2:
            continue
        k = _heading_key(r.text, L)
        if k and k not in found:
            found[k] = i
    if len(found) < 3:
        # flat text: headings inline as '二、主动公开政府信息情况'
        found_flat = flat_sections(" ".join(r.text for r in rows), L)
        if len(found_flat) > len(found):
            return found_flat, True
    if "5" not in found and "4" in found and "6" in found:
        for i in range(found["4"] + 1, found["6"]):
            t = norm(rows[i].text)
            if len(t) < 30 and ("主要问题" in t or "改进情况" in t):
                found["5"] = i
                break
    return sorted(found.items(), key=lambda kv: kv[1]), False


def flat_sections(text: str, L: Layouts) -> list[tuple[str, int]]:
    t = norm(text)
    out: dict[str, int] = {}
    for key, words in L.sections.items():
        for w in words:
            m = re.search(r"[一二三四五六七八九十][、.]" + re.escape(w), t)
            if m and (key not in out or m.start() < out[key]):
                out[key] = m.start()
        if key not in out:
            for w in words:
                p = t.find(w)
                if p >= 0:
                    out[key] = p
                    break
    return sorted(out.items(), key=lambda kv: kv[1])
