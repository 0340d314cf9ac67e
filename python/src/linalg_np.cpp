// Bindings of numpy.linalg (arrax/linalg.h) as _core.linalg_*: argument
// conventions (ord, axis, UPLO, mode, rcond) parsed here, the semantics in
// the core. python/arrax/linalg/__init__.py gives them NumPy's signatures
// and result types.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

#include "arrax/linalg.h"
#include "common.h"

namespace arrax::py {

namespace {

namespace la = arrax::linalg;

Array arr(nb::handle h, const char* op) { return to_array(h, op); }

nb::list to_list(const Arrays& xs) {
  nb::list l;
  for (const Array& x : xs) l.append(nb::cast(x));
  return l;
}

double number_of(nb::handle h, const char* op) {
  double v = PyFloat_AsDouble(h.ptr());
  if (v == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    throw ValueError(std::string("[") + op + "] Invalid norm order '" +
                     nb::cast<std::string>(nb::str(h)) + "'");
  }
  return v;
}

la::NormOrd ord_of(nb::handle h, const char* op) {
  if (h.is_none()) return {};
  if (nb::isinstance<nb::str>(h)) {
    std::string s = nb::cast<std::string>(h);
    if (s == "fro" || s == "f") return {la::NormOrd::Kind::Fro, 0};
    if (s == "nuc") return {la::NormOrd::Kind::Nuc, 0};
    throw ValueError(std::string("[") + op + "] Invalid norm order '" + s +
                     "' for matrices.");
  }
  return la::NormOrd::number(number_of(h, op));
}

std::optional<std::vector<int64_t>> axes_of(nb::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  std::vector<int64_t> v;
  if (nb::isinstance<nb::tuple>(h) || nb::isinstance<nb::list>(h)) {
    for (nb::handle x : h) v.push_back(nb::cast<int64_t>(x));
    return v;
  }
  PyObject* i = PyNumber_Index(h.ptr());
  if (!i) {
    PyErr_Clear();
    throw TypeError(std::string("[") + op +
                    "] 'axis' must be None, an integer or a tuple of "
                    "integers");
  }
  v.push_back(PyLong_AsLongLong(i));
  Py_DECREF(i);
  return v;
}

std::optional<Array> opt_array(nb::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return to_array(h, op);
}

}  // namespace

void init_numpy_linalg(nb::module_& m) {
  m.def("linalg_solve", [](nb::handle a, nb::handle b) {
    return la::solve(arr(a, "linalg.solve"), arr(b, "linalg.solve"));
  });
  m.def("linalg_inv",
        [](nb::handle a) { return la::inv(arr(a, "linalg.inv")); });
  m.def("linalg_det",
        [](nb::handle a) { return la::det(arr(a, "linalg.det")); });
  m.def("linalg_slogdet",
        [](nb::handle a) { return la::slogdet(arr(a, "linalg.slogdet")); });
  m.def("linalg_cholesky", [](nb::handle a, bool upper) {
    return la::cholesky(arr(a, "linalg.cholesky"), upper);
  });
  m.def("linalg_qr", [](nb::handle a, const std::string& mode) {
    return to_list(la::qr(arr(a, "linalg.qr"), la::qr_mode_from_name(mode)));
  });
  auto uplo = [](const std::string& s) {
    if (s != "L" && s != "U")
      throw ValueError("[linalg.eigh] UPLO argument must be 'L' or 'U'");
    return s == "L";
  };
  m.def("linalg_eigh", [uplo](nb::handle a, const std::string& u) {
    return la::eigh(arr(a, "linalg.eigh"), uplo(u));
  });
  m.def("linalg_eigvalsh", [uplo](nb::handle a, const std::string& u) {
    return la::eigvalsh(arr(a, "linalg.eigvalsh"), uplo(u));
  });
  m.def("linalg_eig",
        [](nb::handle a) { return la::eig(arr(a, "linalg.eig")); });
  m.def("linalg_eigvals",
        [](nb::handle a) { return la::eigvals(arr(a, "linalg.eigvals")); });
  m.def("linalg_svd", [](nb::handle a, bool full, bool uv) {
    return to_list(la::svd(arr(a, "linalg.svd"), full, uv));
  });
  m.def("linalg_svdvals",
        [](nb::handle a) { return la::svdvals(arr(a, "linalg.svdvals")); });
  m.def(
      "linalg_norm",
      [](nb::handle x, nb::handle ord, nb::handle axis, bool keepdims) {
        la::NormOrd o;
        if (nb::isinstance<nb::str>(ord)) {
          std::string s = nb::cast<std::string>(ord);
          if (s == "fro" || s == "f")
            o = {la::NormOrd::Kind::Fro, 0};
          else if (s == "nuc")
            o = {la::NormOrd::Kind::Nuc, 0};
          else
            throw ValueError("[linalg.norm] Invalid norm order '" + s + "'");
        } else {
          o = ord_of(ord, "linalg.norm");
        }
        return la::norm(arr(x, "linalg.norm"), o, axes_of(axis, "linalg.norm"),
                        keepdims);
      },
      nb::arg("x"), nb::arg("ord").none(), nb::arg("axis").none(),
      nb::arg("keepdims"));
  m.def(
      "linalg_vector_norm",
      [](nb::handle x, nb::handle ord, nb::handle axis, bool keepdims) {
        return la::vector_norm(
            arr(x, "linalg.vector_norm"),
            ord.is_none() ? 2.0 : number_of(ord, "linalg.vector_norm"),
            axes_of(axis, "linalg.vector_norm"), keepdims);
      },
      nb::arg("x"), nb::arg("ord").none(), nb::arg("axis").none(),
      nb::arg("keepdims"));
  m.def(
      "linalg_matrix_norm",
      [](nb::handle x, nb::handle ord, bool keepdims) {
        return la::matrix_norm(arr(x, "linalg.matrix_norm"),
                               ord_of(ord, "linalg.matrix_norm"), keepdims);
      },
      nb::arg("x"), nb::arg("ord").none(), nb::arg("keepdims"));
  m.def(
      "linalg_cond",
      [](nb::handle x, nb::handle p) {
        return la::cond(arr(x, "linalg.cond"), ord_of(p, "linalg.cond"));
      },
      nb::arg("x"), nb::arg("p").none());
  m.def(
      "linalg_pinv",
      [](nb::handle a, nb::handle rcond, bool hermitian, nb::handle rtol) {
        return la::pinv(arr(a, "linalg.pinv"), opt_array(rcond, "linalg.pinv"),
                        hermitian, opt_array(rtol, "linalg.pinv"));
      },
      nb::arg("a"), nb::arg("rcond").none(), nb::arg("hermitian"),
      nb::arg("rtol").none());
  m.def(
      "linalg_matrix_rank",
      [](nb::handle a, nb::handle tol, bool hermitian, nb::handle rtol) {
        return la::matrix_rank(arr(a, "linalg.matrix_rank"),
                               opt_array(tol, "linalg.matrix_rank"), hermitian,
                               opt_array(rtol, "linalg.matrix_rank"));
      },
      nb::arg("a"), nb::arg("tol").none(), nb::arg("hermitian"),
      nb::arg("rtol").none());
  m.def(
      "linalg_lstsq",
      [](nb::handle a, nb::handle b, std::optional<double> rcond) {
        return to_list(
            la::lstsq(arr(a, "linalg.lstsq"), arr(b, "linalg.lstsq"), rcond));
      },
      nb::arg("a"), nb::arg("b"), nb::arg("rcond").none());
  m.def("linalg_matrix_power", [](nb::handle a, int64_t n) {
    return la::matrix_power(arr(a, "linalg.matrix_power"), n);
  });
  m.def("linalg_multi_dot", [](nb::handle arrays) {
    Arrays xs;
    for (nb::handle h : arrays) xs.push_back(arr(h, "linalg.multi_dot"));
    return la::multi_dot(xs);
  });
  m.def("linalg_tensorinv", [](nb::handle a, int64_t ind) {
    return la::tensorinv(arr(a, "linalg.tensorinv"), ind);
  });
  m.def(
      "linalg_tensorsolve",
      [](nb::handle a, nb::handle b, nb::handle axes) {
        return la::tensorsolve(arr(a, "linalg.tensorsolve"),
                               arr(b, "linalg.tensorsolve"),
                               axes_of(axes, "linalg.tensorsolve"));
      },
      nb::arg("a"), nb::arg("b"), nb::arg("axes").none());
  m.def("linalg_cross", [](nb::handle a, nb::handle b, int64_t axis) {
    return la::cross(arr(a, "linalg.cross"), arr(b, "linalg.cross"), axis);
  });
  m.def("linalg_outer", [](nb::handle a, nb::handle b) {
    return la::outer(arr(a, "linalg.outer"), arr(b, "linalg.outer"));
  });
  m.def(
      "linalg_trace",
      [](nb::handle a, int64_t offset, nb::handle dtype) {
        std::optional<Dtype> dt;
        if (!dtype.is_none()) dt = to_dtype(dtype, "linalg.trace");
        return la::trace(arr(a, "linalg.trace"), offset, dt);
      },
      nb::arg("a"), nb::arg("offset"), nb::arg("dtype").none());
  m.def("linalg_diagonal", [](nb::handle a, int64_t offset) {
    return la::diagonal(arr(a, "linalg.diagonal"), offset);
  });
}

}  // namespace arrax::py
