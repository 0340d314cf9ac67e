#include "arrax/backend/backend.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "arrax/batching.h"
#include "arrax/errors.h"
#include "arrax/ops.h"

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

}  // namespace

void* Backend::create_stream(int, int) {
  throw ValueError("[cuda] streams need a CUDA device");
}
void* Backend::create_event(int, bool) {
  throw ValueError("[cuda] events need a CUDA device");
}
float Backend::event_elapsed_ms(int, void*, void*) {
  throw ValueError("[cuda] events need a CUDA device");
}

namespace {

Backend* g_backends[2] = {nullptr, nullptr};

// Loads libarrax_cuda.so from the directory of libarrax.so, once. The plugin
// registers its backend only when a driver and a GPU are present, so a
// machine without them keeps working on the CPU. ARRAX_DISABLE_CUDA=1 skips
// the attempt.
void load_cuda_plugin() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* off = std::getenv("ARRAX_DISABLE_CUDA");
    if (off && *off && std::string(off) != "0") return;
    Dl_info info;
    if (!dladdr(reinterpret_cast<void*>(&load_cuda_plugin), &info) ||
        !info.dli_fname)
      return;
    std::string dir = info.dli_fname;
    auto slash = dir.rfind('/');
    dir = slash == std::string::npos ? "." : dir.substr(0, slash);
    void* h = dlopen((dir + "/libarrax_cuda.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    using Register = void (*)();
    if (auto reg = reinterpret_cast<Register>(dlsym(h, "arrax_cuda_register")))
      reg();
  });
}

}  // namespace

Backend& backend_for(Device::Type type) {
  static CpuBackend cpu;
  if (type == Device::Type::CPU) return cpu;
  load_cuda_plugin();
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
  if (type != Device::Type::CPU) load_cuda_plugin();
  return type == Device::Type::CPU || g_backends[static_cast<int>(type)];
}

Array to_device(const Array& a, Device device) {
  if (a.device() == device) return a;
  if (a.is_batched()) return to_device_batched(a, device);
  Array src = ascontiguousarray(a);
  Array out = Array::empty(a.shape(), a.dtype(), device);
  Device other = device.is_cpu() ? a.device() : device;
  backend_for(other.type).copy(out.data(), device, src.data(), a.device(),
                               a.nbytes());
  return out;
}

}  // namespace arrax
