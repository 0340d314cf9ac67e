// Bindings of the matrix-product family (arrax/ops_linalg.h) and the
// ndarray operators @, @= (reflected too). The NumPy-facing wrappers with
// their argument conventions live in python/arrax/_linalg_ops.py.
#include <nanobind/stl/optional.h>

#include "arrax/matmul_precision.h"
#include "common.h"

namespace arrax::py {

namespace {

std::optional<Dtype> opt_dtype(nb::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return to_dtype(h, op);
}


// The Python object to return for out= (the array, also when given as a
// one-element tuple).
nb::object out_object(nb::handle h) {
  if (nb::isinstance<nb::tuple>(h))
    return nb::borrow(nb::cast<nb::tuple>(h)[0]);
  return nb::borrow(h);
}

nb::object matmul_py(nb::handle a, nb::handle b, nb::handle out,
                     nb::handle dtype, const std::string& casting) {
  Array o;
  bool has_out = get_out(out, o, "matmul");
  Array r = matmul(to_array(a, "matmul"), to_array(b, "matmul"),
                   has_out ? &o : nullptr, opt_dtype(dtype, "matmul"),
                   casting_from_name(casting, "[matmul]"));
  if (has_out) return out_object(out);
  return nb::cast(std::move(r));
}

nb::object matmul_op(const Array& self, nb::handle other, bool reflected) {
  Array o;
  if (!try_to_array(other, o)) return nb::borrow(Py_NotImplemented);
  return nb::cast(reflected ? matmul(o, self) : matmul(self, o));
}

nb::object imatmul_op(nb::handle self_h, nb::handle other) {
  Array& self = nb::cast<Array&>(self_h);
  Array o;
  if (!try_to_array(other, o)) return nb::borrow(Py_NotImplemented);
  if (self.ndim() < 1 || o.ndim() < 2)
    throw ValueError(
        "[matmul] inplace matrix multiplication requires the first operand "
        "to have at least one and the second at least two dimensions.");
  matmul(self, o, &self);
  return nb::borrow(self_h);
}

}  // namespace

// out= as an arrax array (NumPy's rule: anything else is a TypeError).
bool get_out(nb::handle h, Array& out, const char* op) {
  if (h.is_none()) return false;
  if (nb::isinstance<nb::tuple>(h)) {
    nb::tuple t = nb::cast<nb::tuple>(h);
    if (t.size() != 1)
      throw ValueError(std::string("[") + op +
                       "] The 'out' tuple must have exactly one entry");
    return get_out(t[0], out, op);
  }
  if (!nb::isinstance<Array>(h))
    throw TypeError(std::string("[") + op +
                    "] return arrays must be of arrax.ndarray type");
  out = nb::cast<Array>(h);
  return true;
}

void init_linalg(nb::module_& m) {
  m.def("set_matmul_precision",
        [](const std::string& name) { set_matmul_precision(name); });
  m.def("get_matmul_precision", []() { return get_matmul_precision(); });
  m.def("matmul", &matmul_py, nb::arg("a"), nb::arg("b"),
        nb::arg("out") = nb::none(), nb::arg("dtype") = nb::none(),
        nb::arg("casting") = "same_kind");
  m.def(
      "dot",
      [](nb::handle a, nb::handle b, nb::handle out) -> nb::object {
        Array o;
        bool has_out = get_out(out, o, "dot");
        Array r =
            dot(to_array(a, "dot"), to_array(b, "dot"), has_out ? &o : nullptr);
        if (has_out) return out_object(out);
        return nb::cast(std::move(r));
      },
      nb::arg("a"), nb::arg("b"), nb::arg("out") = nb::none());
  m.def(
      "vecdot",
      [](nb::handle a, nb::handle b, int64_t axis, nb::handle out,
         nb::handle dtype, const std::string& casting) -> nb::object {
        Array o;
        bool has_out = get_out(out, o, "vecdot");
        Array r = vecdot(to_array(a, "vecdot"), to_array(b, "vecdot"), axis,
                         has_out ? &o : nullptr, opt_dtype(dtype, "vecdot"),
                         casting_from_name(casting, "[vecdot]"));
        if (has_out) return out_object(out);
        return nb::cast(std::move(r));
      },
      nb::arg("a"), nb::arg("b"), nb::arg("axis") = -1,
      nb::arg("out") = nb::none(), nb::arg("dtype") = nb::none(),
      nb::arg("casting") = "same_kind");
  m.def("vdot", [](nb::handle a, nb::handle b) {
    return vdot(to_array(a, "vdot"), to_array(b, "vdot"));
  });
  m.def("inner", [](nb::handle a, nb::handle b) {
    return inner(to_array(a, "inner"), to_array(b, "inner"));
  });
  m.def(
      "outer",
      [](nb::handle a, nb::handle b, nb::handle out) -> nb::object {
        Array o;
        bool has_out = get_out(out, o, "outer");
        Array r = outer(to_array(a, "outer"), to_array(b, "outer"),
                        has_out ? &o : nullptr);
        if (has_out) return out_object(out);
        return nb::cast(std::move(r));
      },
      nb::arg("a"), nb::arg("b"), nb::arg("out") = nb::none());
  m.def("tensordot_axes",
        [](nb::handle a, nb::handle b, std::vector<int64_t> axes_a,
           std::vector<int64_t> axes_b) {
          return tensordot(to_array(a, "tensordot"), to_array(b, "tensordot"),
                           axes_a, axes_b);
        });
  m.def("tensordot_n", [](nb::handle a, nb::handle b, int64_t n) {
    return tensordot(to_array(a, "tensordot"), to_array(b, "tensordot"), n);
  });
  m.def("kron", [](nb::handle a, nb::handle b) {
    return kron(to_array(a, "kron"), to_array(b, "kron"));
  });
  m.def(
      "einsum_str",
      [](const std::string& subscripts, nb::list operands, nb::handle dtype,
         nb::handle out, const std::string& casting) -> nb::object {
        Arrays ops;
        for (nb::handle h : operands) ops.push_back(to_array(h, "einsum"));
        Array o;
        bool has_out = get_out(out, o, "einsum");
        Array r = einsum(subscripts, ops, opt_dtype(dtype, "einsum"),
                         has_out ? &o : nullptr,
                         casting_from_name(casting, "[einsum]"));
        if (has_out) return out_object(out);
        return nb::cast(std::move(r));
      },
      nb::arg("subscripts"), nb::arg("operands"), nb::arg("dtype") = nb::none(),
      nb::arg("out") = nb::none(), nb::arg("casting") = "safe");
  m.def(
      "diagonal",
      [](nb::handle a, int64_t offset, int64_t axis1, int64_t axis2) {
        return diagonal(to_array(a, "diagonal"), offset, axis1, axis2);
      },
      nb::arg("a"), nb::arg("offset") = 0, nb::arg("axis1") = 0,
      nb::arg("axis2") = 1);
  m.def(
      "trace",
      [](nb::handle a, int64_t offset, int64_t axis1, int64_t axis2,
         nb::handle dtype, nb::handle out) -> nb::object {
        Array o;
        bool has_out = get_out(out, o, "trace");
        Array r = trace(to_array(a, "trace"), offset, axis1, axis2,
                        opt_dtype(dtype, "trace"), has_out ? &o : nullptr);
        if (has_out) return out_object(out);
        return nb::cast(std::move(r));
      },
      nb::arg("a"), nb::arg("offset") = 0, nb::arg("axis1") = 0,
      nb::arg("axis2") = 1, nb::arg("dtype") = nb::none(),
      nb::arg("out") = nb::none());

  nb::handle cls = nb::type<Array>();
  nb::setattr(cls, "__matmul__",
              nb::cpp_function(
                  [](const Array& self, nb::handle other) {
                    return matmul_op(self, other, false);
                  },
                  nb::is_method()));
  nb::setattr(cls, "__rmatmul__",
              nb::cpp_function(
                  [](const Array& self, nb::handle other) {
                    return matmul_op(self, other, true);
                  },
                  nb::is_method()));
  nb::setattr(cls, "__imatmul__",
              nb::cpp_function(&imatmul_op, nb::is_method()));
}

}  // namespace arrax::py
