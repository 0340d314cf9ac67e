// Creation and manipulation: thin bindings over arrax/ops_shape.h. NumPy's
// argument handling (defaults, array-likes, pad_width forms) is in
// python/arrax/_creation.py and _manipulation.py; the ndarray methods that
// are called often (reshape, transpose, ravel...) are parsed here.
#include <nanobind/stl/complex.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

#include <cmath>

#include "common.h"

namespace arrax::py {

namespace {

Device device_or_default(nb::handle h) {
  return h.is_none() ? default_device() : to_device(h);
}

// The endpoints of linspace/logspace/geomspace on the device the result
// belongs to: `device` when given, else the default device for Python
// numbers (0-d CPU arrays); arrays stay where they are.
void place_endpoints(Array& s, Array& e, nb::handle device) {
  Device d;
  if (!device.is_none()) {
    d = to_device(device);
  } else if (s.ndim() == 0 && e.ndim() == 0 && s.device().is_cpu() &&
             e.device().is_cpu()) {
    d = default_device();
  } else {
    return;
  }
  if (!(s.device() == d)) s = arrax::to_device(s, d);
  if (!(e.device() == d)) e = arrax::to_device(e, d);
}

std::optional<Dtype> opt_dtype(nb::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return to_dtype(h, op);
}

Order to_order(nb::handle h, const char* op, Order dflt = Order::C) {
  if (h.is_none()) return dflt;
  return order_from_name(nb::cast<std::string>(h), op);
}

int64_t to_int(nb::handle h, const char* op) {
  PyObject* o = PyNumber_Index(h.ptr());
  if (!o) {
    PyErr_Clear();
    throw TypeError(std::string("[") + op + "] '" +
                    nb::type_name(h.type()).c_str() +
                    "' object cannot be interpreted as an integer");
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  Py_DECREF(o);
  if (overflow) throw ValueError(std::string("[") + op + "] integer too large");
  return v;
}

// An int or a sequence of ints (a shape, axes, shifts...).
std::vector<int64_t> to_ints(nb::handle h, const char* op) {
  std::vector<int64_t> out;
  if (PyLong_Check(h.ptr()) || (!PySequence_Check(h.ptr()) &&
                                PyObject_HasAttrString(h.ptr(), "__index__"))) {
    out.push_back(to_int(h, op));
    return out;
  }
  if (nb::isinstance<Array>(h)) {
    Array a = nb::cast<Array>(h);
    if (a.ndim() == 0) {
      out.push_back(to_int(h, op));
      return out;
    }
  }
  if (!PySequence_Check(h.ptr()))
    throw TypeError(std::string("[") + op + "] '" +
                    nb::type_name(h.type()).c_str() +
                    "' object cannot be interpreted as an integer");
  nb::sequence seq = nb::borrow<nb::sequence>(h);
  for (nb::handle x : seq) out.push_back(to_int(x, op));
  return out;
}

Shape to_shape(nb::handle h, const char* op) {
  auto v = to_ints(h, op);
  return Shape(v.begin(), v.end());
}

Arrays to_arrays(nb::handle seq, const char* op) {
  Arrays out;
  if (nb::isinstance<Array>(seq)) {
    // An array is a sequence of its subarrays along axis 0.
    Array a = nb::cast<Array>(seq);
    if (a.ndim() == 0)
      throw ValueError(std::string("[") + op +
                       "] zero-dimensional arrays cannot be concatenated");
    for (int64_t i = 0; i < a.shape()[0]; ++i) {
      Shape s(a.shape().begin() + 1, a.shape().end());
      Strides st(a.strides().begin() + 1, a.strides().end());
      out.push_back(a.view(s, st, a.offset() + i * a.strides()[0]));
    }
    return out;
  }
  if (!PySequence_Check(seq.ptr()))
    throw TypeError(std::string("[") + op +
                    "] expected a sequence of array-likes");
  for (nb::handle x : nb::borrow<nb::sequence>(seq))
    out.push_back(to_array(x, op));
  return out;
}

nb::tuple arrays_to_tuple(const Arrays& arrays) {
  nb::list l;
  for (const Array& a : arrays) l.append(nb::cast(a));
  return nb::tuple(l);
}

nb::list arrays_to_list(const Arrays& arrays) {
  nb::list l;
  for (const Array& a : arrays) l.append(nb::cast(a));
  return l;
}

// Default dtype of a fill value: NumPy's np.array(value).dtype.
Array strong(Array a) {
  if (!a.is_weak()) return a;
  Array s = copy(a);
  s.set_weak(false);
  return s;
}

// a.reshape(2, 3) / a.reshape((2, 3)) / reshape(a, shape).
Array reshape_args(const Array& a, nb::args args, nb::kwargs kwargs) {
  nb::handle shape_h;
  nb::object packed;
  Order order = Order::C;
  std::optional<bool> copy_flag;
  for (auto [k, v] : kwargs) {
    std::string key = nb::cast<std::string>(k);
    if (key == "order")
      order = to_order(v, "reshape");
    else if (key == "copy")
      copy_flag =
          v.is_none() ? std::nullopt : std::optional<bool>(nb::cast<bool>(v));
    else if (key == "shape" || key == "newshape")
      shape_h = v;
    else
      throw TypeError("[reshape] got an unexpected keyword argument '" + key +
                      "'");
  }
  if (args.size() == 1 && !shape_h.is_valid()) {
    shape_h = args[0];
  } else if (args.size() > 1) {
    packed = nb::tuple(args);
    shape_h = packed;
  } else if (!shape_h.is_valid()) {
    throw TypeError("[reshape] reshape() missing required argument 'shape'");
  }
  return reshape(a, to_shape(shape_h, "reshape"), order, copy_flag);
}

// a.transpose(1, 0) / a.transpose((1, 0)) / a.transpose().
Array transpose_args(const Array& a, nb::args args) {
  if (args.size() == 0 || (args.size() == 1 && args[0].is_none()))
    return transpose(a);
  std::vector<int64_t> axes;
  if (args.size() == 1)
    axes = to_ints(args[0], "transpose");
  else
    for (nb::handle h : args) axes.push_back(to_int(h, "transpose"));
  if (static_cast<int>(axes.size()) != a.ndim())
    throw ValueError("[transpose] axes don't match array");
  return transpose(a, axes);
}

std::vector<int64_t> axes_or_empty(nb::handle h, const char* op) {
  if (h.is_none()) return {};
  return to_ints(h, op);
}

Array squeeze_args(const Array& a, nb::handle axis) {
  if (axis.is_none()) return squeeze(a);
  auto ax = to_ints(axis, "squeeze");
  if (ax.empty()) return a.alias();
  return squeeze(a, ax);
}

Order creation_order(nb::handle order, const char* op) {
  Order o = to_order(order, op);
  if (o == Order::A || o == Order::K)
    throw ValueError(std::string("[") + op +
                     "] only 'C' or 'F' order is permitted");
  return o;
}

// Cached weak 0 and 1 (immutable 0-d arrays).
const Array& weak_zero() {
  static const Array* z = new Array(weak_scalar(int64_t(0)));
  return *z;
}
const Array& weak_one() {
  static const Array* o = new Array(weak_scalar(int64_t(1)));
  return *o;
}

Array filled(nb::handle shape, const Array& value, nb::handle dtype,
             nb::handle order, nb::handle device, const char* op) {
  Dtype dt = dtype.is_none() ? Dtype::Float64 : to_dtype(dtype, op);
  Device dev = device_or_default(device);
  Array out = empty(to_shape(shape, op), dt, dev, creation_order(order, op));
  Array v = value;
  if (!(v.device() == dev) && v.ndim() == 0) v = arrax::to_device(v, dev);
  copyto(out, v, Casting::Unsafe);
  return out;
}

// np.arange for Python ints and floats (and None): the common calls. Other
// argument types go to the Python implementation. Lengths and the second
// value use Python's own arithmetic, as NumPy does.
bool arange_fast(nb::handle a, nb::handle b, nb::handle c, nb::handle dtype,
                 nb::handle device, Array& out) {
  auto simple = [](nb::handle h) {
    PyObject* o = h.ptr();
    return o == Py_None || PyLong_CheckExact(o) || PyFloat_CheckExact(o);
  };
  if (!simple(a) || !simple(b) || !simple(c) || a.is_none()) return false;
  nb::object start, stop, step;
  if (b.is_none()) {
    start = nb::int_(0);
    stop = nb::borrow(a);
  } else {
    start = nb::borrow(a);
    stop = nb::borrow(b);
  }
  step = c.is_none() ? nb::object(nb::int_(1)) : nb::borrow(c);
  bool is_float = PyFloat_CheckExact(start.ptr()) ||
                  PyFloat_CheckExact(stop.ptr()) ||
                  PyFloat_CheckExact(step.ptr());
  Dtype dt = dtype.is_none() ? (is_float ? Dtype::Float64 : Dtype::Int64)
                             : to_dtype(dtype, "arange");
  if (!is_float) {
    // Python ints beyond int64 take the general path.
    for (PyObject* o : {start.ptr(), stop.ptr(), step.ptr()}) {
      int overflow = 0;
      PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow) return false;
    }
  }
  if (PyObject_RichCompareBool(step.ptr(), nb::int_(0).ptr(), Py_EQ) == 1)
    throw ZeroDivisionError("[arange] division by zero");
  nb::object diff = nb::steal(PyNumber_Subtract(stop.ptr(), start.ptr()));
  nb::object q = nb::steal(PyNumber_TrueDivide(diff.ptr(), step.ptr()));
  if (!q.is_valid()) throw nb::python_error();
  double len = std::ceil(PyFloat_AsDouble(q.ptr()));
  if (!std::isfinite(len))
    throw ValueError("[arange] arange: cannot compute length");
  int64_t n = len > 0 ? static_cast<int64_t>(len) : 0;
  nb::object second = nb::steal(PyNumber_Add(start.ptr(), step.ptr()));
  Device dev = device_or_default(device);
  auto value = [&](nb::handle h) {
    if (PyFloat_CheckExact(h.ptr()))
      return Array::scalar(PyFloat_AS_DOUBLE(h.ptr()), dt, dev);
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow) {
      unsigned long long u = PyLong_AsUnsignedLongLong(h.ptr());
      if (PyErr_Occurred()) {
        PyErr_Clear();
        throw OverflowError("[arange] Python integer out of bounds");
      }
      return Array::scalar(static_cast<uint64_t>(u), dt, dev);
    }
    return Array::scalar(static_cast<int64_t>(v), dt, dev);
  };
  out = arange_fill(n, value(start), value(second));
  return true;
}

}  // namespace

void init_shape(nb::module_& m) {
  // ---- creation ----------------------------------------------------------
  m.def(
      "_empty",
      [](nb::handle shape, nb::handle dtype, nb::handle order,
         nb::handle device) {
        Dtype dt = dtype.is_none() ? Dtype::Float64 : to_dtype(dtype, "empty");
        return empty(to_shape(shape, "empty"), dt, device_or_default(device),
                     to_order(order, "empty"));
      },
      nb::arg("shape"), nb::arg("dtype").none(), nb::arg("order").none(),
      nb::arg("device").none());
  m.def(
      "_full",
      [](nb::handle shape, nb::handle fill, nb::handle dtype, nb::handle order,
         nb::handle device, const char* op) {
        Array v = to_array(fill, op);
        Dtype dt = dtype.is_none() ? strong(v).dtype() : to_dtype(dtype, op);
        Device dev = device_or_default(device);
        Array out = empty(to_shape(shape, op), dt, dev, to_order(order, op));
        if (!(v.device() == dev) && v.ndim() == 0) v = arrax::to_device(v, dev);
        copyto(out, v, Casting::Unsafe);
        return out;
      },
      nb::arg("shape"), nb::arg("fill").none(), nb::arg("dtype").none(),
      nb::arg("order").none(), nb::arg("device").none(), nb::arg("op"));
  m.def(
      "_full_like",
      [](const Array& a, nb::handle fill, nb::handle dtype, nb::handle order,
         nb::handle shape, nb::handle device, const char* op) {
        Dtype dt = dtype.is_none() ? a.dtype() : to_dtype(dtype, op);
        std::optional<Shape> s;
        if (!shape.is_none()) s = to_shape(shape, op);
        Order o = to_order(order, op, Order::K);
        Array out;
        if (!device.is_none() && !(to_device(device) == a.device())) {
          Shape sh = s ? *s : a.shape();
          out = empty(sh, dt, to_device(device),
                      o == Order::F ? Order::F : Order::C);
        } else {
          out = empty_like(a, dt, o, s);
        }
        if (!fill.is_none()) {
          Array v = to_array(fill, op);
          if (!(v.device() == out.device()) && v.ndim() == 0)
            v = arrax::to_device(v, out.device());
          copyto(out, v, Casting::Unsafe);
        }
        return out;
      },
      nb::arg("a"), nb::arg("fill").none(), nb::arg("dtype").none(),
      nb::arg("order").none(), nb::arg("shape").none(),
      nb::arg("device").none(), nb::arg("op"));
  m.def(
      "_copy",
      [](const Array& a, nb::handle order) {
        return copy(a, to_order(order, "copy", Order::K));
      },
      nb::arg("a"), nb::arg("order").none());
  m.def(
      "_arange_fill",
      [](int64_t n, nb::handle first, nb::handle second, nb::handle dtype,
         nb::handle device) {
        Dtype dt = to_dtype(dtype, "arange");
        Device dev = device_or_default(device);
        auto value = [&](nb::handle h) {
          Array v = to_array(h, "arange");
          Array c = Array::empty({}, dt, Device::cpu());
          copyto(c, v, Casting::Unsafe);
          return dev.is_cpu() ? c : arrax::to_device(c, dev);
        };
        return arange_fill(n, value(first), value(second));
      },
      nb::arg("n"), nb::arg("first"), nb::arg("second"), nb::arg("dtype"),
      nb::arg("device").none());
  m.def(
      "_linspace",
      [](nb::handle start, nb::handle stop, int64_t num, bool endpoint,
         bool retstep, nb::handle dtype, int64_t axis,
         nb::handle device) -> nb::object {
        Array s = strong(to_array(start, "linspace"));
        Array e = strong(to_array(stop, "linspace"));
        place_endpoints(s, e, device);
        Array step;
        Array y = linspace(s, e, num, endpoint, opt_dtype(dtype, "linspace"),
                           axis, retstep ? &step : nullptr);
        if (!retstep) return nb::cast(y);
        return nb::make_tuple(y, step);
      },
      nb::arg("start"), nb::arg("stop"), nb::arg("num"), nb::arg("endpoint"),
      nb::arg("retstep"), nb::arg("dtype").none(), nb::arg("axis"),
      nb::arg("device").none() = nb::none());
  m.def(
      "_logspace",
      [](nb::handle start, nb::handle stop, int64_t num, bool endpoint,
         nb::handle base, nb::handle dtype, int64_t axis,
         nb::handle device) {
        // A Python int or float base stays weak: power(base, y) keeps y's
        // dtype, as in NumPy.
        Array s = strong(to_array(start, "logspace"));
        Array e = strong(to_array(stop, "logspace"));
        place_endpoints(s, e, device);
        return logspace(s, e, num, endpoint, to_array(base, "logspace"),
                        opt_dtype(dtype, "logspace"), axis);
      },
      nb::arg("start"), nb::arg("stop"), nb::arg("num"), nb::arg("endpoint"),
      nb::arg("base"), nb::arg("dtype").none(), nb::arg("axis"),
      nb::arg("device").none() = nb::none());
  m.def(
      "_geomspace",
      [](nb::handle start, nb::handle stop, int64_t num, bool endpoint,
         nb::handle dtype, int64_t axis, nb::handle device) {
        Array s = strong(to_array(start, "geomspace"));
        Array e = strong(to_array(stop, "geomspace"));
        place_endpoints(s, e, device);
        return geomspace(s, e, num, endpoint, opt_dtype(dtype, "geomspace"),
                         axis);
      },
      nb::arg("start"), nb::arg("stop"), nb::arg("num"), nb::arg("endpoint"),
      nb::arg("dtype").none(), nb::arg("axis"),
      nb::arg("device").none() = nb::none());
  m.def(
      "_eye",
      [](int64_t n, std::optional<int64_t> mm, int64_t k, nb::handle dtype,
         nb::handle order, nb::handle device) {
        Dtype dt = dtype.is_none() ? Dtype::Float64 : to_dtype(dtype, "eye");
        return eye(n, mm, k, dt, device_or_default(device),
                   to_order(order, "eye"));
      },
      nb::arg("N"), nb::arg("M").none(), nb::arg("k"), nb::arg("dtype").none(),
      nb::arg("order").none(), nb::arg("device").none());
  m.def(
      "_tri",
      [](int64_t n, std::optional<int64_t> mm, int64_t k, nb::handle dtype,
         nb::handle device) {
        Dtype dt = dtype.is_none() ? Dtype::Float64 : to_dtype(dtype, "tri");
        return tri(n, mm, k, dt, device_or_default(device));
      },
      nb::arg("N"), nb::arg("M").none(), nb::arg("k"), nb::arg("dtype").none(),
      nb::arg("device").none());
  m.def("_tril",
        [](nb::handle a, int64_t k) { return tril(to_array(a, "tril"), k); });
  m.def("_triu",
        [](nb::handle a, int64_t k) { return triu(to_array(a, "triu"), k); });
  m.def("_diag",
        [](nb::handle a, int64_t k) { return diag(to_array(a, "diag"), k); });
  m.def("_diagflat", [](nb::handle a, int64_t k) {
    return diagflat(to_array(a, "diagflat"), k);
  });

  // NumPy's signatures, parsed here: these are small-op hot paths.
  m.def(
      "empty",
      [](nb::handle shape, nb::handle dtype, nb::handle order,
         nb::handle device, nb::handle) {
        Dtype dt = dtype.is_none() ? Dtype::Float64 : to_dtype(dtype, "empty");
        return empty(to_shape(shape, "empty"), dt, device_or_default(device),
                     creation_order(order, "empty"));
      },
      nb::arg("shape"), nb::arg("dtype").none() = nb::none(),
      nb::arg("order").none() = "C", nb::kw_only(),
      nb::arg("device").none() = nb::none(),
      nb::arg("like").none() = nb::none());
  m.def(
      "zeros",
      [](nb::handle shape, nb::handle dtype, nb::handle order,
         nb::handle device, nb::handle) {
        return filled(shape, weak_zero(), dtype, order, device, "zeros");
      },
      nb::arg("shape"), nb::arg("dtype").none() = nb::none(),
      nb::arg("order").none() = "C", nb::kw_only(),
      nb::arg("device").none() = nb::none(),
      nb::arg("like").none() = nb::none());
  m.def(
      "ones",
      [](nb::handle shape, nb::handle dtype, nb::handle order,
         nb::handle device, nb::handle) {
        return filled(shape, weak_one(), dtype, order, device, "ones");
      },
      nb::arg("shape"), nb::arg("dtype").none() = nb::none(),
      nb::arg("order").none() = "C", nb::kw_only(),
      nb::arg("device").none() = nb::none(),
      nb::arg("like").none() = nb::none());
  m.def(
      "full",
      [](nb::handle shape, nb::handle fill, nb::handle dtype, nb::handle order,
         nb::handle device, nb::handle) {
        Array v = to_array(fill, "full");
        if (dtype.is_none()) v = strong(v);
        return filled(shape, v,
                      dtype.is_none() ? dtype_object(v.dtype()) : dtype, order,
                      device, "full");
      },
      nb::arg("shape"), nb::arg("fill_value").none(),
      nb::arg("dtype").none() = nb::none(), nb::arg("order").none() = "C",
      nb::kw_only(), nb::arg("device").none() = nb::none(),
      nb::arg("like").none() = nb::none());
  m.def(
      "arange",
      [](nb::handle a, nb::handle b, nb::handle c, nb::handle dtype,
         nb::handle device, nb::handle like) -> nb::object {
        Array r;
        if (arange_fast(a, b, c, dtype, device, r)) return nb::cast(r);
        return nb::module_::import_("arrax._creation")
            .attr("_arange_py")(a, b, c, dtype, device, like);
      },
      nb::arg("start_or_stop"), nb::arg("stop").none() = nb::none(),
      nb::arg("step").none() = nb::none(), nb::kw_only(),
      nb::arg("dtype").none() = nb::none(),
      nb::arg("device").none() = nb::none(),
      nb::arg("like").none() = nb::none());

  // ---- manipulation
  // ----------------------------------------------------------
  m.def(
      "_reshape",
      [](nb::handle a, nb::handle shape, nb::handle order,
         nb::handle copy_flag) {
        std::optional<bool> c;
        if (!copy_flag.is_none()) c = nb::cast<bool>(copy_flag);
        return reshape(to_array(a, "reshape"), to_shape(shape, "reshape"),
                       to_order(order, "reshape"), c);
      },
      nb::arg("a"), nb::arg("shape"), nb::arg("order").none(),
      nb::arg("copy").none());
  m.def(
      "_ravel",
      [](nb::handle a, nb::handle order) {
        return ravel(to_array(a, "ravel"), to_order(order, "ravel"));
      },
      nb::arg("a"), nb::arg("order").none());
  m.def(
      "_transpose",
      [](nb::handle a, nb::handle axes) {
        Array x = to_array(a, "transpose");
        if (axes.is_none()) return transpose(x);
        auto ax = to_ints(axes, "transpose");
        if (static_cast<int>(ax.size()) != x.ndim())
          throw ValueError("[transpose] axes don't match array");
        return transpose(x, ax);
      },
      nb::arg("a"), nb::arg("axes").none());
  m.def("_moveaxis", [](nb::handle a, nb::handle src, nb::handle dst) {
    return moveaxis(to_array(a, "moveaxis"), to_ints(src, "moveaxis"),
                    to_ints(dst, "moveaxis"));
  });
  m.def("_swapaxes", [](nb::handle a, int64_t i, int64_t j) {
    return swapaxes(to_array(a, "swapaxes"), i, j);
  });
  m.def("_expand_dims", [](nb::handle a, nb::handle axis) {
    return expand_dims(to_array(a, "expand_dims"),
                       to_ints(axis, "expand_dims"));
  });
  m.def(
      "_squeeze",
      [](nb::handle a, nb::handle axis) {
        return squeeze_args(to_array(a, "squeeze"), axis);
      },
      nb::arg("a"), nb::arg("axis").none());
  m.def(
      "_flip",
      [](nb::handle a, nb::handle axis) {
        Array x = to_array(a, "flip");
        if (axis.is_none()) return flip(x);
        auto ax = to_ints(axis, "flip");
        if (ax.empty()) return x.alias();
        return flip(x, ax);
      },
      nb::arg("a"), nb::arg("axis").none());
  m.def("_rot90", [](nb::handle a, int64_t k, nb::handle axes) {
    return rot90(to_array(a, "rot90"), k, to_ints(axes, "rot90"));
  });
  m.def("_broadcast_to", [](nb::handle a, nb::handle shape) {
    Shape s = to_shape(shape, "broadcast_to");
    for (int64_t d : s)
      if (d < 0)
        throw ValueError(
            "[broadcast_to] all elements of broadcast shape must be "
            "non-negative");
    // NumPy's broadcast_to returns a read-only view.
    Array r = broadcast_to(to_array(a, "broadcast_to"), s);
    r = r.alias();
    r.set_readonly(true);
    return r;
  });
  m.def("_broadcast_arrays", [](nb::args args) {
    Arrays in;
    for (nb::handle h : args) in.push_back(to_array(h, "broadcast_arrays"));
    return arrays_to_tuple(broadcast_arrays(in));
  });
  m.def(
      "_concatenate",
      [](nb::handle arrays, nb::handle axis, nb::handle out, nb::handle dtype,
         nb::handle casting) -> nb::object {
        Arrays in = to_arrays(arrays, "concatenate");
        std::optional<int64_t> ax;
        if (!axis.is_none()) ax = to_int(axis, "concatenate");
        Casting c = casting.is_none()
                        ? Casting::SameKind
                        : casting_from_name(nb::cast<std::string>(casting),
                                            "[concatenate]");
        if (!out.is_none()) {
          if (!dtype.is_none())
            throw TypeError(
                "[concatenate] concatenate() only takes `out` or `dtype` as "
                "an argument, but both were provided.");
          if (!nb::isinstance<Array>(out))
            throw TypeError("[concatenate] out must be an arrax.ndarray");
          concatenate_into(in, ax, nb::cast<Array>(out), c);
          return nb::borrow(out);
        }
        return nb::cast(
            concatenate(in, ax, opt_dtype(dtype, "concatenate"), c));
      },
      nb::arg("arrays"), nb::arg("axis").none(), nb::arg("out").none(),
      nb::arg("dtype").none(), nb::arg("casting").none());
  m.def(
      "_stack",
      [](nb::handle arrays, int64_t axis, nb::handle out, nb::handle dtype,
         nb::handle casting) -> nb::object {
        Arrays in = to_arrays(arrays, "stack");
        Casting c =
            casting.is_none()
                ? Casting::SameKind
                : casting_from_name(nb::cast<std::string>(casting), "[stack]");
        if (in.empty())
          throw ValueError("[stack] need at least one array to stack");
        if (!out.is_none()) {
          if (!dtype.is_none())
            throw TypeError(
                "[stack] stack() only takes `out` or `dtype` as an argument, "
                "but both were provided.");
          for (const Array& a : in)
            if (!(a.shape() == in[0].shape()))
              throw ValueError(
                  "[stack] all input arrays must have the same shape");
          int ax = normalize_axis(axis, in[0].ndim() + 1, "stack");
          int64_t e[1] = {ax};
          Arrays ex;
          for (const Array& a : in) ex.push_back(expand_dims(a, e));
          concatenate_into(ex, ax, nb::cast<Array>(out), c);
          return nb::borrow(out);
        }
        return nb::cast(stack(in, axis, opt_dtype(dtype, "stack"), c));
      },
      nb::arg("arrays"), nb::arg("axis"), nb::arg("out").none(),
      nb::arg("dtype").none(), nb::arg("casting").none());
  m.def("_split_indices",
        [](nb::handle a, std::vector<int64_t> indices, int64_t axis) {
          return arrays_to_list(split(to_array(a, "split"), indices, axis));
        });
  m.def("_split_sections", [](nb::handle a, int64_t sections, int64_t axis,
                              bool exact) {
    return arrays_to_list(split(to_array(a, "split"), sections, axis, exact));
  });
  m.def(
      "_roll",
      [](nb::handle a, nb::handle shift, nb::handle axis) {
        Array x = to_array(a, "roll");
        auto s = to_ints(shift, "roll");
        if (axis.is_none()) return roll(x, s);
        return roll(x, s, to_ints(axis, "roll"));
      },
      nb::arg("a"), nb::arg("shift"), nb::arg("axis").none());
  m.def("_tile", [](nb::handle a, nb::handle reps) {
    return tile(to_array(a, "tile"), to_ints(reps, "tile"));
  });
  m.def(
      "_repeat",
      [](nb::handle a, nb::handle repeats, nb::handle axis) {
        Array x = to_array(a, "repeat");
        std::optional<int64_t> ax;
        if (!axis.is_none()) ax = to_int(axis, "repeat");
        std::vector<int64_t> reps;
        if (nb::isinstance<Array>(repeats) &&
            nb::cast<Array>(repeats).ndim() > 1)
          throw ValueError("[repeat] repeats must be a scalar or 1-D");
        reps = to_ints(repeats, "repeat");
        return repeat(x, reps, ax);
      },
      nb::arg("a"), nb::arg("repeats"), nb::arg("axis").none());
  m.def("_pad",
        [](nb::handle a, std::vector<std::pair<int64_t, int64_t>> widths,
           const std::string& mode,
           std::vector<std::pair<complex128, complex128>> values,
           std::vector<std::pair<int64_t, int64_t>> stat_length, bool odd) {
          static const std::pair<const char*, PadMode> modes[] = {
              {"constant", PadMode::Constant},
              {"edge", PadMode::Edge},
              {"linear_ramp", PadMode::LinearRamp},
              {"maximum", PadMode::Maximum},
              {"mean", PadMode::Mean},
              {"median", PadMode::Median},
              {"minimum", PadMode::Minimum},
              {"reflect", PadMode::Reflect},
              {"symmetric", PadMode::Symmetric},
              {"wrap", PadMode::Wrap},
              {"empty", PadMode::Empty},
          };
          PadOptions opt;
          bool found = false;
          for (auto& [name, pm] : modes)
            if (mode == name) {
              opt.mode = pm;
              found = true;
            }
          if (!found)
            throw ValueError("[pad] mode '" + mode + "' is not supported");
          opt.values = std::move(values);
          opt.stat_length = std::move(stat_length);
          opt.odd = odd;
          return pad(to_array(a, "pad"), widths, opt);
        });

  // ---- ndarray methods
  // --------------------------------------------------------
  auto cls = nb::type<Array>();
  nb::handle(cls).attr("reshape") = nb::cpp_function(
      [](const Array& a, nb::args args, nb::kwargs kwargs) {
        return reshape_args(a, args, kwargs);
      },
      nb::is_method());
  nb::handle(cls).attr("transpose") = nb::cpp_function(
      [](const Array& a, nb::args args) { return transpose_args(a, args); },
      nb::is_method());
  nb::handle(cls).attr("ravel") = nb::cpp_function(
      [](const Array& a, nb::handle order) {
        return ravel(a, to_order(order, "ravel"));
      },
      nb::is_method(), nb::arg("order").none() = "C");
  nb::handle(cls).attr("flatten") = nb::cpp_function(
      [](const Array& a, nb::handle order) {
        Order o = to_order(order, "flatten");
        Array r = ravel(a, o);
        if (r.shares_storage(a)) r = copy(r);
        return r;
      },
      nb::is_method(), nb::arg("order").none() = "C");
  nb::handle(cls).attr("squeeze") = nb::cpp_function(
      [](const Array& a, nb::handle axis) { return squeeze_args(a, axis); },
      nb::is_method(), nb::arg("axis").none() = nb::none());
  nb::handle(cls).attr("swapaxes") = nb::cpp_function(
      [](const Array& a, int64_t i, int64_t j) { return swapaxes(a, i, j); },
      nb::is_method(), nb::arg("axis1"), nb::arg("axis2"));
  nb::handle(cls).attr("repeat") = nb::cpp_function(
      [](const Array& a, nb::handle repeats, nb::handle axis) {
        std::optional<int64_t> ax;
        if (!axis.is_none()) ax = to_int(axis, "repeat");
        return repeat(a, to_ints(repeats, "repeat"), ax);
      },
      nb::is_method(), nb::arg("repeats"), nb::arg("axis").none() = nb::none());
  if (!nb::hasattr(cls, "T"))
    cls.attr("T") = nb::module_::import_("builtins")
                        .attr("property")(nb::cpp_function(
                            [](const Array& a) { return transpose(a); }));
}

}  // namespace arrax::py
