"""Legacy Word (.doc) and WPS (.wps) files, through external converters.

First choice is ``antiword`` (Debian package ``antiword``): small, fast, and it reads the
Word 97–2003 binary format that most .doc and Kingsoft .wps files use. Its text output
keeps tabs and one paragraph per line (``-w 0``), which the text extractor turns into
blocks. When antiword is missing or cannot read the file, LibreOffice (``soffice
--headless --convert-to docx``) converts it and the DOCX extractor takes over, keeping
real table cells. With neither tool installed the file is ``UnsupportedFormat``.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from ground.errors import EncryptedDocument, ExtractionError, UnsupportedFormat
from workers.extract.model import ExtractedDocument
from workers.extract.tools import find_tool, run_tool, tool_message

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
INSTALL_HINT = ("install antiword (apt-get install antiword) or LibreOffice "
                "(apt-get install libreoffice-writer-nogui, command soffice)")


def _suffix(filename: str) -> str:
    s = Path(filename).suffix.lower()
    return s if s in (".doc", ".wps", ".dot", ".wpt") else ".doc"


def _reason(exc: ExtractionError) -> str:
    """The message without the ``source:`` prefix DocumentError adds."""
    text = str(exc)
    return text[len(exc.source) + 2:] if exc.source and text.startswith(f"{exc.source}: ") else text


def legacy_to_document(data: bytes, *, filename: str = "", source: str | None = None,
                       timeout: float | None = None) -> ExtractedDocument:
    """Text and tables of a .doc/.wps file (see the module docstring for the tools)."""
    antiword = find_tool("antiword")
    soffice = find_tool("soffice", "libreoffice")
    if not antiword and not soffice:
        raise UnsupportedFormat(f"legacy Word/WPS (.doc/.wps) files need a converter: {INSTALL_HINT}",
                                source=source)
    kw = {"timeout": timeout} if timeout else {}
    fmt = _suffix(filename)[1:]
    failure: ExtractionError | None = None
    if antiword and data.startswith(OLE_MAGIC):
        try:
            return _via_antiword(data, antiword, fmt, source, **kw)
        except EncryptedDocument:
            raise  # the most specific reason there is: LibreOffice would only say "cannot load"
        except ExtractionError as exc:
            failure = exc
    if soffice:
        try:
            return _via_soffice(data, soffice, _suffix(filename), fmt, source, **kw)
        except ExtractionError as exc:
            if failure is None:
                raise
            # both failed: say what each said, antiword's (more specific) reason first
            raise ExtractionError(f"{_reason(failure)}; LibreOffice: {_reason(exc)}", source=source) from exc
    if failure is not None:
        raise failure
    raise UnsupportedFormat("not a Word 97–2003 binary file, which is all antiword reads; "
                            "install LibreOffice (soffice) to convert other .doc/.wps kinds",
                            source=source)


def _via_antiword(data: bytes, exe: str, fmt: str, source: str | None, **kw) -> ExtractedDocument:
    from workers.extract.text import text_to_document

    with tempfile.TemporaryDirectory(prefix="gkwatch-doc-") as tmp:
        path = Path(tmp) / "in.doc"
        path.write_bytes(data)
        # -m UTF-8.txt: output encoding; -w 0: no line wrapping, one paragraph per line
        proc = run_tool([exe, "-m", "UTF-8.txt", "-w", "0", str(path)], source=source, **kw)
    msg = tool_message(proc)
    if proc.returncode != 0 or not proc.stdout.strip():
        if "ncrypt" in msg:
            raise EncryptedDocument("the document is encrypted (password required)", source=source)
        raise ExtractionError(f"antiword cannot read the file: {msg}", source=source)
    text = proc.stdout.decode("utf-8", "replace")
    doc = text_to_document(text, fmt=fmt, encoding=None)
    doc.meta["converter"] = "antiword"
    return doc


def _via_soffice(data: bytes, exe: str, suffix: str, fmt: str, source: str | None, **kw) -> ExtractedDocument:
    from workers.extract.office import docx_to_document

    with tempfile.TemporaryDirectory(prefix="gkwatch-soffice-") as tmp:
        d = Path(tmp)
        src = d / f"in{suffix}"
        src.write_bytes(data)
        # A private profile: concurrent conversions must not share (and lock) one.
        profile = (d / "profile").as_uri()
        proc = run_tool([exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                         "--convert-to", "docx", "--outdir", str(d / "out"), str(src)],
                        source=source, env={"HOME": tmp}, **kw)
        out = d / "out" / "in.docx"
        if not out.exists():
            raise ExtractionError(f"LibreOffice could not convert the file: {tool_message(proc)}",
                                  source=source)
        converted = out.read_bytes()
    doc = docx_to_document(converted, source=source)
    doc.format = fmt
    doc.meta["converter"] = "soffice"
    return doc
