"""The label normaliser's fast forms give what their definitions give."""
from __future__ import annotations

import os
import random
import sys
import unicodedata

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.extract.native import native_module
from workers.parse import normalize as N
from workers.parse.normalize import _DROP, _DROP_MARKS, nfkc, norm


def test_whitespace_by_split_and_the_marks_regex_delete_what_drop_deletes() -> None:
    """``norm`` deletes by ``str.split`` and ``_DROP_MARKS`` what ``_DROP`` deletes: the
    same set of characters, checked for every code point (deleting is per character, so
    equal sets give equal results on every text)."""
    differ = [c for c in map(chr, range(sys.maxunicode + 1))
              if (_DROP.fullmatch(c) is not None) != (c.isspace() or _DROP_MARKS.fullmatch(c) is not None)]
    assert differ == []


TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(list("（一）：，。 \u3000\xa0\u200b\ufeff１２ＡＢ《》“”")),
               max_size=80)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_norm_and_nfkc_are_their_definitions(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)
    assert norm(text) == _DROP.sub("", unicodedata.normalize("NFKC", text))
    long = text * 30  # past the cache's length limit: computed, not remembered
    assert norm(long) == _DROP.sub("", unicodedata.normalize("NFKC", long))


def _compiled_norm():
    native = native_module()
    if native is None:
        if os.environ.get("GKWATCH_PURE_PYTHON"):
            pytest.skip("GKWATCH_PURE_PYTHON is set")
        pytest.fail("workers/extract/_native*.c is not built: pip install -e . with a C compiler")
    assert N._NORM is not N._norm_python, "norm does not use the compiled pass"
    return lambda text: native.norm(unicodedata.normalize, N.DROPPED_MARKS, text)


def test_compiled_norm_is_the_python_norm_on_every_code_point() -> None:
    """Every code point, in runs of 97 neighbours (so that combining marks meet their
    bases and NFKC composes across the fullwidth mapping), and random mixtures of the
    characters where the passes differ: fullwidth forms, spaces, marks, combining marks,
    a lone surrogate, characters outside the basic plane. The results are canonical
    strings (equal hashes: a str built at the wrong width would hash differently)."""
    compiled = _compiled_norm()
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    differ = []
    for i in range(0, len(every), 97):
        run = "".join(every[i:i + 97])
        got, want = compiled(run), N._norm_python(run)
        if got != want or hash(got) != hash(want):
            differ.append(hex(i))
    rng = random.Random(7)
    pool = list("（一）：，。 \u3000\xa0\u200b\ufeff１２ＡＢ《》“”ab 1\t\n\u0301\u0308ｶﾞ\ud800\U0001f600国")
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        got, want = compiled(text), N._norm_python(text)
        if got != want or hash(got) != hash(want):
            differ.append(text)
    assert differ == []


def test_compiled_norm_refuses_what_it_cannot_take() -> None:
    native = native_module()
    if native is None:
        pytest.skip("the compiled part is not built")
    with pytest.raises(TypeError):
        native.norm(unicodedata.normalize, N.DROPPED_MARKS, b"bytes")
    with pytest.raises(ValueError):
        native.norm(unicodedata.normalize, "\U0001f600", "text")  # marks are in the basic plane
    class Text(str):
        pass

    for text in (Text("abc"), Text("中文")):  # nothing to change: still an exact str, as in Python
        got = native.norm(unicodedata.normalize, N.DROPPED_MARKS, text)
        assert type(got) is str and got == text and type(N._norm_python(text)) is str
    # another marks string is read afresh, and the parser's own afterwards again
    assert native.norm(unicodedata.normalize, "x", "x y。") == "y。"
    assert native.norm(unicodedata.normalize, N.DROPPED_MARKS, "x y。") == "xy"
