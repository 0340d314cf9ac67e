#pragma once
// arrax.random's core: draws of the Philox4x32-10 counter-based generator
// on any device. The NumPy API (Generator, RandomState, the legacy
// functions, keys) lives in python/arrax/random and calls these. See Note
// [Bit-identical sampling] in backend/cuda/device/rng.cuh.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "arrax/array.h"

namespace arrax::random {

// A distribution parameter: a scalar (64-bit pattern: double bits for the
// real parameters, two's complement for the integer ones) or an array of
// 8-byte items broadcastable to the draw's shape.
struct Param {
  uint64_t bits = 0;
  Array array;  // invalid for a scalar
};

// The number of a distribution by name ("normal", "integers", ...; the
// Kind enum of rng.cuh); "[random] unknown distribution ..." otherwise.
ARRAX_API int kind_from_name(const std::string& name);
ARRAX_API std::vector<std::string> kind_names();

// Element i of the result is the sample of sub-stream (key, counter + i).
// `table`: kChoiceCdf's cdf (1-D float64). Written into `out` when given
// (same shape; cast with same_kind rules otherwise).
ARRAX_API Array draw(int kind, uint64_t key, uint64_t counter,
                     const Shape& shape, Dtype dtype,
                     std::span<const Param> params, const Array* table,
                     Device device, const Array* out = nullptr);

// The stable ascending argsort (int64) along the last axis of uint64 keys.
ARRAX_API Array argsort_keys(const Array& keys);

// One Philox4x32-10 block (tests, key derivation).
ARRAX_API std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter,
                                             std::array<uint32_t, 2> key);

}  // namespace arrax::random
