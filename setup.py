"""The one compiled part: ``workers/extract/_grid.c``, the HTML reader's fast path.

Everything else is in ``pyproject.toml``. The extension is optional: where no C compiler
(or no Python headers) is found the install goes on without it and the extractor reads
every page with its Python code, which gives the same blocks (``tests/documents/
test_extract_native.py``), only slower.
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("workers.extract._grid", ["workers/extract/_grid.c"], optional=True)])
