"""The report outline: headings as printed, section detection, and S-SECTIONS on it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.reports import text_report
from workers.parse import parse_bytes, parse_path
from workers.parse.sections import numeral_value
from workers.validate import validate

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _fails(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule and f["status"] == "fail"]


def test_numeral_value() -> None:
    assert [numeral_value(s) for s in ("一", "六", "十", "十二", "二十", "二十一")] == [1, 6, 10, 12, 20, 21]
    assert numeral_value("") is None and numeral_value("甲") is None and numeral_value("二三") is None


def test_headings_are_reported_as_printed() -> None:
    r = parse_bytes(text_report().encode(), filename="r.txt")
    heads = r["section_headings"]
    assert [(h["number"], h["key"], h["level"]) for h in heads] == [
        (n, str(n), 1) for n in range(1, 7)]
    assert heads[1]["text"] == "二、主动公开政府信息情况"
    assert _fails(validate(r), "S-SECTIONS") == []


def test_preamble_fragment_and_sub_headings_do_not_open_sections() -> None:
    """A preamble line broken after a section name, and sub-headings of 一 that repeat the
    names of 二 and 三, must not move those sections."""
    text = text_report().replace(
        "本报告统计期限",
        "全文包括总体情况、主动公开政府信息情况以及\n其他需要报告的事项\n本报告统计期限", 1)
    text = text.replace("工作平稳推进。",
                        "（一）主动公开政府信息情况\n工作平稳推进。\n（二）依申请公开情况\n依法办理。", 1)
    r = parse_bytes(text.encode(), filename="r.txt")
    assert r["sections"] == ["1", "2", "3", "4", "5", "6"]
    top = [h for h in r["section_headings"] if h["level"] == 1]
    assert [h["key"] for h in top] == ["1", "2", "3", "4", "5", "6"]
    assert "依法办理" in r["section_text"]["1"]
    assert "第二十条" in r["section_text"]["2"]
    assert _fails(validate(r), "S-SECTIONS") == []


def test_section_five_opened_by_its_sub_heading() -> None:
    text = text_report().replace("五、存在的主要问题及改进情况\n无。",
                                 "（一）上年问题的改进情况\n已整改。\n（二）本年存在的主要问题\n栏目需优化。", 1)
    r = parse_bytes(text.encode(), filename="r.txt")
    assert r["sections"] == ["1", "2", "3", "4", "5", "6"]
    assert "已整改" in r["section_text"]["5"] and "栏目需优化" in r["section_text"]["5"]
    assert _fails(validate(r), "S-SECTIONS") == []


def test_non_standard_numbering_fails_s_sections() -> None:
    """Narrative sections numbered 一…四 with extra ones, then the tables renumbered."""
    text = text_report()
    for old, new in (("二、主动公开政府信息情况", "二、工作机制\n机制健全。\n三、主动公开政府信息情况"),
                     ("三、收到和处理政府信息公开申请情况", "四、收到和处理政府信息公开申请情况"),
                     ("四、政府信息公开行政复议、行政诉讼情况", "五、政府信息公开行政复议、行政诉讼情况"),
                     ("五、存在的主要问题及改进情况", "六、存在的主要问题及改进情况"),
                     ("六、其他需要报告的事项", "七、其他需要报告的事项")):
        text = text.replace(old, new, 1)
    r = parse_bytes(text.encode(), filename="r.txt")
    assert r["sections"] == ["1", "2", "3", "4", "5", "6"]  # all present, in order …
    assert {"number": 2, "level": 1, "text": "二、工作机制", "key": None} in r["section_headings"]
    [f] = _fails(validate(r), "S-SECTIONS")  # … but not numbered as the standard says
    assert f["severity"] == "warning" and f["where"] == {"section": "2"}
    assert f["expected"] == [2, 3, 4, 5, 6] and f["actual"] == [3, 4, 5, 6, 7]
    assert "“三、主动公开政府信息情况”应为第二部分" in f["message_zh"] and "等5处" in f["message_zh"]
    assert "standard section 2" in f["message_en"]


def test_reports_without_headings_are_judged_on_sections() -> None:
    r = parse_bytes(text_report().encode(), filename="r.txt")
    r.pop("section_headings")
    assert _fails(validate(r), "S-SECTIONS") == []
    r["section_headings"] = [{"number": 3, "text": "三、主动公开", "key": "2"}]  # level omitted
    assert len(_fails(validate(r), "S-SECTIONS")) == 1


def _corpus() -> list[tuple[Path, dict]]:
    out = []
    for sub in ("seeds", "real"):
        for p in sorted((CORPUS / sub).glob("*")):
            g = CORPUS / "gold" / f"{p.stem}.json"
            if p.suffix != ".tsv" and g.exists():
                out.append((p, json.loads(g.read_text(encoding="utf-8"))))
    return out


@pytest.mark.skipif(not (CORPUS / "gold").is_dir(), reason="shared corpus not present")
def test_corpus_outline_and_no_false_warnings() -> None:
    """Every corpus document: sections 1..6 in order as in the gold, and every failing
    warning/error rule is one the gold expects (S-SECTIONS only on 005)."""
    docs = _corpus()
    assert docs
    for path, gold in docs:
        r = parse_path(path)
        assert r["sections"] == gold["sections"], path.name
        expected = {f["rule"] for f in gold["_expected_failures"]}
        got = {f["rule"] for f in validate(r) if f["status"] == "fail" and f["severity"] != "info"}
        assert got <= expected, (path.name, got - expected)
        assert ("S-SECTIONS" in got) == ("S-SECTIONS" in expected), path.name
