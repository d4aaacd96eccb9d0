"""Hostile files cost a bounded amount: each is parsed in a child process with a hard
address-space limit, and must end within 10 s and 500 MB with a result or a clear error."""
from __future__ import annotations

import io
import json
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.reports import xlsx_report as _xlsx

ROOT = Path(__file__).resolve().parents[2]
BUDGET_S, BUDGET_MB = 10, 500
_CHILD = """
import json, resource, sys
from workers.parse import parse_path
from ground.errors import GkwatchError
try:
    r = parse_path(sys.argv[1]); out = {"ok": True, "tables": sorted(k for k in r if k.startswith("table"))}
except GkwatchError as exc:
    out = {"ok": False, "error": str(exc)}
# VmHWM, not ru_maxrss: ru_maxrss survives exec and would count the parent's peak
out["maxrss_mb"] = next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps(out, ensure_ascii=False))
"""


def _limit() -> None:  # in the child: never let a regression take the machine down
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def parse_bounded(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True,
                          timeout=BUDGET_S * 3, cwd=ROOT, preexec_fn=_limit)
    assert proc.returncode == 0, proc.stderr[-600:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["maxrss_mb"] < BUDGET_MB, out
    return out


def _with_sheet_xml(data: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    """The package with its first worksheet's XML changed by ``edit``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = edit(body)
            z.writestr(info, body)
    return out.getvalue()


def test_xlsx_declaring_the_last_cell_of_the_sheet(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(_xlsx()))
    wb.worksheets[0]["XFD1048576"] = 1
    buf = io.BytesIO()
    wb.save(buf)
    p = tmp_path / "far.xlsx"
    p.write_bytes(buf.getvalue())
    out = parse_bounded(p)
    assert out["ok"] and out["tables"] == ["table2", "table3", "table4"]


def test_xlsx_merging_the_whole_sheet(tmp_path: Path) -> None:
    def merge_all(xml: bytes) -> bytes:
        xml = re.sub(rb"<mergeCells\b.*?</mergeCells>", b"", xml, flags=re.S)
        return xml.replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                            b'<mergeCell ref="A1:XFD1048576"/></mergeCells>')
    p = tmp_path / "merge.xlsx"
    p.write_bytes(_with_sheet_xml(_xlsx(), merge_all))
    out = parse_bounded(p)
    assert out["ok"] or "XLSX" in out["error"]


@pytest.mark.parametrize("kind,member", [("docx", "word/document.xml"), ("xlsx", "xl/worksheets/sheet1.xml")])
def test_zip_bomb_is_refused_before_inflating(tmp_path: Path, kind: str, member: str) -> None:
    p = tmp_path / f"bomb.{kind}"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open(member, "w", force_zip64=True) as f:
            zeros = b"\0" * (1 << 20)
            for _ in range(400):  # 400 MB inflated, under 1 MB stored
                f.write(zeros)
    assert p.stat().st_size < 2 << 20
    out = parse_bounded(p)
    assert not out["ok"] and "zip bomb" in out["error"]


def test_huge_text_file_is_refused_without_reading(tmp_path: Path) -> None:
    from tests.support.reports import text_report

    p = tmp_path / "big.txt"
    line = text_report().encode()
    with p.open("wb") as f:
        for _ in range(51_000_000 // len(line) + 1):
            f.write(line)
    out = parse_bounded(p)
    assert not out["ok"] and "limit" in out["error"]


def test_text_just_under_the_byte_limit_is_bounded_by_the_character_limit(tmp_path: Path) -> None:
    from tests.support.reports import text_report

    p = tmp_path / "many.txt"
    p.write_bytes(text_report().encode() * 2000)  # ~7 MB of repeated tables
    out = parse_bounded(p)
    assert not out["ok"] and "characters" in out["error"]


def test_endless_digit_run_is_bounded(tmp_path: Path) -> None:
    from tests.support.reports import text_report

    flat = text_report().replace("\n", "").replace("\t", "")
    p = tmp_path / "digits.txt"
    p.write_text(flat.replace("申请数量4100005", "申请数量" + "1234567890" * 400), encoding="utf-8")
    out = parse_bounded(p)
    assert out["ok"]
