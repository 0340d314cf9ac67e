// What arrax.show_config() and arrax.show_runtime() report from the C++
// side: the BLAS library, the CPU's SIMD extensions and the loops in use,
// the thread counts. The CUDA side is read in python/arrax/_config.py.
#include "arrax/backend/cpu/runtime_info.h"
#include "arrax/backend/cpu/thread_pool.h"
#include "common.h"

namespace arrax::py {

void init_config(nb::module_& m) {
  m.def("_runtime_info", [] {
    nb::dict d;
    d["blas_config"] = cpu::blas_config();
    d["blas_core"] = cpu::blas_core();
    d["blas_threads"] = cpu::blas_threads();
    d["threads"] = cpu::num_threads();
    d["cpu_features"] = cpu::cpu_features();
    d["simd_loops"] = cpu::simd_loops();
    return d;
  });
}

}  // namespace arrax::py
