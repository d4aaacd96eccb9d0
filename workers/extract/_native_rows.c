/* The parser's row stream for a table with real cells: the grid part of
 * ``workers/parse/rows.py``'s ``build_rows`` and its ``_finish`` (the reference) in C.
 *
 * ``grid_rows(out, rows, page, table, Item, Row, is_label, norm, is_number)`` appends to
 * ``out`` a ``Row`` for every row of ``rows`` (lists of ``Cell``) with text: an ``Item``
 * with its provenance per cell that is not a merged cell's copy, its text on one line
 * (the line breaks dropped between CJK characters' lines, spaces elsewhere) and stripped,
 * the labels up to the last cell ``is_label`` holds, the values after it, and how many
 * values ``is_number`` holds. ``is_label``, ``norm`` and ``is_number`` are the parser's
 * caches (``normalize.short_cached``), asked as Python asks them (``cache[text]``), so a
 * reading is the Python code's own.
 */
#include "_native.h"

static PyObject *k_page, *k_table, *k_row, *k_col, *k_span, *k_text, *space, *empty;
/* Item and Row are called with positional arguments in their fields' order (keywords
 * cost more than the objects): ``rows._native_grid_rows`` checks that order first */
static int made;

static int names(void) {
    if (made) return 0;
    k_page = PyUnicode_InternFromString("page");
    k_table = PyUnicode_InternFromString("table");
    k_row = PyUnicode_InternFromString("row");
    k_col = PyUnicode_InternFromString("col");
    k_span = PyUnicode_InternFromString("span");
    k_text = PyUnicode_InternFromString("text");
    space = PyUnicode_FromOrdinal(' ');
    empty = PyUnicode_FromStringAndSize("", 0);
    made = k_page && k_table && k_row && k_col && k_span && k_text && space && empty;
    return made ? 0 : -1;
}

/* the cell's text on one line (as ``build_rows`` makes it), stripped: a new reference */
static PyObject *one_line(PyObject *text) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int breaks = 0, cjk = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '\n') breaks = 1;
        else if (c >= 0x4E00 && c <= 0x9FFF) cjk = 1;
    }
    PyObject *line;
    if (breaks) {
        PyObject *nl = PyUnicode_FromOrdinal('\n');
        if (!nl) return NULL;
        line = PyUnicode_Replace(text, nl, cjk ? empty : space, -1);
        Py_DECREF(nl);
        if (!line) return NULL;
    } else {
        line = Py_NewRef(text);
    }
    /* str.strip(): whitespace as Py_UNICODE_ISSPACE has it */
    n = PyUnicode_GET_LENGTH(line);
    kind = PyUnicode_KIND(line);
    data = PyUnicode_DATA(line);
    Py_ssize_t a = 0, z = n;
    while (a < z && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a))) a++;
    while (z > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, z - 1))) z--;
    if (a == 0 && z == n) return line;
    PyObject *s = PyUnicode_Substring(line, a, z);
    Py_DECREF(line);
    return s;
}

/* cache[key] is true: 1, false: 0, error: -1 */
static int asks(PyObject *cache, PyObject *key) {
    PyObject *v = PyObject_GetItem(cache, key);
    if (!v) return -1;
    int t = PyObject_IsTrue(v);
    Py_DECREF(v);
    return t;
}

/* one row's Row (a new reference), Py_None for a row without text, NULL on error */
static PyObject *row_of(PyObject *cells, PyObject *page, PyObject *table, PyObject *Item,
                        PyObject *Row, PyObject *is_label, PyObject *norm, PyObject *is_number) {
    PyObject *items = PyList_New(0), *texts = PyList_New(0), *result = NULL;
    PyObject *labels = NULL, *label_texts = NULL, *joined = NULL, *label = NULL, *text = NULL,
             *values = NULL, *nums = NULL;
    if (!items || !texts) goto done;
    int blank = 1;
    Py_ssize_t n = PyList_GET_SIZE(cells);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyList_GET_ITEM(cells, i);
        PyObject *span = PyObject_GetAttr(c, k_span);
        if (!span) goto done;
        int is_span = PyObject_IsTrue(span);
        Py_DECREF(span);
        if (is_span < 0) goto done;
        if (is_span) continue;
        PyObject *raw = PyObject_GetAttr(c, k_text);
        if (!raw) goto done;
        if (!PyUnicode_Check(raw)) {
            Py_DECREF(raw);
            PyErr_SetString(PyExc_TypeError, "grid_rows: a cell's text is not a str");
            goto done;
        }
        PyObject *txt = one_line(raw);
        Py_DECREF(raw);
        if (!txt) goto done;
        PyObject *r = PyObject_GetAttr(c, k_row), *col = PyObject_GetAttr(c, k_col);
        PyObject *prov = PyDict_New();
        PyObject *item = NULL;
        if (r && col && prov && PyDict_SetItem(prov, k_page, page) == 0 &&
            PyDict_SetItem(prov, k_table, table) == 0 && PyDict_SetItem(prov, k_row, r) == 0 &&
            PyDict_SetItem(prov, k_col, col) == 0) {
            /* Item(text, prov, x, read, conf), every field given (make_object fills slots) */
            PyObject *args[5] = {txt, prov, Py_None, Py_None, Py_None};
            item = make_object(Item, args, 5);
        }
        Py_XDECREF(r);
        Py_XDECREF(col);
        Py_XDECREF(prov);
        if (!item || PyList_Append(items, item) < 0 || PyList_Append(texts, txt) < 0) {
            Py_XDECREF(item);
            Py_DECREF(txt);
            goto done;
        }
        Py_DECREF(item);
        if (PyUnicode_GET_LENGTH(txt)) blank = 0;
        Py_DECREF(txt);
    }
    if (blank) { result = Py_NewRef(Py_None); goto done; }
    /* _finish: the last label, from the row's end (most rows end in numbers) */
    Py_ssize_t m = PyList_GET_SIZE(items), last = m - 1;
    for (; last >= 0; last--) {
        int t = asks(is_label, PyList_GET_ITEM(texts, last));
        if (t < 0) goto done;
        if (t) break;
    }
    labels = PyList_New(0);
    label_texts = PyList_New(0);
    if (!labels || !label_texts) goto done;
    for (Py_ssize_t i = 0; i <= last; i++) {
        PyObject *t = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_GET_LENGTH(t)) continue; /* stripped: empty is blank */
        if (PyList_Append(labels, PyList_GET_ITEM(items, i)) < 0 || PyList_Append(label_texts, t) < 0)
            goto done;
    }
    joined = PyUnicode_Join(empty, label_texts);
    if (!joined) goto done;
    label = PyObject_GetItem(norm, joined);
    text = PyUnicode_Join(space, texts);
    values = PyList_GetSlice(items, last + 1, m);
    if (!label || !text || !values) goto done;
    Py_ssize_t count = 0;
    for (Py_ssize_t i = last + 1; i < m; i++) {
        int t = asks(is_number, PyList_GET_ITEM(texts, i));
        if (t < 0) goto done;
        count += t;
    }
    nums = PyLong_FromSsize_t(count);
    if (!nums) goto done;
    /* Row(cells, grid, is_para, labels, values, nums, words, drawn, dropped, placed, label, text) */
    PyObject *args[12] = {items, Py_True, Py_False, labels, values, nums, Py_None, Py_None,
                          Py_False, Py_False, label, text};
    result = make_object(Row, args, 12);
done:
    Py_XDECREF(items);
    Py_XDECREF(texts);
    Py_XDECREF(labels);
    Py_XDECREF(label_texts);
    Py_XDECREF(joined);
    Py_XDECREF(label);
    Py_XDECREF(text);
    Py_XDECREF(values);
    Py_XDECREF(nums);
    return result;
}

PyObject *native_grid_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 9 || !PyList_Check(args[0]) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "grid_rows(out, rows, page, table, Item, Row, is_label, norm, is_number)");
        return NULL;
    }
    if (names() < 0) return NULL;
    PyObject *out = args[0], *rows = args[1];
    for (Py_ssize_t r = 0; r < PyList_GET_SIZE(rows); r++) {
        PyObject *cells = PyList_GET_ITEM(rows, r);
        if (!PyList_Check(cells)) {
            PyErr_SetString(PyExc_TypeError, "grid_rows: a row is not a list");
            return NULL;
        }
        PyObject *row = row_of(cells, args[2], args[3], args[4], args[5], args[6], args[7], args[8]);
        if (!row) return NULL;
        int rc = row == Py_None ? 0 : PyList_Append(out, row);
        Py_DECREF(row);
        if (rc < 0) return NULL;
    }
    Py_RETURN_NONE;
}
