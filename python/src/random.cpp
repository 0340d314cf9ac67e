// Bindings of arrax.random's core (arrax/random.h). The NumPy API itself
// (Generator, RandomState, keys) is Python: python/arrax/random.
#include "arrax/random.h"

#include <nanobind/stl/array.h>

#include <cstring>

#include "common.h"

namespace arrax::py {

namespace {

// A Python float -> double bits, int -> two's complement (0 .. 2^64 - 1 or
// negative), an arrax array -> an array parameter.
random::Param param_of(nb::handle h) {
  random::Param p;
  if (PyFloat_Check(h.ptr())) {
    double d = PyFloat_AsDouble(h.ptr());
    std::memcpy(&p.bits, &d, 8);
  } else if (PyLong_Check(h.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow > 0) {
      p.bits = PyLong_AsUnsignedLongLong(h.ptr());
      if (PyErr_Occurred()) {
        PyErr_Clear();
        throw OverflowError("[random] parameter does not fit in 64 bits");
      }
    } else if (overflow < 0) {
      throw OverflowError("[random] parameter does not fit in 64 bits");
    } else {
      p.bits = static_cast<uint64_t>(v);
    }
  } else {
    p.array = to_array(h, "random");
  }
  return p;
}

Shape shape_of(nb::handle h) {
  Shape s;
  for (nb::handle d : h) s.push_back(nb::cast<int64_t>(d));
  return s;
}

}  // namespace

void init_random(nb::module_& m) {
  m.def("random_kind_names", &random::kind_names);
  m.def(
      "random_draw",
      [](int kind, uint64_t key, uint64_t counter, nb::handle shape,
         nb::handle dtype, nb::list params, nb::handle table, nb::handle device,
         nb::handle out) {
        std::vector<random::Param> ps;
        for (nb::handle h : params) ps.push_back(param_of(h));
        Array t, o;
        if (!table.is_none()) t = to_array(table, "random");
        bool has_out = get_out(out, o, "random");
        Device dev = has_out            ? o.device()
                     : device.is_none() ? default_device()
                                        : to_device(device);
        return random::draw(
            kind, key, counter, shape_of(shape), to_dtype(dtype, "random"), ps,
            table.is_none() ? nullptr : &t, dev, has_out ? &o : nullptr);
      },
      nb::arg("kind"), nb::arg("key"), nb::arg("counter"), nb::arg("shape"),
      nb::arg("dtype"), nb::arg("params"), nb::arg("table") = nb::none(),
      nb::arg("device") = nb::none(), nb::arg("out") = nb::none());
  m.def("random_argsort_keys", [](nb::handle keys) {
    return random::argsort_keys(to_array(keys, "random.permutation"));
  });
  m.def("random_philox4x32",
        [](std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key) {
          return random::philox4x32(counter, key);
        });
}

}  // namespace arrax::py
