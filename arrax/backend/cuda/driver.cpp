#include "arrax/backend/cuda/driver.h"

#include <dlfcn.h>

#include <utility>

#include "arrax/backend/cuda/launch_queue.h"

#include "arrax/errors.h"

namespace arrax::cuda {

namespace {

void* open_first(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (void* h = dlopen(n, RTLD_NOW | RTLD_LOCAL)) return h;
  return nullptr;
}

using GetProc = CUresult (*)(const char*, void**, int, cuuint64_t,
                             CUdriverProcAddressQueryResult*);

void load_driver(Driver& d) {
  void* h = open_first({"libcuda.so.1", "libcuda.so"});
  if (!h) {
    d.error = "libcuda.so.1 (the NVIDIA driver) was not found";
    return;
  }
  auto get = reinterpret_cast<GetProc>(dlsym(h, "cuGetProcAddress_v2"));
  if (!get) {
    d.error = "the NVIDIA driver is too old (no cuGetProcAddress_v2)";
    return;
  }
  bool ok = true;
#define ARRAX_CU_FN(name, ...)                                              \
  {                                                                         \
    CUdriverProcAddressQueryResult st;                                      \
    void* fn = nullptr;                                                     \
    if (get(#name, &fn, 12000, CU_GET_PROC_ADDRESS_DEFAULT, &st) !=         \
            CUDA_SUCCESS ||                                                 \
        !fn) {                                                              \
      ok = false;                                                           \
      d.error = std::string("driver entry point ") + #name + " not found";  \
    }                                                                       \
    d.name = reinterpret_cast<decltype(d.name)>(fn);                        \
  }
#include "arrax/backend/cuda/driver_fns.def"
#undef ARRAX_CU_FN
  d.loaded = ok;
  for (auto [name, slot] : {
           std::pair<const char*, void**>{
               "cuFuncGetParamInfo",
               reinterpret_cast<void**>(&d.cuFuncGetParamInfo)},
           {"cuCtxGetCurrent", reinterpret_cast<void**>(&d.cuCtxGetCurrent)}}) {
    CUdriverProcAddressQueryResult st;
    void* fn = nullptr;
    if (get(name, &fn, 12040, CU_GET_PROC_ADDRESS_DEFAULT, &st) ==
            CUDA_SUCCESS &&
        fn)
      *slot = fn;
  }
  if (ok) install_launch_queue(d);
}

void load_nvrtc(Nvrtc& n) {
  void* h = open_first({"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"});
  if (!h) {
    n.error = "libnvrtc.so (the CUDA run-time compiler) was not found";
    return;
  }
  bool ok = true;
  auto sym = [&](const char* s) {
    void* p = dlsym(h, s);
    if (!p) {
      ok = false;
      n.error = std::string("NVRTC entry point ") + s + " not found";
    }
    return p;
  };
#define ARRAX_NVRTC_FN(name) \
  n.name = reinterpret_cast<decltype(n.name)>(sym(#name));
  ARRAX_NVRTC_FN(nvrtcVersion)
  ARRAX_NVRTC_FN(nvrtcCreateProgram)
  ARRAX_NVRTC_FN(nvrtcDestroyProgram)
  ARRAX_NVRTC_FN(nvrtcCompileProgram)
  ARRAX_NVRTC_FN(nvrtcGetProgramLogSize)
  ARRAX_NVRTC_FN(nvrtcGetProgramLog)
  ARRAX_NVRTC_FN(nvrtcGetCUBINSize)
  ARRAX_NVRTC_FN(nvrtcGetCUBIN)
  ARRAX_NVRTC_FN(nvrtcAddNameExpression)
  ARRAX_NVRTC_FN(nvrtcGetLoweredName)
  ARRAX_NVRTC_FN(nvrtcGetErrorString)
#undef ARRAX_NVRTC_FN
  n.loaded = ok;
}

}  // namespace

Driver& driver() {
  static Driver* d = [] {
    auto* p = new Driver();
    load_driver(*p);
    return p;
  }();
  return *d;
}

Nvrtc& nvrtc() {
  static Nvrtc* n = [] {
    auto* p = new Nvrtc();
    load_nvrtc(*p);
    return p;
  }();
  return *n;
}

void check(CUresult r, const char* what) {
  if (r == CUDA_SUCCESS) return;
  const char* msg = nullptr;
  if (driver().cuGetErrorString) driver().cuGetErrorString(r, &msg);
  std::string m = std::string("[cuda] ") + what + " failed: " +
                  (msg ? msg : "unknown error") + " (" + std::to_string(r) +
                  ")";
  if (r == CUDA_ERROR_OUT_OF_MEMORY) throw MemoryError(m);
  throw ValueError(m);
}

}  // namespace arrax::cuda
