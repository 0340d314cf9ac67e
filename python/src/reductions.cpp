// Bindings of the reductions and scans. The Python functions with NumPy's
// signatures (python/arrax/_reductions.py) call these three entry points.
#include <nanobind/stl/optional.h>

#include "common.h"

namespace arrax::py {

namespace {

std::string bracket(const std::string& op) { return "[" + op + "] "; }

// An axis as NumPy reads it: an object with __index__ (not a float/list).
int64_t index_of(nb::handle h, const std::string& op) {
  if (PyFloat_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
    throw TypeError(bracket(op) + "'" +
                    nb::cast<std::string>(nb::type_name(h.type())) +
                    "' object cannot be interpreted as an integer");
  nb::object i = nb::steal(PyNumber_Index(h.ptr()));
  if (!i.is_valid()) throw nb::python_error();
  return nb::cast<int64_t>(i);
}

std::optional<Axes> axes_of(nb::handle h, const std::string& op) {
  if (h.is_none()) return std::nullopt;
  Axes axes;
  if (nb::isinstance<nb::tuple>(h)) {
    for (auto v : nb::cast<nb::tuple>(h)) axes.push_back(index_of(v, op));
    return axes;
  }
  axes.push_back(index_of(h, op));
  return axes;
}

std::optional<int64_t> axis_of(nb::handle h, const std::string& op) {
  if (h.is_none()) return std::nullopt;
  return index_of(h, op);
}

std::optional<Dtype> dtype_of(nb::handle h, const std::string& op) {
  if (h.is_none()) return std::nullopt;
  return to_dtype(h, op.c_str());
}

// out= must be an arrax array (NumPy: a TypeError otherwise).
bool out_of(nb::handle h, const std::string& op, Array& out) {
  if (h.is_none()) return false;
  if (nb::isinstance<nb::tuple>(h)) {
    nb::tuple t = nb::cast<nb::tuple>(h);
    if (t.size() != 1)
      throw ValueError(bracket(op) + "The 'out' tuple must have exactly one "
                       "entry");
    return out_of(t[0], op, out);
  }
  if (!nb::isinstance<Array>(h))
    throw TypeError(bracket(op) + "output must be an arrax.ndarray");
  out = nb::cast<Array>(h);
  return true;
}

using ReduceFn = Array (*)(const Array&, const ReduceArgs&);
using VarFn = Array (*)(const Array&, const ReduceArgs&, double);
using ArgFn = Array (*)(const Array&, std::optional<int64_t>, bool,
                        const Array*);
using ScanFn = Array (*)(const Array&, std::optional<int64_t>,
                         std::optional<Dtype>, const Array*);

// The `initial` placeholder of the Python signatures (_reductions._NoValue),
// registered once by _set_no_value: it and None mean "no initial".
nb::object& no_value() {
  static nb::object* v = new nb::object();
  return *v;
}

// What the Python functions return (Note [Small-op overhead]: done here, not
// in Python): `out` itself when given (its one entry for a tuple), a NumPy
// scalar for a 0-d CPU result (NumPy's full reductions), else the array.
nb::object finish(Array r, nb::handle out_h) {
  if (!out_h.is_none()) {
    if (nb::isinstance<nb::tuple>(out_h))
      return nb::borrow(nb::cast<nb::tuple>(out_h)[0]);
    return nb::borrow(out_h);
  }
  if (r.ndim() == 0 && r.device().is_cpu()) return to_numpy_scalar(r);
  return nb::cast(std::move(r));
}

bool truth(nb::handle h) {
  int t = PyObject_IsTrue(h.ptr());
  if (t < 0) throw nb::python_error();
  return t != 0;
}

Array call_reduce(const std::string& name, nb::handle a_h, nb::handle axis,
                  nb::handle dtype, nb::handle out_h, bool keepdims,
                  nb::handle initial_h, nb::handle where_h, double ddof) {
  static const std::pair<const char*, ReduceFn> kReduce[] = {
      {"sum", &sum},         {"prod", &prod},       {"max", &max},
      {"min", &min},         {"any", &any},         {"all", &all},
      {"nansum", &nansum},   {"nanprod", &nanprod}, {"nanmax", &nanmax},
      {"nanmin", &nanmin},   {"ptp", &ptp},         {"mean", &mean},
      {"nanmean", &nanmean},
  };
  static const std::pair<const char*, VarFn> kVar[] = {
      {"var", &var}, {"std", &arrax::std}, {"nanvar", &nanvar},
      {"nanstd", &nanstd}};
  Array a = to_array(a_h, name.c_str());
  ReduceArgs args;
  args.axis = axes_of(axis, name);
  args.keepdims = keepdims;
  args.dtype = dtype_of(dtype, name);
  Array out, initial, where_;
  if (out_of(out_h, name, out)) args.out = &out;
  if (!initial_h.is_none() && !initial_h.is(no_value())) {
    initial = to_array(initial_h, name.c_str());
    args.initial = &initial;
  }
  if (!where_h.is_none() &&
      !(nb::isinstance<nb::bool_>(where_h) && nb::cast<bool>(where_h))) {
    where_ = to_array(where_h, name.c_str());
    if (where_.dtype() != Dtype::Bool)
      throw TypeError(bracket(name) + "where= must be a boolean array, got " +
                      dtype_name(where_.dtype()));
    args.where = &where_;
  }
  for (auto& [n, f] : kReduce)
    if (name == n) return f(a, args);
  for (auto& [n, f] : kVar)
    if (name == n) return f(a, args, ddof);
  throw ValueError(bracket(name) + "unknown reduction");
}

}  // namespace

void init_reductions(nb::module_& m) {
  m.def(
      "_set_no_value", [](nb::object v) { no_value() = std::move(v); },
      nb::arg("v").none());
  m.def(
      "_reduce",
      [](const std::string& name, nb::handle a_h, nb::handle axis,
         nb::handle dtype, nb::handle out_h, nb::handle keepdims,
         nb::handle initial_h, nb::handle where_h, double ddof) {
        return finish(call_reduce(name, a_h, axis, dtype, out_h,
                                  truth(keepdims), initial_h, where_h, ddof),
                      out_h);
      },
      nb::arg("name"), nb::arg("a"), nb::arg("axis").none(),
      nb::arg("dtype").none(), nb::arg("out").none(), nb::arg("keepdims"),
      nb::arg("initial").none(), nb::arg("where").none(),
      nb::arg("ddof") = 0.0);
  m.def(
      "_argreduce",
      [](const std::string& name, nb::handle a_h, nb::handle axis,
         nb::handle out_h, nb::handle keepdims_h) -> nb::object {
        const bool keepdims = truth(keepdims_h);
        static const std::pair<const char*, ArgFn> kArg[] = {
            {"argmax", &argmax},
            {"argmin", &argmin},
            {"nanargmax", &nanargmax},
            {"nanargmin", &nanargmin}};
        Array a = to_array(a_h, name.c_str());
        Array out;
        bool has_out = out_of(out_h, name, out);
        auto ax = axis_of(axis, name);
        for (auto& [n, f] : kArg)
          if (name == n)
            return finish(f(a, ax, keepdims, has_out ? &out : nullptr),
                          out_h);
        throw ValueError(bracket(name) + "unknown reduction");
      },
      nb::arg("name"), nb::arg("a"), nb::arg("axis").none(),
      nb::arg("out").none(), nb::arg("keepdims"));
  m.def(
      "_scan",
      [](const std::string& name, nb::handle a_h, nb::handle axis,
         nb::handle dtype, nb::handle out_h) -> nb::object {
        static const std::pair<const char*, ScanFn> kScan[] = {
            {"cumsum", &cumsum},
            {"cumprod", &cumprod},
            {"nancumsum", &nancumsum},
            {"nancumprod", &nancumprod}};
        Array a = to_array(a_h, name.c_str());
        Array out;
        bool has_out = out_of(out_h, name, out);
        auto ax = axis_of(axis, name);
        auto dt = dtype_of(dtype, name);
        for (auto& [n, f] : kScan)
          if (name == n) {
            Array r = f(a, ax, dt, has_out ? &out : nullptr);
            if (!out_h.is_none()) return nb::borrow(out_h);
            return nb::cast(std::move(r));
          }
        throw ValueError(bracket(name) + "unknown scan");
      },
      nb::arg("name"), nb::arg("a"), nb::arg("axis").none(),
      nb::arg("dtype").none(), nb::arg("out").none());
}

}  // namespace arrax::py
