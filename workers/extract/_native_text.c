/* Text passes over a whole string, where Python needs several (each a copy of the text):
 *
 * - ``not_xml``: ``html._not_xml_python`` over a page's UTF-8 bytes
 * - ``norm``: ``normalize._norm_python``, the parser's normal form of a label or a text
 * - ``html_lines``: a cell's or a paragraph's text as the HTML reader cuts and trims it
 */
#include "_native.h"

PyObject *native_not_xml(PyObject *self, PyObject *arg) {
    /* ``html._not_xml``: whether UTF-8 bytes hold a control character XML forbids (all
     * below 0x20 but tab, line feed, carriage return) or U+FFFE / U+FFFF */
    (void)self;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "not_xml(bytes)");
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(arg);
    Py_ssize_t n = PyBytes_GET_SIZE(arg);
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) Py_RETURN_TRUE;
        if (c == 0xEF && i + 2 < n && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF))
            Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

/* The marks ``norm`` drops, one bit per code point of the basic plane, read from the
 * string Python passes (``normalize.DROPPED_MARKS``: the list lives there only). Built
 * again whenever another string object comes. */
static unsigned char mark_bits[0x10000 / 8];
static PyObject *marks_seen; /* the string the bits were built from (held: its address
                                stays its own) */
static PyObject *nfkc_name;

static int load_marks(PyObject *marks) {
    if (marks == marks_seen) return 0;
    if (!PyUnicode_Check(marks)) {
        PyErr_SetString(PyExc_TypeError, "norm: the marks must be a str");
        return -1;
    }
    Py_CLEAR(marks_seen);
    memset(mark_bits, 0, sizeof mark_bits);
    Py_ssize_t n = PyUnicode_GET_LENGTH(marks);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(marks, i);
        if (c > 0xFFFF) {
            PyErr_SetString(PyExc_ValueError, "norm: a mark outside the basic plane");
            return -1;
        }
        mark_bits[c >> 3] |= (unsigned char)(1u << (c & 7));
    }
    marks_seen = Py_NewRef(marks);
    return 0;
}

static inline int is_mark(Py_UCS4 c) {
    return c <= 0xFFFF && (mark_bits[c >> 3] >> (c & 7)) & 1;
}

/* ``normalize._FULLWIDTH``'s characters mapped as NFKD maps them (FF01–FF5E to ASCII
 * 21–7E, U+3000 and U+00A0 to a space); 0 for any other */
static inline Py_UCS4 fullwidth(Py_UCS4 c) {
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;
    if (c == 0x3000 || c == 0xA0) return ' ';
    return 0;
}

/* ``text`` with its fullwidth characters mapped (a new reference; ``text`` itself when it
 * has none). The result is a canonical str: built at the width its largest character needs. */
static PyObject *map_fullwidth(PyObject *text) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 top = 0;
    int any = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i), m = fullwidth(c);
        if (m) any = 1;
        else m = c;
        if (m > top) top = m;
    }
    if (!any) return Py_NewRef(text);
    PyObject *out = PyUnicode_New(n, top);
    if (!out) return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i), m = fullwidth(c);
        PyUnicode_WRITE(okind, odata, i, m ? m : c);
    }
    return out;
}

/* ``s`` without whitespace (as ``str.split`` has it) and without the marks: a new
 * reference, canonical like ``map_fullwidth``'s */
static PyObject *drop(PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), kept = 0;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_UCS4 top = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(c) || is_mark(c)) continue;
        kept++;
        if (c > top) top = c;
    }
    if (kept == n) /* an exact str, as Python's join gives it, even for a subclass given */
        return PyUnicode_CheckExact(s) ? Py_NewRef(s) : PyUnicode_FromObject(s);
    PyObject *out = PyUnicode_New(kept, top);
    if (!out) return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    Py_ssize_t j = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(c) || is_mark(c)) continue;
        PyUnicode_WRITE(okind, odata, j, c);
        j++;
    }
    return out;
}

PyObject *native_norm(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    /* norm(normalize, marks, text): ``normalize._norm_python(text)``; ``normalize`` is
     * ``unicodedata.normalize`` (NFKC stays Python's own), ``marks`` the marks dropped
     * (the text last: ``functools.partial`` binds the other two) */
    (void)self;
    if (nargs != 3 || !PyUnicode_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "norm(normalize, marks, text)");
        return NULL;
    }
    if (!nfkc_name && !(nfkc_name = PyUnicode_InternFromString("NFKC"))) return NULL;
    PyObject *text = args[2], *normal;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) return NULL; /* a legacy str of the old C API */
#endif
    if (PyUnicode_IS_ASCII(text)) {
        normal = Py_NewRef(text); /* ASCII is NFKC already (``normalize.nfkc``) */
    } else {
        PyObject *mapped = map_fullwidth(text);
        if (!mapped) return NULL;
        PyObject *call[2] = {nfkc_name, mapped};
        normal = PyObject_Vectorcall(args[0], call, 2, NULL);
        Py_DECREF(mapped);
        if (!normal) return NULL;
        if (!PyUnicode_Check(normal)) {
            Py_DECREF(normal);
            PyErr_SetString(PyExc_TypeError, "norm: normalize did not return a str");
            return NULL;
        }
    }
    /* the marks read after ``normalize`` ran (which might let another thread in) */
    if (load_marks(args[1]) < 0) {
        Py_DECREF(normal);
        return NULL;
    }
    PyObject *out = drop(normal);
    Py_DECREF(normal);
    return out;
}

/* _WS of html.py: the characters a whitespace run is made of */
static int is_ws(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' ||
           c == 0xA0 || c == 0x3000 || c == 0x200B || c == 0xFEFF;
}

/* ``split``: ``_lines`` of html.py, the non-empty lines, whitespace runs made one space,
 * each line stripped as ``str.strip`` strips; else a paragraph as ``body_blocks``'s
 * ``flush`` makes it, one line (``_WS.sub(" ", text).strip()``). NULL with an exception
 * set; a UnicodeDecodeError where libxml2 holds bytes that are not UTF-8. */
PyObject *html_lines(const char *s, size_t n, int split) {
    PyObject *u = PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, NULL);
    if (!u) return NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(u);
    int kind = PyUnicode_KIND(u);
    const void *data = PyUnicode_DATA(u);
    /* most cells: letters and digits only, nothing to do */
    int plain = len > 0;
    for (Py_ssize_t i = 0; i < len && plain; i++)
        if (!Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, i))) plain = 0;
    if (plain || len == 0) return u;
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(len + 1));
    if (!out) { Py_DECREF(u); return PyErr_NoMemory(); }
    Py_ssize_t o = 0, i = 0;
    while (i <= len) {
        /* one line: [i, e) */
        Py_ssize_t e = i;
        while (e < len && (!split || PyUnicode_READ(kind, data, e) != '\n')) e++;
        Py_ssize_t start = o;
        if (o > 0) out[o++] = '\n';
        Py_ssize_t body = o;
        int in_run = 0; /* inside a run of _WS characters, already written as one space */
        for (Py_ssize_t k = i; k < e; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            if (!is_ws(c)) {
                out[o++] = c;
                in_run = 0;
            } else if (!in_run) {
                out[o++] = ' ';
                in_run = 1;
            }
        }
        /* strip the line as str.strip does */
        Py_ssize_t a = body, z = o;
        while (a < z && Py_UNICODE_ISSPACE(out[a])) a++;
        while (z > a && Py_UNICODE_ISSPACE(out[z - 1])) z--;
        if (a == z) {
            o = start; /* an empty line is dropped, with its break */
        } else {
            memmove(out + body, out + a, sizeof(Py_UCS4) * (size_t)(z - a));
            o = body + (z - a);
        }
        i = e + 1;
    }
    Py_DECREF(u);
    PyObject *r = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, o);
    PyMem_Free(out);
    return r;
}
