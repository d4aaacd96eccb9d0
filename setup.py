"""The one compiled part: ``workers/extract/_native*.c``, the hot loops of the HTML and PDF
extractors (an HTML page's blocks from lxml's tree, a PDF page's words from pdfium's
character boxes and its drawing objects), of the parser's row stream for tables with real
cells and of its normal form of a text, and the filling of their dataclasses' slots.

Everything else is in ``pyproject.toml``. The extension is optional: where no C compiler
(or no Python headers) is found the install goes on without it and the extractors read
every page with their Python code, which gives the same blocks and words (``tests/documents/
test_extract_native.py``), only slower.
"""
from setuptools import Extension, setup

SOURCES = ["workers/extract/_native.c", "workers/extract/_native_html.c", "workers/extract/_native_pdf.c",
           "workers/extract/_native_rows.c", "workers/extract/_native_text.c",
           "workers/extract/_native_make.c"]

# -ffp-contract=off: the PDF loop's arithmetic must round as Python's does (no fused
# multiply-add where a compiler for another machine would contract)
setup(ext_modules=[Extension("workers.extract._native", SOURCES, depends=["workers/extract/_native.h"],
                             extra_compile_args=["-ffp-contract=off"], optional=True)])
