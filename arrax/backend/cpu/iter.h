#pragma once
// The CPU iteration engine: one loop driver for all elementwise work.
//
// Note [Elementwise iteration]
// An elementwise kernel is a 1-D inner loop over n elements of each operand,
// given a data pointer and a byte stride per operand (outputs first, then
// inputs). The engine views every operand with the output's shape
// (broadcast dimensions get stride 0), drops length-1 dimensions, merges
// dimensions that are contiguous with their neighbour for every operand, and
// then calls the inner loop once per row of the innermost dimension. When all
// operands are contiguous this collapses to one call over the whole array,
// which the inner loop recognizes (all strides == itemsize) and runs as a
// plain vectorizable loop. Work above a grain size is split across the
// thread pool, by rows, or by ranges of the single row.
#include <cstdint>
#include <span>

#include "arrax/array.h"

namespace arrax::cpu {

using InnerLoop = void (*)(char** data, const int64_t* strides, int64_t n,
                           const void* ctx);

// Elements per task below which the engine stays on the calling thread.
inline constexpr int64_t kElementwiseGrain = 1 << 15;

// Runs `loop` over `shape` for the given operands (outputs first). Each
// operand's shape must broadcast to `shape`.
ARRAX_API void for_each_element(const Shape& shape,
                                std::span<const Array* const> operands,
                                InnerLoop loop, const void* ctx = nullptr,
                                int64_t grain = kElementwiseGrain);

// Same, with raw pointers and element strides already broadcast to `shape`.
struct RawOperand {
  char* data;
  const int64_t* strides;  // element strides, one per dimension of shape
  int itemsize;
};
ARRAX_API void for_each_element_raw(const Shape& shape,
                                    std::span<const RawOperand> operands,
                                    InnerLoop loop, const void* ctx = nullptr,
                                    int64_t grain = kElementwiseGrain);

// Element strides of `a` broadcast to `shape` (0 on broadcast dimensions).
ARRAX_API Strides broadcast_strides(const Array& a, const Shape& shape);

}  // namespace arrax::cpu
