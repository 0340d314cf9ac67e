// arrax.ndarray: attributes, operators and the methods implemented in C++.
// Methods written in Python are attached in python/arrax/_ndarray.py.
#include <nanobind/stl/pair.h>

#include "common.h"

namespace arrax::py {

namespace {

nb::tuple to_tuple(const SmallVector<int64_t>& v, int64_t scale = 1) {
  nb::list l;
  for (int64_t x : v) l.append(x * scale);
  return nb::tuple(l);
}

// Binary operator through a ufunc; NotImplemented for operands NumPy cannot
// take either, so Python tries the reflected operation.
nb::object binary_op(UfuncId id, const Array& self, nb::handle other,
                     bool reflected) {
  Array o;
  if (!try_to_array(other, o)) return nb::borrow(Py_NotImplemented);
  Array in[2] = {reflected ? o : self, reflected ? self : o};
  return nb::cast(std::move(apply_ufunc(id, in)[0]));
}

nb::object inplace_op(UfuncId id, nb::handle self_h, nb::handle other) {
  Array& self = nb::cast<Array&>(self_h);
  Array o;
  if (!try_to_array(other, o)) return nb::borrow(Py_NotImplemented);
  Array in[2] = {self, o};
  Array out[1] = {self};
  UfuncOptions opt;
  opt.out = out;
  apply_ufunc(id, in, opt);
  return nb::borrow(self_h);
}

bool has_ufunc(const char* name) {
  try {
    ufunc_by_name(name);
    return true;
  } catch (const ValueError&) {
    return false;
  }
}

void translate_exceptions() {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    set_python_error(p);
  });
}

}  // namespace

void init_array(nb::module_& m) {
  translate_exceptions();

  static PyType_Slot slots[] = {
      {Py_bf_getbuffer, reinterpret_cast<void*>(array_getbuffer)},
      {Py_bf_releasebuffer, reinterpret_cast<void*>(array_releasebuffer)},
      {0, nullptr}};
  auto cls = nb::class_<Array>(m, "ndarray", nb::is_weak_referenceable(),
                               nb::type_slots(slots));
  cls.def_prop_ro("shape", [](const Array& a) { return to_tuple(a.shape()); })
      .def_prop_ro("ndim", &Array::ndim)
      .def_prop_ro("size", &Array::size)
      .def_prop_ro("itemsize", [](const Array& a) { return a.itemsize(); })
      .def_prop_ro("nbytes", &Array::nbytes)
      .def_prop_ro("strides",
                   [](const Array& a) {
                     return to_tuple(a.strides(), a.itemsize());
                   })
      .def_prop_ro("dtype", [](const Array& a) { return dtype_object(a.dtype()); })
      .def_prop_ro("_device_str", [](const Array& a) { return a.device().str(); })
      .def_prop_ro("_c_contiguous", &Array::is_c_contiguous)
      .def_prop_ro("_f_contiguous", &Array::is_f_contiguous)
      .def_prop_ro("_offset", &Array::offset)
      .def_prop_ro("_data_ptr",
                   [](const Array& a) {
                     return reinterpret_cast<uintptr_t>(a.data());
                   })
      .def_prop_ro("_storage_id",
                   [](const Array& a) {
                     return reinterpret_cast<uintptr_t>(a.storage().get());
                   })
      .def("_same_array", [](const Array& a, const Array& b) { return a.is(b); })
      .def("_shares_storage",
           [](const Array& a, const Array& b) { return a.shares_storage(b); })
      .def("_may_overlap",
           [](const Array& a, const Array& b) { return a.may_overlap(b); })
      .def("_to_numpy", [](const Array& a) { return to_numpy(a); })
      .def("_scalar", [](const Array& a) { return to_numpy_scalar(a); })
      .def(
          "astype",
          [](const Array& a, nb::handle dtype, nb::handle order,
             nb::handle casting, bool subok, bool copy) {
            Dtype dt = to_dtype(dtype, "astype");
            Casting c = casting.is_none()
                            ? Casting::Unsafe
                            : casting_from_name(
                                  nb::cast<std::string>(casting), "[astype]");
            if (!can_cast(a.dtype(), dt, c))
              throw TypeError(std::string("[astype] cannot cast array data "
                                          "from dtype('") +
                              dtype_name(a.dtype()) + "') to dtype('" +
                              dtype_name(dt) + "') according to the rule '" +
                              nb::cast<std::string>(casting) + "'");
            return astype(a, dt, copy);
          },
          nb::arg("dtype"), nb::arg("order") = "K",
          nb::arg("casting") = nb::none(), nb::arg("subok") = true,
          nb::arg("copy") = true)
      .def("copy", [](const Array& a, nb::handle) { return copy(a); },
           nb::arg("order") = "C")
      .def("__copy__", [](const Array& a) { return copy(a); })
      .def("__deepcopy__", [](const Array& a, nb::handle) { return copy(a); })
      .def("fill",
           [](const Array& a, nb::handle v) { fill(a, to_array(v, "fill")); })
      .def("view", [](const Array& a) { return a.alias(); })
      .def("__len__",
           [](const Array& a) {
             if (a.ndim() == 0) throw TypeError("len() of unsized object");
             return a.shape()[0];
           })
      .def("__bool__",
           [](const Array& a) {
             if (a.size() != 1)
               throw ValueError(
                   "[__bool__] The truth value of an array with more than "
                   "one element is ambiguous. Use a.any() or a.all()");
             return a.item<bool>();
           })
      .def("__float__",
           [](const Array& a) {
             if (a.size() != 1)
               throw TypeError(
                   "[__float__] only length-1 arrays can be converted to "
                   "Python scalars");
             if (is_complex(a.dtype()))
               throw TypeError("[__float__] can't convert complex to float");
             return a.item<double>();
           })
      .def("__int__",
           [](const Array& a) -> nb::object {
             if (a.size() != 1)
               throw TypeError(
                   "[__int__] only length-1 arrays can be converted to "
                   "Python scalars");
             if (is_complex(a.dtype()))
               throw TypeError("[__int__] can't convert complex to int");
             if (is_floating(a.dtype()))
               return nb::steal(PyNumber_Long(
                   nb::float_(a.item<double>()).ptr()));
             if (a.dtype() == Dtype::UInt64)
               return nb::int_(a.item<uint64_t>());
             return nb::int_(a.item<int64_t>());
           })
      .def("__index__",
           [](const Array& a) -> nb::object {
             if (a.ndim() != 0 || !(is_integer(a.dtype()) ||
                                    a.dtype() == Dtype::Bool))
               throw TypeError(
                   "[__index__] only integer scalar arrays can be converted "
                   "to a scalar index");
             if (a.dtype() == Dtype::UInt64)
               return nb::int_(a.item<uint64_t>());
             return nb::int_(a.item<int64_t>());
           })
      .def("__complex__", [](const Array& a) {
        if (a.size() != 1)
          throw TypeError(
              "[__complex__] only length-1 arrays can be converted to Python "
              "scalars");
        complex128 c = a.item<complex128>();
        return nb::steal(PyComplex_FromDoubles(c.real(), c.imag()));
      });
  cls.attr("__hash__") = nb::none();
  cls.attr("__array_priority__") = 100;

  // Operators, from the ufunc table. Ufuncs not in the table yet are skipped.
  struct Op {
    const char* ufunc;
    const char* fwd;
    const char* rev;
    const char* inplace;
  };
  static const Op ops[] = {
      {"add", "__add__", "__radd__", "__iadd__"},
      {"subtract", "__sub__", "__rsub__", "__isub__"},
      {"multiply", "__mul__", "__rmul__", "__imul__"},
      {"divide", "__truediv__", "__rtruediv__", "__itruediv__"},
      {"floor_divide", "__floordiv__", "__rfloordiv__", "__ifloordiv__"},
      {"remainder", "__mod__", "__rmod__", "__imod__"},
      {"power", "__pow__", "__rpow__", "__ipow__"},
      {"left_shift", "__lshift__", "__rlshift__", "__ilshift__"},
      {"right_shift", "__rshift__", "__rrshift__", "__irshift__"},
      {"bitwise_and", "__and__", "__rand__", "__iand__"},
      {"bitwise_or", "__or__", "__ror__", "__ior__"},
      {"bitwise_xor", "__xor__", "__rxor__", "__ixor__"},
      {"equal", "__eq__", nullptr, nullptr},
      {"not_equal", "__ne__", nullptr, nullptr},
      {"less", "__lt__", nullptr, nullptr},
      {"less_equal", "__le__", nullptr, nullptr},
      {"greater", "__gt__", nullptr, nullptr},
      {"greater_equal", "__ge__", nullptr, nullptr},
  };
  for (const Op& op : ops) {
    if (!has_ufunc(op.ufunc)) continue;
    UfuncId id = ufunc_by_name(op.ufunc);
    if (id == UfuncId::power && has_ufunc("square")) {
      // NumPy's fast_scalar_power: a ** 2 with a Python 2 is square(a)
      // (the same values; one multiply instead of pow, and a cheaper vjp).
      UfuncId sq = ufunc_by_name("square");
      cls.def(op.fwd, [id, sq](const Array& a, nb::handle b) -> nb::object {
        PyObject* o = b.ptr();
        // A Python float keeps the dtype of an inexact array only (an
        // integer array ** 2.0 is float64).
        bool two = (PyFloat_CheckExact(o) && PyFloat_AS_DOUBLE(o) == 2.0 &&
                    is_inexact(a.dtype())) ||
                   (PyLong_CheckExact(o) && PyLong_AsLong(o) == 2 &&
                    a.dtype() != Dtype::Bool);
        if (two) {
          Array in[1] = {a};
          return nb::cast(apply_ufunc(sq, in)[0]);
        }
        return binary_op(id, a, b, false);
      });
    } else {
      cls.def(op.fwd, [id](const Array& a, nb::handle b) {
        return binary_op(id, a, b, false);
      });
    }
    if (op.rev)
      cls.def(op.rev, [id](const Array& a, nb::handle b) {
        return binary_op(id, a, b, true);
      });
    if (op.inplace)
      cls.def(op.inplace, [id](nb::handle a, nb::handle b) {
        return inplace_op(id, a, b);
      });
  }
  // divmod(a, b) -> (a // b, a % b), one ufunc with two outputs.
  if (has_ufunc("divmod")) {
    UfuncId id = ufunc_by_name("divmod");
    auto divmod_op = [id](const Array& self, nb::handle other,
                          bool reflected) -> nb::object {
      Array o;
      if (!try_to_array(other, o)) return nb::borrow(Py_NotImplemented);
      Array in[2] = {reflected ? o : self, reflected ? self : o};
      Arrays r = apply_ufunc(id, in);
      return nb::make_tuple(r[0], r[1]);
    };
    cls.def("__divmod__", [divmod_op](const Array& a, nb::handle b) {
      return divmod_op(a, b, false);
    });
    cls.def("__rdivmod__", [divmod_op](const Array& a, nb::handle b) {
      return divmod_op(a, b, true);
    });
  }
  struct UOp {
    const char* ufunc;
    const char* name;
  };
  static const UOp uops[] = {{"negative", "__neg__"},
                             {"positive", "__pos__"},
                             {"absolute", "__abs__"},
                             {"invert", "__invert__"}};
  for (const UOp& op : uops) {
    if (!has_ufunc(op.ufunc)) continue;
    UfuncId id = ufunc_by_name(op.ufunc);
    cls.def(op.name, [id](const Array& a) {
      Array in[1] = {a};
      return apply_ufunc(id, in)[0];
    });
  }
}

}  // namespace arrax::py
