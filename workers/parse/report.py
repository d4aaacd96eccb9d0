"""Assemble the report dict from the document: meta, the three tables, text, provenance."""
from __future__ import annotations

from ground.contracts import REPORT_SCHEMA
from workers.extract.model import ExtractedDocument
from workers.parse.columns import NO_GRID, place_table_columns
from workers.parse.flat import Flat, flat_table2, flat_table3, flat_table4
from workers.parse.layouts import layouts
from workers.parse.meta import find_title, find_version, find_year
from workers.parse.normalize import norm
from workers.parse.rows import build_rows
from workers.parse.sections import find_sections
from workers.parse.settle import Settle, settle_table3
from workers.parse.stream import stream_table2, stream_table3, stream_table4
from workers.parse.table24 import extract_table2, extract_table4, split_t4, table4_start, table4_stop
from workers.parse.table3 import extract_table3, find_region
from workers.reading import OCR, SPLIT_ASSUMED, SPLIT_CHOSEN, Reading

PDF_GLUED = "PDF glyphs of neighbouring cells run together; the split is not what the page shows"

_FLAT_PROV = {"page": None, "table": None, "row": None, "col": None}


#: below this recogniser confidence an OCR'd number is not taken as read
OCR_MIN_CONFIDENCE = 0.9


def _as_ocr(reading: dict, engine: str) -> None:
    """Numbers recognised from an image: certain only when the recogniser was confident
    and the number was placed in one column band (a scanned grid, where found, must
    agree); a number without a confidence per word (Tesseract) is never certain."""
    def judged(c: dict) -> dict:
        conf = c.get("confidence")
        geometry_ok = c.get("certain") or c.get("why") == NO_GRID
        if conf is None:
            why = f"recognised by OCR ({engine}) without a confidence per word"
        elif conf < OCR_MIN_CONFIDENCE:
            why = f"OCR confidence {conf:.2f} below {OCR_MIN_CONFIDENCE}"
        elif not geometry_ok:
            why = c.get("why") or "column not confirmed"
        else:
            return Reading(OCR, confidence=conf).as_dict()
        return Reading(OCR, certain=False, why=why, confidence=conf).as_dict()

    for rows in reading.values():
        for key, cells in rows.items():
            if isinstance(cells, list):
                rows[key] = [judged(c) for c in cells]
            elif isinstance(cells, dict) and not cells.get("unread"):
                rows[key] = {f: judged(c) for f, c in cells.items()}


def _pdf_splits_doubtful(reading: dict) -> None:
    """In a PDF, digits run together when the glyphs of neighbouring cells sit close and no
    drawn border separates them ("300" and "1" → "3001"): a split of such a run is what
    the digits allow, not what the page shows, so no identity may vouch for it."""
    for rows in reading.values():
        for cells in rows.values():
            if isinstance(cells, list):
                for j, c in enumerate(cells):
                    if c.get("how") in (SPLIT_ASSUMED, SPLIT_CHOSEN):
                        cells[j] = Reading(SPLIT_CHOSEN, certain=False, why=PDF_GLUED,
                                           candidates=tuple(c.get("candidates") or ())).as_dict()


def build_report(doc: ExtractedDocument, *, text: str | None = None) -> dict:
    """The report of ``doc``; ``text``: its ``plain_text()``, where the caller has it."""
    L = layouts()
    rows = build_rows(doc)
    if text is None:
        text = doc.plain_text()
    compact = norm(text)
    version = find_version(compact, L)
    # table 三's rows: found by their labels, which placing the PDF numbers leaves alone
    region = find_region(rows, L)
    warnings: list[str] = place_table_columns(rows, L, version, region)
    title, agency, year = find_title(rows, doc.meta)
    if year is None:
        year = find_year(text)
    fl: Flat | None = None

    # ---- table 三
    found, unread, t3s, t3e = extract_table3(rows, L, version, region)
    t3 = {k: Settle(f.values, f.reads, f.pool) for k, f in found.items()}
    prov3 = {k: [dict(p, text=None) for p in f.prov] for k, f in found.items()}
    expected3 = len(L.t3_keys(version)) - (0 if version == "2019" else 1)  # one form of （六）
    if t3s >= 0 and len(t3) < expected3:
        # rows not found line by line: read the region as a stream of labels and numbers
        sr, su = stream_table3(rows[t3s:t3e], L, version)
        if len(sr) > len(t3):
            t3 = {k: Settle(r.values, r.reads, r.pool) for k, r in sr.items()}
            prov3 = {k: [dict(_FLAT_PROV)] for k in sr}
            unread = su
    if len(t3) < 12:
        fl = Flat(text)
        fc, fu = flat_table3(fl, L, version)
        if len(fc) > len(t3):
            unread = fu
            t3 = {k: Settle(r.values, r.cells, r.pool) for k, r in fc.items()}
            prov3 = {k: [dict(_FLAT_PROV)] for k in fc}
            t3s = -1
    # A 2021 report either collapses （六） into one row or has its three sub-rows.
    if "3.6" in t3 and any(k.startswith("3.6.") for k in t3):
        del t3["3.6"]
        prov3.pop("3.6", None)
    order = [s.key for s in L.t3_rows]
    settle_table3(t3, L)
    table3: dict[str, list] = {}
    reading: dict[str, dict] = {"table2": {}, "table3": {}, "table4": {}}
    for k in sorted(t3, key=order.index):
        vals, reads = t3[k].values, t3[k].reads
        table3[k] = list(vals)
        reading["table3"][k] = [r.as_dict() for r in reads]
        if not all(r.certain for r in reads):
            warnings.append(f"table3 row {k}: fused digits have several possible splits; "
                            "uncertain cells marked for review")
        for p, v in zip(prov3.get(k, []), vals):
            if p.get("text") is None:
                p["text"] = None if v is None else str(v)
    if table3:
        missing = [k for k in L.t3_keys(version) if k not in table3
                   and not (k == "3.6" and any(x.startswith("3.6.") for x in table3))
                   and not (k.startswith("3.6.") and "3.6" in table3)]
        for k in missing:
            if k in unread:
                reading["table3"][k] = {"unread": True, "printed": unread[k]}
                warnings.append(f"table3 row {k}: printed values '{unread[k]}' make no reading of 7 cells")
        missing = [k for k in missing if k not in unread]
        if missing:
            warnings.append("table3 rows not found: " + ", ".join(missing))

    # ---- table 四
    t4, prov4, reading["table4"], w4 = extract_table4(rows, L, t3e if t3e > 0 else 0)
    warnings += w4
    t4s = table4_start(rows, L, t3e if t3e > 0 else 0)
    if t4 is None and t4s >= 0:
        got = stream_table4(rows[t4s:table4_stop(rows, L, t4s)])
        if got:
            t4, prov4, reading["table4"] = split_t4(got.values, got.reads, L.t4_groups, dict(_FLAT_PROV))
    if t4 is None:
        fl = fl or Flat(text)
        p3, _ = fl.find(["本年新收"])
        got4 = flat_table4(fl, L, p3)
        if got4:
            if not got4.certain:
                warnings.append("table4: fused digits have several readings; uncertain cells marked")
            t4, prov4, reading["table4"] = split_t4(got4.values, got4.cells, L.t4_groups, dict(_FLAT_PROV))

    # ---- table 二
    t2, prov2, reading["table2"], w2 = extract_table2(rows, L, version, t3s)
    fields = L.t2_fields.get(version or "2021") or L.t2_fields["2021"]
    t2s = next((i for i in range(t3s if t3s >= 0 else len(rows)) if "第二十条" in rows[i].label), -1)
    if 0 <= t2s and len(t2) < len(fields):
        s2, _ = stream_table2(rows[t2s:t3s if t3s >= 0 else len(rows)], L, version)
        if len(s2) > len(t2):
            t2 = {k: dict(zip(fields[k], r.values)) for k, r in s2.items()}
            reading["table2"] = {k: dict(zip(fields[k], (c.as_dict() for c in r.reads))) for k, r in s2.items()}
            prov2 = {k: [dict(_FLAT_PROV)] for k in s2}
    if len(t2) < len(fields) // 2 + 1:
        fl = fl or Flat(text)
        t2_start, _ = fl.find(["第二十条"])
        end, _ = fl.find(["本年新收", "收到和处理政府信息公开申请"], max(t2_start, 0))
        f2, r2, wf = flat_table2(fl, L, version, end if end > 0 else len(fl.text))
        if len(f2) > len(t2):
            t2, w2, reading["table2"] = f2, wf, r2
            prov2 = {k: [dict(_FLAT_PROV)] for k in f2}
    warnings += w2

    # ---- sections and text
    # Unrecognised numbered lines inside table 三 are row labels, not headings.
    in_t3 = set(range(t3s, t3e)) if t3s >= 0 else set()
    secs, heads, flat_mode = find_sections(rows, L, in_t3)
    section_text: dict[str, str] = {}
    preamble = ""
    if flat_mode:
        pos = [h.pos for h in secs]
        preamble = compact[: pos[0]] if pos else compact
        for n, h in enumerate(secs):
            section_text[h.key] = compact[h.pos: pos[n + 1] if n + 1 < len(pos) else len(compact)]
    else:
        idx = [h.pos for h in secs]
        first = idx[0] if idx else len(rows)
        preamble = "\n".join(r.text for r in rows[:first] if r.is_para)
        for n, h in enumerate(secs):
            stop = idx[n + 1] if n + 1 < len(idx) else len(rows)
            section_text[h.key] = "\n".join(r.text for r in rows[h.pos + 1: stop]
                                            if r.is_para and not (r.nums and len(r.label) < 70))

    if doc.meta.get("ocr"):
        _as_ocr(reading, doc.meta["ocr"])
    elif doc.format == "pdf":
        _pdf_splits_doubtful(reading)
    report: dict = {
        "schema": REPORT_SCHEMA,
        "agency": agency,
        "year": year,
        "format_version": version,
        "sections": [h.key for h in secs],
    }
    if t2:
        report["table2"] = t2
    if table3:
        report["table3"] = table3
    if t4:
        report["table4"] = t4
    report.update({
        "title": title,
        "section_headings": [h.as_dict() for h in heads],
        "preamble": preamble,
        "section_text": section_text,
        "provenance": {"table2": prov2, "table3": prov3, "table4": prov4},
        "reading": reading,
        "source": {"format": doc.format, "encoding": doc.encoding, "pages": doc.pages},
        "warnings": [w for w in (doc.meta.get("warnings") or "").split("\n") if w] + warnings,
    })
    return report
