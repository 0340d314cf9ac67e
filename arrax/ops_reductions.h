#pragma once
// Reductions and scans with NumPy semantics: sum prod mean var std min max
// ptp argmin argmax any all cumsum cumprod and the nan- variants.
#include <optional>

#include "arrax/array.h"

namespace arrax {

using Axes = SmallVector<int64_t>;

// The keyword arguments NumPy's reductions share. Pointers may be null.
struct ReduceArgs {
  std::optional<Axes> axis;      // nullopt: reduce over every axis
  bool keepdims = false;
  std::optional<Dtype> dtype;    // accumulation and result dtype
  const Array* out = nullptr;    // exact result shape; cast unsafely into
  const Array* initial = nullptr;  // 0-d (sum, prod, min, max, nan-variants)
  const Array* where = nullptr;  // broadcast to the input's shape
};

ARRAX_API Array sum(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array prod(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array max(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array min(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array any(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array all(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array nansum(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array nanprod(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array nanmax(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array nanmin(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array ptp(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array mean(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array nanmean(const Array& a, const ReduceArgs& args = {});
ARRAX_API Array var(const Array& a, const ReduceArgs& args = {},
                    double ddof = 0);
ARRAX_API Array std(const Array& a, const ReduceArgs& args = {},
                    double ddof = 0);
ARRAX_API Array nanvar(const Array& a, const ReduceArgs& args = {},
                       double ddof = 0);
ARRAX_API Array nanstd(const Array& a, const ReduceArgs& args = {},
                       double ddof = 0);

// axis nullopt: over the flattened array.
ARRAX_API Array argmax(const Array& a, std::optional<int64_t> axis = {},
                       bool keepdims = false, const Array* out = nullptr);
ARRAX_API Array argmin(const Array& a, std::optional<int64_t> axis = {},
                       bool keepdims = false, const Array* out = nullptr);
ARRAX_API Array nanargmax(const Array& a, std::optional<int64_t> axis = {},
                          bool keepdims = false, const Array* out = nullptr);
ARRAX_API Array nanargmin(const Array& a, std::optional<int64_t> axis = {},
                          bool keepdims = false, const Array* out = nullptr);

// axis nullopt: over the flattened array (the result is 1-D).
ARRAX_API Array cumsum(const Array& a, std::optional<int64_t> axis = {},
                       std::optional<Dtype> dtype = {},
                       const Array* out = nullptr);
ARRAX_API Array cumprod(const Array& a, std::optional<int64_t> axis = {},
                        std::optional<Dtype> dtype = {},
                        const Array* out = nullptr);
ARRAX_API Array nancumsum(const Array& a, std::optional<int64_t> axis = {},
                          std::optional<Dtype> dtype = {},
                          const Array* out = nullptr);
ARRAX_API Array nancumprod(const Array& a, std::optional<int64_t> axis = {},
                           std::optional<Dtype> dtype = {},
                           const Array* out = nullptr);

}  // namespace arrax
