"""HTML inside markdown or plain text.

PDF-to-markdown converters emit the tables they cannot express as pipe tables (merged
cells) as raw ``<table>`` markup between the markdown lines, and sprinkle ``<br>``,
``<p>`` or ``<span>`` through the text. :func:`split_embedded` cuts the text into plain
pieces and table fragments (the fragments go to the HTML reader); :func:`inline_to_text`
turns the remaining inline markup into plain text. Everything here is one linear scan:
table tags are paired with a stack, never by searching forward from each opener.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

#: a fragment longer than this is read as text (tags stripped), not gridded: the HTML
#: reader expands merged cells, so a huge fragment could cost far more than its size
MAX_FRAGMENT_CHARS = 2_000_000

_MAX_WARNINGS = 10  # broken markup repeats: say so a few times, not once per fragment
_TABLE_TAG = re.compile(r"<(/?)table\b(?:\s*>)?", re.I)
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
# Only tags of real HTML elements are markup: "<政府信息公开信息处理费管理办法>" is a title.
_INLINE = ("a|abbr|b|big|blockquote|br|center|code|del|div|em|font|h[1-6]|hr|i|img|ins|"
           "li|mark|o:p|ol|p|pre|s|small|span|strike|strong|sub|sup|u|ul|"
           "table|tbody|td|tfoot|th|thead|tr|caption|col|colgroup")
_TAG = re.compile(rf"</?(?:{_INLINE})(?=[\s/>])[^<>]*>", re.I)
_BREAK = re.compile(r"<br\b[^<>]*>|</?(?:p|div|li|h[1-6]|blockquote|pre|tr|ol|ul|hr)\b[^<>]*>", re.I)
_CELL_END = re.compile(r"</t[dh]\s*>", re.I)


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the text: ``html`` is a table fragment, else markdown/plain text."""

    text: str
    html: bool = False


def _pair_tables(text: str) -> tuple[list[int], dict[int, int]]:
    """Start offsets of every ``<table`` and, for each one that is closed, the end offset
    of its ``</table>`` (nesting respected; stray closers are ignored)."""
    opens: list[int] = []
    close_of: dict[int, int] = {}
    stack: list[int] = []
    for m in _TABLE_TAG.finditer(text):
        if m.group(1):
            if stack:
                close_of[stack.pop()] = m.end() if m.group(0).endswith(">") else _tag_end(text, m.end())
        else:
            opens.append(m.start())
            stack.append(m.start())
    return opens, close_of


def _tag_end(text: str, pos: int) -> int:
    """End of a closing tag written with attributes or odd spacing (``</table foo>``)."""
    gt = text.find(">", pos, pos + 200)
    return gt + 1 if gt >= 0 else pos


def _warn(warnings: list[str], message: str) -> None:
    if len(warnings) < _MAX_WARNINGS:
        warnings.append(message)
    elif len(warnings) == _MAX_WARNINGS:
        warnings.append("further embedded-HTML warnings left out")


def split_embedded(text: str, warnings: list[str]) -> list[Piece]:
    """The text cut into plain pieces and ``<table>`` fragments, in order.

    An unclosed ``<table>`` ends, as an HTML block does in CommonMark, at the next blank
    line; a fragment over :data:`MAX_FRAGMENT_CHARS` stays text. Both are reported in
    ``warnings``."""
    if "<" not in text:
        return [Piece(text)]
    opens, close_of = _pair_tables(text)
    pieces: list[Piece] = []
    pos = 0
    for start in opens:
        if start < pos:
            continue  # nested in (or swallowed by) the fragment just taken
        end = close_of.get(start)
        if end is None:
            m = _BLANK_LINE.search(text, start)
            end = m.start() if m else len(text)
            _warn(warnings, f"unclosed <table> at character {start} read up to the next blank line")
        if start > pos:
            pieces.append(Piece(text[pos:start]))
        fragment = text[start:end]
        if len(fragment) > MAX_FRAGMENT_CHARS:
            _warn(warnings, f"embedded <table> at character {start} is {len(fragment)} "
                  f"characters, over the {MAX_FRAGMENT_CHARS} limit: read as text")
            pieces.append(Piece(fragment_to_text(fragment)))
        else:
            pieces.append(Piece(fragment, html=True))
        pos = end
    if pos < len(text):
        pieces.append(Piece(text[pos:]))
    return pieces


def fragment_to_text(markup: str) -> str:
    """Table markup as plain text without parsing it: a row per line, cells tab-separated,
    so the text reader still sees rows of cells."""
    s = _CELL_END.sub("\t", markup)
    s = _BREAK.sub("\n", s)
    s = _TAG.sub("", s)
    lines = (line.strip().strip("\t") for line in html.unescape(s).split("\n"))
    return "\n".join(line for line in lines if line)


def _strip_comments(line: str) -> str:
    """Drop ``<!-- … -->`` (converters mark images and pages with them). A find loop, so
    that many unclosed openers cost one pass."""
    out: list[str] = []
    pos = 0
    while (i := line.find("<!--", pos)) >= 0:
        j = line.find("-->", i + 4)
        if j < 0:
            break
        out.append(line[pos:i])
        pos = j + 3
    out.append(line[pos:])
    return "".join(out)


def inline_to_text(text: str, *, entities: bool) -> str:
    """Inline HTML as text: ``<br>``/``<p>``/``<div>`` break the line, except inside a
    pipe or tab row, where the break stays in the cell (as in an HTML cell); other tags go.
    ``entities`` decodes ``&nbsp;`` and the like (markdown allows them; plain text only
    where tags show it is markup)."""
    if "<" not in text and "&" not in text:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        had_tag = "<" in line
        if had_tag:
            line = _strip_comments(line)
            in_row = line.lstrip().startswith("|") or "\t" in line
            line = _BREAK.sub("\u2028" if in_row else "\n", line)
            stripped = _TAG.sub("", line)
            had_tag = stripped != line or "\u2028" in line or "\n" in line
            line = stripped
        if "&" in line and (entities or had_tag):
            line = html.unescape(line).replace("\u00a0", " ")
        out.append(line)
    # U+2028 marked a break inside a row's cell: it becomes the cell's own line break
    # after the row has been split into cells (see text.py).
    return "\n".join(out)
