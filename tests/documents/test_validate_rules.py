"""Unit tests of every single-document rule, on small reports built here."""
from __future__ import annotations

import pytest

from tests.support.reports import ROWS, make_report  # noqa: F401
from workers.validate import RULES, validate, validate_pair
from workers.validate.agency import COUNTY, TOWNSHIP, infer_level


def with_text(rep: dict, **sections: str) -> dict:
    base = {"1": "本年度共收到政府信息公开申请3件，办结3件。", "2": "主动公开情况。", "3": "见下表。",
            "4": "见下表。", "5": "一是公开内容不够全面，部分栏目更新不及时。二是解读形式单一。下一步将加强培训，完善制度，提升质量。",
            "6": "本年度未收取信息处理费。"}
    base.update({k.lstrip("s"): v for k, v in sections.items()})
    return {**rep, "section_text": base, "title": "某市某局2024年政府信息公开工作年度报告",
            "preamble": "本报告统计期限为2024年1月1日至2024年12月31日。"}


def fails(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule and f["status"] == "fail"]


def nas(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule and f["status"] == "not_assessable"]


def test_consistent_report_has_no_failures() -> None:
    findings = validate(with_text(make_report()))
    assert [f for f in findings if f["status"] == "fail"] == []


def test_finding_shape_and_both_messages() -> None:
    rep = make_report()
    rep["table3"]["4"] = [0, 0, 0, 0, 0, 0, 1]
    (f,) = fails(validate(rep), "T3-BALANCE")
    assert set(f) == {"rule", "severity", "status", "where", "expected", "actual", "message_zh", "message_en"}
    assert f["severity"] == "error" and f["where"] == {"table": "table3", "row": "3.7", "column": 6}
    assert (f["expected"], f["actual"]) == (3, 4)
    assert "3" in f["message_zh"] and "4" in f["message_zh"] and "总计" in f["message_zh"]
    assert "?" not in f["message_zh"] and "?" not in f["message_en"]


# ------------------------------------------------------------------ table 三
def test_t3_balance_fail_per_column() -> None:
    rep = make_report()
    rep["table3"]["2"] = [1, 0, 0, 0, 0, 0, 1]  # carried over but no result for it
    got = fails(validate(rep), "T3-BALANCE")
    assert [f["where"]["column"] for f in got] == [0, 6]


def test_t3_balance_blank_is_not_zero() -> None:
    rep = make_report()
    rep["table3"]["2"] = [None, 0, 0, 0, 0, 0, None]
    findings = validate(rep)
    assert fails(findings, "T3-BALANCE") == []
    na = nas(findings, "T3-BALANCE")
    assert [f["where"]["column"] for f in na] == [0, 6]
    assert "2[0]" in na[0]["message_zh"]


def test_t3_results_fail_and_na() -> None:
    rep = make_report()
    rep["table3"]["3.2"] = [1, 0, 0, 0, 0, 0, 1]
    got = fails(validate(rep), "T3-RESULTS")
    assert [(f["where"]["column"], f["expected"], f["actual"]) for f in got] == [(0, 3, 2), (6, 4, 3)]
    rep = make_report()
    rep["table3"]["3.3.3"][2] = None
    findings = validate(rep)
    assert fails(findings, "T3-RESULTS") == [] and [f["where"]["column"] for f in nas(findings, "T3-RESULTS")] == [2]


def test_t3_results_collapsed_other_row() -> None:
    rep = make_report()
    for k in ("3.6.1", "3.6.2", "3.6.3"):
        del rep["table3"][k]
    rep["table3"]["3.6"] = [0] * 7
    findings = validate(rep)
    assert fails(findings, "T3-RESULTS") == [] and fails(findings, "S-TABLES") == []
    rep["table3"]["3.6"] = [1, 0, 0, 0, 0, 0, 1]
    assert len(fails(validate(rep), "T3-RESULTS")) == 2


def test_t3_totals() -> None:
    rep = make_report()
    rep["table3"]["3.1"] = [1, 0, 0, 0, 0, 1, 3]
    got = fails(validate(rep), "T3-TOTALS")
    assert [(f["where"]["row"], f["expected"], f["actual"]) for f in got] == [("3.1", 2, 3)]
    rep = make_report()
    rep["table3"]["3.1"][6] = None
    assert fails(validate(rep), "T3-TOTALS") == []
    assert [f["where"]["row"] for f in nas(validate(rep), "T3-TOTALS")] == ["3.1"]


def test_t3_values() -> None:
    rep = make_report()
    rep["table3"]["3.3.1"][0] = -1
    rep["table3"]["3.3.2"][0] = "x"
    rep["table3"]["3.3.3"][0] = None
    findings = validate(rep)
    assert {(f["where"]["row"]) for f in fails(findings, "T3-VALUES")} == {"3.3.1", "3.3.2"}
    (blank,) = nas(findings, "T3-VALUES")
    assert blank["actual"] == 1 and "1" in blank["message_zh"]


# ------------------------------------------------------------------ table 四
def test_t4_totals() -> None:
    rep = make_report(table4={"review": [10, 1, 0, 0, 0], "litigation_direct": [0] * 5,
                              "litigation_after_review": [5, 0, 0, 0, 0]})
    got = fails(validate(rep), "T4-TOTALS")
    assert [(f["where"]["row"], f["expected"], f["actual"]) for f in got] == [
        ("review", 11, 0), ("litigation_after_review", 5, 0)]
    assert "11" in got[0]["message_zh"]
    rep = make_report(table4={"review": [5, None, None, 2, 7], "litigation_direct": [0] * 5,
                              "litigation_after_review": [None] * 5})
    findings = validate(rep)
    assert fails(findings, "T4-TOTALS") == [] and len(nas(findings, "T4-TOTALS")) == 2


def test_t4_values() -> None:
    rep = make_report(table4={"review": [1, 0, 0, 0, 1], "litigation_direct": [0, 0, -2, 2, 0],
                              "litigation_after_review": [0] * 5})
    assert [f["where"]["column"] for f in fails(validate(rep), "T4-VALUES")] == [2]


# ------------------------------------------------------------------ table 二
def test_t2_values() -> None:
    rep = make_report()
    rep["table2"]["licensing"]["decisions"] = -3
    rep["table2"]["fees"]["amount"] = -0.5
    assert {f["where"]["row"] for f in fails(validate(rep), "T2-VALUES")} == {"licensing", "fees"}
    old = make_report(year=2019, format_version="2019",
                      table2={"punishment": {"previous_items": 10, "change": -18, "decisions": 5}})
    assert fails(validate(old), "T2-VALUES") == []


@pytest.mark.parametrize("agency, kind, flagged", [
    ("某县某镇人民政府", None, True),
    ("卫东区光华路街道办事处", None, True),
    ("某市某区人民政府", None, True),
    ("某县发展和改革局", None, True),
    ("平潭综合实验区", None, True),
    ("某市人民政府", None, False),
    ("某省人民政府", None, False),
    ("某市人民政府", "乡镇街道", True),
    ("某县人民政府", "市级政府", False),
    ("某某高新技术产业开发区管委会", None, False),
])
def test_t2_power(agency: str, kind: str | None, flagged: bool) -> None:
    rep = make_report(agency=agency)
    rep["table2"]["rules"] = {"issued": 1, "repealed": 0, "in_force": 3}
    got = fails(validate(rep, agency_kind=kind), "T2-POWER")
    assert bool(got) is flagged
    if flagged:
        assert [f["where"]["column"] for f in got] == ["issued", "in_force"]
        assert ("推断" in got[0]["message_zh"]) is (kind is None)


def test_agency_inference() -> None:
    assert infer_level("住房和城乡建设局") is None  # 城乡 is not a 乡
    assert infer_level("南关区新春街道") == TOWNSHIP
    assert infer_level("淮安市洪泽区人民政府") == COUNTY
    assert infer_level("上海市科委") != COUNTY


# ------------------------------------------------------------------ structure
def test_s_tables() -> None:
    rep = make_report()
    del rep["table3"]["3.3.4"]
    rep["table4"]["review"] = [1, 0, 1]
    del rep["table2"]["coercion"]
    got = fails(validate(rep), "S-TABLES")
    assert {(f["where"]["table"], f["where"]["row"]) for f in got} == {
        ("table3", "3.3.4"), ("table4", "review"), ("table2", "coercion")}
    assert all(f["severity"] == "error" for f in got)
    rep = make_report()
    del rep["table4"]
    assert [f["where"] for f in fails(validate(rep), "S-TABLES")] == [{"table": "table4"}]


def test_s_sections() -> None:
    assert fails(validate(make_report(sections=["1", "2", "3", "4", "6"])), "S-SECTIONS")[0]["where"] == {"section": "5"}
    assert len(fails(validate(make_report(sections=["1", "3", "2", "4", "5", "6"])), "S-SECTIONS")) == 1


def test_s_format() -> None:
    rep = make_report()
    for k in ("3.6.1", "3.6.2", "3.6.3"):
        del rep["table3"][k]
    rep["table3"]["3.6"] = [0] * 7
    (f,) = fails(validate(rep), "S-FORMAT")
    assert f["where"] == {"table": "table3", "row": "3.6"} and f["severity"] == "warning"
    assert fails(validate({**rep, "year": 2020}), "S-FORMAT") == []
    assert fails(validate(make_report(format_version="2019")), "S-FORMAT")[0]["where"] == {"table": "table2"}


def test_s_year() -> None:
    rep = with_text(make_report())
    assert fails(validate(rep), "S-YEAR") == []
    rep["preamble"] = "本报告统计期限为2023年1月1日至2023年12月31日。"
    (f,) = fails(validate(rep), "S-YEAR")
    assert "2023" in f["message_zh"] and "2024" in f["message_zh"]
    assert nas(validate(make_report()), "S-YEAR")


def test_s_problems() -> None:
    assert fails(validate(with_text(make_report())), "S-PROBLEMS") == []
    for body in ("五、存在的主要问题及改进情况\n无。", "", "五、存在的主要问题及改进情况 暂无问题。"):
        assert fails(validate(with_text(make_report(), s5=body)), "S-PROBLEMS"), body
    (na,) = nas(validate(make_report()), "S-PROBLEMS")
    assert "section_text" in na["message_zh"]


def test_s_fee() -> None:
    assert fails(validate(with_text(make_report())), "S-FEE") == []
    (f,) = fails(validate(with_text(make_report(), s6="无。")), "S-FEE")
    assert f["severity"] == "info" and f["where"] == {"section": "6"}
    assert fails(validate(with_text(make_report(year=2020, format_version="2019"), s6="无。")), "S-FEE") == []
    assert nas(validate(make_report()), "S-FEE")


# ------------------------------------------------------------------ text against tables
def test_n_applications_pass_and_fail() -> None:
    rep = with_text(make_report())
    assert fails(validate(rep), "N-APPLICATIONS") == []
    rep = with_text(make_report(), s1="本年度受理政府信息公开申请17件，办结3件。")
    (f,) = fails(validate(rep), "N-APPLICATIONS")
    assert f["actual"] == 17 and f["where"]["section"] == "1" and "17" in f["message_zh"]


def test_n_applications_received_may_include_carry_over() -> None:
    rep = make_report()
    rep["table3"]["2"] = [1, 0, 0, 0, 0, 0, 1]
    rep["table3"]["4"] = [1, 0, 0, 0, 0, 0, 1]
    rep = with_text(rep, s1="共受理政府信息公开申请4件（含上年结转1件），结转下年度1件。")
    assert fails(validate(rep), "N-APPLICATIONS") == []


def test_n_applications_is_conservative() -> None:
    text = ("其中通过网上平台收到申请9件。自然人申请40件。较上年增加受理申请5件。"
            "收到人大代表建议12件。办理行政复议申请8件。")
    assert fails(validate(with_text(make_report(), s1=text)), "N-APPLICATIONS") == []


def test_n_applications_blank_totals_use_printed_cells() -> None:
    rep = make_report()
    rep["table3"]["3.4.1"] = [1, None, None, None, None, None, None]
    rep["table3"]["3.4.2"] = [2, None, None, None, None, None, None]
    ok = with_text(rep, s1="无法提供3件。")
    assert fails(validate(ok), "N-APPLICATIONS") == []
    bad = with_text(rep, s1="无法提供1件。")  # the printed cells already sum to 3
    assert len(fails(validate(bad), "N-APPLICATIONS")) == 1


def test_n_applications_percent() -> None:
    rep = with_text(make_report(), s1="予以公开2件，占66.7%。")
    assert fails(validate(rep), "N-APPLICATIONS") == []
    rep = with_text(make_report(), s1="予以公开2件，占50%。")
    (f,) = fails(validate(rep), "N-APPLICATIONS")
    assert "50" in f["message_zh"]


def test_n_applications_without_text_is_not_assessable() -> None:
    (f,) = nas(validate(make_report()), "N-APPLICATIONS")
    assert "section_text" in f["message_zh"] and f["severity"] == "warning"


def test_n_litigation() -> None:
    rep = with_text(make_report(), s4="本年度行政复议1件，行政诉讼0件，均获维持。")
    assert fails(validate(rep), "N-LITIGATION") == []
    rep = with_text(make_report(), s4="本年度行政复议3件。")
    assert fails(validate(rep), "N-LITIGATION")[0]["actual"] == 3
    corrected = make_report(table4={"review": [0, 1, 0, 0, 1], "litigation_direct": [0] * 5,
                                    "litigation_after_review": [0] * 5})
    (f,) = fails(validate(with_text(corrected, s4="行政复议1件，均获维持。")), "N-LITIGATION")
    assert f["where"]["row"] == "review" and f["where"]["column"] == 1
    # only litigation is claimed: the corrected review does not contradict it
    assert fails(validate(with_text(corrected, s4="行政诉讼零败诉。")), "N-LITIGATION") == []
    blank = make_report(table4={"review": [1, None, None, None, 1], "litigation_direct": [0] * 5,
                                "litigation_after_review": [0] * 5})
    findings = validate(with_text(blank, s4="行政复议1件，均获维持。"))
    assert fails(findings, "N-LITIGATION") == [] and nas(findings, "N-LITIGATION")


# ------------------------------------------------------------------ cross-year
def test_x_carry() -> None:
    prev = make_report(year=2023)
    prev["table3"]["4"] = [1, 0, 0, 0, 0, 0, 1]
    cur = make_report()
    got = fails(validate_pair(cur, prev), "X-CARRY")
    assert [(f["where"]["column"], f["expected"], f["actual"]) for f in got] == [(0, 1, 0), (6, 1, 0)]
    cur["table3"]["2"] = [1, 0, 0, 0, 0, 0, None]
    findings = validate_pair(cur, prev)
    assert fails(findings, "X-CARRY") == [] and [f["where"]["column"] for f in nas(findings, "X-CARRY")] == [6]
    assert validate_pair(make_report(), make_report(year=2021))[0]["status"] == "not_assessable"


def test_x_stock() -> None:
    prev = make_report(year=2023)
    prev["table2"]["normative_documents"] = {"issued": 1, "repealed": 0, "in_force": 9}
    assert fails(validate_pair(make_report(), prev), "X-STOCK") == []  # 9 + 2 - 1 = 10
    prev["table2"]["normative_documents"]["in_force"] = 20
    (f,) = fails(validate_pair(make_report(), prev), "X-STOCK")
    assert (f["expected"], f["actual"], f["severity"]) == (21, 10, "warning")


def test_x_copy() -> None:
    long1 = "本机关坚持以公开为常态、不公开为例外，围绕中心工作，全面推进决策、执行、管理、服务、结果公开。" * 3
    cur = with_text(make_report(), s1=long1)
    prev = with_text(make_report(year=2023), s1=long1.replace("2024", "2023"))
    assert [f["where"] for f in fails(validate_pair(cur, prev), "X-COPY")] == [{"section": "1"}]
    other = with_text(make_report(year=2023), s1="今年我们重点做了三件事：一是网站改版，二是培训人员，三是制度建设，取得了较好效果。" * 2)
    assert fails(validate_pair(cur, other), "X-COPY") == []


def test_validate_runs_cross_year_only_with_previous() -> None:
    assert not any(f["rule"].startswith("X-") for f in validate(make_report()))
    prev = make_report(year=2023)
    prev["table3"]["4"] = [1, 0, 0, 0, 0, 0, 1]
    assert fails(validate(make_report(), previous=prev), "X-CARRY")
    assert all(f["rule"].startswith("X-") for f in validate_pair(make_report(), prev))


def test_render_check_shows_the_failing_rule_with_its_message() -> None:
    from gkwatch.plaintext import render_check

    rep = make_report()
    rep["table3"]["4"] = [0, 0, 0, 0, 0, 0, 1]
    out = render_check({"report": rep, "findings": validate(rep)})
    line = next(x for x in out.splitlines() if "T3-BALANCE" in x)
    assert "error" in line and "勾稽" in line
    assert "no failing checks" in render_check({"report": make_report(), "findings": []})


def test_every_rule_has_titles() -> None:
    for rid, rule in RULES.items():
        assert rule.id == rid and rule.title_zh and rule.title_en
