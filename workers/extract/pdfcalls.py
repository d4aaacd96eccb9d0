"""pdfium's C functions bound for the hot loops of ``pdf.py`` and ``rules.py``: a box per
character of a page, a type per page object, four calls per path segment.

``pypdfium2.raw`` declares every function's argument types, and ctypes converts and
checks each argument against them on every call: about 0.6 µs a call, twice what the
call itself costs (measured on a corpus page: 1,000 ns a character box through
``pypdfium2.raw``, 400 ns bound here). Here the same C functions (by their addresses in
the library pypdfium2 loaded) are bound with result types only. Without declared argument
types ctypes passes ctypes objects as they are and Python ints as C ``int``, so callers
must pass pointers as ctypes pointer objects (a handle from pypdfium2 or from a function
here, ``ctypes.byref`` for out-parameters) and only ints where C takes an ``int``.
Handles come back as ``Handle`` (a ``c_void_p``, false when NULL) that go straight back
into the next call. ``FPDFFormObj_GetObject``, whose index is an ``unsigned long``, keeps
a full prototype.

pypdfium2 is not imported here: ``calls(raw)`` takes its ``raw`` module from the
extractors, which import it lazily.
"""
from __future__ import annotations

import ctypes
from typing import Any


class Handle(ctypes.c_void_p):
    """A pdfium handle as a function here returns it: a ``c_void_p`` subclass, so that
    ctypes hands the result over as this object (not as a Python int, which a call
    without declared argument types would pass as a 32-bit C int)."""


def address(fn: Any) -> int:
    """The address of a C function or of a handle, as an int (for the compiled code)."""
    return ctypes.cast(fn, ctypes.c_void_p).value or 0


class Calls:
    """The bound functions, named as in pdfium without the ``FPDF`` prefixes."""

    def __init__(self, raw: Any) -> None:
        def bind(fn: Any, restype: Any = ctypes.c_int, *argtypes: Any) -> Any:
            # the C function pypdfium2 bound, at its address: same library, same state
            return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(fn, ctypes.c_void_p).value)

        # text page, character index (int), FS_RECTF* → FPDF_BOOL
        self.loose_char_box = bind(raw.FPDFText_GetLooseCharBox)
        # text page, character index (int) → 1 generated, 0 not, -1 error
        self.is_generated = bind(raw.FPDFText_IsGenerated)
        # the same two by address, for the compiled loop (``_native_pdf.c``)
        self.loose_char_box_address = address(raw.FPDFText_GetLooseCharBox)
        self.is_generated_address = address(raw.FPDFText_IsGenerated)
        # page → int; page, index (int) → page object
        self.page_count_objects = bind(raw.FPDFPage_CountObjects)
        self.page_get_object = bind(raw.FPDFPage_GetObject, Handle)
        # page object → FPDF_PAGEOBJ_* (int); page object, FS_MATRIX* → FPDF_BOOL
        self.obj_type = bind(raw.FPDFPageObj_GetType)
        self.obj_matrix = bind(raw.FPDFPageObj_GetMatrix)
        # page object, unsigned int* r, g, b, a → FPDF_BOOL
        self.stroke_color = bind(raw.FPDFPageObj_GetStrokeColor)
        self.fill_color = bind(raw.FPDFPageObj_GetFillColor)
        # path, int* fill mode, FPDF_BOOL* stroke → FPDF_BOOL
        self.draw_mode = bind(raw.FPDFPath_GetDrawMode)
        # path → int; path, index (int) → segment
        self.count_segments = bind(raw.FPDFPath_CountSegments)
        self.get_segment = bind(raw.FPDFPath_GetPathSegment, Handle)
        # segment, float* x, float* y → FPDF_BOOL; segment → FPDF_SEGMENT_* ; segment → FPDF_BOOL
        self.segment_point = bind(raw.FPDFPathSegment_GetPoint)
        self.segment_type = bind(raw.FPDFPathSegment_GetType)
        self.segment_close = bind(raw.FPDFPathSegment_GetClose)
        # form object → int; form object, index (unsigned long) → page object
        self.form_count_objects = bind(raw.FPDFFormObj_CountObjects)
        self.form_get_object = bind(raw.FPDFFormObj_GetObject, Handle, ctypes.c_void_p, ctypes.c_ulong)
        # the listing of a page's or a form's objects by address, for the compiled loop
        # (``_native.pdf_objects``): get of a page, get of a form, and the type
        self.listing_addresses = tuple(address(f) for f in (
            raw.FPDFPage_GetObject, raw.FPDFFormObj_GetObject, raw.FPDFPageObj_GetType))


_CALLS: list[Calls] = []


def calls(raw: Any) -> Calls:
    """The process's ``Calls``, bound on first use (binding costs some 50 µs: not per page)."""
    if not _CALLS:
        _CALLS.append(Calls(raw))
    return _CALLS[0]
