"""Structure checks of one report (S-*)."""
from __future__ import annotations

import re
from typing import Iterator, Mapping

from .cells import row_cells, table3, table4
from .labels import T2_LAYOUT_ROWS, T3_FIXED_ROWS, T3_OTHER_SPLIT, T4_GROUPS, t2_en, t2_zh, t3_row_en, t3_row_zh, t4_group_en, t4_group_zh
from .registry import REVIEW, Context, Issue, check, na
from .textutil import all_texts, normalize, section_texts

_TABLE_NAMES = {"table2": ("表二（主动公开政府信息情况）", "table 2 (proactive disclosure)"),
                "table3": ("表三（收到和处理政府信息公开申请情况）", "table 3 (applications)"),
                "table4": ("表四（行政复议、行政诉讼情况）", "table 4 (review and litigation)")}
_NUMERALS = "一二三四五六"


def _layout(report: dict) -> str:
    fv = report.get("format_version")
    if fv in T2_LAYOUT_ROWS:
        return fv
    rules = (report.get("table2") or {}).get("rules") if isinstance(report.get("table2"), dict) else None
    if isinstance(rules, dict) and ("made" in rules or "total_public" in rules):
        return "2019"
    return "2021"


@check("S-TABLES")
def s_tables(ctx: Context) -> Iterator[Issue]:
    rep = ctx.report
    for name, (zh, en) in _TABLE_NAMES.items():
        t = rep.get(name)
        if not isinstance(t, dict) or not t:
            yield Issue("table", {"table": name}, expected="present", actual="missing",
                        params={"table_zh": zh, "table_en": en})
    t2 = rep.get("table2")
    if isinstance(t2, dict) and t2:
        for row in T2_LAYOUT_ROWS[_layout(rep)]:
            if not isinstance(t2.get(row), dict):
                rows = {k: v for k, v in t2.items() if isinstance(v, dict)}
                yield from _row_issue(rows, "table2", row, 0, t2_zh(row), t2_en(row), _unread(rep, "table2", row))
    t3 = table3(rep)
    if t3:
        expected = list(T3_FIXED_ROWS)
        if "3.6" not in t3 or any(k in t3 for k in T3_OTHER_SPLIT):
            expected[-2:-2] = list(T3_OTHER_SPLIT)
        for key in expected:
            yield from _row_issue(t3, "table3", key, 7, t3_row_zh(key), t3_row_en(key),
                                  _unread(rep, "table3", key))
    t4 = table4(rep)
    if t4:
        for g in T4_GROUPS:
            yield from _row_issue(t4, "table4", g, 5, t4_group_zh(g), t4_group_en(g), _unread(rep, "table4", g))


def _unread(report: dict, table: str, row: str) -> Mapping | None:
    """The parser's note that a row is printed but could not be read (``reading``)."""
    rd = report.get("reading")
    rec = rd.get(table, {}).get(row) if isinstance(rd, dict) and isinstance(rd.get(table), dict) else None
    return rec if isinstance(rec, Mapping) and rec.get("unread") else None


def _row_issue(table: dict, name: str, key: str, width: int, zh: str, en: str,
               unread: Mapping | None = None) -> Iterator[Issue]:
    params = {"table_zh": _TABLE_NAMES[name][0], "table_en": _TABLE_NAMES[name][1] if name != "table2" else "table 2",
              "row_zh": zh, "row_en": en, "row": key}
    if key not in table and unread is not None:
        # printed, but no certain reading of its values: a person has to look, not an error
        yield Issue("unread", {"table": name, "row": key}, expected="present", actual="unread",
                    params={**params, "printed": str(unread.get("printed", ""))}, status=REVIEW)
    elif key not in table:
        yield Issue("row", {"table": name, "row": key}, expected="present", actual="missing", params=params)
    elif width and row_cells(table, key, width) is None:
        got = len(table[key]) if isinstance(table[key], list) else type(table[key]).__name__
        yield Issue("width", {"table": name, "row": key}, expected=width, actual=got,
                    params={**params, "width": width, "got": got})


@check("S-SECTIONS")
def s_sections(ctx: Context) -> Iterator[Issue]:
    secs = ctx.report.get("sections")
    if not isinstance(secs, list):
        yield na({"section": None}, "六个部分的完整性", "the six sections", "sections", "sections")
        return
    found = [str(s) for s in secs]
    missing = [s for s in "123456" if s not in found]
    if missing:
        yield Issue("missing", {"section": missing[0]}, expected=list("123456"), actual=found,
                    params={"missing_zh": "、".join(_NUMERALS[int(s) - 1] for s in missing),
                            "missing_en": ", ".join(missing)})
    known = [s for s in found if s in "123456" and len(s) == 1]
    if known != sorted(known):
        yield Issue("order", {"section": None}, expected=sorted(known), actual=found,
                    params={"order": " ".join(found)})
    wrong = _misnumbered(ctx.report.get("section_headings"))
    if wrong:
        yield Issue("numbering", {"section": wrong[0][0]}, expected=[int(k) for k, _, _ in wrong],
                    actual=[n for _, n, _ in wrong],
                    params=_numbering_details(wrong))


def _numbering_details(wrong: list[tuple[str, int, str]], shown: int = 3) -> dict[str, str]:
    """The first few misnumbered headings for the message; the rest are counted."""
    zh = "；".join(f"“{t}”应为第{_NUMERALS[int(k) - 1]}部分" for k, _, t in wrong[:shown])
    en = "; ".join(f"'{t}' is standard section {k}" for k, _, t in wrong[:shown])
    if len(wrong) > shown:
        zh += f"等{len(wrong)}处"
        en += f" ({len(wrong)} headings in all)"
    return {"details_zh": zh, "details_en": en}


def _misnumbered(headings: object) -> list[tuple[str, int, str]]:
    """(section key, printed number, heading text) of every top-level heading whose printed
    numeral differs from the standard number of the section it names ("三、主动公开工作情况"
    names section 二). The parser's ``section_headings`` say what was printed; reports
    without them are judged on ``sections`` alone."""
    if not isinstance(headings, list):
        return []
    out = []
    for h in headings:
        if not isinstance(h, dict):
            continue
        key, num = h.get("key"), h.get("number")
        if (isinstance(key, str) and len(key) == 1 and key in "123456" and isinstance(num, int)
                and h.get("level", 1) == 1 and num != int(key)):
            out.append((key, num, str(h.get("text") or "").strip()))
    return out


@check("S-FORMAT")
def s_format(ctx: Context) -> Iterator[Issue]:
    rep = ctx.report
    year = rep.get("year")
    if not isinstance(year, int) or year < 2021:
        return
    params = {"year": year}
    if rep.get("format_version") == "2019" or _layout(rep) == "2019":
        yield Issue("layout", {"table": "table2"}, expected="2021", actual="2019", params=params)
        return  # the sub-indicators below are consequences of the old layout
    t3 = table3(rep)
    if "3.6" in t3 and not any(k in t3 for k in T3_OTHER_SPLIT):
        yield Issue("other", {"table": "table3", "row": "3.6"}, expected=list(T3_OTHER_SPLIT), actual=["3.6"],
                    params=params)
    for where, text in all_texts(rep) or []:
        for marker in ("第二十条第（九）项", "本年新制作数量"):
            if marker in text:
                yield Issue("marker", {"section": where}, expected="absent", actual=marker,
                            params={**params, "marker": marker})
                return


_YEAR_IN_TITLE = re.compile(r"(20\d\d)年")
_PERIOD = re.compile(r"统计(?:期限|期间|时限|时间|周期)[^。；]{0,20}?(20\d\d)年(?:1月1日|度)"
                     r"(?:[^。；]{0,6}?(20\d\d)年12月31日)?")


@check("S-YEAR")
def s_year(ctx: Context) -> Iterator[Issue]:
    rep = ctx.report
    sources: list[tuple[str, str, int]] = []
    if isinstance(rep.get("year"), int):
        sources.append(("报告年度", "report year", rep["year"]))
    title = rep.get("title")
    if isinstance(title, str) and (m := _YEAR_IN_TITLE.search(normalize(title))):
        sources.append(("标题", "title", int(m.group(1))))
    for where, text in all_texts(rep) or []:
        if where not in ("preamble", "1"):
            continue
        if m := _PERIOD.search(text):
            sources.append(("统计期限", "statistics period", int(m.group(1))))
            if m.group(2):
                sources.append(("统计期限截止", "statistics period end", int(m.group(2))))
            break
    if len(sources) < 2:
        have_text = rep.get("title") is not None or all_texts(rep) is not None
        yield na({"section": "title"}, "年度一致性", "year agreement",
                 "标题或统计期限" if have_text else "标题和正文（title / preamble 未提供）",
                 "title or statistics period" if have_text else "title and text (not provided)")
        return
    years = {y for _, _, y in sources}
    if len(years) > 1:
        desc_zh = "，".join(f"{zh}{y}年" for zh, _, y in sources)
        desc_en = ", ".join(f"{en} {y}" for _, en, y in sources)
        yield Issue("fail", {"section": "title"}, expected=sources[0][2],
                    actual=[y for _, _, y in sources], params={"desc_zh": desc_zh, "desc_en": desc_en})


_HEADING_5 = re.compile(r"^(?:五[、.．]?)?[^。；\n]{0,4}存在的?(?:主要)?问题[^。；]{0,14}?(?:情况|措施|方向|举措)?[:：]?")
_TRIVIAL = re.compile(r"^[无暂没有。．.、\s]*$")


def _sentences(body: str) -> list[str]:
    return [s for s in re.split(r"[。！？；]", body) if s.strip()]


@check("S-PROBLEMS")
def s_problems(ctx: Context) -> Iterator[Issue]:
    st = section_texts(ctx.report)
    where = {"section": "5"}
    if st is None:
        yield na(where, "第五部分（存在的主要问题及改进情况）", "section 5 (problems and improvements)",
                 "正文（section_text 未提供）", "the section text (section_text not provided)")
        return
    if "5" not in st:
        yield na(where, "第五部分（存在的主要问题及改进情况）", "section 5 (problems and improvements)",
                 "第五部分（未找到）", "section 5 (not found)")
        return
    body = _HEADING_5.sub("", normalize(st["5"]), count=1)
    sentences = _sentences(body)
    if _TRIVIAL.match(body) or (len(sentences) <= 1 and len(body) < 40):
        yield Issue("fail", where, expected="问题及改进措施", actual=body[:40] or "（空）",
                    params={"body": body[:40] or "（空）", "chars": len(body)})


_FEE = re.compile(r"信息处理费|处理费|收费|收取[^。；]{0,10}费|费用")
# Outside section 六 only unambiguous wording counts (table 二 prints 行政事业性收费).
_FEE_ELSEWHERE = re.compile(r"处理费|公开收费|收取[^。；]{0,10}信息[^。；]{0,6}费")


@check("S-FEE")
def s_fee(ctx: Context) -> Iterator[Issue]:
    rep = ctx.report
    year = rep.get("year")
    if isinstance(year, int) and year < 2021:
        return  # 国办函〔2020〕109号 applies from the 2021 reports on
    st = section_texts(rep)
    where = {"section": "6"}
    what = ("第六部分关于信息处理费的说明", "the 信息处理费 statement of section 6")
    if st is None:
        yield na(where, *what, "正文（section_text 未提供）", "the section text (section_text not provided)")
        return
    if "6" not in st:
        yield na(where, *what, "第六部分（未找到）", "section 6 (not found)")
        return
    if _FEE.search(normalize(st["6"])):
        return
    # Headings get lost in conversions: a statement elsewhere in the text still counts.
    if any(_FEE_ELSEWHERE.search(t) for _, t in all_texts(rep) or []):
        return
    body = normalize(st["6"])
    yield Issue("fail", where, expected="说明是否收取信息处理费", actual=body[:30] or "（空）",
                params={"body": body[:30] or "（空）"})
