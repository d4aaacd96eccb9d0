"""The compiled part of the extractors, where it is built (``setup.py``, ``_native*.c``).

It does the hot loops of the HTML and PDF extractors, of the parser's grid rows and of its
normal form ``norm`` as their Python code does them; that code stays the reference and reads everything when the module is missing or
``GKWATCH_PURE_PYTHON=1`` is set (to compare, or to rule the compiled part out).
"""
from __future__ import annotations

import importlib
import os
from functools import cache
from typing import Any


@cache
def native_module() -> Any:
    """``workers.extract._native``, or None (not built, or ``GKWATCH_PURE_PYTHON=1``)."""
    if os.environ.get("GKWATCH_PURE_PYTHON"):
        return None
    try:
        # optional: built where a C compiler was found. By name: the import graph (which
        # sees only .py modules) would read ``from workers.extract import _native`` as an
        # import of the package, a loop
        return importlib.import_module("workers.extract._native")
    except ImportError:
        return None
