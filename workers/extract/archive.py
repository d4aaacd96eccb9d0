"""Attachments that wrap the report: ZIP archives and OFD files.

- A ZIP of reports (offices zip the PDF, or the PDF and a DOCX of the same report): the
  report is the one member in a format we read, or, among several, the one whose name says
  it is the annual report (年度报告 / 年报), PDF before DOCX before the rest. Members are
  bounded like any package (no zip bombs), and nested archives are not opened.
- OFD (GB/T 33190, the national layout format, itself a ZIP with ``OFD.xml``): no
  maintained, field-standard Python reader exists (the one on PyPI converts through
  PyMuPDF, AGPL), so the file is refused with that reason and the report gets P-UNPARSED
  for a person to read.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from ground.errors import UnsupportedFormat
from workers.extract.bounds import check_package

#: member formats worth reading, best first
MEMBER_ORDER: tuple[str, ...] = (".pdf", ".docx", ".xlsx", ".doc", ".wps", ".xls", ".html", ".htm", ".txt")
_REPORT_NAME = re.compile(r"年度报告|年报|工作报告")
OFD_REASON = ("OFD 版式文件（GB/T 33190）：暂无维护中的开源解析库，请人工阅读核对 "
              "(OFD layout file: no maintained reader, check it by hand)")


def is_ofd(data: bytes, filename: str = "") -> bool:
    if filename.lower().endswith(".ofd"):
        return True
    return data[:4] == b"PK\x03\x04" and b"OFD.xml" in data[:4096]


def _name(raw: str) -> str:
    """Member names of Chinese Windows zips are GBK bytes read as CP437."""
    try:
        return raw.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def report_member(data: bytes, *, source: str | None) -> tuple[str, bytes]:
    """``(member name, bytes)`` of the report inside a ZIP, or UnsupportedFormat saying why."""
    zf = check_package(data, "zip", source=source)
    members = [(i, _name(i.filename)) for i in zf.infolist() if not i.is_dir()]
    readable = [(i, n) for i, n in members if PurePosixPath(n).suffix.lower() in MEMBER_ORDER
                and not PurePosixPath(n).name.startswith(("._", "~$"))]
    if not readable:
        listed = ", ".join(n for _, n in members[:5]) or "nothing"
        raise UnsupportedFormat(f"ZIP 压缩包中没有可读取的报告文件 (zip holds no report file: {listed})",
                                source=source)

    def rank(item: tuple[object, str]) -> tuple[int, int]:
        name = item[1]
        return (0 if _REPORT_NAME.search(name) else 1, MEMBER_ORDER.index(PurePosixPath(name).suffix.lower()))

    reports = [m for m in readable if _REPORT_NAME.search(m[1])]
    if len(readable) > 1 and len({PurePosixPath(n).stem for _, n in reports}) > 1:
        raise UnsupportedFormat(f"ZIP 压缩包中有多份报告，请分别核对 (zip holds {len(reports)} reports: "
                                f"{', '.join(n for _, n in reports[:5])})", source=source)
    info, name = min(readable, key=rank)
    return name, zf.read(info)
