#pragma once
#include <memory>
#include <span>

#include "arrax/primitive.h"

namespace arrax {

// The single entry from ops to execution (docs/architecture.md). Allocates
// outputs from the primitive's specs, evaluates on the inputs' device and is
// the one place that autograd, tracing and counters hook into.
ARRAX_API Arrays dispatch(std::shared_ptr<Primitive> p,
                          std::span<const Array> inputs);
// Same, writing into given outputs (shapes and dtypes must match the specs;
// they may be strided views, e.g. for `out=` and `a[...] = b`).
ARRAX_API void dispatch_into(std::shared_ptr<Primitive> p,
                             std::span<const Array> inputs,
                             std::span<Array> outputs);

// Single-output convenience.
inline Array dispatch1(std::shared_ptr<Primitive> p,
                       std::span<const Array> inputs) {
  return std::move(dispatch(std::move(p), inputs)[0]);
}

// The device all inputs live on; raises naming both devices when they
// differ. 0-d CPU arrays (scalars) go with any device.
ARRAX_API Device common_device(std::span<const Array> inputs, const char* op);

// Counts primitive evaluations by name (profiling, tests of the fast paths).
ARRAX_API void set_dispatch_counting(bool on);
ARRAX_API std::vector<std::pair<std::string, int64_t>> dispatch_counts();

}  // namespace arrax
