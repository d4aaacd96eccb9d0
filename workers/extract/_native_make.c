/* Objects of the extractors' and the parser's slots dataclasses (``Cell``, ``Item``,
 * ``Row``) made by filling their slots, as the dataclass's ``__init__`` does with every
 * field given, without running that Python function: a report has thousands of them,
 * and the call costs 0.5–1 µs each, a tenth of an HTML report's parse.
 *
 * Used only for a class that has nothing else to run: the object allocator of every
 * class, ``object.__new__``, no ``__post_init__``, a direct subclass of ``object``, its
 * ``__slots__`` all object slots, as many as the values given. Any other class is called
 * as before. The callers compare what the compiled code makes with what the Python code
 * makes at first use (``html.native_reader``, ``rows._native_grid_rows``).
 */
#include "_native.h"
#include <structmember.h>

#define MAX_FIELDS 16
#define MAKERS 8

typedef struct {
    PyTypeObject *type; /* held */
    Py_ssize_t n;       /* fields; 0: the class is called */
    Py_ssize_t offset[MAX_FIELDS];
} Maker;

static Maker makers[MAKERS];

/* the slot offsets of ``type``'s fields into ``m`` (m->n stays 0 where the class must be
 * called); -1 on an error */
static int learn(Maker *m, PyTypeObject *type, Py_ssize_t n) {
    m->n = 0;
    if (n > MAX_FIELDS || type->tp_alloc != PyType_GenericAlloc ||
        type->tp_new != PyBaseObject_Type.tp_new || type->tp_base != &PyBaseObject_Type)
        return 0;
    PyObject *post = PyObject_GetAttrString((PyObject *)type, "__post_init__");
    if (post) {
        Py_DECREF(post);
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();
    PyObject *ns = PyObject_GetAttrString((PyObject *)type, "__dict__");
    if (!ns) return -1;
    PyObject *slots = PyMapping_GetItemString(ns, "__slots__");
    if (!slots) {
        PyErr_Clear();
        goto done;
    }
    if (!PyTuple_Check(slots) || PyTuple_GET_SIZE(slots) != n) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *d = PyObject_GetItem(ns, PyTuple_GET_ITEM(slots, i));
        if (!d) {
            PyErr_Clear();
            goto done;
        }
        int member = Py_IS_TYPE(d, &PyMemberDescr_Type);
        PyMemberDef *def = member ? ((PyMemberDescrObject *)d)->d_member : NULL;
        Py_DECREF(d);
        if (!def || def->type != T_OBJECT_EX || (def->flags & READONLY)) goto done;
        m->offset[i] = def->offset;
    }
    m->n = n;
done:
    Py_XDECREF(slots);
    Py_DECREF(ns);
    return 0;
}

PyObject *make_object(PyObject *cls, PyObject *const *values, Py_ssize_t n) {
    Maker *m = NULL;
    for (int i = 0; i < MAKERS; i++) {
        if (makers[i].type == (PyTypeObject *)cls) {
            m = &makers[i];
            break;
        }
        if (!makers[i].type && PyType_Check(cls)) {
            m = &makers[i];
            m->type = (PyTypeObject *)Py_NewRef(cls);
            if (learn(m, m->type, n) < 0) {
                Py_CLEAR(m->type);
                return NULL;
            }
            break;
        }
    }
    if (!m || m->n != n) return PyObject_Vectorcall(cls, values, (size_t)n, NULL);
    PyObject *o = m->type->tp_alloc(m->type, 0);
    if (!o) return NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        *(PyObject **)((char *)o + m->offset[i]) = Py_NewRef(values[i]);
    return o;
}
