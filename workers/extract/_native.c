/* gkwatch's compiled part (optional, built by setup.py): the hot loops of two extractors
 * and of the parser's row stream.
 *
 * - ``blocks``: an HTML page's paragraphs and table grids from lxml's tree (_native_html.c)
 * - ``pdf_lines``: a PDF page's lines and words from pdfium's character boxes (_native_pdf.c)
 * - ``pdf_objects``: a PDF page's path and form objects, for its ruling lines (_native_pdf.c)
 * - ``grid_rows``: the parser's row stream for a table with real cells (_native_rows.c)
 * - ``not_xml``, ``norm``: passes over a page's bytes and a label's text (_native_text.c)
 *
 * Each does what a Python function of the extractors does (that function stays the
 * reference and the fallback; the tests compare the two), and declines (None) what it
 * cannot read exactly as the Python code does.
 */
#include "_native.h"

PyTypeObject *element_type; /* lxml.etree._Element, found at the first HTML call */

static PyMethodDef methods[] = {
    {"blocks", (PyCFunction)(void (*)(void))native_blocks, METH_FASTCALL,
     "blocks(element, Cell) -> paragraphs (str) and tables ((cells per row, grid)) in "
     "reading order, or None where only Python can read the element"},
    {"node_name", native_node_name, METH_O, "the element's name as libxml2 holds it"},
    {"not_xml", native_not_xml, METH_O,
     "not_xml(utf8 bytes) -> whether they hold a character XML forbids (html._not_xml)"},
    {"norm", (PyCFunction)(void (*)(void))native_norm, METH_FASTCALL,
     "norm(unicodedata.normalize, marks, text) -> the parser's normal form of text "
     "(workers/parse/normalize.py)"},
    {"grid_rows", (PyCFunction)(void (*)(void))native_grid_rows, METH_FASTCALL,
     "grid_rows(out, rows, page, table, Item, Row, is_label, norm, is_number): the parser's "
     "rows of a table with real cells appended to out (workers/parse/rows.py)"},
    {"pdf_lines", (PyCFunction)(void (*)(void))native_pdf_lines, METH_FASTCALL,
     "pdf_lines(text, text page, box function, generated function, gap ratio, Word, Line) "
     "-> the page's lines, or None where the Python code must read them"},
    {"pdf_objects", (PyCFunction)(void (*)(void))native_pdf_objects, METH_FASTCALL,
     "pdf_objects(holder, n, get, of form, type, kind, kind) -> [(object, kind)] of the n "
     "objects of a page or a form object, of the two kinds (workers/extract/rules.py)"},
    {"fill_slots", native_fill_slots, METH_O,
     "fill_slots(class) -> whether the compiled loops now make it by filling its slots "
     "(_native_make.c; native.fillable checks its __init__ first)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
