#include "arrax/backend/cuda/cublas.h"

#include <dlfcn.h>
#include <glob.h>

#include <cstdlib>
#include <vector>

#include "arrax/errors.h"

namespace arrax::cuda {

// Note [Finding cuBLAS]
// The loader's own search first (LD_LIBRARY_PATH, the ld cache, and
// libraries already loaded, e.g. by PyTorch), then the CUDA toolkit's
// folders, then the NVIDIA pip wheels (nvidia-cublas for CUDA 13 puts it in
// site-packages/nvidia/cu13/lib, for CUDA 12 in nvidia/cublas/lib).
// libcublasLt is opened first from the same folder, since libcublas needs it
// and the wheel folders are not on the loader's path.
std::vector<std::string> cuda_library_dirs(
    std::initializer_list<const char*> wheel_subdirs) {
  std::vector<std::string> dirs;
  if (const char* h = std::getenv("CUDA_HOME")) {
    dirs.push_back(std::string(h) + "/lib64");
    dirs.push_back(std::string(h) + "/lib");
  }
  if (const char* h = std::getenv("CUDA_PATH"))
    dirs.push_back(std::string(h) + "/lib64");
  dirs.push_back("/usr/local/cuda/lib64");
  dirs.push_back("/usr/local/cuda/targets/x86_64-linux/lib");
  std::vector<std::string> sites;
  if (const char* v = std::getenv("VIRTUAL_ENV"))
    sites.push_back(std::string(v) + "/lib/python3*/site-packages");
  for (const char* p :
       {"/usr/lib/python3*/site-packages", "/usr/lib/python3*/dist-packages",
        "/usr/local/lib/python3*/dist-packages",
        "/usr/local/lib/python3*/site-packages",
        "/opt/*/.venv/lib/python3*/site-packages",
        "/opt/conda/lib/python3*/site-packages"})
    sites.push_back(p);
  if (const char* pp = std::getenv("PYTHONPATH")) {
    std::string s = pp;
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) sites.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const std::string& site : sites)
    for (const char* sub : wheel_subdirs) {
      glob_t g;
      if (glob((site + sub).c_str(), 0, nullptr, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; ++i) dirs.push_back(g.gl_pathv[i]);
      globfree(&g);
    }
  return dirs;
}

namespace {

// Opens libcublas and (first, from the same place) libcublasLt.
void* open_cublas(std::string& where, void*& lt_handle) {
  const char* versions[] = {"13", "12"};
  std::vector<std::string> prefixes = {""};
  for (const std::string& dir :
       cuda_library_dirs({"/nvidia/cu13/lib", "/nvidia/cublas/lib"}))
    prefixes.push_back(dir + "/");
  for (const std::string& pre : prefixes)
    for (const char* v : versions) {
      std::string lt = pre + "libcublasLt.so." + v;
      std::string lib = pre + "libcublas.so." + v;
      void* hl = dlopen(lt.c_str(), RTLD_NOW | RTLD_GLOBAL);
      if (void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL)) {
        where = lib;
        lt_handle = hl;
        return h;
      }
    }
  return nullptr;
}

void load_cublas(Cublas& c) {
  void* hl = nullptr;
  void* h = open_cublas(c.path, hl);
  if (!h) {
    c.error =
        "no libcublas.so.13 or .12 on the loader's path, in $CUDA_HOME/lib64, "
        "/usr/local/cuda/lib64 or the nvidia pip wheels (nvidia-cublas); "
        "install the CUDA toolkit or `pip install nvidia-cublas`";
    return;
  }
  bool ok = true;
  auto sym = [&](const char* s, bool required) {
    void* p = dlsym(h, s);
    if (!p && required) {
      ok = false;
      c.error =
          std::string("cuBLAS entry point ") + s + " not found in " + c.path;
    }
    return p;
  };
#define ARRAX_CUBLAS_FN(name, required) \
  c.name = reinterpret_cast<decltype(c.name)>(sym(#name, required));
  ARRAX_CUBLAS_FN(cublasCreate_v2, true)
  ARRAX_CUBLAS_FN(cublasDestroy_v2, true)
  ARRAX_CUBLAS_FN(cublasSetStream_v2, true)
  ARRAX_CUBLAS_FN(cublasSetWorkspace_v2, true)
  ARRAX_CUBLAS_FN(cublasSetMathMode, true)
  ARRAX_CUBLAS_FN(cublasGemmEx, true)
  ARRAX_CUBLAS_FN(cublasGemmStridedBatchedEx, true)
  ARRAX_CUBLAS_FN(cublasGetStatusString, false)
#undef ARRAX_CUBLAS_FN
  c.loaded = ok;
  if (!hl) return;
  bool lt_ok = true;
#define ARRAX_CUBLASLT_FN(name)                                  \
  c.name = reinterpret_cast<decltype(c.name)>(dlsym(hl, #name)); \
  lt_ok = lt_ok && c.name != nullptr;
  ARRAX_CUBLASLT_FN(cublasLtCreate)
  ARRAX_CUBLASLT_FN(cublasLtMatmulDescCreate)
  ARRAX_CUBLASLT_FN(cublasLtMatmulDescDestroy)
  ARRAX_CUBLASLT_FN(cublasLtMatmulDescSetAttribute)
  ARRAX_CUBLASLT_FN(cublasLtMatrixLayoutCreate)
  ARRAX_CUBLASLT_FN(cublasLtMatrixLayoutDestroy)
  ARRAX_CUBLASLT_FN(cublasLtMatrixLayoutSetAttribute)
  ARRAX_CUBLASLT_FN(cublasLtMatmulPreferenceCreate)
  ARRAX_CUBLASLT_FN(cublasLtMatmulPreferenceDestroy)
  ARRAX_CUBLASLT_FN(cublasLtMatmulPreferenceSetAttribute)
  ARRAX_CUBLASLT_FN(cublasLtMatmulAlgoGetHeuristic)
  ARRAX_CUBLASLT_FN(cublasLtMatmul)
#undef ARRAX_CUBLASLT_FN
  c.lt = lt_ok;
}

}  // namespace

Cublas& cublas() {
  static Cublas* c = [] {
    auto* p = new Cublas();
    load_cublas(*p);
    return p;
  }();
  return *c;
}

void check_cublas(cublasStatus_t r, const char* what) {
  if (r == CUBLAS_STATUS_SUCCESS) return;
  const char* msg = nullptr;
  if (cublas().cublasGetStatusString) msg = cublas().cublasGetStatusString(r);
  std::string m = std::string("[matmul] ") + what +
                  " failed: " + (msg ? msg : "cuBLAS error") + " (" +
                  std::to_string(static_cast<int>(r)) + ")";
  if (r == CUBLAS_STATUS_ALLOC_FAILED) throw MemoryError(m);
  throw ValueError(m);
}

}  // namespace arrax::cuda
