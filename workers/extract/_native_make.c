/* Objects of the extractors' and the parser's slots dataclasses (``Cell``, ``Item``,
 * ``Row``) made by filling their slots, as the dataclass's ``__init__`` does with every
 * field given, without running that Python function: a report has thousands of them,
 * and the call costs 0.5–1 µs each, a tenth of an HTML report's parse.
 *
 * Only for a class registered by ``fill_slots(cls)``, which Python calls for those three
 * classes after checking that their ``__init__`` is the one the dataclass generated
 * (``native.fillable``). Registration refuses a class that could run anything else or
 * whose layout is not plainly its own: another metaclass, an abstract class, its own
 * ``__setattr__``, ``__new__`` or allocator, a base other than ``object``, a
 * ``__post_init__``, a ``__dict__`` or ``__weakref__`` slot, or a slot that is not an
 * object slot of this very class within its size. Any other class is called as before.
 */
#include "_native.h"
#include <structmember.h>

#define MAX_FIELDS 16
#define MAKERS 8

typedef struct {
    PyTypeObject *type; /* held */
    Py_ssize_t n;       /* fields */
    Py_ssize_t offset[MAX_FIELDS];
} Maker;

static Maker makers[MAKERS];
static int registered;

/* 1 and the slots' offsets in ``m`` where ``type`` may be filled, 0 where it must be
 * called, -1 on an error */
static int learn(Maker *m, PyTypeObject *type) {
    if (!Py_IS_TYPE(type, &PyType_Type) || (type->tp_flags & Py_TPFLAGS_IS_ABSTRACT) ||
        type->tp_alloc != PyType_GenericAlloc || type->tp_new != PyBaseObject_Type.tp_new ||
        type->tp_base != &PyBaseObject_Type || type->tp_setattro != PyObject_GenericSetAttr ||
        type->tp_dictoffset != 0 || type->tp_weaklistoffset != 0)
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
    int rc = 0;
    PyObject *slots = PyMapping_GetItemString(ns, "__slots__");
    if (!slots) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) PyErr_Clear();
        else rc = -1;
        goto done;
    }
    Py_ssize_t n = PyTuple_Check(slots) ? PyTuple_GET_SIZE(slots) : 0;
    if (n == 0 || n > MAX_FIELDS) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *d = PyObject_GetItem(ns, PyTuple_GET_ITEM(slots, i));
        if (!d) {
            if (PyErr_ExceptionMatches(PyExc_KeyError)) PyErr_Clear();
            else rc = -1;
            goto done;
        }
        int member = Py_IS_TYPE(d, &PyMemberDescr_Type) && PyDescr_TYPE(d) == type;
        PyMemberDef *def = member ? ((PyMemberDescrObject *)d)->d_member : NULL;
        Py_DECREF(d);
        if (!def || def->type != T_OBJECT_EX || (def->flags & READONLY) || def->offset < 0 ||
            (size_t)def->offset + sizeof(PyObject *) > (size_t)type->tp_basicsize)
            goto done;
        m->offset[i] = def->offset;
    }
    m->n = n;
    rc = 1;
done:
    Py_XDECREF(slots);
    Py_DECREF(ns);
    return rc;
}

PyObject *native_fill_slots(PyObject *self, PyObject *cls) {
    /* fill_slots(cls) -> whether ``make_object`` fills the slots of ``cls`` from now on */
    (void)self;
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "fill_slots(class)");
        return NULL;
    }
    for (int i = 0; i < registered; i++)
        if (makers[i].type == (PyTypeObject *)cls) Py_RETURN_TRUE;
    if (registered == MAKERS) Py_RETURN_FALSE;
    Maker *m = &makers[registered];
    int ok = learn(m, (PyTypeObject *)cls);
    if (ok < 0) return NULL;
    if (!ok) Py_RETURN_FALSE;
    m->type = (PyTypeObject *)Py_NewRef(cls);
    registered++;
    Py_RETURN_TRUE;
}

PyObject *make_object(PyObject *cls, PyObject *const *values, Py_ssize_t n) {
    for (int i = 0; i < registered; i++) {
        Maker *m = &makers[i];
        if (m->type != (PyTypeObject *)cls) continue;
        if (m->n != n) break;
        PyObject *o = m->type->tp_alloc(m->type, 0);
        if (!o) return NULL;
        for (Py_ssize_t k = 0; k < n; k++)
            *(PyObject **)((char *)o + m->offset[k]) = Py_NewRef(values[k]);
        return o;
    }
    return PyObject_Vectorcall(cls, values, (size_t)n, NULL);
}
