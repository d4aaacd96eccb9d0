"""Label and number normalisation shared by the table matchers."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import TypeVar

from workers.extract.native import native_module

_DROP = re.compile(r"[\s\u00a0\u3000\u200b\ufeff“”\"'‘’《》<>「」『』:：;；,，。·•*#_|]+")
_NUM_PREFIX = re.compile(r"^(?:([一二三四五六七八九十]{1,3})[、.]|\(([一二三四五六七八九十]{1,3}|\d{1,2})\)[、.]?|(\d{1,2})(?:[、.](?!\d)|(?=[^\d.]))|([一二三四五六七八九十]{1,3})(?=\())")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBER = re.compile(r"^[-−－]?\d+(?:[.,]\d+)*$")
_BLANK_MARKS = {"", "/", "／", "—", "——", "-", "－", "–", "无", "\\", "、"}
_UNIT_NUMBER = re.compile(r"^([-−－]?\d+(?:\.\d+)?)\s*(万元|元|件|个|项|条)?$")


T = TypeVar("T")

# Chinese text is full of fullwidth punctuation (，（）：), which makes CPython's NFKC
# decompose and recompose the whole string, some 100 ns a character. Mapped first to its
# compatibility decomposition (one ASCII character each, as NFKD maps it), the text is
# already normal almost everywhere and NFKC returns after its quick check; the result is
# the same, as NFKC(s) = NFC(NFKD(s)) and NFKD maps these characters exactly so.
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000\u00a0]")
_DECOMPOSED = {chr(c): unicodedata.normalize("NFKD", chr(c)) for c in (*range(0xFF01, 0xFF5F), 0x3000, 0xA0)}


def _decomposed(m: re.Match[str]) -> str:
    return _DECOMPOSED[m.group()]


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, several times faster on Chinese text."""
    if text.isascii():
        return text  # ASCII is NFKC already
    return unicodedata.normalize("NFKC", _FULLWIDTH.sub(_decomposed, text))

#: strings up to this length are cached: labels and cell texts, which the matchers look at
#: once per row spec tried. Longer ones (paragraphs, a crawler dump's whole article on one
#: line) are computed each time, so that a long-running worker never holds old documents.
CACHED_CHARS = 200


_CACHES: list[dict] = []  # every short_cached function's cache and the registered ones


def clear_caches() -> None:
    """Forget every cached result: the next document is read as the first one would be
    (``benchmarks/bench_parse_raw.py --cold``)."""
    for c in _CACHES:
        c.clear()


def register_cache(cache: dict) -> dict:
    """Have ``clear_caches`` empty another module's cache (a dict) too."""
    _CACHES.append(cache)
    return cache


#: results for long strings while one document is parsed (``document_scope``): the row
#: builder and the outline finder normalise the same paragraphs; dropped with the document
_SCOPE: ContextVar[dict | None] = ContextVar("gkwatch_parse_scope", default=None)


@contextmanager
def document_scope() -> Iterator[None]:
    """Within the block, results of ``short_cached`` functions for long strings are kept
    too, and forgotten at its end (so a worker holds no old document's text)."""
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


#: entries a ``short_cached`` function keeps; when full it starts again empty (the results
#: are pure, so only the time to recompute them is lost)
CACHE_ENTRIES = 8192


class _ShortCache(dict):
    """Results of one pure function of a string, keyed by the string. A hit is the dict's
    own lookup in C (no Python frame): the matchers call these functions some 1,500
    times per report, nearly always for a string seen before. A miss is computed by
    ``__missing__``, which keeps the result if the string is short (or, for a long one,
    within a ``document_scope``)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[str], object]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, text: str) -> object:
        fn = self.fn
        if len(text) <= CACHED_CHARS:
            value = fn(text)
            if len(self) >= CACHE_ENTRIES:
                self.clear()
            self[text] = value
            return value
        memo = _SCOPE.get()
        if memo is None:
            return fn(text)
        key = (fn, text)
        if key not in memo:
            memo[key] = fn(text)
        return memo[key]


def short_cached(fn: Callable[[str], T]) -> Callable[[str], T]:
    """``fn`` (pure, one string argument) with its results for short strings cached, and
    for long ones within a ``document_scope``. The function returned is the cache's
    ``__getitem__``."""
    cache = register_cache(_ShortCache(fn))
    return cache.__getitem__  # type: ignore[return-value]


#: ``_DROP`` without ``\s``: whitespace goes by ``str.split`` (both use CPython's
#: ``Py_UNICODE_ISSPACE``), in C, before this regex sees a much shorter text
DROPPED_MARKS = "\u200b\ufeff“”\"'‘’《》<>「」『』:：;；,，。·•*#_|"
_DROP_MARKS = re.compile("[" + re.escape(DROPPED_MARKS) + "]+")


def _norm_python(text: str) -> str:
    """:func:`norm`'s definition in Python (the compiled ``_native.norm`` gives the same)."""
    return _DROP_MARKS.sub("", "".join(nfkc(text).split()))


def _norm_impl() -> Callable[[str], str]:
    """``norm``'s uncached function: the compiled pass where it is built (one pass over
    the text for the mapping and one for the deletions, where Python copies it four times:
    about 70 ns a character, a tenth of a report's parse, most of it on paragraphs, which
    are too long to be cached), else :func:`_norm_python`."""
    native = native_module()
    if native is None:
        return _norm_python
    return partial(native.norm, unicodedata.normalize, DROPPED_MARKS)  # a C call, no frame


@short_cached
def norm(text: str) -> str:
    """NFKC, no whitespace and no quote-like punctuation: '（一） 予以 公开' → '(一)予以公开'
    (``_DROP.sub("", nfkc(text))``, the whitespace removed by ``split`` first)."""
    return _NORM(text)


_NORM = _norm_impl()


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


# Three CJK ideographs: never a blank mark (at most two characters once normalised) nor a
# number (whose unit has at most two), and NFKC neither drops nor merges ideographs; so a
# paragraph is told apart without normalising all of it.
_THREE_CJK = re.compile(r"[\u4e00-\u9fff][^\u4e00-\u9fff]*[\u4e00-\u9fff][^\u4e00-\u9fff]*[\u4e00-\u9fff]")


@short_cached
def is_blank_mark(text: str) -> bool:
    """True for cells the report leaves blank: empty, '/', '—', '-', '无'."""
    if len(text) > 8 and _THREE_CJK.search(text):
        return False
    return norm(text) in _BLANK_MARKS or not text.strip()


@short_cached
def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip().replace(" ", "")))


@short_cached
def to_number(text: str) -> int | float | None:
    """'12' → 12, '4068.208' → 4068.208, '1,234' → 1234, blanks → None."""
    if len(text) > 8 and _THREE_CJK.search(text):
        return None
    s = nfkc(text).strip().replace(",", "").replace(" ", "")
    s = s.replace("−", "-")
    m = _UNIT_NUMBER.match(s)
    if not m:
        return None
    v = m.group(1)
    if "." in v:
        return float(v)
    return int(v)


def unit_of(text: str) -> str | None:
    m = _UNIT_NUMBER.match(nfkc(text).strip().replace(",", ""))
    return m.group(2) if m else None
