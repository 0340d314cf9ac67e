// arrax.cuda: device queries, synchronization and the allocator's counters.
#include <nanobind/stl/pair.h>

#include <algorithm>
#include <chrono>

#include "arrax/backend/backend.h"

#include "common.h"

namespace arrax::py {

namespace {

Backend& cuda() { return backend_for(Device::Type::CUDA); }

int index_of(nb::handle device) {
  if (device.is_none()) {
    Device d = default_device();
    return d.is_cuda() ? d.index : 0;
  }
  if (nb::isinstance<nb::int_>(device)) return nb::cast<int>(device);
  Device d = to_device(device);
  if (!d.is_cuda())
    throw ValueError("[cuda] expected a CUDA device, got " + d.str());
  return d.index;
}

}  // namespace

void init_cuda(nb::module_& m) {
  nb::module_ c = m.def_submodule("cuda", "CUDA backend");
  c.def("is_available", [] { return backend_available(Device::Type::CUDA); });
  c.def("device_count", [] {
    return backend_available(Device::Type::CUDA) ? cuda().device_count() : 0;
  });
  c.def("get_device_name",
        [](nb::handle d) { return cuda().device_name(index_of(d)); },
        nb::arg("device") = nb::none());
  c.def("synchronize",
        [](nb::handle d) {
          nb::gil_scoped_release release;
          cuda().synchronize(index_of(d));
        },
        nb::arg("device") = nb::none());
  c.def("memory_allocated",
        [](nb::handle d) { return cuda().memory_stats(index_of(d)).allocated; },
        nb::arg("device") = nb::none());
  c.def("max_memory_allocated",
        [](nb::handle d) {
          return cuda().memory_stats(index_of(d)).max_allocated;
        },
        nb::arg("device") = nb::none());
  c.def("memory_reserved",
        [](nb::handle d) { return cuda().memory_stats(index_of(d)).reserved; },
        nb::arg("device") = nb::none());
  c.def("reset_peak_memory_stats",
        [](nb::handle d) { cuda().reset_peak_memory_stats(index_of(d)); },
        nb::arg("device") = nb::none());
  c.def("empty_cache",
        [](nb::handle d) { cuda().empty_cache(index_of(d)); },
        nb::arg("device") = nb::none());
  c.def("set_memory_limit",
        [](int64_t bytes, nb::handle d) {
          cuda().set_memory_limit(index_of(d), bytes);
        },
        nb::arg("bytes"), nb::arg("device") = nb::none());

  // Streams and events as integer handles (CUstream / CUevent); the Python
  // classes in arrax/cuda.py own them.
  auto h = [](void* p) { return reinterpret_cast<uintptr_t>(p); };
  auto p = [](uintptr_t v) { return reinterpret_cast<void*>(v); };
  c.def("_current_stream",
        [h](nb::handle d) { return h(cuda().current_stream(index_of(d))); },
        nb::arg("device") = nb::none());
  c.def("_default_stream",
        [h](nb::handle d) { return h(cuda().default_stream(index_of(d))); },
        nb::arg("device") = nb::none());
  c.def("_set_current_stream", [p](int d, uintptr_t s) {
    cuda().set_current_stream(d, p(s));
  });
  c.def("_create_stream", [h](int d, int priority) {
    return h(cuda().create_stream(d, priority));
  });
  c.def("_destroy_stream",
        [p](int d, uintptr_t s) { cuda().destroy_stream(d, p(s)); });
  c.def("_stream_synchronize", [p](int d, uintptr_t s) {
    nb::gil_scoped_release release;
    cuda().stream_synchronize(d, p(s));
  });
  c.def("_stream_query",
        [p](int d, uintptr_t s) { return cuda().stream_query(d, p(s)); });
  c.def("_stream_wait_event", [p](int d, uintptr_t s, uintptr_t e) {
    cuda().stream_wait_event(d, p(s), p(e));
  });
  c.def("_create_event",
        [h](int d, bool timing) { return h(cuda().create_event(d, timing)); });
  c.def("_destroy_event",
        [p](int d, uintptr_t e) { cuda().destroy_event(d, p(e)); });
  c.def("_record_event", [p](int d, uintptr_t e, uintptr_t s) {
    cuda().record_event(d, p(e), p(s));
  });
  c.def("_event_synchronize", [p](int d, uintptr_t e) {
    nb::gil_scoped_release release;
    cuda().event_synchronize(d, p(e));
  });
  c.def("_event_query",
        [p](int d, uintptr_t e) { return cuda().event_query(d, p(e)); });
  c.def("_event_elapsed_ms", [p](int d, uintptr_t a, uintptr_t b) {
    return cuda().event_elapsed_ms(d, p(a), p(b));
  });
  c.def("_device_index", [](nb::handle d) { return index_of(d); },
        nb::arg("device") = nb::none());
  c.def("_precompile", [](nb::handle d) {
    nb::gil_scoped_release release;
    return cuda().precompile(index_of(d));
  }, nb::arg("device") = nb::none());
  c.def("_async_launch", [] {
    return backend_available(Device::Type::CUDA) && cuda().async_launch();
  });
  c.def("_launch_probe", [](nb::handle d, int n, int variant) {
    nb::gil_scoped_release release;
    return cuda().launch_probe(index_of(d), n, variant);
  }, nb::arg("device") = nb::none(), nb::arg("n") = 200,
     nb::arg("variant") = 0);
  // Microseconds per `add(a, b)` called from C++ n times (host side only,
  // then until the GPU is done): the op's path without Python.
  c.def("_op_probe", [](const Array& a, const Array& b, int n) {
    nb::gil_scoped_release release;
    using clock = std::chrono::steady_clock;
    int dev = a.device().index;
    for (int i = 0; i < 100; ++i) add(a, b);
    cuda().synchronize(dev);
    n = std::max(n, 1);
    const auto t0 = clock::now();
    for (int i = 0; i < n; ++i) add(a, b);
    const auto t1 = clock::now();
    cuda().synchronize(dev);
    const auto t2 = clock::now();
    auto us = [n](clock::duration d) {
      return std::chrono::duration<double, std::micro>(d).count() / n;
    };
    return std::pair<double, double>(us(t1 - t0), us(t2 - t0));
  }, nb::arg("a"), nb::arg("b"), nb::arg("n") = 200);
  c.def("_compiled_modules", [] {
    return backend_available(Device::Type::CUDA) ? cuda().compiled_modules()
                                                 : 0;
  });
}

}  // namespace arrax::py
