#pragma once
#include <cstdint>
#include <functional>

#include "arrax/export.h"

namespace arrax::cpu {

// Number of threads the CPU backend uses: ARRAX_NUM_THREADS, else the number
// of cores. BLAS is told the same number so the two never oversubscribe (BLAS
// runs on the calling thread while our pool is idle).
ARRAX_API int num_threads();
ARRAX_API void set_num_threads(int n);

// Runs f(begin, end) over [0, n) in chunks of at least `grain` items across
// the pool; runs inline when the work is small or when called from inside
// the pool.
ARRAX_API void parallel_for(int64_t n, int64_t grain,
                            const std::function<void(int64_t, int64_t)>& f);

}  // namespace arrax::cpu
