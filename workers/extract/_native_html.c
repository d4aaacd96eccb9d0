/* HTML: lxml's tree read into paragraphs and table grids, the rules of
 * ``workers/extract/html_tree.py`` (the reference) in C.
 *
 * ``blocks(element, Cell)`` walks the element as ``body_blocks`` does: paragraphs end at
 * block elements and ``<br>``, skipped elements are left out, a table with a table inside
 * is layout and is descended into, any other table becomes its grid (``tr`` children of
 * the table and of its ``thead``/``tbody``/``tfoot``, their ``td``/``th``, each cell's text
 * made into lines by the rules of ``_lines`` (``html_lines``, in _native_text.c), merged
 * cells expanded into ``Cell`` objects).
 * It returns the paragraphs (str) and tables (``(cells per row, grid)``) in reading order,
 * or None where the page holds anything the Python code may read otherwise (an odd span
 * value, an upper-case or non-ASCII tag name, a node of an unexpected kind, bytes that
 * are not UTF-8): the caller then reads the page in Python.
 *
 * lxml's element object and libxml2's node are read through mirrors of their public
 * layouts (lxml's ``etree.h``, libxml2's ``tree.h``, both unchanged for many releases);
 * ``html.native_reader`` checks the mirrors on a sample page at first use and does not
 * use this code if they disagree.
 */
#include "_native.h"

#include <string.h>

/* libxml2's node kinds (tree.h, xmlElementType) */
enum { ELEMENT = 1, TEXT = 3, CDATA = 4, ENTITY_REF = 5, PI = 7, COMMENT = 8 };

/* libxml2's xmlNode, its leading fields (tree.h) */
typedef struct Node {
    void *private_;
    int type;
    const char *name;
    struct Node *children;
    struct Node *last;
    struct Node *parent;
    struct Node *next;
    struct Node *prev;
    void *doc;
    void *ns;
    const char *content;
    struct Node *properties; /* an element's first xmlAttr, whose leading fields match */
} Node;

/* lxml's _Element (etree.h, struct LxmlElement) */
typedef struct {
    PyObject_HEAD
    void *doc;
    Node *c_node;
    PyObject *tag;
} LxmlElement;


#define MAX_SPAN 200
#define MAX_GRID_CELLS 500000 /* html._MAX_GRID_CELLS */

static const char *const SKIP[] = {"script", "style", "head", "noscript", "template",
                                   "iframe", "select", "button", "svg", NULL};

/* An element's local name as ``html._tag`` makes it (the part after the last colon:
 * Word's ``o:p`` is a ``p``); NULL where ``_tag``'s lowercasing could change it (an upper
 * case or non-ASCII letter: libxml2's HTML parsers lowercase ASCII letters only). */
static const char *local_name(const Node *n) {
    const char *name = n->name, *local = n->name;
    if (!name) return NULL;
    for (const char *p = name; *p; p++) {
        if ((unsigned char)*p >= 0x80 || (*p >= 'A' && *p <= 'Z')) return NULL;
        if (*p == ':') local = p + 1;
    }
    return local;
}

static int in_set(const char *name, const char *const *set) {
    for (const char *const *s = set; *s; s++)
        if (strcmp(name, *s) == 0) return 1;
    return 0;
}

static int is_skipped(const char *name) { return in_set(name, SKIP); }

static const char *const LINE_TAGS[] = {"p", "div", "br", "li", NULL};

static int is_line_tag(const char *name) { return in_set(name, LINE_TAGS); }

/* html._BLOCK and the cells: a paragraph ends where one starts and where it ends */
static const char *const BLOCK[] = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
    "header", "footer", "blockquote", "pre", "tr", "dd", "dt", "center", "form", "body",
    "main", "nav", "aside", "title", "caption", "td", "th", NULL};

/* growable byte buffer */
typedef struct { char *p; size_t n, cap; } Buf;

static int buf_add(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->n + n + 1 > cap) cap *= 2;
        char *p = PyMem_Realloc(b->p, cap);
        if (!p) { PyErr_NoMemory(); return -1; }
        b->p = p; b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return 0;
}

/* The text of the cell ``td`` into ``b``, as ``html.cell_text`` reads it: text and CDATA
 * in document order, a line break where a ``p``/``div``/``br``/``li`` starts, nothing
 * of a skipped element, the text of comments and processing instructions, an entity
 * reference as lxml names it. 1 done, 0 only Python can say, -1 error. */
static int cell_text(const Node *td, Buf *b) {
    const Node *n = td->children;
    while (n) {
        int down = 0;
        switch (n->type) {
        case TEXT: case CDATA: case COMMENT: case PI:
            if (n->content && buf_add(b, n->content, strlen(n->content)) < 0) return -1;
            break;
        case ENTITY_REF:
            if (!n->name || buf_add(b, "&", 1) < 0 || buf_add(b, n->name, strlen(n->name)) < 0 ||
                buf_add(b, ";", 1) < 0)
                return n->name ? -1 : 0;
            break;
        case ELEMENT: {
            const char *name = local_name(n);
            if (!name) return 0;
            if (is_skipped(name)) break;
            if (is_line_tag(name) && buf_add(b, "\n", 1) < 0) return -1;
            down = n->children != NULL;
            break;
        }
        default:
            return 0;
        }
        if (down) { n = n->children; continue; }
        while (n && !n->next) {
            n = n->parent;
            if (n == td) return 1;
        }
        if (n) n = n->next;
    }
    return 1;
}

/* A span attribute's value as ``html._span`` reads it; 0 where only Python can say
 * (anything but 1–6 ASCII digits). A missing attribute is 1. */
static int span_of(const Node *td, const char *attr) {
    for (const Node *a = td->properties; a; a = a->next) {
        if (a->ns || !a->name || strcmp(a->name, attr) != 0) continue;
        const Node *t = a->children;
        if (!t) return 1; /* no value: "" → 1 */
        if (t->next || t->type != TEXT || !t->content) return 0;
        const char *v = t->content;
        size_t n = strlen(v);
        if (n == 0 || n > 6) return 0;
        long x = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9') return 0;
            x = x * 10 + (v[i] - '0');
        }
        return x < 1 ? 1 : (x > MAX_SPAN ? MAX_SPAN : (int)x);
    }
    return 1;
}

/* 1 the element's local name is ``name``, 0 it is not, -1 only Python can say */
static int is_tag(const Node *n, const char *name) {
    if (n->type != ELEMENT) return 0;
    const char *local = local_name(n);
    return local ? strcmp(local, name) == 0 : -1;
}

/* the table's rows, as html._rows_of: appended to ``rows``; 1 done, 0 only Python can
 * say, -1 error */
static int rows_of(const Node *table, const Node ***rows, Py_ssize_t *nrows, Py_ssize_t *cap) {
    for (const Node *ch = table->children; ch; ch = ch->next) {
        const Node *from = NULL, *only = NULL;
        int tr = is_tag(ch, "tr"), head = is_tag(ch, "thead"), body = is_tag(ch, "tbody"),
            foot = is_tag(ch, "tfoot");
        if (tr < 0) return 0;
        if (tr) only = ch;
        else if (head || body || foot) from = ch->children;
        else continue;
        for (const Node *r = only ? only : from; r; r = only ? NULL : r->next) {
            int is_tr = only ? 1 : is_tag(r, "tr");
            if (is_tr < 0) return 0;
            if (!is_tr) continue;
            if (*nrows == *cap) {
                Py_ssize_t c2 = *cap ? *cap * 2 : 64;
                const Node **p = PyMem_Realloc(*rows, sizeof(Node *) * (size_t)c2);
                if (!p) { PyErr_NoMemory(); return -1; }
                *rows = p; *cap = c2;
            }
            (*rows)[(*nrows)++] = r;
            if (only) break;
        }
    }
    return 1;
}

/* Cell(text, row, col, span): positional, in the dataclass's field order, which
 * ``html.native_reader`` checks before it uses this code (keywords cost more than the
 * cell itself); its slots filled by make_object */
static PyObject *make_cell(PyObject *Cell, PyObject *text, Py_ssize_t r, Py_ssize_t c, int span) {
    PyObject *args[4];
    args[0] = text;
    args[1] = PyLong_FromSsize_t(r);
    args[2] = PyLong_FromSsize_t(c);
    args[3] = span ? Py_True : Py_False;
    PyObject *cell = NULL;
    if (args[1] && args[2]) cell = make_object(Cell, args, 4);
    Py_XDECREF(args[1]);
    Py_XDECREF(args[2]);
    return cell;
}

/* grid[r] as a list long enough for column ``upto`` (exclusive), None-padded */
static int widen(PyObject *row, Py_ssize_t upto) {
    while (PyList_GET_SIZE(row) < upto)
        if (PyList_Append(row, Py_None) < 0) return -1;
    return 0;
}

/* The grid of ``table``: a new ``(cells per row, grid)``, Py_None (DECLINE: only Python
 * can read the table), or NULL with an exception. */
static PyObject *table_grid(const Node *table, PyObject *Cell) {
    const Node **trs = NULL;
    Py_ssize_t ntr = 0, cap = 0;
    PyObject *counts = NULL, *g = NULL, *result = NULL;
    Buf b = {NULL, 0, 0};
    int found = rows_of(table, &trs, &ntr, &cap);
    if (found < 0) goto done;
    if (found == DECLINE) goto decline;
    counts = PyList_New(ntr);
    g = PyList_New(0);
    if (!counts || !g) goto done;
    for (Py_ssize_t r = 0; r < ntr; r++) {
        PyObject *row = PyList_New(0);
        if (!row || PyList_Append(g, row) < 0) { Py_XDECREF(row); goto done; }
        Py_DECREF(row);
    }
    Py_ssize_t taken = 0;
    for (Py_ssize_t r = 0; r < ntr; r++) {
        PyObject *row = PyList_GET_ITEM(g, r);
        Py_ssize_t c = 0, ntd = 0;
        for (const Node *td = trs[r]->children; td; td = td->next) {
            int is_td = is_tag(td, "td"), is_th = is_tag(td, "th");
            if (is_td < 0 || is_th < 0) goto decline;
            if (!is_td && !is_th) continue;
            ntd++;
            while (c < PyList_GET_SIZE(row) && PyList_GET_ITEM(row, c) != Py_None) c++;
            int rs = span_of(td, "rowspan"), cs = span_of(td, "colspan");
            if (!rs || !cs) goto decline;
            if (taken > MAX_GRID_CELLS) rs = cs = 1;
            b.n = 0;
            int got = cell_text(td, &b);
            if (got < 0) goto done;
            if (got == DECLINE) goto decline;
            PyObject *text = html_lines(b.p ? b.p : "", b.n, 1);
            if (!text) goto done;
            while (PyList_GET_SIZE(g) < r + rs) {
                PyObject *extra = PyList_New(0);
                if (!extra || PyList_Append(g, extra) < 0) { Py_XDECREF(extra); Py_DECREF(text); goto done; }
                Py_DECREF(extra);
            }
            for (int dr = 0; dr < rs; dr++) {
                PyObject *under = PyList_GET_ITEM(g, r + dr);
                if (widen(under, c + cs) < 0) { Py_DECREF(text); goto done; }
                for (int dc = 0; dc < cs; dc++) {
                    if (PyList_GET_ITEM(under, c + dc) == Py_None) taken++;
                    PyObject *cell = make_cell(Cell, text, r + dr, c + dc, dr || dc);
                    if (!cell) { Py_DECREF(text); goto done; }
                    if (PyList_SetItem(under, c + dc, cell) < 0) { Py_DECREF(text); goto done; }
                }
            }
            Py_DECREF(text);
            c += cs;
        }
        PyObject *n = PyLong_FromSsize_t(ntd);
        if (!n) goto done;
        PyList_SET_ITEM(counts, r, n);
    }
    /* rows a rowspan reached past the last <tr> are dropped; holes become empty cells */
    if (PyList_SetSlice(g, ntr, PyList_GET_SIZE(g), NULL) < 0) goto done;
    PyObject *empty = PyUnicode_FromStringAndSize("", 0);
    if (!empty) goto done;
    for (Py_ssize_t r = 0; r < ntr; r++) {
        PyObject *row = PyList_GET_ITEM(g, r);
        for (Py_ssize_t c = 0; c < PyList_GET_SIZE(row); c++) {
            if (PyList_GET_ITEM(row, c) != Py_None) continue;
            PyObject *cell = make_cell(Cell, empty, r, c, 0);
            if (!cell || PyList_SetItem(row, c, cell) < 0) { Py_DECREF(empty); goto done; }
        }
    }
    Py_DECREF(empty);
    result = PyTuple_Pack(2, counts, g);
    goto done;
decline:
    result = Py_NewRef(Py_None);
done:
    if (!result && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        result = Py_NewRef(Py_None);
    }
    PyMem_Free(trs);
    PyMem_Free(b.p);
    Py_XDECREF(counts);
    Py_XDECREF(g);
    return result;
}

/* whether ``e`` has a ``table`` below it (the name exactly, as ``root.iter("table")``
 * finds the tables whose ancestors ``body_blocks`` descends into as layout) */
static int holds_table(const Node *e) {
    const Node *n = e->children;
    while (n) {
        if (n->type == ELEMENT && n->name && strcmp(n->name, "table") == 0) return 1;
        if (n->type == ELEMENT && n->children) { n = n->children; continue; }
        while (n && !n->next) {
            n = n->parent;
            if (n == e) return 0;
        }
        if (n) n = n->next;
    }
    return 0;
}

/* the state of one ``blocks`` call */
typedef struct {
    PyObject *out;  /* the paragraphs (str) and tables ((counts, grid)) in reading order */
    PyObject *Cell;
    Buf para;       /* the text of the paragraph being read */
} Walk;

static int flush(Walk *w) {
    if (w->para.n == 0) return 1; /* most boundaries: nothing between two block elements */
    PyObject *s = html_lines(w->para.p, w->para.n, 0);
    w->para.n = 0;
    if (!s) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) return -1;
        PyErr_Clear();
        return DECLINE;
    }
    int rc = PyUnicode_GET_LENGTH(s) ? PyList_Append(w->out, s) : 0;
    Py_DECREF(s);
    return rc < 0 ? -1 : 1;
}

static int walk(Walk *w, const Node *e);

/* the children of ``e`` in order; ``lead``: its leading text too */
static int children(Walk *w, const Node *e, int lead) {
    for (const Node *ch = e->children; ch; ch = ch->next) {
        int rc = 1;
        switch (ch->type) {
        case TEXT: case CDATA:
            if (lead && ch->content && buf_add(&w->para, ch->content, strlen(ch->content)) < 0) rc = -1;
            break;
        case ELEMENT:
            rc = walk(w, ch);
            break;
        case COMMENT: case PI: case ENTITY_REF:
            break; /* no text of its own; the text after it is its tail */
        default:
            rc = DECLINE;
        }
        if (rc != 1) return rc;
        if (ch->type != TEXT && ch->type != CDATA) lead = 1; /* the text after it: its tail */
    }
    return 1;
}

/* ``body_blocks``'s ``walk`` */
static int walk(Walk *w, const Node *e) {
    const char *tag = local_name(e);
    if (!tag) return DECLINE;
    if (!*tag || is_skipped(tag)) return 1;
    int rc;
    if (strcmp(tag, "table") == 0) {
        if ((rc = flush(w)) != 1) return rc;
        if (holds_table(e)) { /* a layout table around the content: descended into */
            if ((rc = children(w, e, 0)) != 1) return rc;
            return flush(w);
        }
        PyObject *t = table_grid(e, w->Cell);
        if (!t) return -1;
        rc = t == Py_None ? DECLINE : (PyList_Append(w->out, t) < 0 ? -1 : 1);
        Py_DECREF(t);
        return rc;
    }
    if (strcmp(tag, "br") == 0) return flush(w);
    int block = in_set(tag, BLOCK);
    if (block && (rc = flush(w)) != 1) return rc;
    if ((rc = children(w, e, 1)) != 1) return rc;
    return block ? flush(w) : 1;
}

/* lxml.etree._Element, looked up at the first call (a PDF-only worker never loads lxml) */
static int have_element_type(void) {
    if (element_type) return 0;
    PyObject *etree = PyImport_ImportModule("lxml.etree");
    if (!etree) return -1;
    PyObject *t = PyObject_GetAttrString(etree, "_Element");
    Py_DECREF(etree);
    if (!t) return -1;
    if (!PyType_Check(t)) {
        Py_DECREF(t);
        PyErr_SetString(PyExc_TypeError, "lxml.etree._Element is not a type");
        return -1;
    }
    element_type = (PyTypeObject *)t; /* kept for the module's life */
    return 0;
}

PyObject *native_blocks(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (have_element_type() < 0) return NULL;
    if (nargs != 2 || !PyObject_TypeCheck(args[0], element_type)) {
        PyErr_SetString(PyExc_TypeError, "blocks(element, Cell): an lxml element is needed");
        return NULL;
    }
    const Node *root = ((LxmlElement *)args[0])->c_node;
    if (!root || root->type != ELEMENT) Py_RETURN_NONE;
    Walk w = {PyList_New(0), args[1], {NULL, 0, 0}};
    if (!w.out) return NULL;
    int rc = walk(&w, root);
    if (rc == 1) rc = flush(&w);
    PyMem_Free(w.para.p);
    if (rc == 1) return w.out;
    Py_DECREF(w.out);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

PyObject *native_node_name(PyObject *self, PyObject *el) {
    /* for the layout check at first use: the tag as libxml2 holds it */
    (void)self;
    if (have_element_type() < 0) return NULL;
    if (!PyObject_TypeCheck(el, element_type)) {
        PyErr_SetString(PyExc_TypeError, "an lxml element is needed");
        return NULL;
    }
    const Node *n = ((LxmlElement *)el)->c_node;
    if (!n || n->type != ELEMENT || !n->name) Py_RETURN_NONE;
    return PyUnicode_FromString(n->name);
}
