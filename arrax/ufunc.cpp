#include "arrax/ufunc.h"

#include <limits>
#include <string>

namespace arrax {

namespace {

constexpr UfuncInfo kUfuncs[] = {
#define ARRAX_UFUNC(name, nin, nout, types, out, in, deriv) \
  {#name, nin, nout, types, UfuncOut::out, UfuncIn::in},
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

namespace {
[[noreturn]] void no_loop(const UfuncInfo& u, const std::string& types) {
  throw TypeError(std::string("[") + u.name + "] ufunc '" + u.name +
                  "' not supported for the input types (" + types +
                  "), and the inputs could not be safely coerced to any "
                  "supported types according to the casting rule 'safe'");
}
}  // namespace

Dtype ufunc_loop_dtype(UfuncId id, Dtype promoted) {
  const UfuncInfo& u = ufunc_info(id);
  if (u.in == UfuncIn::IntsToDouble &&
      (is_integer(promoted) || promoted == Dtype::Bool))
    promoted = Dtype::Float64;
  if (u.in == UfuncIn::NoBool && promoted == Dtype::Bool) {
    if (id == UfuncId::subtract)
      throw TypeError(
          "[subtract] numpy boolean subtract, the `-` operator, is not "
          "supported, use the bitwise_xor, the `^` operator, or the "
          "logical_xor function instead.");
    if (id == UfuncId::negative)
      throw TypeError(
          "[negative] The numpy boolean negative, the `-` operator, is not "
          "supported, use the `~` operator or the logical_not function "
          "instead.");
    no_loop(u, "bool");
  }
  if (u.types & type_bit(promoted)) return promoted;
  for (Dtype d : kSearchOrder)
    if ((u.types & type_bit(d)) && can_cast(promoted, d, Casting::Safe))
      return d;
  std::string msg = std::string("[") + u.name + "] ufunc '" + u.name +
                    "' not supported for the input type " +
                    dtype_name(promoted);
  throw TypeError(msg);
}

Dtype ufunc_resolve_loop(UfuncId id, const Dtype* inputs, const bool* weak,
                         int n) {
  const UfuncInfo& u = ufunc_info(id);
  if (u.in != UfuncIn::FloatInt) {
    // Only used for direct calls; apply_ufunc promotes with NEP 50 first.
    Dtype p = inputs[0];
    for (int i = 1; i < n; ++i) p = promote_types(p, inputs[i]);
    return ufunc_loop_dtype(id, p);
  }
  // ldexp: input 0 alone picks the float loop, input 1 must be an integer
  // that casts safely to int64 (NumPy's loops are ei, el, fi, fl, di, dl).
  std::string types =
      std::string(dtype_name(inputs[0])) + ", " + dtype_name(inputs[1]);
  if (!can_cast(inputs[1], Dtype::Int64, Casting::Safe) ||
      is_inexact(inputs[1]))
    no_loop(u, types);
  for (Dtype d : kSearchOrder)
    if ((u.types & type_bit(d)) && can_cast(inputs[0], d, Casting::Safe))
      return d;
  no_loop(u, types);
}

UfuncIdentity ufunc_identity(UfuncId id) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  switch (id) {
    case UfuncId::add:
    case UfuncId::logical_or:
    case UfuncId::logical_xor:
    case UfuncId::bitwise_or:
    case UfuncId::bitwise_xor:
    case UfuncId::hypot:
      return {true, 0.0, true};
    case UfuncId::multiply:
    case UfuncId::logical_and:
      return {true, 1.0, true};
    case UfuncId::bitwise_and:
      return {true, -1.0, true};
    case UfuncId::logaddexp:
    case UfuncId::logaddexp2:
      return {true, -kInf, true};
    case UfuncId::maximum:
    case UfuncId::minimum:
    case UfuncId::fmax:
    case UfuncId::fmin:
      return {false, 0.0, true};
    default:
      return {};
  }
}

Dtype ufunc_out_dtype(UfuncId id, Dtype loop) {
  switch (ufunc_info(id).out) {
    case UfuncOut::Same:
      return loop;
    case UfuncOut::Bool:
      return Dtype::Bool;
    case UfuncOut::Real:
      return real_dtype(loop);
  }
  return loop;
}

}  // namespace arrax
