// ndarray.__getitem__ / __setitem__ (a hot path: parsed here, no Python
// code runs) and the indexing functions (take, put, nonzero, ...).
#include <nanobind/stl/optional.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "arrax/autograd.h"
#include "common.h"

namespace arrax::py {

namespace {

[[noreturn]] void invalid_index(const char* op) {
  throw IndexError(std::string("[") + op +
                   "] only integers, slices (`:`), ellipsis (`...`), "
                   "numpy.newaxis (`None`) and integer or boolean arrays are "
                   "valid indices");
}

PyObject* numpy_type(const char* name) {
  return numpy().attr(name).ptr();  // module attributes live forever
}

// A Python int (or __index__ object) as int64; IndexError when it does not
// fit, as NumPy says.
int64_t index_int(PyObject* o, const char* op) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow)
    throw IndexError(std::string("[") + op +
                     "] cannot fit 'int' into an index-sized integer");
  if (v == -1 && PyErr_Occurred()) throw nb::python_error();
  return v;
}

// A slice bound: None -> nullopt; ints and __index__ objects; huge values
// clamp, as Python's own slices do.
std::optional<int64_t> slice_bound(PyObject* o, const char* op) {
  if (o == Py_None) return std::nullopt;
  nb::object idx;
  if (!PyLong_Check(o)) {
    if (!PyIndex_Check(o))
      throw TypeError(std::string("[") + op +
                      "] slice indices must be integers or None or have an "
                      "__index__ method");
    idx = nb::steal(PyNumber_Index(o));
    if (!idx.is_valid()) throw nb::python_error();
    o = idx.ptr();
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow > 0) return std::numeric_limits<int64_t>::max();
  if (overflow < 0) return std::numeric_limits<int64_t>::min() + 1;
  return v;
}

Index to_index(nb::handle h, const char* op) {
  PyObject* o = h.ptr();
  if (PyLong_CheckExact(o)) return Index(index_int(o, op));
  if (o == Py_None) return Index(newaxis);
  if (o == Py_Ellipsis) return Index(ellipsis);
  if (PySlice_Check(o)) {
    auto* s = reinterpret_cast<PySliceObject*>(o);
    return Index(Slice(slice_bound(s->start, op), slice_bound(s->stop, op),
                       slice_bound(s->step, op)));
  }
  if (nb::isinstance<Array>(h)) return Index(nb::cast<Array>(h));
  if (PyBool_Check(o))
    return Index(Array::scalar(o == Py_True, Dtype::Bool, Device::cpu()));
  if (PyObject_TypeCheck(
          o, reinterpret_cast<PyTypeObject*>(numpy_type("ndarray")))) {
    std::string kind = nb::cast<std::string>(h.attr("dtype").attr("kind"));
    if (kind != "i" && kind != "u" && kind != "b")
      throw IndexError(std::string("[") + op +
                       "] arrays used as indices must be of integer (or "
                       "boolean) type");
    return Index(from_numpy(h, false));
  }
  if (PyObject_TypeCheck(o,
                         reinterpret_cast<PyTypeObject*>(numpy_type("bool_"))))
    return Index(
        Array::scalar(PyObject_IsTrue(o) == 1, Dtype::Bool, Device::cpu()));
  if (PyLong_Check(o)) return Index(index_int(o, op));
  if (PyFloat_Check(o) || PyComplex_Check(o) || PyUnicode_Check(o) ||
      PyBytes_Check(o))
    invalid_index(op);
  if (PyIndex_Check(o)) {
    nb::object i = nb::steal(PyNumber_Index(o));
    if (!i.is_valid()) {
      PyErr_Clear();
      invalid_index(op);
    }
    return Index(index_int(i.ptr(), op));
  }
  if (PyList_CheckExact(o) && PyList_GET_SIZE(o) > 0) {
    // A flat list of Python ints (the common a[[0, 2]]): no NumPy detour.
    Py_ssize_t n = PyList_GET_SIZE(o);
    Array arr = Array::empty({n}, Dtype::Int64, Device::cpu());
    int64_t* p = arr.data<int64_t>();
    bool ok = true;
    for (Py_ssize_t i = 0; i < n && ok; ++i) {
      PyObject* x = PyList_GET_ITEM(o, i);
      int overflow = 0;
      ok = PyLong_CheckExact(x) &&
           ((p[i] = PyLong_AsLongLongAndOverflow(x, &overflow)), !overflow);
    }
    if (ok) return Index(arr);
  }
  if (PyList_Check(o) || PyTuple_Check(o)) {
    // A nested sequence is an index array; an empty one is an empty integer
    // array, as in NumPy.
    nb::object arr;
    try {
      arr = numpy().attr("asarray")(h);
    } catch (nb::python_error& e) {
      // NumPy's own error for ragged sequences is a ValueError.
      if (e.matches(PyExc_ValueError))
        throw ValueError(std::string("[") + op + "] " +
                         nb::str(e.value()).c_str());
      invalid_index(op);
    }
    if (nb::cast<int64_t>(arr.attr("size")) == 0)
      arr = arr.attr("astype")(numpy().attr("int64"));
    std::string kind = nb::cast<std::string>(arr.attr("dtype").attr("kind"));
    if (kind != "i" && kind != "u" && kind != "b") invalid_index(op);
    return Index(from_numpy(arr, false));
  }
  invalid_index(op);
}

void parse_key(nb::handle key, Indices& out, const char* op) {
  if (PyTuple_Check(key.ptr())) {
    Py_ssize_t n = PyTuple_GET_SIZE(key.ptr());
    out.reserve(n);
    for (Py_ssize_t i = 0; i < n; ++i)
      out.push_back(to_index(PyTuple_GET_ITEM(key.ptr(), i), op));
  } else {
    out.push_back(to_index(key, op));
  }
}

// NumPy scalar of the element at `p` (CPU memory), built directly.
nb::object scalar_at(Dtype dt, const void* p) {
  static nb::object* types = new nb::object[kNumDtypes];  // leaked: numpy()
  nb::object& t = types[static_cast<int>(dt)];
  if (!t.is_valid()) t = dtype_object(dt).attr("type");
  nb::object v;
  dispatch_types(dt, "getitem", [&]<typename T>() {
    T x;
    std::memcpy(&x, p, sizeof(T));
    if constexpr (std::is_same_v<T, bool>) {
      v = nb::bool_(x);
    } else if constexpr (is_complex_v<T>) {
      v = nb::steal(PyComplex_FromDoubles(x.real(), x.imag()));
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      v = nb::steal(PyLong_FromLongLong(x));
    } else if constexpr (std::is_integral_v<T>) {
      v = nb::steal(PyLong_FromUnsignedLongLong(x));
    } else {
      v = nb::steal(PyFloat_FromDouble(static_cast<double>(x)));
    }
  });
  return t(v);
}

nb::object element_scalar(const Array& r) {
  if (r.device().is_cpu()) return scalar_at(r.dtype(), r.data());
  alignas(16) char buf[16];
  copy_to_host(r, buf);
  return scalar_at(r.dtype(), buf);
}

// arrax._scalars.wrap in C++: 0-d CPU arrays become NumPy scalars.
nb::object wrap(Array r) {
  if (r.ndim() == 0 && r.device().is_cpu() && !r.requires_grad() &&
      !r.is_batched())
    return element_scalar(r);
  return nb::cast(std::move(r));
}

// The fast path of a[i] and a[i, j, ...] with Python ints: no index list,
// no plan. Returns false (and touches nothing) for any other key.
constexpr int kFastInts = 8;
bool int_key(PyObject* key, int64_t* v, int& n) {
  if (PyLong_CheckExact(key)) {
    n = 1;
    int overflow = 0;
    v[0] = PyLong_AsLongLongAndOverflow(key, &overflow);
    return !overflow;
  }
  if (!PyTuple_CheckExact(key)) return false;
  n = static_cast<int>(PyTuple_GET_SIZE(key));
  if (n == 0 || n > kFastInts) return false;
  for (int i = 0; i < n; ++i) {
    PyObject* o = PyTuple_GET_ITEM(key, i);
    if (!PyLong_CheckExact(o)) return false;
    int overflow = 0;
    v[i] = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) return false;
  }
  return true;
}

// Element offset of the leading integer indices, bounds-checked.
int64_t int_offset(const Array& a, const int64_t* v, int n, const char* op) {
  int64_t off = a.offset();
  for (int d = 0; d < n; ++d) {
    int64_t i = v[d], size = a.shape()[d];
    if (i < -size || i >= size)
      throw IndexError(std::string("[") + op + "] index " + std::to_string(i) +
                       " is out of bounds for axis " + std::to_string(d) +
                       " with size " + std::to_string(size));
    off += (i < 0 ? i + size : i) * a.strides()[d];
  }
  return off;
}

// The fast path of keys made of Python ints and slices only (a[1:5],
// a[i, ::2]): the view is computed here with Python's own slice rules.
// Returns false, with no error set, for anything else or any error (the
// general path then raises NumPy's error).
bool basic_view(const Array& a, PyObject* key, Array& out) {
  PyObject* single[1] = {key};
  PyObject** items = single;
  int n = 1;
  if (PyTuple_CheckExact(key)) {
    n = static_cast<int>(PyTuple_GET_SIZE(key));
    items = &PyTuple_GET_ITEM(key, 0);
  } else if (!PySlice_Check(key)) {
    return false;
  }
  if (n > a.ndim()) return false;
  Shape shape;
  Strides strides;
  int64_t off = a.offset();
  for (int d = 0; d < n; ++d) {
    PyObject* o = items[d];
    int64_t size = a.shape()[d], stride = a.strides()[d];
    if (PyLong_CheckExact(o)) {
      int overflow = 0;
      int64_t i = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow || i < -size || i >= size) return false;
      off += (i < 0 ? i + size : i) * stride;
    } else if (PySlice_Check(o)) {
      Py_ssize_t start, stop, step;
      if (PySlice_Unpack(o, &start, &stop, &step) < 0) {
        PyErr_Clear();
        return false;
      }
      Py_ssize_t len = PySlice_AdjustIndices(size, &start, &stop, step);
      shape.push_back(len);
      strides.push_back(step * stride);
      if (len > 0) off += start * stride;
    } else {
      return false;
    }
  }
  for (int d = n; d < a.ndim(); ++d) {
    shape.push_back(a.shape()[d]);
    strides.push_back(a.strides()[d]);
  }
  out = a.view(std::move(shape), std::move(strides), off);
  return true;
}

nb::object getitem_py(const Array& a, nb::handle key) {
  int64_t v[kFastInts];
  int n = 0;
  if (int_key(key.ptr(), v, n) && n <= a.ndim()) {
    int64_t off = int_offset(a, v, n, "getitem");
    if (n == a.ndim() && a.device().is_cpu() && !a.requires_grad() &&
        !a.is_batched())
      return scalar_at(a.dtype(), static_cast<const char*>(a.storage()->data) +
                                      off * a.itemsize());
    Shape s(a.shape().begin() + n, a.shape().end());
    Strides st(a.strides().begin() + n, a.strides().end());
    // A 0-d view on a GPU stays an array: no hidden synchronization.
    return nb::cast(a.view(s, st, off));
  }
  Array view;
  if (basic_view(a, key.ptr(), view)) return nb::cast(std::move(view));
  Indices index;
  parse_key(key, index, "getitem");
  Array r = getitem(a, index);
  if (r.ndim() == 0 && a.device().is_cpu() && is_element_index(a, index) &&
      !r.requires_grad() && !r.is_batched())
    return element_scalar(r);
  return nb::cast(std::move(r));
}

// a[i, ...] = x for a Python float, or int within range, or bool, on the
// CPU: one store. Anything else (and any error) takes the general path.
bool set_element_fast(const Array& a, nb::handle key, nb::handle value) {
  if (!a.device().is_cpu() || a.is_readonly() || a.is_batched()) return false;
  PyObject* o = value.ptr();
  bool is_float = PyFloat_CheckExact(o), is_int = PyLong_CheckExact(o);
  if (!is_float && !is_int && !PyBool_Check(o)) return false;
  int64_t v[kFastInts];
  int n = 0;
  if (!int_key(key.ptr(), v, n) || n != a.ndim()) return false;
  int64_t iv = 0;
  if (is_int) {
    int overflow = 0;
    iv = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) return false;
  }
  int64_t off = int_offset(a, v, n, "setitem");
  char* p = static_cast<char*>(a.storage()->data) + off * a.itemsize();
  return dispatch_types(a.dtype(), "setitem", [&]<typename T>() {
    T x;
    if (is_float) {
      double d = PyFloat_AS_DOUBLE(o);
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (!(std::abs(d) < 9.2e18)) return false;  // NaN, inf, too large
      }
      x = cast_value<T>(d);
    } else if (!is_int) {
      x = cast_value<T>(o == Py_True);
    } else {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (iv < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
            (iv > 0 &&
             static_cast<uint64_t>(iv) >
                 static_cast<uint64_t>(std::numeric_limits<T>::max())))
          return false;  // the general path raises OverflowError
      }
      x = cast_value<T>(iv);
    }
    std::memcpy(p, &x, sizeof(T));
    a.storage()->version.fetch_add(1, std::memory_order_relaxed);
    return true;
  });
}

void setitem_py(const Array& a, nb::handle key, nb::handle value) {
  if (is_grad_enabled() && a.autograd()) {
    Array v = to_array(value, "setitem");
    if (a.requires_grad() || v.requires_grad()) {
      Indices index;
      parse_key(key, index, "setitem");
      setitem_recorded(a, index, v);
      return;
    }
  } else if (is_grad_enabled() && nb::isinstance<Array>(value)) {
    Array v = nb::cast<Array>(value);
    if (v.requires_grad()) {
      Indices index;
      parse_key(key, index, "setitem");
      setitem_recorded(a, index, v);
      return;
    }
  }
  if (set_element_fast(a, key, value)) return;
  Array view;
  if (basic_view(a, key.ptr(), view)) {
    setitem(view, {}, to_array(value, "setitem"));
    return;
  }
  Indices index;
  parse_key(key, index, "setitem");
  setitem(a, index, to_array(value, "setitem"));
}

std::optional<int64_t> opt_axis(nb::handle axis, const char* op) {
  if (axis.is_none()) return std::nullopt;
  if (!PyIndex_Check(axis.ptr()) || PyBool_Check(axis.ptr()))
    throw TypeError(std::string("[") + op +
                    "] 'axis' must be an integer or None");
  return nb::cast<int64_t>(nb::int_(axis));
}

IndexMode mode_arg(nb::handle mode, const char* op) {
  return index_mode_from_name(nb::cast<std::string>(nb::str(mode)), op);
}

// Writes `r` into `out` (an arrax array) when given, NumPy's out= contract.
nb::object finish(Array r, nb::handle out, const char* op) {
  if (out.is_none()) return wrap(std::move(r));
  if (!nb::isinstance<Array>(out))
    throw TypeError(std::string("[") + op +
                    "] output must be an arrax.ndarray");
  Array o = nb::cast<Array>(out);
  if (!(o.shape() == r.shape()))
    throw ValueError(std::string("[") + op + "] output array has shape " +
                     shape_str(o.shape()) + " but the result has shape " +
                     shape_str(r.shape()));
  copyto(o, r, Casting::Unsafe);
  return nb::borrow(out);
}

nb::object take_py(nb::handle a, nb::handle indices, nb::handle axis,
                   nb::handle out, nb::handle mode) {
  Array arr = to_array(a, "take");
  Array idx = to_array(indices, "take");
  IndexMode m = mode_arg(mode, "take");
  if (!out.is_none()) {
    if (!nb::isinstance<Array>(out))
      throw TypeError("[take] output must be an arrax.ndarray");
    Array o = nb::cast<Array>(out);
    take(arr, idx, opt_axis(axis, "take"), m, &o);
    return nb::borrow(out);
  }
  return wrap(take(arr, idx, opt_axis(axis, "take"), m));
}

nb::tuple to_tuple(const Arrays& arrays) {
  nb::list l;
  for (const Array& x : arrays) l.append(nb::cast(x));
  return nb::tuple(l);
}

Arrays to_arrays(nb::handle seq, const char* op) {
  Arrays out;
  if (nb::isinstance<Array>(seq)) {
    Array a = nb::cast<Array>(seq);
    if (a.ndim() == 0)
      throw ValueError(std::string("[") + op + "] 0-length sequence.");
    for (int64_t i = 0; i < a.shape()[0]; ++i)
      out.push_back(getitem(a, {Index(i)}));
    return out;
  }
  for (nb::handle x : seq) out.push_back(to_array(x, op));
  return out;
}

}  // namespace

void init_indexing(nb::module_& m) {
  nb::handle cls = nb::type<Array>();
  nb::cpp_function_def(&getitem_py, nb::scope(cls), nb::name("__getitem__"),
                       nb::is_method(), nb::arg("key").none());
  nb::cpp_function_def(&setitem_py, nb::scope(cls), nb::name("__setitem__"),
                       nb::is_method(), nb::arg("key").none(),
                       nb::arg("value").none());
  nb::cpp_function_def(
      [](const Array& a, nb::handle v) {
        return count_true(equal(a, to_array(v, "contains"))) > 0;
      },
      nb::scope(cls), nb::name("__contains__"), nb::is_method(),
      nb::arg("value").none());

  m.def("take", &take_py, nb::arg("a"), nb::arg("indices"),
        nb::arg("axis").none() = nb::none(), nb::arg("out").none() = nb::none(),
        nb::arg("mode") = "raise");
  m.def(
      "put",
      [](nb::handle a, nb::handle ind, nb::handle v, nb::handle mode) {
        if (!nb::isinstance<Array>(a))
          throw TypeError("[put] argument 1 must be arrax.ndarray, not a " +
                          std::string(nb::type_name(a.type()).c_str()));
        put(nb::cast<Array>(a), to_array(ind, "put"), to_array(v, "put"),
            mode_arg(mode, "put"));
      },
      nb::arg("a"), nb::arg("ind"), nb::arg("v"), nb::arg("mode") = "raise");
  m.def(
      "take_along_axis",
      [](nb::handle a, nb::handle indices, nb::handle axis) {
        return take_along_axis(to_array(a, "take_along_axis"),
                               to_array(indices, "take_along_axis"),
                               opt_axis(axis, "take_along_axis"));
      },
      nb::arg("arr"), nb::arg("indices"), nb::arg("axis").none() = -1);
  m.def(
      "put_along_axis",
      [](const Array& a, nb::handle indices, nb::handle values,
         nb::handle axis) {
        put_along_axis(a, to_array(indices, "put_along_axis"),
                       to_array(values, "put_along_axis"),
                       opt_axis(axis, "put_along_axis"));
      },
      nb::arg("arr"), nb::arg("indices"), nb::arg("values"),
      nb::arg("axis").none());
  m.def(
      "nonzero",
      [](nb::handle a) { return to_tuple(nonzero(to_array(a, "nonzero"))); },
      nb::arg("a"));
  m.def(
      "argwhere",
      [](nb::handle a) { return argwhere(to_array(a, "argwhere")); },
      nb::arg("a"));
  m.def(
      "flatnonzero",
      [](nb::handle a) { return flatnonzero(to_array(a, "flatnonzero")); },
      nb::arg("a"));
  m.def(
      "compress",
      [](nb::handle condition, nb::handle a, nb::handle axis, nb::handle out) {
        Array r = compress(to_array(condition, "compress"),
                           to_array(a, "compress"), opt_axis(axis, "compress"));
        return finish(std::move(r), out, "compress");
      },
      nb::arg("condition"), nb::arg("a"), nb::arg("axis").none() = nb::none(),
      nb::arg("out").none() = nb::none());
  m.def(
      "choose",
      [](nb::handle a, nb::handle choices, nb::handle out, nb::handle mode) {
        Arrays cs = to_arrays(choices, "choose");
        Array r = choose(to_array(a, "choose"), cs, mode_arg(mode, "choose"));
        return finish(std::move(r), out, "choose");
      },
      nb::arg("a"), nb::arg("choices"), nb::arg("out").none() = nb::none(),
      nb::arg("mode") = "raise");
  m.def(
      "extract",
      [](nb::handle condition, nb::handle a) {
        return extract(to_array(condition, "extract"), to_array(a, "extract"));
      },
      nb::arg("condition"), nb::arg("arr"));
  m.def(
      "place",
      [](nb::handle a, nb::handle mask, nb::handle vals) {
        if (!nb::isinstance<Array>(a))
          throw TypeError("[place] argument 1 must be arrax.ndarray");
        place(nb::cast<Array>(a), to_array(mask, "place"),
              to_array(vals, "place"));
      },
      nb::arg("arr"), nb::arg("mask"), nb::arg("vals"));
  m.def("_count_true",
        [](nb::handle a) { return count_true(to_array(a, "count_nonzero")); });
}

}  // namespace arrax::py
