"""The report's outline: the headings as printed, and which standard section each opens.

A report has six standard sections (一、总体情况 … 六、其他需要报告的事项; keywords in
``layouts.toml`` ``[sections]``). The parser records every heading it saw, with its printed
numbering and the standard section it names (if any), so that the validator can judge the
outline (S-SECTIONS) from what was printed rather than from the parser's choice alone.

Where a section's heading appears more than once (a sub-heading （一）主动公开政府信息情况
inside 一、总体情况, or a preamble sentence that was broken into a short line), the section
starts at the first *top-level numbered* heading ("二、…"), then an unnumbered one, then a
sub-level one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from workers.parse.layouts import Layouts
from workers.parse.normalize import norm, register_cache, strip_numbering
from workers.parse.rows import Row

_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_TOP_LEVEL = re.compile(r"^([一二三四五六七八九十]{1,3})[、.．]")
_SUB_LEVEL = re.compile(r"^[(（]([一二三四五六七八九十]{1,3})[)）]")
# Preference among several headings of one section: top-level numbered, unnumbered, sub-level.
_RANK = {1: 0, 0: 1, 2: 2}
_MAX_HEADING = 45  # normalized characters; longer lines are sentences
_MAX_UNKEYED = 30  # an unrecognised top-level heading is short ("二、工作机制保障")


@dataclass(frozen=True, slots=True)
class Heading:
    """One heading line. ``pos`` is a row index (or a text offset in flat mode)."""

    pos: int
    level: int  # 0 unnumbered, 1 "一、", 2 "（一）"
    number: int | None  # the printed numeral's value
    text: str
    key: str | None

    def as_dict(self) -> dict:
        return {"number": self.number, "level": self.level, "text": self.text, "key": self.key}


def numeral_value(s: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20; None for anything else."""
    if not s or any(c not in _NUMERALS for c in s):
        return None
    if len(s) == 1:
        return _NUMERALS[s]
    if "十" not in s:
        return None
    tens, _, units = s.partition("十")
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[units] if units else 0)


def _numbering(text: str, normed: str | None = None) -> tuple[int, int | None]:
    """(level, number) of a heading line's printed numbering (``normed``: ``norm(text)``
    when the caller has it already; normalising a long line is the costly part)."""
    t = (norm(text) if normed is None else normed).replace("(", "（").replace(")", "）")
    if m := _TOP_LEVEL.match(t):
        return 1, numeral_value(m.group(1))
    if m := _SUB_LEVEL.match(t):
        return 2, numeral_value(m.group(1))
    return 0, None


#: ``heading_key`` by normalised line, for the layouts ``_KEYS_OF`` was filled with (the
#: same standard headings recur in every report; bounded like the normalisation caches)
_KEYS: dict[str, str | None] = register_cache({})
_KEYS_OF: list[Layouts] = []


def heading_key(text: str, L: Layouts, normed: str | None = None) -> str | None:
    """The standard section a heading line names, or None (``normed`` as for ``_numbering``)."""
    t = norm(text) if normed is None else normed
    if len(t) > _MAX_HEADING:
        return None
    if not _KEYS_OF or _KEYS_OF[0] is not L:
        _KEYS.clear()
        _KEYS_OF[:] = [L]
    if t in _KEYS:
        return _KEYS[t]
    if len(_KEYS) >= 8192:
        _KEYS.clear()
    key = _key_of(t, L)
    _KEYS[t] = key
    return key


def _key_of(t: str, L: Layouts) -> str | None:
    """``heading_key`` of a normalised line of at most ``_MAX_HEADING`` characters."""
    rest, nums = strip_numbering(t)
    for key, words in L.sections.items():
        for w in words:
            if nums and w in rest and len(rest) <= len(w) + 12:
                return key
            # an unnumbered heading is the keyword alone, not a sentence that starts with it
            if not nums and rest.startswith(w) and len(rest) <= len(w) + 4 and "。" not in rest:
                return key
    return None


def _unkeyed_heading(r: Row, normed: str) -> bool:
    """A short top-level numbered line that names no standard section ("二、工作机制保障");
    ``normed`` is ``norm(r.text)``."""
    if r.nums:
        return False
    rest, nums = strip_numbering(normed)
    return bool(nums) and 2 <= len(rest) <= _MAX_UNKEYED and not rest.endswith("。")


def find_headings(rows: list[Row], L: Layouts, skip: set[int]) -> list[Heading]:
    """Every heading line in document order: those naming a standard section, and short
    top-level numbered lines outside the tables (``skip`` = row indexes of table regions)."""
    out: list[Heading] = []
    for i, r in enumerate(rows):
        if len(r.cells) > 2:
            continue  # a table row
        t = norm(r.text)
        key = heading_key(r.text, L, t)
        level, number = _numbering(r.text, t)
        if key is None and (i in skip or level != 1 or not _unkeyed_heading(r, t)):
            continue
        out.append(Heading(i, level, number, r.text.strip(), key))
    return out


def choose_sections(heads: list[Heading], rows: list[Row], L: Layouts) -> list[Heading]:
    """The heading that opens each standard section, in document order."""
    chosen: dict[str, Heading] = {}
    for h in heads:
        if h.key is None:
            continue
        old = chosen.get(h.key)
        if old is None or (_RANK[h.level], h.pos) < (_RANK[old.level], old.pos):
            chosen[h.key] = h
    # Conversions lose the heading of 五; its sub-headings （一）主要问题 / （二）改进情况
    # then open it. A sub-level match of 五 may also be its second sub-heading.
    hints = L.section_hints.get("5", ())
    five = chosen.get("5")
    if "4" in chosen and hints and (five is None or five.level == 2):
        stop = five.pos if five else (chosen["6"].pos if "6" in chosen else None)
        if stop is not None:
            for i in range(chosen["4"].pos + 1, stop):
                t = norm(rows[i].text)
                if len(t) < 30 and any(w in t for w in hints):
                    level, number = _numbering(rows[i].text)
                    chosen["5"] = Heading(i, level, number, rows[i].text.strip(), "5")
                    break
    return sorted(chosen.values(), key=lambda h: h.pos)


def flat_headings(text: str, L: Layouts) -> list[Heading]:
    """Headings inline in flat text ('…二、主动公开政府信息情况…'); positions are offsets
    in the normalized text. The first numbered occurrence of a keyword wins, else the
    first occurrence at all."""
    t = norm(text)
    out: dict[str, Heading] = {}
    for key, words in L.sections.items():
        for w in words:
            m = re.search(r"([一二三四五六七八九十])[、.]" + re.escape(w), t)
            if m and (key not in out or m.start() < out[key].pos):
                out[key] = Heading(m.start(), 1, numeral_value(m.group(1)), m.group(0), key)
        if key not in out:
            for w in words:
                p = t.find(w)
                if p >= 0:
                    out[key] = Heading(p, 0, None, w, key)
                    break
    return sorted(out.values(), key=lambda h: h.pos)


def find_sections(rows: list[Row], L: Layouts, skip: set[int]
                  ) -> tuple[list[Heading], list[Heading], bool]:
    """(section openers in order, all headings seen, flat flag).

    The flag is True when the headings were found inline in flat text; positions are then
    offsets in the normalized text of all rows.
    """
    heads = find_headings(rows, L, skip)
    chosen = choose_sections(heads, rows, L)
    if len(chosen) < 3:
        flat = flat_headings(" ".join(r.text for r in rows), L)
        if len(flat) > len(chosen):
            return flat, flat, True
    seen = {h.pos for h in heads}
    inferred = [h for h in chosen if h.pos not in seen]  # 五 opened by its sub-heading
    return chosen, sorted(heads + inferred, key=lambda h: h.pos), False
