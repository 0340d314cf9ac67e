#include "arrax/dtype.h"

#include <array>

namespace arrax {

namespace {

struct DtypeInfo {
  const char* name;
  int itemsize;
  DtypeKind kind;
};

constexpr std::array<DtypeInfo, kNumDtypes> kInfo = {{
    {"bool", 1, DtypeKind::Bool},
    {"int8", 1, DtypeKind::Int},
    {"int16", 2, DtypeKind::Int},
    {"int32", 4, DtypeKind::Int},
    {"int64", 8, DtypeKind::Int},
    {"uint8", 1, DtypeKind::UInt},
    {"uint16", 2, DtypeKind::UInt},
    {"uint32", 4, DtypeKind::UInt},
    {"uint64", 8, DtypeKind::UInt},
    {"float16", 2, DtypeKind::Float},
    {"bfloat16", 2, DtypeKind::Float},
    {"float32", 4, DtypeKind::Float},
    {"float64", 8, DtypeKind::Float},
    {"complex64", 8, DtypeKind::Complex},
    {"complex128", 16, DtypeKind::Complex},
}};

const DtypeInfo& info(Dtype dt) { return kInfo[static_cast<int>(dt)]; }

Dtype int_of(bool is_signed, int bytes) {
  if (is_signed) {
    switch (bytes) {
      case 1: return Dtype::Int8;
      case 2: return Dtype::Int16;
      case 4: return Dtype::Int32;
      default: return Dtype::Int64;
    }
  }
  switch (bytes) {
    case 1: return Dtype::UInt8;
    case 2: return Dtype::UInt16;
    case 4: return Dtype::UInt32;
    default: return Dtype::UInt64;
  }
}

// The smallest float that holds every value of an integer dtype exactly
// enough for NumPy's safe-cast rules: 8-bit -> float16, 16-bit -> float32,
// wider -> float64.
Dtype float_for_int(Dtype dt) {
  switch (itemsize(dt)) {
    case 1: return Dtype::Float16;
    case 2: return Dtype::Float32;
    default: return Dtype::Float64;
  }
}

// Rank of a float dtype in the float lattice, where float16 and bfloat16 are
// incomparable (their join is float32).
Dtype promote_floats(Dtype a, Dtype b) {
  if (a == b) return a;
  if ((a == Dtype::Float16 && b == Dtype::BFloat16) ||
      (a == Dtype::BFloat16 && b == Dtype::Float16))
    return Dtype::Float32;
  auto rank = [](Dtype d) {
    switch (d) {
      case Dtype::Float16:
      case Dtype::BFloat16: return 0;
      case Dtype::Float32: return 1;
      default: return 2;
    }
  };
  return rank(a) >= rank(b) ? a : b;
}

Dtype compute_promote(Dtype a, Dtype b) {
  if (a == b) return a;
  DtypeKind ka = kind(a), kb = kind(b);
  if (ka == DtypeKind::Bool) return b;
  if (kb == DtypeKind::Bool) return a;
  bool ia = is_integer(a), ib = is_integer(b);
  if (ia && ib) {
    if (ka == kb) return itemsize(a) >= itemsize(b) ? a : b;
    Dtype s = ka == DtypeKind::Int ? a : b;
    Dtype u = ka == DtypeKind::Int ? b : a;
    if (itemsize(s) > itemsize(u)) return s;
    if (itemsize(u) == 8) return Dtype::Float64;
    return int_of(true, itemsize(u) * 2);
  }
  // Reduce everything to the float precision it needs, then re-complexify.
  auto need_float = [](Dtype d) -> Dtype {
    if (is_integer(d)) return float_for_int(d);
    if (is_complex(d)) return real_dtype(d);
    return d;
  };
  Dtype f = promote_floats(need_float(a), need_float(b));
  // bfloat16 holds 8-bit integers exactly: int8 + bfloat16 -> bfloat16.
  if (ia && b == Dtype::BFloat16 && itemsize(a) == 1) f = Dtype::BFloat16;
  if (ib && a == Dtype::BFloat16 && itemsize(b) == 1) f = Dtype::BFloat16;
  if (is_complex(a) || is_complex(b)) return complex_dtype(f);
  return f;
}

struct PromoteTable {
  Dtype t[kNumDtypes][kNumDtypes];
  PromoteTable() {
    for (int i = 0; i < kNumDtypes; ++i)
      for (int j = 0; j < kNumDtypes; ++j)
        t[i][j] = compute_promote(static_cast<Dtype>(i), static_cast<Dtype>(j));
  }
};

int kind_order(DtypeKind k) {
  switch (k) {
    case DtypeKind::Bool: return 0;
    case DtypeKind::UInt: return 1;
    case DtypeKind::Int: return 2;
    case DtypeKind::Float: return 3;
    case DtypeKind::Complex: return 4;
  }
  return 0;
}

}  // namespace

int itemsize(Dtype dt) { return info(dt).itemsize; }
DtypeKind kind(Dtype dt) { return info(dt).kind; }
const char* dtype_name(Dtype dt) { return info(dt).name; }

Dtype dtype_from_name(std::string_view name) {
  for (int i = 0; i < kNumDtypes; ++i)
    if (name == kInfo[i].name) return static_cast<Dtype>(i);
  throw TypeError("[dtype] data type '" + std::string(name) +
                  "' not understood");
}

Dtype real_dtype(Dtype dt) {
  if (dt == Dtype::Complex64) return Dtype::Float32;
  if (dt == Dtype::Complex128) return Dtype::Float64;
  return dt;
}

Dtype complex_dtype(Dtype dt) {
  switch (dt) {
    case Dtype::Float16:
    case Dtype::BFloat16:
    case Dtype::Float32:
    case Dtype::Complex64: return Dtype::Complex64;
    default: return Dtype::Complex128;
  }
}

Dtype promote_types(Dtype a, Dtype b) {
  static const PromoteTable table;
  return table.t[static_cast<int>(a)][static_cast<int>(b)];
}

Casting casting_from_name(std::string_view name, const char* op) {
  if (name == "no") return Casting::No;
  if (name == "equiv") return Casting::Equiv;
  if (name == "safe") return Casting::Safe;
  if (name == "same_kind") return Casting::SameKind;
  if (name == "unsafe") return Casting::Unsafe;
  throw ValueError(std::string(op) +
                   " casting must be one of 'no', 'equiv', 'safe', "
                   "'same_kind', or 'unsafe', got '" +
                   std::string(name) + "'");
}

const char* casting_name(Casting c) {
  switch (c) {
    case Casting::No: return "no";
    case Casting::Equiv: return "equiv";
    case Casting::Safe: return "safe";
    case Casting::SameKind: return "same_kind";
    case Casting::Unsafe: return "unsafe";
  }
  return "";
}

Dtype promote_types(std::span<const Dtype> dtypes) {
  bool seen[kNumDtypes] = {};
  Dtype in[kNumDtypes];
  int n = 0;
  for (Dtype d : dtypes)
    if (!seen[static_cast<int>(d)]) {
      seen[static_cast<int>(d)] = true;
      in[n++] = d;
    }
  if (n == 0) throw ValueError("[result_type] at least one dtype is required");
  Dtype fold = in[0];
  for (int i = 1; i < n; ++i) fold = promote_types(fold, in[i]);
  if (n <= 2) return fold;
  auto casts_all = [&](Dtype c) {
    for (int i = 0; i < n; ++i)
      if (!can_cast(in[i], c, Casting::Safe)) return false;
    return true;
  };
  // Candidates: the pairwise promotions (and the fold); keep the least.
  Dtype best = fold;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      Dtype c = promote_types(in[i], in[j]);
      if (casts_all(c) && can_cast(c, best, Casting::Safe)) best = c;
    }
  return best;
}

bool can_cast(Dtype from, Dtype to, Casting casting) {
  switch (casting) {
    case Casting::No:
    case Casting::Equiv: return from == to;
    case Casting::Safe: return promote_types(from, to) == to;
    case Casting::SameKind:
      return promote_types(from, to) == to ||
             kind_order(kind(from)) <= kind_order(kind(to));
    case Casting::Unsafe: return true;
  }
  return false;
}

}  // namespace arrax
