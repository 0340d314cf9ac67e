// OpenBLAS glue: thread count and what it reports about itself. The
// matrix-product kernels live in matmul.cpp.
#include <cblas.h>

#include "arrax/backend/cpu/runtime_info.h"

namespace arrax::cpu {

void set_blas_threads(int n) { openblas_set_num_threads(n); }

std::string blas_config() {
  const char* s = openblas_get_config();
  return s ? s : "";
}
std::string blas_core() {
  const char* s = openblas_get_corename();
  return s ? s : "";
}
int blas_threads() { return openblas_get_num_threads(); }

}  // namespace arrax::cpu
