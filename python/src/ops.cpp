// ufunc objects and the core functions (asarray, where, copyto, dtypes).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrax/backend/backend.h"
#include "common.h"

namespace arrax::py {

namespace {

struct PyUfunc {
  UfuncId id;
};

// ufunc(*inputs, *outputs, out=, where=, dtype=, casting=, order=, subok=)
nb::object call_ufunc(const PyUfunc& u, nb::args args, nb::kwargs kwargs) {
  const UfuncInfo& info = ufunc_info(u.id);
  size_t nargs = args.size();
  if (nargs < static_cast<size_t>(info.nin) ||
      nargs > static_cast<size_t>(info.nin + info.nout))
    throw TypeError(std::string("[") + info.name + "] takes from " +
                    std::to_string(info.nin) + " to " +
                    std::to_string(info.nin + info.nout) +
                    " positional arguments but " + std::to_string(nargs) +
                    " were given");
  Array inputs[3];
  for (int i = 0; i < info.nin; ++i) inputs[i] = to_array(args[i], info.name);

  UfuncOptions opt;
  Array outs[2];
  nb::object out_objs[2];
  size_t nout_given = 0;
  for (size_t i = info.nin; i < nargs; ++i) {
    out_objs[nout_given] = nb::borrow(args[i]);
    outs[nout_given++] = nb::cast<Array>(args[i]);
  }
  Array where_arr;
  if (kwargs.size()) {
    for (auto [k, v] : kwargs) {
      std::string key = nb::cast<std::string>(k);
      if (key == "out") {
        if (v.is_none()) continue;
        if (nout_given)
          throw TypeError(std::string("[") + info.name +
                          "] cannot specify 'out' as both a positional and "
                          "keyword argument");
        if (nb::isinstance<nb::tuple>(v)) {
          for (auto o : nb::cast<nb::tuple>(v)) {
            if (o.is_none()) continue;
            if (!nb::isinstance<Array>(o))
              throw TypeError(std::string("[") + info.name +
                              "] return arrays must be of arrax.ndarray type");
            out_objs[nout_given] = nb::borrow(o);
            outs[nout_given++] = nb::cast<Array>(o);
          }
        } else {
          if (!nb::isinstance<Array>(v))
            throw TypeError(std::string("[") + info.name +
                            "] return arrays must be of arrax.ndarray type");
          out_objs[nout_given] = nb::borrow(v);
          outs[nout_given++] = nb::cast<Array>(v);
        }
      } else if (key == "where") {
        if (nb::isinstance<nb::bool_>(v) && nb::cast<bool>(v)) continue;
        where_arr = astype(to_array(v, info.name), Dtype::Bool, false);
        opt.where = &where_arr;
      } else if (key == "dtype") {
        if (!v.is_none()) opt.dtype = to_dtype(v, info.name);
      } else if (key == "signature") {
        if (!v.is_none()) opt.dtype = to_dtype(v, info.name);
      } else if (key == "casting") {
        opt.casting = casting_from_name(nb::cast<std::string>(v),
                                        (std::string("[") + info.name + "]").c_str());
      } else if (key == "order" || key == "subok") {
        // Layout hints: results are C-ordered.
      } else {
        throw TypeError(std::string("[") + info.name +
                        "] got an unexpected keyword argument '" + key + "'");
      }
    }
  }
  if (nout_given) {
    if (nout_given != static_cast<size_t>(info.nout))
      throw ValueError(std::string("[") + info.name +
                       "] the 'out' tuple must have length " +
                       std::to_string(info.nout));
    opt.out = std::span<const Array>(outs, nout_given);
  }
  Arrays res = apply_ufunc(u.id, std::span<const Array>(inputs, info.nin), opt);
  if (info.nout == 1) {
    if (nout_given) return out_objs[0];
    return nb::cast(std::move(res[0]));
  }
  nb::list l;
  for (int k = 0; k < info.nout; ++k)
    l.append(nout_given ? out_objs[k] : nb::cast(std::move(res[k])));
  return nb::tuple(l);
}

// tp_call of ufunc objects: a raw CPython slot, which skips building
// nb::args / nb::kwargs on the hot path. See Note [Small-op overhead].
PyObject* ufunc_tp_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  try {
    const PyUfunc& u = *nb::inst_ptr<PyUfunc>(self);
    const UfuncInfo& info = ufunc_info(u.id);
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (!kwargs && n == info.nin) {
      Array in[3];
      for (int i = 0; i < info.nin; ++i)
        in[i] = to_array(PyTuple_GET_ITEM(args, i), info.name);
      Arrays r = apply_ufunc(u.id, std::span<const Array>(in, info.nin));
      if (info.nout == 1) return nb::cast(std::move(r[0])).release().ptr();
      nb::object t = nb::steal(PyTuple_New(info.nout));
      for (int k = 0; k < info.nout; ++k)
        PyTuple_SET_ITEM(t.ptr(), k, nb::cast(std::move(r[k])).release().ptr());
      return t.release().ptr();
    }
    nb::args a = nb::borrow<nb::args>(args);
    nb::kwargs kw = kwargs ? nb::borrow<nb::kwargs>(kwargs) : nb::kwargs();
    return call_ufunc(u, a, kw).release().ptr();
  } catch (...) {
    set_python_error(std::current_exception());
    return nullptr;
  }
}

PyType_Slot ufunc_slots[] = {{Py_tp_call, (void*)ufunc_tp_call},
                             {0, nullptr}};

}  // namespace

void init_ops(nb::module_& m) {
  nb::class_<PyUfunc>(m, "ufunc", nb::type_slots(ufunc_slots))
      .def("__init__",
           [](PyUfunc* self, const std::string& name) {
             new (self) PyUfunc{ufunc_by_name(name)};
           })
      .def_prop_ro("name_",
                   [](const PyUfunc& u) { return ufunc_info(u.id).name; })
      .def_prop_ro("nin", [](const PyUfunc& u) { return ufunc_info(u.id).nin; })
      .def_prop_ro("nout",
                   [](const PyUfunc& u) { return ufunc_info(u.id).nout; })
      .def_prop_ro("nargs",
                   [](const PyUfunc& u) {
                     return ufunc_info(u.id).nin + ufunc_info(u.id).nout;
                   })
      .def("_loop_dtype",
           [](const PyUfunc& u, nb::handle dt) {
             return dtype_object(ufunc_loop_dtype(u.id, to_dtype(dt)));
           })
      .def("__call__", &call_ufunc);

  m.def("ufunc_names", [] {
    std::vector<std::string> names;
    for (int i = 0; i < kNumUfuncs; ++i)
      names.push_back(ufunc_info(static_cast<UfuncId>(i)).name);
    return names;
  });

  m.def(
      "asarray",
      [](nb::handle obj, nb::handle dtype, std::optional<bool> copy,
         nb::handle device) {
        Array a;
        bool was_array = nb::isinstance<Array>(obj);
        bool is_numpy = !was_array && nb::isinstance(obj, numpy().attr("ndarray"));
        if (was_array) {
          a = nb::cast<Array>(obj);
        } else if (is_numpy) {
          // Shared, not copied, when it is about to move to a device.
          bool moves = device.is_none() ? !default_device().is_cpu()
                                        : !to_device(device).is_cpu();
          a = from_numpy(obj, moves ? false : copy.value_or(true));
        } else {
          // Python scalars become strong arrays of NumPy's default dtype.
          if (!scalar_to_array(obj, a)) a = to_array(obj);
          a.set_weak(false);
          if (a.is_weak()) a = arrax::copy(a);
        }
        Device target = a.device();
        if (!device.is_none())
          target = to_device(device);
        else if (!was_array && a.device().is_cpu())
          target = default_device();
        if (!(a.device() == target)) {
          if ((was_array || is_numpy) && copy.has_value() && !*copy)
            throw ValueError("[asarray] Unable to avoid copy while creating "
                             "an array as requested: the data is on " +
                             a.device().str() + ", the array is to be on " +
                             target.str() + " (copy=False)");
          a = arrax::to_device(ascontiguousarray(a), target);
        }
        if (!dtype.is_none()) {
          Dtype dt = to_dtype(dtype, "asarray");
          if (dt != a.dtype()) {
            if (copy.has_value() && !*copy)
              throw ValueError(
                  "[asarray] a copy is needed to change the dtype but "
                  "copy=False");
            return astype(a, dt, true);
          }
        }
        if (was_array && copy.value_or(false)) return arrax::copy(a);
        if (a.is_weak()) {
          Array c = arrax::copy(a);
          return c;
        }
        return a;
      },
      nb::arg("obj"), nb::arg("dtype") = nb::none(),
      nb::arg("copy") = nb::none(), nb::arg("device") = nb::none());

  m.def("where3", [](nb::handle c, nb::handle x, nb::handle y) {
    return where(to_array(c, "where"), to_array(x, "where"),
                 to_array(y, "where"));
  });
  m.def(
      "copyto",
      [](const Array& dst, nb::handle src, const std::string& casting,
         nb::handle where_) {
        Array s = to_array(src, "copyto");
        Array w;
        if (!where_.is_none() &&
            !(nb::isinstance<nb::bool_>(where_) && nb::cast<bool>(where_)))
          w = astype(to_array(where_, "copyto"), Dtype::Bool, false);
        copyto(dst, s, casting_from_name(casting, "[copyto]"),
               w.valid() ? &w : nullptr);
      },
      nb::arg("dst"), nb::arg("src"), nb::arg("casting") = "same_kind",
      nb::arg("where") = nb::none());
  m.def("result_type", [](nb::args args) {
    Arrays arrs;
    for (auto a : args) {
      if (nb::isinstance<Array>(a)) {
        arrs.push_back(nb::cast<Array>(a));
        continue;
      }
      Array s;
      if (scalar_to_array(a, s)) {
        arrs.push_back(s);
        continue;
      }
      try {
        Dtype dt = to_dtype(a, "result_type");
        arrs.push_back(Array::empty({}, dt, Device::cpu()));
      } catch (const TypeError&) {
        arrs.push_back(to_array(a, "result_type"));
      }
    }
    if (arrs.empty())
      throw TypeError("[result_type] at least one array or dtype is required");
    return dtype_object(result_type(arrs));
  });
  m.def("promote_types", [](nb::handle a, nb::handle b) {
    return dtype_object(
        promote_types(to_dtype(a, "promote_types"), to_dtype(b, "promote_types")));
  });
  m.def(
      "can_cast",
      [](nb::handle from, nb::handle to, const std::string& casting) {
        Dtype f = nb::isinstance<Array>(from) ? nb::cast<Array>(from).dtype()
                                              : to_dtype(from, "can_cast");
        return can_cast(f, to_dtype(to, "can_cast"),
                        casting_from_name(casting, "[can_cast]"));
      },
      nb::arg("from_"), nb::arg("to"), nb::arg("casting") = "safe");
  m.def("default_device", [] { return default_device().str(); });
  m.def("set_default_device",
        [](nb::handle d) { set_default_device(to_device(d)); });
  m.def("cuda_is_available",
        [] { return backend_available(Device::Type::CUDA); });
  m.def("set_dispatch_counting", &set_dispatch_counting);
  m.def("dispatch_counts", &dispatch_counts);
}

}  // namespace arrax::py
