// ndarray.__getitem__ / __setitem__ (a hot path: parsed here, no Python
// code runs) and the indexing functions (take, put, nonzero, ...).
#include <nanobind/stl/optional.h>

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
  if (PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(
                                numpy_type("ndarray"))))
    return Index(from_numpy(h, false));
  if (PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(
                                numpy_type("bool_"))))
    return Index(Array::scalar(PyObject_IsTrue(o) == 1, Dtype::Bool,
                               Device::cpu()));
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
  if (PyList_Check(o) || PyTuple_Check(o)) {
    // A nested sequence is an index array; an empty one is an empty integer
    // array, as in NumPy.
    nb::object arr;
    try {
      arr = numpy().attr("asarray")(h);
    } catch (nb::python_error&) {
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

// NumPy scalar of a 0-d CPU array, built directly (no NumPy array).
nb::object element_scalar(const Array& r) {
  static nb::object* types = new nb::object[kNumDtypes];  // leaked: numpy()
  nb::object& t = types[static_cast<int>(r.dtype())];
  if (!t.is_valid()) t = dtype_object(r.dtype()).attr("type");
  nb::object v;
  switch (kind(r.dtype())) {
    case DtypeKind::Bool: v = nb::bool_(r.item<bool>()); break;
    case DtypeKind::Int: v = nb::int_(r.item<int64_t>()); break;
    case DtypeKind::UInt: v = nb::int_(r.item<uint64_t>()); break;
    case DtypeKind::Float: v = nb::float_(r.item<double>()); break;
    case DtypeKind::Complex: {
      complex128 c = r.item<complex128>();
      v = nb::steal(PyComplex_FromDoubles(c.real(), c.imag()));
      break;
    }
  }
  return t(v);
}

// arrax._scalars.wrap in C++: 0-d CPU arrays become NumPy scalars.
nb::object wrap(Array r) {
  if (r.ndim() == 0 && r.device().is_cpu()) return element_scalar(r);
  return nb::cast(std::move(r));
}

nb::object getitem_py(const Array& a, nb::handle key) {
  Indices index;
  parse_key(key, index, "getitem");
  Array r = getitem(a, index);
  if (r.ndim() == 0 && a.device().is_cpu() && is_element_index(a, index))
    return element_scalar(r);
  return nb::cast(std::move(r));
}

void setitem_py(const Array& a, nb::handle key, nb::handle value) {
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
          throw TypeError(
              "[put] argument 1 must be arrax.ndarray, not a " +
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
      nb::arg("arr"), nb::arg("indices"), nb::arg("values"), nb::arg("axis").none());
  m.def(
      "nonzero",
      [](nb::handle a) { return to_tuple(nonzero(to_array(a, "nonzero"))); },
      nb::arg("a"));
  m.def(
      "argwhere", [](nb::handle a) { return argwhere(to_array(a, "argwhere")); },
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
