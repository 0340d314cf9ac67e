// arrax.cuda: device queries, synchronization and the allocator's counters.
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
}

}  // namespace arrax::py
