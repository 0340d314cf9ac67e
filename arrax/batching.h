#pragma once
// vmap in the core: arrays with batch dimensions and the batching rules of
// the primitives (Note [Batching] in batching.cpp, docs/autograd.md).
#include <cstdint>
#include <span>

#include "arrax/array.h"
#include "arrax/primitive.h"

namespace arrax {

// A fresh vmap level, larger than every level handed out before.
ARRAX_API int64_t new_vmap_level();

// `x` with its axis `axis` turned into the batch dimension of `level`: the
// result shows x's shape without that axis. Differentiable (its vjp is
// unbatch).
ARRAX_API Array make_batched(const Array& x, int64_t axis, int64_t level);
// The inverse: the batch dimension of `level` back as axis `axis` of an
// ordinary array. An `x` without that level is broadcast to `size` along
// the new axis (a value vmap's function returned unchanged).
ARRAX_API Array unbatch(const Array& x, int64_t level, int64_t axis,
                        int64_t size);
// Size of the batch dimension of `level` in `x`, or -1 when it has none.
ARRAX_API int64_t batch_size_at(const Array& x, int64_t level);

// The vmap levels whose function is running on this thread (vmap pushes
// its level around the call).
ARRAX_API void push_vmap_level(int64_t level);
ARRAX_API void pop_vmap_level();
ARRAX_API bool vmap_level_active(int64_t level);

// A gradient `g` for an input `like`: batch dimensions of g that `like`
// lacks and whose vmap is no longer running are summed out (the input was
// shared by every batch element: grad(vmap(f))). Those of a running vmap
// stay: a gradient taken inside vmap is per example (vmap(grad(f))).
ARRAX_API Array sum_batch_levels(const Array& g, const Array& like);

// dispatch and dispatch_into hand arrays with batch dimensions here.
Arrays dispatch_batched(const std::shared_ptr<Primitive>& p,
                        std::span<const Array> inputs);
void dispatch_into_batched(const std::shared_ptr<Primitive>& p,
                           std::span<const Array> inputs,
                           std::span<Array> outputs);

inline bool any_batched(std::span<const Array> arrays) {
  for (const Array& a : arrays)
    if (a.is_batched()) return true;
  return false;
}

// A new C-contiguous array of (logical) `shape` that carries every batch
// dimension of `inputs`: what an op allocates for a result it then writes
// with dispatch_into.
ARRAX_API Array empty_batched_for(const Shape& shape, Dtype dtype,
                                  Device device, std::span<const Array> inputs);
inline Array empty_for(const Shape& shape, Dtype dtype, Device device,
                       std::span<const Array> inputs) {
  if (!any_batched(inputs)) [[likely]]
    return Array::empty(shape, dtype, device);
  return empty_batched_for(shape, dtype, device, inputs);
}

// to_device of an array with batch dimensions (every level moves).
ARRAX_API Array to_device_batched(const Array& a, Device device);

// Helpers for batching rules: inputs at one level have the batch dimension
// at axis 0 when batched.
//   align: a batched input of logical rank k gets n - k unit axes after its
//   batch axis (so that broadcasting from the right still lines up).
//   with_batch: an unbatched input broadcast (stride 0) to size B at axis 0.
ARRAX_API Array batch_align(const Array& a, int n);
ARRAX_API Array batch_broadcast(const Array& a, int64_t size);
// Aligns every batched input to the largest logical rank (elementwise ops).
ARRAX_API void batch_align_all(Arrays& inputs, std::span<const bool> batched);

}  // namespace arrax
