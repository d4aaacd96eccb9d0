"""Tables read from flat text: crawler dumps with the whole article on one line and the
numbers of adjacent cells fused ('一、本年新收…数量801000081二、上年结转…').

Labels are found in a whitespace-free copy of the text (labels may contain stray spaces);
the digits after each label are read from the original, where spaces are hard boundaries.
"""
from __future__ import annotations

import re
import unicodedata

from workers.parse.fused import split_tokens, total_ok
from workers.parse.layouts import Layouts, RowSpec

_RUN = re.compile(r"[\d\s\-\.]+")


class Flat:
    """NFKC text without whitespace plus a map back to positions in the original."""

    def __init__(self, text: str) -> None:
        self.orig = text
        idx = [i for i, ch in enumerate(text) if not ch.isspace()]
        raw = "".join(text[i] for i in idx)
        nf = unicodedata.normalize("NFKC", raw)
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
        m = re.search(r"-?\d", seg)
        if not m:
            return "", -1
        s = m.start()
        pat = r"[\d \t\-.]*" if decimals else r"[\d \t\-]*"
        run = re.match(pat, seg[s:]).group(0)
        end = a + s + len(run)
        if not decimals:
            run = run.rstrip(" \t-")
        return run, end


def _label_pat(spec: RowSpec) -> list[str]:
    if spec.exact:
        if spec.num.isdigit():
            return [f"{spec.num}{sep}{kw}" for kw in spec.keywords for sep in (".", "、", "")]
        return [f"({spec.num}){kw}" for kw in spec.keywords]
    return list(spec.keywords)


def flat_table3(fl: Flat, L: Layouts, version: str | None) -> dict[str, list[list[int]]]:
    start, _ = fl.find(["本年新收政府信息公开申请数量", "本年新收"])
    if start < 0:
        return {}
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
    out: dict[str, list[list[int]]] = {}
    for n, (key, p, e) in enumerate(hits):
        nxt = hits[n + 1][1] if n + 1 < len(hits) else end
        run, run_end = fl.run_after(e, nxt)
        if not run:
            continue
        # a numbering prefix of the next label ("…00000002.其他法律") is not a cell
        after = fl.orig[run_end:run_end + 1]
        if after in (".", "、", "．") and run and run[-1].isdigit():
            run = run[:-1]
        cands = split_tokens(run.replace("-", " ").split(), 7, total_ok(7))
        if cands:
            out[key] = cands
    return out


def flat_table4(fl: Flat, L: Layouts, after_pos: int) -> list[list[int]]:
    p, _ = fl.find(L.t4_start, max(after_pos, 0))
    if p < 0:
        return []
    q, _ = fl.find(L.sections["5"], p)
    end = q if q > 0 else len(fl.text)
    seg = fl.orig[fl.idx[p]:fl.idx[end]]
    toks = re.findall(r"\d+", seg)
    if not toks:
        return []
    return split_tokens(toks, 15, total_ok(5))


def _choose_t2(name: str, fields: tuple[str, ...], cands: list[list], L: Layouts) -> list:
    """Prefer plausible splits of fused table-2 cells (no arithmetic ties these cells)."""
    def key(c: list) -> tuple:
        lens = [len(str(abs(int(x)))) for x in c]
        if fields == ("items", "amount"):
            lo, hi = L.procurement_avg
            avg = c[1] / c[0] if c[0] else float("inf")
            return (not (lo <= avg <= hi), max(lens))
        if len(fields) == 3 and fields[1] == "change":
            return (c[1] != 0, max(lens), max(lens) - min(lens))
        if len(fields) == 2 and fields[1] == "change":
            return (c[1] != 0, max(lens))
        if len(fields) == 3:  # issued/repealed/in_force, made/published/total_public
            return (c[2] < max(c[0], c[1]), max(lens), c[0] < c[1])
        return (max(lens),)
    return sorted(cands, key=key)[0]


def _splits_t2(run: str, n: int) -> list[list]:
    run = run.strip()
    toks = re.findall(r"-?\d+(?:\.\d+)?", run)
    if len(toks) == n:
        return [[float(t) if "." in t else int(t) for t in toks]]
    if len(toks) > n or not toks:
        return []
    # the decimal part (if any) belongs to the last cell
    dec = ""
    if "." in toks[-1]:
        toks[-1], dec = toks[-1].split(".", 1)
    out = []
    for c in split_tokens(toks, n):
        if dec:
            c = c[:-1] + [float(f"{c[-1]}.{dec}")]
        out.append(c)
    return out


def flat_table2(fl: Flat, L: Layouts, version: str | None, end: int) -> tuple[dict, list[str]]:
    fields = L.t2_fields.get(version or "2021") or L.t2_fields["2021"]
    start, _ = fl.find(["第二十条第(一)项", "第二十条"])
    if start < 0:
        return {}, []
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
    out: dict = {}
    warnings: list[str] = []
    for n, (name, p, e) in enumerate(hits):
        nxt = hits[n + 1][1] if n + 1 < len(hits) else end
        run, run_end = fl.run_after(e, nxt, decimals=True)
        run = run.rstrip(". ")
        fl_fields = fields[name]
        cands = _splits_t2(run, len(fl_fields))
        if not cands:
            continue
        if len(cands) > 1:
            warnings.append(f"table2 {name}: fused digits '{run}' have {len(cands)} splits; "
                            "chose the most plausible")
        vals = _choose_t2(name, fl_fields, cands, L)
        rec = dict(zip(fl_fields, vals))
        if name == "procurement":
            unit = fl.orig[run_end:run_end + 2]
            rec["amount_unit"] = "万元" if unit.startswith("万元") else ("元" if unit.startswith("元") else None)
            if rec["amount_unit"] is None:
                del rec["amount_unit"]
        out[name] = rec
    return out, warnings
