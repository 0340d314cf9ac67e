#pragma once
// The primitives of arrax.random. Both evaluate the sampling code of
// backend/cuda/device/rng.cuh: on the CPU in backend/cpu/random.cpp, on the
// GPU in backend/cuda/cuda_random.cpp (kernels in device/random.cuh). See
// Note [Bit-identical sampling] in rng.cuh.
#include <array>
#include <cstdint>

#include "arrax/primitive.h"

namespace arrax {

// One draw of a distribution: element i of the (C-contiguous) output is the
// sample of Philox sub-stream (key, counter + i). Parameters are scalars
// (64-bit patterns: double bits, or integers for the integer parameters of
// Integers/Binomial/Hypergeometric) or, where bit k of `array_mask` is set,
// the next input: an 8-byte array of the output's shape, C-contiguous. With
// `has_table`, the last input is a 1-D float64 table (kChoiceCdf's cdf).
class ARRAX_API RandomDraw : public Primitive {
 public:
  RandomDraw(int kind, uint64_t key, uint64_t counter, Shape shape, Dtype dtype,
             std::array<uint64_t, 3> scalars, uint32_t array_mask,
             bool has_table)
      : kind_(kind),
        key_(key),
        counter_(counter),
        shape_(std::move(shape)),
        dtype_(dtype),
        scalars_(scalars),
        array_mask_(array_mask),
        has_table_(has_table) {}
  const char* name() const override { return "random_draw"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;

  int kind() const { return kind_; }
  uint64_t key() const { return key_; }
  uint64_t counter() const { return counter_; }
  Dtype dtype() const { return dtype_; }
  const std::array<uint64_t, 3>& scalars() const { return scalars_; }
  uint32_t array_mask() const { return array_mask_; }
  bool has_table() const { return has_table_; }

 private:
  int kind_;
  uint64_t key_, counter_;
  Shape shape_;
  Dtype dtype_;
  std::array<uint64_t, 3> scalars_;
  uint32_t array_mask_;
  bool has_table_;
};

// The stable ascending argsort of each row of a C-contiguous uint64 matrix
// (rows, n): int64 indices in [0, n). Ties go by index, so the order is a
// total one and every sorting algorithm gives the same indices: the CPU
// sorts each row with std::sort, the GPU runs a bitonic network (Note
// [Permutations by sorting] in random.cpp).
class ARRAX_API ArgsortKeys : public Primitive {
 public:
  const char* name() const override { return "argsort_keys"; }
  OutputSpecs output_specs(std::span<const Array> inputs) const override;
  void eval_cpu(std::span<const Array> inputs,
                std::span<Array> outputs) override;
};

}  // namespace arrax
