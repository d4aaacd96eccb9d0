"""The compiled part of the extractors, where it is built (``setup.py``, ``_native*.c``).

It does the hot loops of the HTML and PDF extractors, of the parser's grid rows and of its
normal form ``norm`` as their Python code does them; that code stays the reference and
reads everything when the module is missing or ``GKWATCH_PURE_PYTHON=1`` is set (to
compare, or to rule the compiled part out).
"""
from __future__ import annotations

import dataclasses
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


def fillable(native: Any, cls: type) -> bool:
    """Have the compiled loops make ``cls`` by filling its slots (``_native_make.c``)
    rather than calling it, where that is what calling it does: a slots dataclass whose
    ``__init__`` is the one ``@dataclass`` generated, taking every field positionally.
    ``fill_slots`` then refuses any class whose layout or hooks could run anything else.
    False: the class stays called (slower, the same objects)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.init:
        return False
    fields = dataclasses.fields(cls)  # an InitVar is not one: the parameters below tell
    names = tuple(f.name for f in fields)
    if any(not f.init or f.kw_only for f in fields) or cls.__dict__.get("__slots__") != names:
        return False
    code = getattr(cls.__dict__.get("__init__"), "__code__", None)
    # the generated method is compiled from a string; one written by hand has a file
    if (code is None or code.co_filename != "<string>" or code.co_argcount != len(names) + 1
            or code.co_varnames[1:len(names) + 1] != names):
        return False
    return bool(native.fill_slots(cls))
