/* Declarations shared by the files of the ``workers.extract._native`` module. */
#ifndef GKWATCH_NATIVE_H
#define GKWATCH_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* a function's answer where only the Python code can read the input (it reads it again) */
#define DECLINE 0

extern PyTypeObject *element_type; /* lxml.etree._Element, set at import */

PyObject *native_blocks(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *native_node_name(PyObject *self, PyObject *el);
PyObject *native_not_xml(PyObject *self, PyObject *arg);
/* _native_text.c: a text's lines as html._lines cuts them (or one paragraph line) */
PyObject *html_lines(const char *s, size_t n, int split);
PyObject *native_norm(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *native_pdf_lines(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *native_pdf_objects(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *native_grid_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

/* _native_make.c: cls(*values) for a slots dataclass given every field, by filling its
 * slots where the class was registered (``fill_slots``), else by the call; a new
 * reference or NULL */
PyObject *make_object(PyObject *cls, PyObject *const *values, Py_ssize_t n);
PyObject *native_fill_slots(PyObject *self, PyObject *cls);

#endif
