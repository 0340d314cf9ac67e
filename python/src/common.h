#pragma once
// Shared pieces of the bindings: conversions between Python objects and
// arrax arrays, dtypes and devices.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrax/arrax.h"

namespace nb = nanobind;

namespace arrax::py {

// Any dtype-like (numpy dtype, numpy scalar type, Python type, string,
// ml_dtypes.bfloat16) -> Dtype. Raises TypeError "[op] ...".
Dtype to_dtype(nb::handle h, const char* op = "dtype");
// The numpy.dtype object for a Dtype (cached).
nb::object dtype_object(Dtype dt);

// Device-like ("cpu", "cuda:0", arrax Device) -> Device.
Device to_device(nb::handle h);

// Converts an array-like to an Array. ndarray: itself. Python bool, int,
// float, complex: a weak 0-d array (NEP 50). NumPy arrays and scalars,
// nested sequences and anything else NumPy accepts: a copy on `device`.
Array to_array(nb::handle h, const char* op = "asarray");
// Same, but returns false instead of raising for things NumPy cannot take
// (so binary operators can return NotImplemented).
bool try_to_array(nb::handle h, Array& out);
// Python float/int/bool/complex -> weak 0-d array, else false.
bool scalar_to_array(nb::handle h, Array& out);

// numpy.ndarray -> Array, sharing memory (the Array keeps the NumPy array
// alive) or copying.
Array from_numpy(nb::handle np_array, bool copy);
// Array -> numpy.ndarray; zero-copy for CPU arrays.
nb::object to_numpy(const Array& a);

// NumPy scalar (np.float32(...), etc.) holding element 0 of a 0-d array.
nb::object to_numpy_scalar(const Array& a);

// Sets the Python error for a C++ exception (arrax errors -> the Python
// exceptions NumPy raises). Used by the translator and by raw CPython slots.
bool set_python_error(const std::exception_ptr& p);

// The `numpy` module, imported once.
nb::module_& numpy();

void init_array(nb::module_& m);
void init_ops(nb::module_& m);
void init_cuda(nb::module_& m);
void init_linalg(nb::module_& m);
void init_fft(nb::module_& m);
void init_random(nb::module_& m);
void init_sort(nb::module_& m);
// numpy.linalg (python/src/linalg_np.cpp).
void init_numpy_linalg(nb::module_& m);
void init_pyapi(nb::module_& m);

// The buffer protocol of arrax.ndarray (python/src/pyapi.cpp).
int array_getbuffer(PyObject* self, Py_buffer* view, int flags);
void array_releasebuffer(PyObject* self, Py_buffer* view);
void init_reductions(nb::module_& m);
void init_shape(nb::module_& m);
void init_indexing(nb::module_& m);
void init_autograd(nb::module_& m);

// out= of a function: None (false), an arrax array or a one-element tuple of
// one (NumPy's rule); anything else raises "[op] ..." (python/src/linalg.cpp).
bool get_out(nb::handle h, Array& out, const char* op);
void init_ufuncs(nb::module_& m);
void init_config(nb::module_& m);

}  // namespace arrax::py
