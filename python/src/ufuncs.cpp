// Bindings of the ufunc methods and of the functions built on ufuncs
// (arrax/ops_ufuncs.h). python/arrax/_ufuncs.py wraps them into NumPy's
// signatures; the ufunc call itself is bound in ops.cpp.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

#include "common.h"

namespace arrax::py {

namespace {

std::optional<Dtype> opt_dtype(nb::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return to_dtype(h, op);
}

const Array* opt_array(nb::handle h, Array& storage, const char* op) {
  if (h.is_none()) return nullptr;
  storage = to_array(h, op);
  return &storage;
}

}  // namespace

void init_ufuncs(nb::module_& m) {
  m.def("ufunc_reduce",
        [](const std::string& name, nb::handle a, nb::handle axis,
           nb::handle dtype, nb::handle out, bool keepdims, nb::handle initial,
           nb::handle where) {
          UfuncId id = ufunc_by_name(name);
          std::string op = name + ".reduce";
          Array x = to_array(a, op.c_str());
          std::optional<std::vector<int64_t>> axes;
          if (!axis.is_none()) {
            std::vector<int64_t> v;
            if (nb::isinstance<nb::tuple>(axis) ||
                nb::isinstance<nb::list>(axis)) {
              for (auto ax : axis) v.push_back(nb::cast<int64_t>(ax));
            } else {
              v.push_back(nb::cast<int64_t>(axis));
            }
            axes = v;
          }
          UfuncReduceOptions opt;
          opt.dtype = opt_dtype(dtype, op.c_str());
          opt.keepdims = keepdims;
          Array init, w, o;
          opt.initial = opt_array(initial, init, op.c_str());
          if (!where.is_none() &&
              !(nb::isinstance<nb::bool_>(where) && nb::cast<bool>(where)))
            opt.where = opt_array(where, w, op.c_str());
          if (!out.is_none()) {
            o = nb::cast<Array>(out);
            opt.out = &o;
          }
          return ufunc_reduce(id, x, axes, opt);
        },
        nb::arg("name").none(), nb::arg("a").none(), nb::arg("axis").none(), nb::arg("dtype").none(), nb::arg("out").none(), nb::arg("keepdims").none(), nb::arg("initial").none(), nb::arg("where").none());
  m.def("ufunc_accumulate", [](const std::string& name, nb::handle a,
                               int64_t axis, nb::handle dtype, nb::handle out) {
    UfuncId id = ufunc_by_name(name);
    std::string op = name + ".accumulate";
    Array x = to_array(a, op.c_str());
    Array o;
    if (!out.is_none()) o = nb::cast<Array>(out);
    return ufunc_accumulate(id, x, axis, opt_dtype(dtype, op.c_str()),
                            out.is_none() ? nullptr : &o);
  },
        nb::arg("name").none(), nb::arg("a").none(), nb::arg("axis").none(), nb::arg("dtype").none(), nb::arg("out").none());
  m.def("ufunc_reduceat",
        [](const std::string& name, nb::handle a, nb::handle indices,
           int64_t axis, nb::handle dtype, nb::handle out) {
          UfuncId id = ufunc_by_name(name);
          std::string op = name + ".reduceat";
          Array x = to_array(a, op.c_str());
          Array idx = to_array(indices, op.c_str());
          Array o;
          if (!out.is_none()) o = nb::cast<Array>(out);
          return ufunc_reduceat(id, x, idx, axis,
                                opt_dtype(dtype, op.c_str()),
                                out.is_none() ? nullptr : &o);
        },
        nb::arg("name").none(), nb::arg("a").none(), nb::arg("indices").none(), nb::arg("axis").none(), nb::arg("dtype").none(), nb::arg("out").none());
  m.def("ufunc_outer", [](const std::string& name, nb::handle a, nb::handle b,
                          nb::handle dtype, nb::handle out, nb::handle where,
                          nb::handle casting) -> nb::object {
    UfuncId id = ufunc_by_name(name);
    std::string op = name + ".outer";
    Array x = to_array(a, op.c_str()), y = to_array(b, op.c_str());
    UfuncOptions opt;
    opt.dtype = opt_dtype(dtype, op.c_str());
    if (!casting.is_none())
      opt.casting = casting_from_name(nb::cast<std::string>(casting),
                                      ("[" + op + "]").c_str());
    Array outs[2];
    size_t nout = 0;
    if (!out.is_none()) {
      if (nb::isinstance<nb::tuple>(out)) {
        for (auto o : out) outs[nout++] = nb::cast<Array>(o);
      } else {
        outs[nout++] = nb::cast<Array>(out);
      }
      opt.out = std::span<const Array>(outs, nout);
    }
    Array w;
    if (!where.is_none() &&
        !(nb::isinstance<nb::bool_>(where) && nb::cast<bool>(where))) {
      w = astype(to_array(where, op.c_str()), Dtype::Bool, false);
      opt.where = &w;
    }
    Arrays r = ufunc_outer(id, x, y, opt);
    if (r.size() == 1) return nb::cast(r[0]);
    return nb::make_tuple(r[0], r[1]);
  },
        nb::arg("name").none(), nb::arg("a").none(), nb::arg("b").none(), nb::arg("dtype").none(), nb::arg("out").none(), nb::arg("where").none(), nb::arg("casting").none());
  m.def("ufunc_at", [](const std::string& name, const Array& a,
                       nb::handle positions, nb::handle b) {
    UfuncId id = ufunc_by_name(name);
    std::string op = name + ".at";
    Array pos = to_array(positions, op.c_str());
    Array bv;
    ufunc_at(id, a, pos, opt_array(b, bv, op.c_str()));
  },
        nb::arg("name").none(), nb::arg("a").none(), nb::arg("positions").none(), nb::arg("b").none());
  m.def("ufunc_types", [](const std::string& name) {
    const UfuncInfo& info = ufunc_info(ufunc_by_name(name));
    std::vector<std::pair<std::string, std::string>> r;
    for (int d = 0; d < kNumDtypes; ++d)
      if (info.types & type_bit(static_cast<Dtype>(d))) {
        Dtype dt = static_cast<Dtype>(d);
        r.push_back({dtype_name(dt),
                     dtype_name(ufunc_out_dtype(ufunc_by_name(name), dt))});
      }
    return r;
  });
  m.def("ufunc_identity", [](const std::string& name) -> nb::object {
    UfuncIdentity idn = ufunc_identity(ufunc_by_name(name));
    if (!idn.has) return nb::none();
    return nb::float_(idn.value);
  });

  m.def("around", [](nb::handle a, int64_t decimals, nb::handle out) {
    Array o;
    if (!out.is_none()) o = nb::cast<Array>(out);
    return around(to_array(a, "around"), decimals,
                  out.is_none() ? nullptr : &o);
  },
        nb::arg("a").none(), nb::arg("decimals").none(), nb::arg("out").none());
  m.def("fix", [](nb::handle a, nb::handle out) {
    Array o;
    if (!out.is_none()) o = nb::cast<Array>(out);
    return fix(to_array(a, "fix"), out.is_none() ? nullptr : &o);
  },
        nb::arg("a").none(), nb::arg("out").none());
  m.def("clip", [](nb::handle a, nb::handle lo, nb::handle hi, nb::handle out,
                   nb::handle dtype, nb::handle casting, nb::handle where) {
    Array x = to_array(a, "clip");
    Array l, h, o, w;
    UfuncOptions opt;
    if (!out.is_none()) {
      o = nb::cast<Array>(out);
      opt.out = std::span<const Array>(&o, 1);
    }
    opt.dtype = opt_dtype(dtype, "clip");
    if (!casting.is_none())
      opt.casting =
          casting_from_name(nb::cast<std::string>(casting), "[clip]");
    if (!where.is_none() &&
        !(nb::isinstance<nb::bool_>(where) && nb::cast<bool>(where))) {
      w = astype(to_array(where, "clip"), Dtype::Bool, false);
      opt.where = &w;
    }
    return clip(x, opt_array(lo, l, "clip"), opt_array(hi, h, "clip"), opt);
  },
        nb::arg("a").none(), nb::arg("lo").none(), nb::arg("hi").none(), nb::arg("out").none(), nb::arg("dtype").none(), nb::arg("casting").none(), nb::arg("where").none());
  m.def("real", [](nb::handle a) { return real(to_array(a, "real")); });
  m.def("imag", [](nb::handle a) { return imag(to_array(a, "imag")); });
  m.def("angle", [](nb::handle a, bool deg) {
    return angle(to_array(a, "angle"), deg);
  });
}

}  // namespace arrax::py
