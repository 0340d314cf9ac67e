#include "arrax/ufunc.h"

#include <string>

namespace arrax {

namespace {

constexpr UfuncInfo kUfuncs[] = {
#define ARRAX_UFUNC(name, nin, nout, types, out, ints_to_double) \
  {#name, nin, nout, types, UfuncOut::out, ints_to_double},
#include "arrax/ufuncs.def"
#undef ARRAX_UFUNC
};

// NumPy's loop search order: ? b B h H i I l L e f d F D, with bfloat16
// after float16 so that 8-bit integers still pick float16 like NumPy does.
constexpr Dtype kSearchOrder[] = {
    Dtype::Bool,    Dtype::Int8,     Dtype::UInt8,     Dtype::Int16,
    Dtype::UInt16,  Dtype::Int32,    Dtype::UInt32,    Dtype::Int64,
    Dtype::UInt64,  Dtype::Float16,  Dtype::BFloat16,  Dtype::Float32,
    Dtype::Float64, Dtype::Complex64, Dtype::Complex128,
};

}  // namespace

const UfuncInfo& ufunc_info(UfuncId id) {
  return kUfuncs[static_cast<int>(id)];
}

UfuncId ufunc_by_name(std::string_view name) {
  for (int i = 0; i < kNumUfuncs; ++i)
    if (name == kUfuncs[i].name) return static_cast<UfuncId>(i);
  throw ValueError("[ufunc] no ufunc named '" + std::string(name) + "'");
}

Dtype ufunc_loop_dtype(UfuncId id, Dtype promoted) {
  const UfuncInfo& u = ufunc_info(id);
  if (u.ints_to_double && (is_integer(promoted) || promoted == Dtype::Bool))
    promoted = Dtype::Float64;
  if (u.types & type_bit(promoted)) return promoted;
  for (Dtype d : kSearchOrder)
    if ((u.types & type_bit(d)) && can_cast(promoted, d, Casting::Safe))
      return d;
  std::string msg = std::string("[") + u.name + "] ufunc '" + u.name +
                    "' not supported for the input type " +
                    dtype_name(promoted);
  throw TypeError(msg);
}

Dtype ufunc_out_dtype(UfuncId id, Dtype loop) {
  switch (ufunc_info(id).out) {
    case UfuncOut::Same: return loop;
    case UfuncOut::Bool: return Dtype::Bool;
    case UfuncOut::Real: return real_dtype(loop);
  }
  return loop;
}

}  // namespace arrax
