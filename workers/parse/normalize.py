"""Label and number normalisation shared by the table matchers."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

_DROP = re.compile(r"[\s\u00a0\u3000\u200b\ufeff“”\"'‘’《》<>「」『』:：;；,，。·•*#_|]+")
_NUM_PREFIX = re.compile(r"^(?:([一二三四五六七八九十]{1,3})[、.]|\(([一二三四五六七八九十]{1,3}|\d{1,2})\)[、.]?|(\d{1,2})(?:[、.](?!\d)|(?=[^\d.]))|([一二三四五六七八九十]{1,3})(?=\())")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBER = re.compile(r"^[-−－]?\d+(?:[.,]\d+)*$")
_BLANK_MARKS = {"", "/", "／", "—", "——", "-", "－", "–", "无", "\\", "、"}
_UNIT_NUMBER = re.compile(r"^([-−－]?\d+(?:\.\d+)?)\s*(万元|元|件|个|项|条)?$")


T = TypeVar("T")

#: strings up to this length are cached: labels and cell texts, which the matchers look at
#: once per row spec tried. Longer ones (paragraphs, a crawler dump's whole article on one
#: line) are computed each time, so that a long-running worker never holds old documents.
CACHED_CHARS = 200


def short_cached(fn: Callable[[str], T]) -> Callable[[str], T]:
    """``fn`` (pure, one string argument) with its results for short strings cached."""
    cached = lru_cache(maxsize=8192)(fn)

    @wraps(fn)
    def call(text: str) -> T:
        return cached(text) if len(text) <= CACHED_CHARS else fn(text)

    return call


@short_cached
def norm(text: str) -> str:
    """NFKC, no whitespace and no quote-like punctuation: '（一） 予以 公开' → '(一)予以公开'."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text))


@short_cached
def strip_numbering(label: str) -> tuple[str, tuple[str, ...]]:
    """Remove leading numbering like '三、(一)' or '1.' from a normalized label.

    Returns the rest and the numbers found, outermost first ('三', '一').
    """
    nums: list[str] = []
    while True:
        m = _NUM_PREFIX.match(label)
        if not m or m.end() == 0:
            return label, tuple(nums)
        nums.append(next(g for g in m.groups() if g))
        label = label[m.end():]


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@short_cached
def is_blank_mark(text: str) -> bool:
    """True for cells the report leaves blank: empty, '/', '—', '-', '无'."""
    return norm(text) in _BLANK_MARKS or not text.strip()


@short_cached
def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip().replace(" ", "")))


@short_cached
def to_number(text: str) -> int | float | None:
    """'12' → 12, '4068.208' → 4068.208, '1,234' → 1234, blanks → None."""
    s = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    s = s.replace("−", "-")
    m = _UNIT_NUMBER.match(s)
    if not m:
        return None
    v = m.group(1)
    if "." in v:
        return float(v)
    return int(v)


def unit_of(text: str) -> str | None:
    m = _UNIT_NUMBER.match(unicodedata.normalize("NFKC", text).strip().replace(",", ""))
    return m.group(2) if m else None
