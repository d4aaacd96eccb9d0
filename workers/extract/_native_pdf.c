/* PDF: a page's lines and words from pdfium's character boxes, the loop of
 * ``workers/extract/pdf.py``'s ``_grouped_lines`` (the reference) in C.
 *
 * pdfium's functions come as addresses in the library pypdfium2 loaded (the same state
 * as every other call of the extractor); the arithmetic is that of the Python loop, in
 * the same order, on the same doubles (the boxes' floats widened), so the words are the
 * same. ``pdf._page_lines`` checks the result against the Python loop on
 * the first page a process reads and does not use this code if they differ.
 */
#include "_native.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

typedef struct { float left, top, right, bottom; } RectF; /* pdfium's FS_RECTF */
typedef int (*LooseCharBox)(void *text_page, int index, RectF *box);
typedef int (*IsGenerated)(void *text_page, int index);

typedef struct { Py_UCS4 *p; Py_ssize_t n, cap; } Chars;
typedef struct { double *p; Py_ssize_t n, cap; } Doubles;

static int chars_add(Chars *c, Py_UCS4 ch) {
    if (c->n == c->cap) {
        Py_ssize_t cap = c->cap ? c->cap * 2 : 64;
        Py_UCS4 *p = PyMem_Realloc(c->p, sizeof(Py_UCS4) * (size_t)cap);
        if (!p) { PyErr_NoMemory(); return -1; }
        c->p = p; c->cap = cap;
    }
    c->p[c->n++] = ch;
    return 0;
}

static int doubles_add(Doubles *d, double v) {
    if (d->n == d->cap) {
        Py_ssize_t cap = d->cap ? d->cap * 2 : 64;
        double *p = PyMem_Realloc(d->p, sizeof(double) * (size_t)cap);
        if (!p) { PyErr_NoMemory(); return -1; }
        d->p = p; d->cap = cap;
    }
    d->p[d->n++] = v;
    return 0;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the word in ``buf`` appended to ``words`` (and its text to ``texts``) */
static int end_word(Chars *buf, double x0, double x1, PyObject *Word, PyObject *words, PyObject *texts) {
    PyObject *text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf->p, buf->n);
    if (!text) return -1;
    PyObject *args[3] = {text, PyFloat_FromDouble(x0), PyFloat_FromDouble(x1)};
    PyObject *w = (args[1] && args[2]) ? PyObject_Vectorcall(Word, args, 3, NULL) : NULL;
    Py_XDECREF(args[1]);
    Py_XDECREF(args[2]);
    int rc = w && PyList_Append(words, w) == 0 && PyList_Append(texts, text) == 0 ? 0 : -1;
    Py_XDECREF(w);
    Py_DECREF(text);
    buf->n = 0;
    return rc;
}

static int add_pair(PyObject *list, double a, double b) {
    PyObject *t = Py_BuildValue("(dd)", a, b);
    int rc = t ? PyList_Append(list, t) : -1;
    Py_XDECREF(t);
    return rc;
}

PyObject *native_pdf_lines(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 7 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "pdf_lines(text, page, box, generated, ratio, Word, Line)");
        return NULL;
    }
    PyObject *text = args[0], *Word = args[5], *Line = args[6];
    void *page = PyLong_AsVoidPtr(args[1]);
    LooseCharBox loose_box = (LooseCharBox)PyLong_AsVoidPtr(args[2]);
    IsGenerated generated = (IsGenerated)PyLong_AsVoidPtr(args[3]);
    double ratio = PyFloat_AsDouble(args[4]);
    if (PyErr_Occurred()) return NULL;
    if (!page || !loose_box || !generated) {
        PyErr_SetString(PyExc_ValueError, "pdf_lines: a NULL page or function");
        return NULL;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (len >= INT_MAX) Py_RETURN_NONE;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);

    PyObject *out = PyList_New(0), *words = PyList_New(0), *texts = PyList_New(0),
             *glued = PyList_New(0), *result = NULL;
    Chars buf = {NULL, 0, 0};
    Doubles mids = {NULL, 0, 0};
    if (!out || !words || !texts || !glued) goto done;
    Py_ssize_t start = 0;
    double x0 = 0, x1 = 0, prev_w = 0, prev_mid = 0, lo = 0, hi = 0;
    int hard = 0;
    /* a closing newline flushes the last line through the same branch as every other */
    for (Py_ssize_t i = 0; i <= len; i++) {
        Py_UCS4 ch = i < len ? PyUnicode_READ(kind, data, i) : '\n';
        if (Py_UNICODE_ISSPACE(ch)) {
            if (ch == '\r' || ch == '\n') {
                if (buf.n) {
                    if (buf.n > 1 && add_pair(glued, lo, hi) < 0) goto done;
                    if (end_word(&buf, x0, x1, Word, words, texts) < 0) goto done;
                }
                if (PyList_GET_SIZE(words)) {
                    PyObject *y = Py_None;
                    if (mids.n) {
                        qsort(mids.p, (size_t)mids.n, sizeof(double), by_value);
                        y = PyFloat_FromDouble(mids.p[mids.n / 2]);
                        if (!y) goto done;
                    } else {
                        Py_INCREF(y);
                    }
                    PyObject *sep = PyUnicode_FromOrdinal(' ');
                    PyObject *joined = sep ? PyUnicode_Join(sep, texts) : NULL;
                    Py_XDECREF(sep);
                    PyObject *span = Py_BuildValue("(nn)", start, i);
                    PyObject *g = PyList_AsTuple(glued);
                    PyObject *line = NULL;
                    if (joined && span && g) {
                        PyObject *largs[5] = {joined, words, y, span, g};
                        line = PyObject_Vectorcall(Line, largs, 5, NULL);
                    }
                    Py_XDECREF(joined);
                    Py_XDECREF(span);
                    Py_XDECREF(g);
                    Py_DECREF(y);
                    if (!line || PyList_Append(out, line) < 0) { Py_XDECREF(line); goto done; }
                    Py_DECREF(line);
                    Py_SETREF(words, PyList_New(0));
                    Py_SETREF(texts, PyList_New(0));
                    Py_SETREF(glued, PyList_New(0));
                    if (!words || !texts || !glued) goto done;
                }
                start = i + 1;
                mids.n = 0;
                buf.n = 0;
                hard = 0;
                continue;
            }
            int real = !generated(page, (int)i);
            hard = hard || real; /* real spaces always separate */
            continue;
        }
        RectF box;
        if (!loose_box(page, (int)i, &box)) goto decline; /* Python raises the error */
        double a = box.left, top = box.top, b = box.right, bottom = box.bottom;
        if (isnan(a) || isnan(top) || isnan(b) || isnan(bottom)) goto decline;
        if (doubles_add(&mids, (bottom + top) / 2) < 0) goto done;
        double w = b - a;
        if (w < 0.01) w = 0.01;
        double mid = (a + b) / 2;
        if (buf.n) {
            double gap = a - x1;
            if (hard || gap > ratio * (w + prev_w) / 2 || gap < -(w + prev_w)) {
                if (buf.n > 1 && add_pair(glued, lo, hi) < 0) goto done;
                if (end_word(&buf, x0, x1, Word, words, texts) < 0) goto done;
                if (chars_add(&buf, ch) < 0) goto done;
                x0 = a;
                x1 = b;
            } else {
                if (buf.n == 1) {
                    lo = prev_mid;
                    hi = mid;
                } else {
                    if (prev_mid < lo) lo = prev_mid;
                    if (mid > hi) hi = mid;
                }
                if (chars_add(&buf, ch) < 0) goto done;
                if (!(x1 > b)) x1 = b;
            }
        } else {
            if (chars_add(&buf, ch) < 0) goto done;
            x0 = a;
            x1 = b;
        }
        prev_w = w;
        prev_mid = mid;
        hard = 0;
    }
    result = Py_NewRef(out);
    goto done;
decline:
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(buf.p);
    PyMem_Free(mids.p);
    Py_XDECREF(out);
    Py_XDECREF(words);
    Py_XDECREF(texts);
    Py_XDECREF(glued);
    return result;
}

/* pdfium's page-object listing (fpdf_edit.h) */
typedef void *(*PageGetObject)(void *page, int index);
typedef void *(*FormGetObject)(void *form, unsigned long index);
typedef int (*ObjectType)(void *object);

PyObject *native_pdf_objects(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    /* pdf_objects(holder, n, get, of form, type, kind, kind) -> [(object, kind)]: those of
     * the ``n`` objects of a page (``of form`` false) or of a form object that are of one
     * of the two kinds, in order, as addresses; ``rules._listed`` (the caller counted the
     * objects, to bound the work) without two ctypes calls an object */
    (void)self;
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "pdf_objects(holder, n, get, of form, type, kind, kind)");
        return NULL;
    }
    /* each argument checked before the next is read (no call with an exception set) */
    void *holder = PyLong_AsVoidPtr(args[0]);
    if (PyErr_Occurred()) return NULL;
    long count = PyLong_AsLong(args[1]); /* pdfium counts in a C int */
    if (count == -1 && PyErr_Occurred()) return NULL;
    int n = count < 0 ? 0 : count > INT_MAX ? INT_MAX : (int)count;
    void *get = PyLong_AsVoidPtr(args[2]);
    if (PyErr_Occurred()) return NULL;
    int of_form = PyObject_IsTrue(args[3]);
    if (of_form < 0) return NULL;
    ObjectType type_of = (ObjectType)PyLong_AsVoidPtr(args[4]);
    if (PyErr_Occurred()) return NULL;
    long kind_a = PyLong_AsLong(args[5]);
    if (kind_a == -1 && PyErr_Occurred()) return NULL;
    long kind_b = PyLong_AsLong(args[6]);
    if (kind_b == -1 && PyErr_Occurred()) return NULL;
    if (!holder || !get || !type_of) {
        PyErr_SetString(PyExc_ValueError, "pdf_objects: a NULL handle or function");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    for (int i = 0; i < n; i++) {
        void *obj = of_form ? ((FormGetObject)get)(holder, (unsigned long)i)
                            : ((PageGetObject)get)(holder, i);
        if (!obj) continue;
        int kind = type_of(obj);
        if (kind != kind_a && kind != kind_b) continue;
        PyObject *pair = Py_BuildValue("(Ni)", PyLong_FromVoidPtr(obj), kind);
        if (!pair || PyList_Append(out, pair) < 0) {
            Py_XDECREF(pair);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(pair);
    }
    return out;
}
