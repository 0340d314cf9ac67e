#pragma once
// Elementwise ops are data: arrax/ufuncs.def lists each ufunc once, and this
// header, the CPU kernels, the CUDA kernels and the Python ufunc objects are
// all generated from that list.
#include <cstdint>
#include <string_view>

#include "arrax/dtype.h"
#include "arrax/export.h"

namespace arrax {

// A set of dtypes as a bit mask indexed by Dtype.
using TypeSet = uint32_t;
constexpr TypeSet type_bit(Dtype d) { return TypeSet(1) << int(d); }
constexpr TypeSet kBoolT = type_bit(Dtype::Bool);
constexpr TypeSet kSignedT = type_bit(Dtype::Int8) | type_bit(Dtype::Int16) |
                             type_bit(Dtype::Int32) | type_bit(Dtype::Int64);
constexpr TypeSet kUnsignedT =
    type_bit(Dtype::UInt8) | type_bit(Dtype::UInt16) |
    type_bit(Dtype::UInt32) | type_bit(Dtype::UInt64);
constexpr TypeSet kIntT = kSignedT | kUnsignedT;
constexpr TypeSet kFloatT = type_bit(Dtype::Float16) |
                            type_bit(Dtype::BFloat16) |
                            type_bit(Dtype::Float32) | type_bit(Dtype::Float64);
constexpr TypeSet kComplexT =
    type_bit(Dtype::Complex64) | type_bit(Dtype::Complex128);
constexpr TypeSet kInexactT = kFloatT | kComplexT;
constexpr TypeSet kAllT = kBoolT | kIntT | kInexactT;
constexpr TypeSet kNumericT = kIntT | kInexactT;   // no bool
constexpr TypeSet kRealT = kBoolT | kIntT | kFloatT;  // no complex
constexpr TypeSet kBoolIntT = kBoolT | kIntT;
constexpr TypeSet kIntFloatT = kIntT | kFloatT;
constexpr TypeSet kF64C128T =
    type_bit(Dtype::Float64) | type_bit(Dtype::Complex128);

// How the output dtype follows from the loop dtype.
enum class UfuncOut : uint8_t {
  Same,  // the loop dtype
  Bool,  // comparisons, predicates
  Real,  // complex -> its real dtype (absolute, real, imag, angle)
};

// How the loop dtype follows from the inputs.
enum class UfuncIn : uint8_t {
  Promote,       // the first loop type the promoted inputs cast to safely
  IntsToDouble,  // same, but bool and integer inputs compute in float64
  NoBool,        // same, but all-bool inputs are a TypeError (subtract)
  FloatInt,      // input 0 picks a float loop, input 1 is an int64 (ldexp)
};

enum class UfuncId : uint16_t {
#define ARRAX_UFUNC(name, nin, nout, types, out, in, deriv) name,
#include "arrax/ufuncs.def"
#undef ARRAX_UFUNC
  kCount
};
inline constexpr int kNumUfuncs = static_cast<int>(UfuncId::kCount);

struct UfuncInfo {
  const char* name;
  int nin;
  int nout;
  TypeSet types;
  UfuncOut out;
  UfuncIn in;
};

ARRAX_API const UfuncInfo& ufunc_info(UfuncId id);
// Throws ValueError for an unknown name.
ARRAX_API UfuncId ufunc_by_name(std::string_view name);

// The dtype the loop runs in for inputs that promote to `promoted`: the
// first dtype of the ufunc's set (in NumPy's search order) that `promoted`
// casts to safely. Throws TypeError naming the ufunc when there is none.
ARRAX_API Dtype ufunc_loop_dtype(UfuncId id, Dtype promoted);
ARRAX_API Dtype ufunc_out_dtype(UfuncId id, Dtype loop);
// The loop dtype for the given input dtypes, following the ufunc's input
// rule (weak[i]: input i is a Python scalar). For FloatInt ufuncs the second
// input is cast to int64, the others to the loop dtype.
ARRAX_API Dtype ufunc_resolve_loop(UfuncId id, const Dtype* inputs,
                                   const bool* weak, int n);

// NumPy's `identity` of a binary ufunc, the start of its reductions: none,
// or a value as double (exact for the identities NumPy uses: 0, 1, -1,
// true, false, -inf).
struct UfuncIdentity {
  bool has = false;
  double value = 0;
  // Reductions over several axes are allowed (NumPy's "reorderable"):
  // the ufuncs with an identity, and maximum/minimum/fmax/fmin.
  bool reorderable = false;
};
ARRAX_API UfuncIdentity ufunc_identity(UfuncId id);

}  // namespace arrax
