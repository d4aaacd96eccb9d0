"""DOCX (python-docx), XLSX (openpyxl) and XLS (xlrd) into the document model."""
from __future__ import annotations

import io

from ground.errors import ExtractionError
from workers.extract.bounds import SHEET_MAX_COLS, SHEET_MAX_ROWS, bounded_xlsx, check_package
from workers.extract.model import Block, Cell, ExtractedDocument


def _num_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def docx_to_document(data: bytes, *, source: str | None = None) -> ExtractedDocument:
    import docx  # lazy
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_package(data, "DOCX", source=source).close()
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for broken packages
        raise ExtractionError(f"corrupt or unreadable DOCX: {exc}", source=source) from exc
    blocks: list[Block] = []
    table_no = 0
    body = d.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, d).text.strip()
            if text:
                blocks.append(Block("para", text=text))
        elif tag == "tbl":
            table_no += 1
            t = Table(child, d)
            rows: list[list[Cell]] = []
            seen_above: dict[int, object] = {}
            for r, row in enumerate(t.rows):
                cells: list[Cell] = []
                prev = None
                for c, cell in enumerate(row.cells):
                    tc = cell._tc
                    span = tc is prev or seen_above.get(c) is tc
                    cells.append(Cell("\n".join(p.text.strip() for p in cell.paragraphs
                                                if p.text.strip()), r, c, span=span))
                    prev = tc
                seen_above = {c: cell._tc for c, cell in enumerate(row.cells)}
                rows.append(cells)
            blocks.append(Block("table", rows=rows, table=table_no, grid=True))
    return ExtractedDocument(blocks=blocks, format="docx")


def xlsx_to_document(data: bytes, *, source: str | None = None) -> ExtractedDocument:
    import openpyxl  # lazy

    data = bounded_xlsx(data, source=source)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise ExtractionError(f"corrupt or unreadable XLSX: {exc}", source=source) from exc
    blocks: list[Block] = []
    for t, ws in enumerate(wb.worksheets, 1):
        blocks.append(Block("table", rows=_sheet_rows(ws), table=t, grid=True))
    return ExtractedDocument(blocks=blocks, format="xlsx")


def _sheet_rows(ws) -> list[list[Cell]]:  # type: ignore[no-untyped-def]
    """The cells that exist, row by row (rows without any value left out): a sheet that
    declares a far-away cell costs what its real cells cost, never its rectangle."""
    filled = {(r, c): v for (r, c), cell in ws._cells.items()  # sparse: only cells present
              if r <= SHEET_MAX_ROWS and c <= SHEET_MAX_COLS and (v := cell.value) is not None}
    if not filled:
        return []
    width = max(c for _, c in filled)
    merges = [(m.min_row, m.max_row, m.min_col, m.max_col) for m in ws.merged_cells.ranges]

    def covered(r: int, c: int) -> bool:
        return any(r0 <= r <= r1 and c0 <= c <= c1 and (r, c) != (r0, c0) for r0, r1, c0, c1 in merges)

    return [[Cell(_num_text(filled.get((r, c))), r - 1, c - 1, span=covered(r, c)) for c in range(1, width + 1)]
            for r in sorted({r for r, _ in filled})]


def xls_to_document(data: bytes, *, source: str | None = None) -> ExtractedDocument:
    import xlrd  # lazy

    try:
        wb = xlrd.open_workbook(file_contents=data, formatting_info=False)
    except Exception as exc:
        raise ExtractionError(f"corrupt or unreadable XLS: {exc}", source=source) from exc
    blocks: list[Block] = []
    for t, ws in enumerate(wb.sheets(), 1):
        covered: set[tuple[int, int]] = set()
        for r0, r1, c0, c1 in getattr(ws, "merged_cells", []):
            for r in range(r0, r1):
                for c in range(c0, c1):
                    if (r, c) != (r0, c0):
                        covered.add((r, c))
        rows = [[Cell(_num_text(ws.cell_value(r, c)), r, c, span=(r, c) in covered)
                 for c in range(ws.ncols)] for r in range(ws.nrows)]
        blocks.append(Block("table", rows=rows, table=t, grid=True))
    return ExtractedDocument(blocks=blocks, format="xls")
