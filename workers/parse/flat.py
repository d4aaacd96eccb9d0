"""Tables read from flat text: crawler dumps with the whole article on one line and the
numbers of adjacent cells fused ('一、本年新收…数量801000081二、上年结转…').

Labels are found in a whitespace-free copy of the text (labels may contain stray spaces);
the digits after each label are read from the original, where spaces are hard boundaries.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable, Sequence

from workers.parse.fused import T3_TOTAL, T4_TOTAL, RunRead, balanced, enumerate_splits, read_run
from workers.parse.layouts import Layouts, RowSpec
from workers.parse.normalize import nfkc
from workers.reading import TEXT, Reading


_RUN = re.compile(r"[\d\s\-\.]+")


class Flat:
    """NFKC text without whitespace plus a map back to positions in the original."""

    def __init__(self, text: str) -> None:
        self.orig = text
        idx = [i for i, ch in enumerate(text) if not ch.isspace()]
        raw = "".join(text[i] for i in idx)
        nf = nfkc(raw)
        if len(nf) != len(raw):  # rare: a character expands; map char by char
            chars: list[str] = []
            new_idx: list[int] = []
            for i in idx:
                for c in unicodedata.normalize("NFKC", text[i]):
                    chars.append(c)
                    new_idx.append(i)
            nf, idx = "".join(chars), new_idx
        keep = [k for k, c in enumerate(nf) if c not in "“”"]
        if len(keep) != len(nf):
            nf = "".join(nf[k] for k in keep)
            idx = [idx[k] for k in keep]
        self.text = nf
        self.idx = idx + [len(text)]

    def find(self, words, start: int = 0, end: int | None = None) -> tuple[int, int]:
        best = (-1, -1)
        for w in words:
            p = self.text.find(w, start, end)
            if p >= 0 and (best[0] < 0 or p < best[0]):
                best = (p, p + len(w))
        return best

    def run_after(self, pos: int, limit: int, decimals: bool = False) -> tuple[str, int]:
        """First digit run in the original text between compact positions pos..limit."""
        a, b = self.idx[pos], self.idx[min(limit, len(self.idx) - 1)]
        seg = self.orig[a:b]
        m = re.search(r"[-+]?\d", seg)
        if not m:
            return "", -1
        s = m.start()
        pat = r"[\d \t\-+.]*" if decimals else r"[\d \t\-+]*"
        run = re.match(pat, seg[s:]).group(0)
        end = a + s + len(run)
        if not decimals:
            run = run.rstrip(" \t-+")
        return run, end


def _label_pat(spec: RowSpec) -> list[str]:
    if spec.exact:
        if spec.num.isdigit():
            return [f"{spec.num}{sep}{kw}" for kw in spec.keywords for sep in (".", "、", "")]
        return [f"({spec.num}){kw}" for kw in spec.keywords]
    return list(spec.keywords)


def flat_table3(fl: Flat, L: Layouts, version: str | None) -> tuple[dict[str, RunRead], dict[str, str]]:
    """Rows read (key → cells) and rows printed with digits that make no reading."""
    start, _ = fl.find(["本年新收政府信息公开申请数量", "本年新收"])
    if start < 0:
        return {}, {}
    t4, _ = fl.find(L.t4_start, start)
    end = t4 if t4 > 0 else len(fl.text)
    keys = L.t3_keys(version)
    specs = [s for s in L.t3_rows if s.key in keys]
    hits: list[tuple[str, int, int]] = []
    pos = start
    for spec in specs:
        if spec.collapsed and version != "2019" and any(h[0].startswith("3.6.") for h in hits):
            continue
        p, e = fl.find(_label_pat(spec), pos, end)
        if p < 0:
            continue
        if spec.collapsed and version != "2019":
            # 2021 layout: 其他处理 is only a row when no sub-row follows
            q, _ = fl.find(_label_pat(next(s for s in specs if s.key == "3.6.1")), e, end) \
                if any(s.key == "3.6.1" for s in specs) else (-1, -1)
            if q >= 0:
                continue
        hits.append((spec.key, p, e))
        pos = e
    out: dict[str, RunRead] = {}
    unread: dict[str, str] = {}
    for n, (key, p, e) in enumerate(hits):
        nxt = hits[n + 1][1] if n + 1 < len(hits) else end
        run, run_end = fl.run_after(e, nxt)
        if not run:
            continue
        # a numbering prefix of the next label ("…00000002.其他法律") is not a cell
        after = fl.orig[run_end:run_end + 1]
        if after in (".", "、", "．") and run and run[-1].isdigit():
            run = run[:-1]
        got = read_run(run.replace("-", " ").split(), 7, identity=T3_TOTAL, prefer=balanced)
        if got:
            out[key] = got
        else:
            unread[key] = run.strip()
    return out, unread


def flat_table4(fl: Flat, L: Layouts, after_pos: int) -> RunRead | None:
    p, _ = fl.find(L.t4_start, max(after_pos, 0))
    if p < 0:
        return None
    q, _ = fl.find(L.sections["5"], p)
    end = q if q > 0 else len(fl.text)
    seg = fl.orig[fl.idx[p]:fl.idx[end]]
    # the 15 values are the digits printed after the last header word; a year or a
    # count in a sentence before the table ("2021年未发生…") is not one of them
    seg = re.sub(r"[一二三四五六七八九十]+\s*[、.．]?\s*$", "", seg)  # the next heading's number
    tail = re.search(r"[\d\s]*$", seg)
    toks = re.findall(r"\d+", tail.group(0) if tail else "")
    if not toks:
        return None
    return read_run(toks, 15, identity=T4_TOTAL, prefer=balanced)


def t2_prefer(fields: tuple[str, ...], L: Layouts, unit_factor: float = 1.0,
              zero_change: bool = False) -> Callable[[Sequence[int]], tuple]:
    """Plausibility order of the splits of a fused table-二 row (no identity ties these
    cells, so whatever this picks among several splits stays uncertain): an amount per
    procurement item within the layout's range (in 元), even digit counts, then a yearly
    change no larger than the items it changes, a stock no smaller than this year's
    additions. ``zero_change``: every change row of the document can be read with a
    change of 0 (a body that does not track changes prints 0 throughout), so read it so."""
    def key(c: Sequence[int]) -> tuple:
        size = balanced(c)
        if fields == ("items", "amount"):
            lo, hi = L.procurement_avg
            avg = c[1] * unit_factor / c[0] if c[0] else float("inf")
            return (not (lo <= avg <= hi), *size)
        if len(fields) >= 2 and fields[1] == "change":
            return (zero_change and c[1] != 0, *size, abs(c[1]) > c[0], c[1] != 0)
        if len(fields) == 3:  # issued/repealed/in_force, made/published/total_public
            return (c[2] < max(c[0], c[1]), *size, c[0] < c[1])
        return size
    return key


def _t2_tokens(run: str) -> tuple[list[str], str]:
    """Number tokens of a table-二 run and the decimal part of the last one."""
    toks = re.findall(r"[-+]?\d+(?:\.\d+)?", run.strip())
    dec = ""
    if toks and "." in toks[-1]:
        toks[-1], dec = toks[-1].split(".", 1)
    return toks, dec


def _admits_zero_change(run: str, n: int) -> bool:
    toks, _ = _t2_tokens(run)
    if len(toks) == n:
        return int(toks[1]) == 0
    return any(s[1] == 0 for s in enumerate_splits(toks, n, 12) or [])


def read_t2_run(run: str, fields: tuple[str, ...], L: Layouts, unit_factor: float = 1.0,
                zero_change: bool = False) -> tuple[list, list[Reading]] | None:
    """A table-二 row's digits as its fields: as many numbers as fields are taken as
    printed; fused digits are split (the decimal part, if any, belongs to the last cell)."""
    n = len(fields)
    toks, dec = _t2_tokens(run)
    if len(toks) == n:
        vals = [int(t) for t in toks]
        return vals[:-1] + [float(f"{vals[-1]}.{dec}") if dec else vals[-1]], [Reading(TEXT)] * n
    if len(toks) > n or not toks:
        return None
    got = read_run(toks, n, prefer=t2_prefer(fields, L, unit_factor, zero_change), max_digits=12)
    if got is None:
        return None
    vals: list = list(got.values)
    if dec:
        vals[-1] = float(f"{vals[-1]}.{dec}")
    return vals, got.cells


def _unit_after(fl: Flat, pos: int) -> str | None:
    unit = fl.orig[pos:pos + 2]
    return "万元" if unit.startswith("万元") else ("元" if unit.startswith("元") else None)


def flat_table2(fl: Flat, L: Layouts, version: str | None, end: int
                ) -> tuple[dict, dict, list[str]]:
    """Table 二 from flat text: (rows, readings, warnings)."""
    fields = L.t2_fields.get(version or "2021") or L.t2_fields["2021"]
    start, _ = fl.find(["第二十条第(一)项", "第二十条"])
    if start < 0:
        return {}, {}, []
    hits = []
    pos = start
    for name in ("rules", "normative_documents", "licensing", "other_services", "punishment",
                 "coercion", "fees", "procurement"):
        if name not in fields:
            continue
        p, e = fl.find(L.t2_rows[name], pos, end)
        if p < 0:
            continue
        hits.append((name, p, e))
        pos = e
    runs = []
    for n, (name, p, e) in enumerate(hits):
        nxt = hits[n + 1][1] if n + 1 < len(hits) else end
        run, run_end = fl.run_after(e, nxt, decimals=True)
        runs.append((name, run.rstrip(". "), run_end))
    changes = [(run, len(fields[name])) for name, run, _ in runs if "change" in fields[name] and run]
    zero_change = bool(changes) and all(_admits_zero_change(r, n) for r, n in changes)
    out: dict = {}
    reads: dict = {}
    warnings: list[str] = []
    for name, run, run_end in runs:
        fl_fields = fields[name]
        unit = _unit_after(fl, run_end) if name == "procurement" else None
        got = read_t2_run(run, fl_fields, L, 1e4 if unit == "万元" else 1.0, zero_change)
        if got is None:
            continue
        vals, cells = got
        if not all(c.certain for c in cells):
            warnings.append(f"table2 {name}: fused digits '{run}' have several splits; "
                            "took the most plausible, marked uncertain")
        out[name] = dict(zip(fl_fields, vals))
        reads[name] = dict(zip(fl_fields, (c.as_dict() for c in cells)))
        if unit:
            out[name]["amount_unit"] = unit
    return out, reads, warnings
