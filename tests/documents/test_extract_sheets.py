"""Spreadsheet reports (XLSX built here with openpyxl), XLS errors, and the size limit.

No .xls writer is installed (xlwt is not a dependency), so the XLS reader is only tested
on broken input here; the XLSX test covers the shared grid logic (merged cells, blanks).
"""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from ground.errors import ExtractionError
from tests.support.reports import sample_values
from tests.support.reports import xlsx_report as _xlsx
from workers.extract import DEFAULT_MAX_BYTES, extract
from workers.parse import parse_bytes, parse_path


def test_xlsx_report() -> None:
    r = parse_bytes(_xlsx(), filename="report.xlsx")
    assert r["source"]["format"] == "xlsx"
    assert r["agency"] == "示范县财政局" and r["year"] == 2024 and r["format_version"] == "2021"
    assert r["table3"] == sample_values()
    assert r["table4"] == {"review": [1, 0, 0, 0, 1], "litigation_direct": [0, 0, 0, 0, 0],
                           "litigation_after_review": [0, 0, 0, 2, 2]}
    assert r["table2"]["normative_documents"] == {"issued": 3, "repealed": 1, "in_force": 12}
    assert r["table2"]["licensing"] == {"decisions": 40}
    assert r["table2"]["fees"] == {"amount": 12.5}
    assert r["provenance"]["table3"]["3.1"][0]["table"] == 2  # the second sheet


def test_xlsx_blank_cell_stays_blank() -> None:
    r = parse_bytes(_xlsx(blank=("2", 3)), filename="report.xlsx")
    assert r["table3"]["2"][3] is None and r["table3"]["1"][3] == 0


def test_broken_spreadsheets() -> None:
    with pytest.raises(ExtractionError, match="XLSX"):
        extract(b"PK\x03\x04" + b"xl/" + b"\0" * 200, filename="broken.xlsx")
    with pytest.raises(ExtractionError, match="XLS"):
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, filename="broken.xls")


def test_huge_file_fails_before_it_is_read(tmp_path: Path) -> None:
    """A 200 MB file (sparse: no disk used) is refused from its size alone."""
    p = tmp_path / "huge.pdf"
    with p.open("wb") as f:
        f.truncate(200 * 1024 * 1024)
    assert p.stat().st_size > DEFAULT_MAX_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(ExtractionError, match="over the .* byte limit"):
            parse_path(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # the file was never read into memory


def test_size_limit_on_bytes() -> None:
    with pytest.raises(ExtractionError, match="limit"):
        extract(b"x" * 2048, filename="a.txt", max_bytes=1024)
