"""The label normaliser's fast forms give what their definitions give."""
from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

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
