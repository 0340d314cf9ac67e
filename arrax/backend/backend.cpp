#include "arrax/backend/backend.h"

#include <cstring>

#include "arrax/errors.h"

namespace arrax {

namespace {

// The CPU backend's device-level services. Its kernels are called directly
// by the primitives' eval_cpu.
class CpuBackend final : public Backend {
 public:
  void* allocate(size_t nbytes, int) override {
    void* p = std::aligned_alloc(64, (std::max<size_t>(nbytes, 1) + 63) & ~size_t(63));
    if (!p) throw MemoryError("[cpu] out of memory");
    return p;
  }
  void deallocate(void* p, size_t, int) override { std::free(p); }
  void copy(void* dst, Device, const void* src, Device, size_t n) override {
    std::memcpy(dst, src, n);
  }
  void synchronize(int) override {}
  void eval(Primitive&, std::span<const Array>, std::span<Array>) override {
    throw NotImplementedError("[cpu] eval goes through Primitive::eval_cpu");
  }
};

Backend* g_backends[2] = {nullptr, nullptr};

}  // namespace

Backend& backend_for(Device::Type type) {
  static CpuBackend cpu;
  if (type == Device::Type::CPU) return cpu;
  Backend* b = g_backends[static_cast<int>(type)];
  if (!b)
    throw ValueError(
        "[device] CUDA is not available: no GPU, driver or arrax CUDA "
        "backend was found");
  return *b;
}

void register_backend(Device::Type type, Backend* backend) {
  g_backends[static_cast<int>(type)] = backend;
}

bool backend_available(Device::Type type) {
  return type == Device::Type::CPU || g_backends[static_cast<int>(type)];
}

Array to_device(const Array& a, Device device) {
  if (a.device() == device) return a;
  Array src = a.is_c_contiguous() ? a : Array();
  if (!src.valid())
    throw NotImplementedError("[to_device] non-contiguous transfer");
  Array out = Array::empty(a.shape(), a.dtype(), device);
  Device other = device.is_cpu() ? a.device() : device;
  backend_for(other.type).copy(out.data(), device, src.data(), a.device(),
                               a.nbytes());
  return out;
}

}  // namespace arrax
