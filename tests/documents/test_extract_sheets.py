"""Spreadsheet reports (XLSX built here with openpyxl), XLS errors, and the size limit.

No .xls writer is installed (xlwt is not a dependency), so the XLS reader is only tested
on broken input here; the XLSX test covers the shared grid logic (merged cells, blanks).
"""
from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from ground.errors import ExtractionError
from tests.documents.test_parse_units import T3_LABELS, sample_values
from workers.extract import DEFAULT_MAX_BYTES, extract
from workers.parse import parse_bytes, parse_path


def _xlsx(blank: tuple[str, int] | None = None) -> bytes:
    """One sheet per table, as agencies publish them; ``blank`` leaves one table-3 cell empty."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表二"
    ws.append(["示范县财政局2024年政府信息公开工作年度报告"])
    ws.append(["二、主动公开政府信息情况"])
    ws.append(["第二十条第（一）项"])
    ws.merge_cells("A3:D3")
    ws.append(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])
    ws.append(["规章", 0, 0, 0])
    ws.append(["行政规范性文件", 3, 1, 12])
    ws.append(["第二十条第（五）项"])
    ws.append(["信息内容", "本年处理决定数量"])
    ws.append(["行政许可", 40])
    ws.append(["行政处罚", 2])
    ws.append(["行政强制", 0])
    ws.append(["第二十条第（八）项"])
    ws.append(["信息内容", "本年收费金额（单位：万元）"])
    ws.append(["行政事业性收费", 12.5])
    t3 = wb.create_sheet("表三")
    t3.append(["三、收到和处理政府信息公开申请情况"])
    t3.append(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", None, None, "申请人情况"])
    t3.merge_cells("D2:J2")
    t3.append([None, None, None, "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"])
    vals = sample_values()
    for key, label in T3_LABELS:
        row = [label, None, None] + list(vals[key])
        if blank and blank[0] == key:
            row[3 + blank[1]] = None
        t3.append(row)
        t3.merge_cells(start_row=t3.max_row, start_column=1, end_row=t3.max_row, end_column=3)
    t4 = wb.create_sheet("表四")
    t4.append(["四、政府信息公开行政复议、行政诉讼情况"])
    t4.append(["行政复议"] + [None] * 4 + ["行政诉讼"])
    t4.merge_cells("A2:E2")
    t4.append([1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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
