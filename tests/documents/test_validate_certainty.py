"""What a check may conclude depends on how its cells were read (rules.md, certainty)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.reports import make_report
from workers.parse import parse_path
from workers.validate import validate, validate_pair

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real"


def _certain(rep: dict) -> dict:
    return {t: {k: [{"how": "grid", "certain": True}] * len(v) for k, v in rep[t].items()}
            for t in ("table3", "table4")}


def _by(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule]


def test_error_on_an_uncertain_cell_is_review_with_candidates() -> None:
    rep = make_report()
    rep["table3"]["3.1"][6] = 20  # the row total now disagrees with its cells
    rep["reading"] = _certain(rep)
    assert [f["status"] for f in _by(validate(rep), "T3-TOTALS")] == ["fail"]
    rep["reading"]["table3"]["3.1"] = [{"how": "grid", "certain": True}] * 6 + [
        {"how": "split_chosen", "certain": False, "why": "fused digits", "candidates": [2, 20]}]
    (f,) = _by(validate(rep), "T3-TOTALS")
    assert f["status"] == "review" and f["message_zh"].startswith("待人工核对")
    assert f["review"]["cells"] == [{"table": "table3", "row": "3.1", "column": 6, "report": "current",
                                     "how": "split_chosen", "why": "fused digits", "candidates": [2, 20]}]
    # the other identities on that column rest on the same cell: review too, never fail
    assert not [x for x in validate(rep) if x["status"] == "fail" and x["severity"] == "error"]


def test_identity_assumed_by_the_reading_is_not_assessable_even_when_it_holds() -> None:
    rep = make_report()
    rep["reading"] = _certain(rep)
    rep["reading"]["table3"]["1"] = [{"how": "split_assumed", "certain": True, "assumed": ["T3-TOTALS"],
                                      "candidates": [2, 20]}] + [{"how": "split_forced", "certain": True}] * 6
    totals = [f for f in _by(validate(rep), "T3-TOTALS") if f["where"]["row"] == "1"]
    assert [f["status"] for f in totals] == ["not_assessable"]
    assert "assumed" in totals[0]["message_en"]
    # another identity on the same cell was not used to read it: it is still checked
    rep["table3"]["2"][0] = 1
    balance = [f for f in _by(validate(rep), "T3-BALANCE") if f["where"]["column"] == 0]
    assert [f["status"] for f in balance] == ["fail"]


def test_carry_over_on_last_years_uncertain_cell_is_review() -> None:
    cur, prev = make_report(), make_report(year=2023)
    prev["table3"]["4"] = [1, 0, 0, 0, 0, 0, 1]
    prev["reading"] = _certain(prev)
    prev["reading"]["table3"]["4"] = [{"how": "split_chosen", "certain": False, "candidates": [1, 10]}] * 7
    statuses = {f["status"] for f in validate_pair(cur, prev) if f["rule"] == "X-CARRY"}
    assert statuses == {"review"}


def test_printed_but_unread_row_is_review_not_missing() -> None:
    rep = make_report()
    del rep["table3"]["3.2"]
    assert [f["status"] for f in _by(validate(rep), "S-TABLES")] == ["fail"]
    rep["reading"] = {"table3": {"3.2": {"unread": True, "printed": "0 0 0 0 0 0"}}}
    (f,) = _by(validate(rep), "S-TABLES")
    assert f["status"] == "review" and "0 0 0 0 0 0" in f["message_zh"]


@pytest.mark.skipif(not REAL.is_dir(), reason="shared corpus not present")
def test_agency_error_in_a_fused_dump_is_still_found() -> None:
    """017: rows 一 and （七） are fused ('160 02 0 018'); only their own totals tell the
    splits apart, so T3-TOTALS on them is not assessable, and the table's balance — not
    used to read them — fails where the agency put all 18 under 自然人."""
    rep = parse_path(REAL / "017_pt_zrz_2021.txt")
    assert rep["table3"]["1"] == [16, 0, 0, 2, 0, 0, 18]
    assert rep["reading"]["table3"]["1"][0]["assumed"] == ["T3-TOTALS"]
    found = validate(rep)
    assert {f["where"]["column"] for f in _by(found, "T3-BALANCE") if f["status"] == "fail"} == {0, 3}
    assert {f["where"]["row"] for f in _by(found, "T3-TOTALS")} >= {"1", "3.7"}
    assert all(f["status"] == "not_assessable" for f in _by(found, "T3-TOTALS"))


def test_check_command_prints_the_review_list(tmp_path: Path) -> None:
    from tests.support.reports import text_report
    flat = text_report().replace("\n", "").replace("\t", "")
    # row 一 printed with spaces: its column 自然人 has two digits, 商业企业 one; '220000022'
    # (3.1) is 22|0|… or 2|20|… and both add up: the digit counts choose 22|0, uncertain
    flat = flat.replace("申请数量4100005", "申请数量14 1 0 0 0 0 15")
    flat = flat.replace("（一）予以公开2100003", "（一）予以公开220000022")
    doc = tmp_path / "dump.txt"
    doc.write_text(flat, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "gkwatch", "check", str(doc)], capture_output=True,
                         text=True, timeout=60)
    js = json.loads(subprocess.run([sys.executable, "-m", "gkwatch", "check", str(doc), "--format", "json"],
                                   capture_output=True, text=True, timeout=60).stdout)
    rep = js["report"]
    assert rep["table3"]["3.1"] == [22, 0, 0, 0, 0, 0, 22]
    assert rep["reading"]["table3"]["3.1"][0]["how"] == "split_chosen"
    reviews = {(f["rule"], f["where"].get("column")) for f in js["findings"] if f["status"] == "review"}
    assert ("T3-RESULTS", 0) in reviews
    fails = {(f["rule"], f["where"].get("column")) for f in js["findings"] if f["status"] == "fail"}
    # the results sum of columns 0/1 rests on 3.1's uncertain cells; the balance does not
    # (rows 一, 二, （七）, 四 are all certain) and fails as printed: 14 + 1 != 4 + 1
    assert ("T3-RESULTS", 0) not in fails and ("T3-RESULTS", 1) not in fails
    assert ("T3-BALANCE", 0) in fails
    # the doubtful cell named as the form prints it (issue 17), not table3 3.1[0]
    assert "待人工核对" in out.stdout and "表三“（一）予以公开”行“自然人”列 ∈ {2, 22, 220}" in out.stdout
