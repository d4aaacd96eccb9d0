"""Legacy .doc / .wps through antiword (and the LibreOffice fallback), on files built here.

The .doc files are written by a minimal Word 97 writer below: an OLE2 compound file with a
``WordDocument`` stream (FIB + UTF-16 text) and a ``1Table`` stream (piece table and a
one-style stylesheet). That is enough for antiword; no office suite is needed.
"""
from __future__ import annotations

import shutil
import stat
import struct
import sys
from pathlib import Path

import pytest

from ground.errors import ExtractionError, UnsupportedFormat
from tests.support.reports import sample_values, text_report
from workers.extract import extract
from workers.extract.tools import find_tool
from workers.parse import parse_bytes

_END, _FREE, _FATSECT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
needs_antiword = pytest.mark.skipif(find_tool("antiword") is None, reason="antiword not installed")


def _sectors(b: bytes) -> bytes:
    """Pad a stream to whole 512-byte sectors, and to at least 4096 bytes so that it lives
    in the regular FAT (smaller streams would need the mini stream)."""
    size = -(-max(len(b), 4096) // 512) * 512
    return b + b"\0" * (size - len(b))


def _dir_entry(name: str, kind: int, left: int = _NONE, child: int = _NONE,
               start: int = _END, size: int = 0) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    e = raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, left, _NONE, child)
    return e + b"\0" * 36 + struct.pack("<IQ", start, size)


def compound_file(streams: list[tuple[str, bytes]]) -> bytes:
    """A version-3 OLE2 file: sector 0 = FAT, sector 1 = directory, then the streams."""
    data = [_sectors(b) for _, b in streams]
    fat, starts, cur = [_FATSECT, _END], [], 2
    for d in data:
        n = len(d) // 512
        starts.append(cur)
        fat += [cur + i + 1 for i in range(n - 1)] + [_END]
        cur += n
    fat += [_FREE] * (128 - len(fat))
    entries = [_dir_entry("Root Entry", 5, child=1)]
    for i, (name, _) in enumerate(streams):
        entries.append(_dir_entry(name, 2, left=i + 2 if i + 1 < len(streams) else _NONE,
                                  start=starts[i], size=len(data[i])))
    entries += [_dir_entry("", 0)] * (4 - len(entries))
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<9I", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *([_FREE] * 108)))
    return header + struct.pack("<128I", *fat) + b"".join(entries) + b"".join(data)


def word97(text: str, *, encrypted: bool = False) -> bytes:
    """A Word 97 binary document holding ``text`` (lines become paragraphs, tabs stay)."""
    body = text.replace("\n", "\r").rstrip("\r") + "\r"
    raw = body.encode("utf-16-le")
    ccp, fc = len(raw) // 2, 0x400
    fib = bytearray(fc)
    struct.pack_into("<5H", fib, 0, 0xA5EC, 0x00C1, 0, 0x0804, 0)  # wIdent, nFib 97, lid zh-CN
    # fWhichTblStm (text tables in 1Table) | fExtChar; fEncrypted when asked
    struct.pack_into("<HH", fib, 0x0A, 0x1200 | (0x0100 if encrypted else 0), 0x00BF)
    struct.pack_into("<II", fib, 0x18, fc, fc + len(raw))  # fcMin, fcMac
    struct.pack_into("<H", fib, 0x20, 14)  # csw
    struct.pack_into("<H", fib, 0x3E, 22)  # cslw
    struct.pack_into("<I", fib, 0x40, fc + len(raw))  # cbMac
    struct.pack_into("<I", fib, 0x4C, ccp)  # ccpText
    struct.pack_into("<H", fib, 0x98, 0x5D)  # cbRgFcLcb
    # piece table: one piece of uncompressed (UTF-16) text at fc
    clx = b"\x02" + struct.pack("<I", 16) + struct.pack("<II", 0, ccp) + struct.pack("<HIH", 0, fc, 0)
    stsh = struct.pack("<H", 18) + struct.pack("<9H", 1, 10, 0, 0, 0, 0, 0, 0, 0) + struct.pack("<H", 0)
    struct.pack_into("<II", fib, 0xA2, len(clx), len(stsh))  # fcStshf, lcbStshf
    struct.pack_into("<II", fib, 0x1A2, 0, len(clx))  # fcClx, lcbClx
    return compound_file([("WordDocument", bytes(fib) + raw), ("1Table", clx + stsh)])


@needs_antiword
@pytest.mark.parametrize("name", ["report.doc", "report.wps"])
def test_word97_report_through_antiword(name: str) -> None:
    r = parse_bytes(word97(text_report()), filename=name)
    assert r["source"]["format"] == name.rsplit(".", 1)[1]
    assert r["agency"] == "示范街道办事处" and r["year"] == 2024 and r["format_version"] == "2021"
    assert r["sections"] == ["1", "2", "3", "4", "5", "6"]
    assert r["table3"] == sample_values()
    assert r["table4"]["review"] == [1, 0, 0, 0, 1]
    assert r["table2"]["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 9}


@needs_antiword
def test_doc_errors_from_antiword() -> None:
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(word97("示范", encrypted=True), filename="secret.doc")
    with pytest.raises(ExtractionError, match="antiword"):
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="broken.doc")


def test_no_converter_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither antiword nor soffice on PATH
    with pytest.raises(UnsupportedFormat, match="antiword") as exc:
        extract(word97("示范"), filename="old.doc")
    assert "soffice" in str(exc.value) and "apt-get install antiword" in str(exc.value)


def test_libreoffice_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without antiword, ``soffice --convert-to docx`` is run and its DOCX is read. A stand-in
    soffice (a script that writes a DOCX where LibreOffice would) checks the invocation."""
    import docx

    made = docx.Document()
    made.add_paragraph("示范县人民政府2024年政府信息公开工作年度报告")
    made.add_paragraph("一、总体情况")
    made.save(tmp_path / "converted.docx")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "soffice"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys, pathlib\n"
        "a = sys.argv[1:]\n"
        "assert '--headless' in a and a[a.index('--convert-to') + 1] == 'docx'\n"
        "assert any(x.startswith('-env:UserInstallation=file://') for x in a)\n"
        "out = pathlib.Path(a[a.index('--outdir') + 1]); out.mkdir(parents=True)\n"
        "src = pathlib.Path(a[-1]); assert src.read_bytes()[:4] == b'\\xd0\\xcf\\x11\\xe0'\n"
        f"shutil.copy({str(tmp_path / 'converted.docx')!r}, out / (src.stem + '.docx'))\n",
        encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bindir))
    doc = extract(word97("ignored"), filename="old.wps")
    assert doc.format == "wps" and doc.meta["converter"] == "soffice"
    assert [b.text for b in doc.blocks][:2] == ["示范县人民政府2024年政府信息公开工作年度报告", "一、总体情况"]


def _failing_soffice(bindir: Path) -> None:
    """A stand-in for LibreOffice that fails the way it does on files it cannot open."""
    bindir.mkdir(exist_ok=True)
    fake = bindir / "soffice"
    fake.write_text(f"#!{sys.executable}\nimport sys\n"
                    "print('Error: source file could not be loaded', file=sys.stderr)\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)


@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword not installed")
@pytest.mark.parametrize("with_libreoffice", [False, True])
def test_encrypted_doc_keeps_the_specific_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 with_libreoffice: bool) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "antiword").symlink_to(shutil.which("antiword"))
    if with_libreoffice:
        _failing_soffice(bindir)
    monkeypatch.setenv("PATH", str(bindir))
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(word97("示范", encrypted=True), filename="secret.doc")
    with pytest.raises(ExtractionError, match="antiword") as exc:
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="broken.doc")
    assert ("LibreOffice" in str(exc.value)) == with_libreoffice
