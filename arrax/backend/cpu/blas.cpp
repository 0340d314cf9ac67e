// OpenBLAS glue: thread count. The matrix-product kernels live in linalg.
#include <cblas.h>

namespace arrax::cpu {

void set_blas_threads(int n) { openblas_set_num_threads(n); }

}  // namespace arrax::cpu
