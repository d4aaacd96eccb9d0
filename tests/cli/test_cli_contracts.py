"""`gkwatch parse` and `gkwatch check`: the JSON contracts, readable tables, clear errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import SHARED

SEED = SHARED / "corpus" / "seeds" / "001_3c95a7fc71041271.txt"
HUAIAN = SHARED / "corpus" / "real" / "001_huaian_hongzequ_2023.pdf"
needs_corpus = pytest.mark.skipif(not SEED.exists(), reason="shared corpus not available")


def gk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gkwatch", *args], capture_output=True, text=True, timeout=120)


@needs_corpus
def test_parse_json_follows_the_report_contract() -> None:
    p = gk("parse", str(SEED), "--format", "json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["schema"] == "gkwatch.report/1"
    assert report["year"] == 2024 and report["format_version"] == "2021"
    assert all(len(v) == 7 for v in report["table3"].values())
    assert set(report["table4"]) == {"review", "litigation_direct", "litigation_after_review"}


@needs_corpus
def test_check_json_lists_failures_with_location_and_both_languages() -> None:
    p = gk("check", str(HUAIAN), "--format", "json")
    out = json.loads(p.stdout)
    assert out["schema"] == "gkwatch.findings/1" and out["report"]["schema"] == "gkwatch.report/1"
    t4 = [f for f in out["findings"] if f["rule"] == "T4-TOTALS" and f["status"] == "fail"]
    assert {f["where"]["row"] for f in t4} == {"review", "litigation_after_review"}
    assert all(f["message_zh"] and f["message_en"] and f["where"]["column"] == 4 for f in t4)


@needs_corpus
def test_check_table_marks_failing_cells_and_strict_exit_code() -> None:
    p = gk("check", str(HUAIAN), "--strict")
    assert p.returncode == 1
    assert "T4-TOTALS" in p.stdout and "*0*" in p.stdout  # the printed 总计 of 表四 is marked


def test_unreadable_document_is_a_clear_error_and_a_p_unparsed_finding(tmp_path) -> None:
    bad = tmp_path / "report.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really a pdf")
    p = gk("parse", str(bad), "--format", "json")
    assert p.returncode == 3 and "report.pdf" in p.stderr and "Traceback" not in p.stderr
    c = gk("check", str(bad), "--format", "json")
    assert c.returncode == 0
    assert [f["rule"] for f in json.loads(c.stdout)["findings"]] == ["P-UNPARSED"]


def test_missing_file_is_a_clear_error(tmp_path) -> None:
    p = gk("check", str(tmp_path / "nope.html"))
    assert p.returncode == 3 and "nope.html" in p.stderr and "Traceback" not in p.stderr
