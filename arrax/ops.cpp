#include "arrax/ops.h"

#include <atomic>
#include <limits>
#include <mutex>
#include <optional>

#include "arrax/batching.h"
#include "arrax/dispatch.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives.h"

namespace arrax {

// ---- shapes, dtypes, scalars ---------------------------------------------

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  if (a == b) return a;
  size_t n = std::max(a.size(), b.size());
  Shape out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else
      throw ValueError(std::string("[") + op +
                       "] operands could not be broadcast together with "
                       "shapes " +
                       shape_str(a) + " " + shape_str(b));
  }
  return out;
}

Shape broadcast_shapes(std::span<const Array> arrays, const char* op) {
  if (arrays.empty()) return {};
  Shape s = arrays[0].shape();
  for (size_t i = 1; i < arrays.size(); ++i)
    s = broadcast_shapes(s, arrays[i].shape(), op);
  return s;
}

Array broadcast_to(const Array& a, const Shape& shape, const char* op) {
  if (a.shape() == shape) return a;
  size_t n = shape.size(), an = static_cast<size_t>(a.ndim());
  if (an > n)
    throw ValueError(std::string("[") + op + "] cannot broadcast shape " +
                     shape_str(a.shape()) + " to " + shape_str(shape));
  Strides st(n, 0);
  for (size_t i = 0; i < an; ++i) {
    int64_t d = a.shape()[i], t = shape[n - an + i];
    if (d == t)
      st[n - an + i] = a.strides()[i];
    else if (d != 1)
      throw ValueError(std::string("[") + op + "] cannot broadcast shape " +
                       shape_str(a.shape()) + " to " + shape_str(shape));
  }
  return a.view(shape, st, a.offset());
}

namespace {
int weak_rank(DtypeKind k) {
  switch (k) {
    case DtypeKind::Bool: return 0;
    case DtypeKind::Int:
    case DtypeKind::UInt: return 1;
    case DtypeKind::Float: return 2;
    case DtypeKind::Complex: return 3;
  }
  return 0;
}
}  // namespace

Dtype result_type(std::span<const Array> arrays) {
  bool have_weak = false;
  Dtype weak = Dtype::Bool;
  Dtype strong[16];
  size_t nstrong = 0;
  bool many = false;  // more than 16 strong inputs: fold pairwise
  Dtype folded = Dtype::Bool;
  for (const Array& a : arrays) {
    if (a.is_weak()) {
      weak = have_weak ? promote_types(weak, a.dtype()) : a.dtype();
      have_weak = true;
    } else if (nstrong < 16 && !many) {
      strong[nstrong++] = a.dtype();
    } else {
      if (!many) {
        folded = promote_types(std::span<const Dtype>(strong, nstrong));
        many = true;
      }
      folded = promote_types(folded, a.dtype());
    }
  }
  if (nstrong == 0) return weak;
  Dtype s = many ? folded
                 : (nstrong == 1 ? strong[0]
                                 : promote_types(
                                       std::span<const Dtype>(strong, nstrong)));
  if (!have_weak) return s;
  int wr = weak_rank(kind(weak)), sr = weak_rank(kind(s));
  if (wr <= sr) return s;
  if (wr == 3 && sr == 2) return complex_dtype(s);
  // A weak kind above the strong one: the weak kind's default dtype wins.
  return promote_types(s, weak);
}

Array weak_scalar(bool v) {
  return Array::scalar(v, Dtype::Bool, Device::cpu(), true);
}
Array weak_scalar(int64_t v) {
  return Array::scalar(v, Dtype::Int64, Device::cpu(), true);
}
Array weak_scalar(double v) {
  return Array::scalar(v, Dtype::Float64, Device::cpu(), true);
}
Array weak_scalar(complex128 v) {
  return Array::scalar(v, Dtype::Complex128, Device::cpu(), true);
}
Array full_scalar(double v, Dtype dtype, Device device) {
  return Array::scalar(v, dtype, device, false);
}

// Note [Scalars before broadcasting]
// A 0-d CPU array (a Python number) goes with any device in dispatch, but a
// broadcast view of it has dimensions and is just a CPU array there: an op
// that broadcasts a scalar value against a device array (copyto, fill,
// a[idx] = 1.0, ufunc.at's values) moves the scalar to the device first.
Array scalar_on(const Array& a, Device device) {
  if (a.ndim() != 0 || !a.device().is_cpu() || a.device() == device) return a;
  Array r = to_device(a, device);
  r.set_weak(a.is_weak());
  return r;
}

int normalize_axis(int64_t axis, int ndim, const char* op) {
  if (axis < -ndim || axis >= ndim)
    throw AxisError(std::string("[") + op + "] axis " + std::to_string(axis) +
                    " is out of bounds for array of dimension " +
                    std::to_string(ndim));
  return static_cast<int>(axis < 0 ? axis + ndim : axis);
}

// ---- copies and casts ----------------------------------------------------

Array astype(const Array& a, Dtype dtype, bool copy) {
  if (!copy && a.dtype() == dtype) return a;
  Array in[1] = {a};
  auto p = std::make_shared<Copy>(dtype, a.shape());
  Array out = empty_for(a.shape(), dtype, a.device(), in);
  Array outs[1] = {out};
  dispatch_into(std::move(p), in, outs);
  return out;
}

Array copy(const Array& a) { return astype(a, a.dtype(), true); }

Array ascontiguousarray(const Array& a) {
  if (a.is_c_contiguous()) return a;
  return copy(a);
}

void copyto(const Array& dst, const Array& src, Casting casting,
            const Array* where) {
  if (!can_cast(src.dtype(), dst.dtype(), casting) &&
      !(src.is_weak() && casting != Casting::No && casting != Casting::Equiv))
    throw TypeError(std::string("[copyto] cannot cast array data from dtype('") +
                    dtype_name(src.dtype()) + "') to dtype('" +
                    dtype_name(dst.dtype()) + "') according to the rule '" +
                    (casting == Casting::Safe       ? "safe"
                     : casting == Casting::SameKind ? "same_kind"
                                                    : "no") +
                    "'");
  Array s;
  if (src.ndim() == 0 && src.device().is_cpu() && !dst.device().is_cpu() &&
      !where) {
    // A host scalar into a device array: the Copy kernel takes the value in
    // its launch parameters (Note [Scalar fills], cuda/device/ufunc.cuh).
    s = src;
  } else {
    // See Note [Scalars before broadcasting].
    s = broadcast_to(scalar_on(src, dst.device()), dst.shape(), "copyto");
    if (s.may_overlap(dst) && !(s.strides() == dst.strides() &&
                                s.offset() == dst.offset()))
      s = copy(s);  // NumPy semantics: as if the source were read first
  }
  if (where) {
    Array tmp = astype(s, dst.dtype(), true);
    if (where->dtype() != Dtype::Bool)
      throw TypeError("[copyto] where= must be a boolean array");
    s = arrax::where(*where, tmp, dst);
  }
  Array in[1] = {s};
  Array outs[1] = {dst};
  dispatch_into(std::make_shared<Copy>(dst.dtype(), dst.shape()), in, outs);
}

void fill(const Array& dst, const Array& value) {
  copyto(dst, value, Casting::Unsafe);
}

Array where(const Array& cond, const Array& x, const Array& y) {
  Array xy[2] = {x, y};
  Dtype dt = result_type(xy);
  Array in[3] = {astype(cond, Dtype::Bool, false), astype(x, dt, false),
                 astype(y, dt, false)};
  broadcast_shapes(in, "where");
  return dispatch1(std::make_shared<Select>(), in);
}

// ---- ufuncs --------------------------------------------------------------

namespace {

void check_weak_int_fits(const Array& a, Dtype loop, const char* op) {
  if (!a.is_weak() || !is_integer(a.dtype()) || !is_integer(loop)) return;
  bool fits = dispatch_types(loop, op, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      if (a.dtype() == Dtype::UInt64) {
        uint64_t v = *a.data<uint64_t>();
        return v <= static_cast<uint64_t>(std::numeric_limits<T>::max());
      }
      int64_t v = *a.data<int64_t>();
      if constexpr (std::is_unsigned_v<T>)
        return v >= 0 && static_cast<uint64_t>(v) <=
                             static_cast<uint64_t>(
                                 std::numeric_limits<T>::max());
      else
        return v >= std::numeric_limits<T>::min() &&
               v <= std::numeric_limits<T>::max();
    }
    return true;
  });
  if (!fits) {
    std::string v = a.dtype() == Dtype::UInt64
                        ? std::to_string(*a.data<uint64_t>())
                        : std::to_string(*a.data<int64_t>());
    throw OverflowError(std::string("[") + op + "] Python integer " + v +
                        " out of bounds for " + dtype_name(loop));
  }
}

// Ufunc primitives are immutable: one shared instance per (ufunc, loop),
// made once and never replaced, so a reader that sees its flag set reads the
// pointer without a lock (std::atomic_load of a shared_ptr took a lock from
// a hashed pool on every op).
std::shared_ptr<Ufunc> ufunc_primitive(UfuncId id, Dtype loop) {
  constexpr int kN = kNumUfuncs * kNumDtypes;
  static std::shared_ptr<Ufunc>* cache = new std::shared_ptr<Ufunc>[kN];
  static std::atomic<bool>* ready = new std::atomic<bool>[kN]();
  static std::mutex mutex;
  const int i = static_cast<int>(id) * kNumDtypes + static_cast<int>(loop);
  if (!ready[i].load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!ready[i].load(std::memory_order_relaxed)) {
      cache[i] = std::make_shared<Ufunc>(id, loop);
      ready[i].store(true, std::memory_order_release);
    }
  }
  return cache[i];
}

bool is_comparison(UfuncId id) {
  return id == UfuncId::equal || id == UfuncId::not_equal ||
         id == UfuncId::less || id == UfuncId::less_equal ||
         id == UfuncId::greater || id == UfuncId::greater_equal;
}

// Note [Comparisons with out-of-range Python integers]
// NumPy 2 compares an integer array with a Python int that its dtype cannot
// hold (uint8_array < -1, int8_array == 1000) instead of raising: the
// answer is the same for every element. Returns that constant result, or
// nothing when every weak integer fits.
std::optional<Arrays> compare_out_of_range(UfuncId id,
                                           std::span<const Array> inputs,
                                           Dtype loop,
                                           const UfuncOptions& opt) {
  int weak_pos = -1;
  int sign = 0;  // +1: above the dtype's range, -1: below it
  for (int i = 0; i < 2; ++i) {
    const Array& a = inputs[i];
    if (!a.is_weak() || !is_integer(a.dtype())) continue;
    dispatch_types(loop, "[compare]", [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        if (a.dtype() == Dtype::UInt64) {
          uint64_t v = *a.data<uint64_t>();
          if (v > static_cast<uint64_t>(std::numeric_limits<T>::max()))
            sign = 1, weak_pos = i;
        } else {
          int64_t v = *a.data<int64_t>();
          if constexpr (std::is_unsigned_v<T>) {
            if (v < 0)
              sign = -1, weak_pos = i;
            else if (static_cast<uint64_t>(v) >
                     static_cast<uint64_t>(std::numeric_limits<T>::max()))
              sign = 1, weak_pos = i;
          } else {
            if (v < std::numeric_limits<T>::min())
              sign = -1, weak_pos = i;
            else if (v > std::numeric_limits<T>::max())
              sign = 1, weak_pos = i;
          }
        }
      }
    });
  }
  if (weak_pos < 0) return std::nullopt;
  // Orient as "array OP scalar": scalar above the range means every
  // element is below it.
  bool below = (sign > 0) == (weak_pos == 1);  // array < scalar
  bool value = false;
  switch (id) {
    case UfuncId::equal: value = false; break;
    case UfuncId::not_equal: value = true; break;
    case UfuncId::less:
    case UfuncId::less_equal: value = below; break;
    default: value = !below; break;  // greater, greater_equal
  }
  const Array& other = inputs[1 - weak_pos];
  Shape shape = other.shape();
  if (!opt.out.empty())
    shape = broadcast_shapes(shape, opt.out[0].shape(), ufunc_info(id).name);
  Array r = empty_for(shape, Dtype::Bool, other.device(), {&other, 1});
  fill(r, weak_scalar(value));
  if (opt.out.empty() && !opt.where) return Arrays{r};
  if (opt.out.empty()) {
    Array o = empty_for(shape, Dtype::Bool, other.device(), {&other, 1});
    fill(o, weak_scalar(false));
    copyto(o, r, Casting::Unsafe, opt.where);
    return Arrays{o};
  }
  copyto(opt.out[0], r, opt.casting, opt.where);
  return Arrays{opt.out[0]};
}

// NumPy 2 compares signed integers with uint64 exactly (not in float64, the
// promoted dtype): s OP u is decided by the sign of s and, for s >= 0, by
// comparing s as uint64.
std::optional<Arrays> compare_signed_unsigned(UfuncId id,
                                              std::span<const Array> inputs,
                                              const UfuncOptions& opt) {
  const Array &x = inputs[0], &y = inputs[1];
  if (x.is_weak() || y.is_weak() || opt.dtype) return std::nullopt;
  int si;
  if (is_signed_integer(x.dtype()) && y.dtype() == Dtype::UInt64)
    si = 0;
  else if (x.dtype() == Dtype::UInt64 && is_signed_integer(y.dtype()))
    si = 1;
  else
    return std::nullopt;
  UfuncId op = id;
  if (si == 1) {  // u OP s == s OP' u
    if (id == UfuncId::less) op = UfuncId::greater;
    if (id == UfuncId::less_equal) op = UfuncId::greater_equal;
    if (id == UfuncId::greater) op = UfuncId::less;
    if (id == UfuncId::greater_equal) op = UfuncId::less_equal;
  }
  const Array& sv = inputs[si];
  Array in_neg[2] = {sv, weak_scalar(int64_t(0))};
  Array neg = apply_ufunc(UfuncId::less, in_neg)[0];
  Array in_cmp[2] = {astype(sv, Dtype::UInt64), inputs[1 - si]};
  Array cmp = apply_ufunc(op, in_cmp)[0];
  bool negative_true = op == UfuncId::less || op == UfuncId::less_equal ||
                       op == UfuncId::not_equal;
  Array r;
  if (negative_true) {
    Array in[2] = {neg, cmp};
    r = apply_ufunc(UfuncId::logical_or, in)[0];
  } else {
    Array not_neg[1] = {neg};
    Array in[2] = {apply_ufunc(UfuncId::logical_not, not_neg)[0], cmp};
    r = apply_ufunc(UfuncId::logical_and, in)[0];
  }
  if (opt.out.empty() && !opt.where) return Arrays{r};
  // out= and where= through a bool ufunc that copies r (r or r).
  Array in[2] = {r, r};
  return apply_ufunc(UfuncId::logical_or, in, opt);
}

// Integer power with a negative exponent is a ValueError in NumPy.
void check_no_negative_exponent(const Array& b) {
  bool negative = false;
  if (b.size() == 1 && b.device().is_cpu()) {
    negative = b.item<int64_t>() < 0;
  } else if (b.size() > 0) {
    Array z[2] = {b, weak_scalar(int64_t(0))};
    Array neg = apply_ufunc(UfuncId::less, z)[0];
    negative =
        ufunc_reduce(UfuncId::logical_or, neg, std::nullopt).item<bool>();
  }
  if (negative)
    throw ValueError(
        "[power] Integers to negative integer powers are not allowed.");
}

}  // namespace

Arrays apply_ufunc(UfuncId id, std::span<const Array> inputs,
                   const UfuncOptions& opt) {
  const UfuncInfo& info = ufunc_info(id);
  if (static_cast<int>(inputs.size()) != info.nin)
    throw TypeError(std::string("[") + info.name + "] takes " +
                    std::to_string(info.nin) + " arguments, got " +
                    std::to_string(inputs.size()));
  Dtype loop;
  if (info.in == UfuncIn::FloatInt && !opt.dtype) {
    Dtype d[2] = {inputs[0].dtype(), inputs[1].dtype()};
    bool w[2] = {inputs[0].is_weak(), inputs[1].is_weak()};
    loop = ufunc_resolve_loop(id, d, w, 2);
  } else {
    loop = ufunc_loop_dtype(id, opt.dtype ? *opt.dtype : result_type(inputs));
  }
  Dtype out_dtype = ufunc_out_dtype(id, loop);
  if (is_comparison(id) && is_integer(loop))
    if (auto r = compare_out_of_range(id, inputs, loop, opt)) return *r;
  if (is_comparison(id) && loop == Dtype::Float64)
    if (auto r = compare_signed_unsigned(id, inputs, opt)) return *r;

  // Inputs are cast to the loop dtype (ldexp's exponent to int64); weak
  // scalars must fit in it.
  Array cast_in[3];
  for (int i = 0; i < info.nin; ++i) {
    const Array& a = inputs[i];
    Dtype target =
        (info.in == UfuncIn::FloatInt && i == 1) ? Dtype::Int64 : loop;
    check_weak_int_fits(a, target, info.name);
    // A Python scalar under dtype= and a strict casting rule may not change
    // kind (float -> int), as in NumPy.
    bool weak_ok = !a.is_weak() || opt.casting == Casting::Unsafe ||
                   weak_rank(kind(a.dtype())) <= weak_rank(kind(target));
    if (a.dtype() != target || !weak_ok) {
      if (opt.dtype && (a.is_weak() ? !weak_ok
                                    : !can_cast(a.dtype(), target,
                                                opt.casting)))
        throw TypeError(std::string("[") + info.name + "] cannot cast ufunc '" +
                        info.name + "' input from dtype('" +
                        dtype_name(a.dtype()) + "') to dtype('" +
                        dtype_name(target) + "') with casting rule '" +
                        casting_name(opt.casting) + "'");
      cast_in[i] = astype(a, target);
    } else {
      cast_in[i] = a;
    }
  }
  std::span<const Array> ins(cast_in, info.nin);
  if (id == UfuncId::power && is_signed_integer(loop))
    check_no_negative_exponent(cast_in[1]);
  auto prim = ufunc_primitive(id, loop);

  if (opt.out.empty() && !opt.where) {
    return dispatch(std::move(prim), ins);
  }

  // With out= or where=: the result shape includes the outputs' shapes.
  const Shape in_shape = broadcast_shapes(ins, info.name);
  Shape shape = in_shape;
  Arrays outs;
  if (!opt.out.empty()) {
    if (static_cast<int>(opt.out.size()) != info.nout)
      throw ValueError(std::string("[") + info.name +
                       "] the 'out' tuple must have length " +
                       std::to_string(info.nout));
    const Shape& oshape = opt.out[0].shape();
    Shape full = broadcast_shapes(shape, oshape, info.name);
    if (!(full == oshape))
      throw ValueError(std::string("[") + info.name +
                       "] non-broadcastable output operand with shape " +
                       shape_str(oshape) +
                       " doesn't match the broadcast shape " + shape_str(full));
    shape = full;
    for (const Array& o : opt.out) {
      if (!can_cast(out_dtype, o.dtype(), opt.casting))
        throw TypeError(std::string("[") + info.name +
                        "] cannot cast ufunc '" + info.name +
                        "' output from dtype('" + dtype_name(out_dtype) +
                        "') to dtype('" + dtype_name(o.dtype()) +
                        "') with casting rule '" + casting_name(opt.casting) +
                        "'");
      outs.push_back(o);
    }
  } else {
    for (int k = 0; k < info.nout; ++k)
      outs.push_back(empty_for(shape, out_dtype, common_device(ins, info.name), ins));
  }
  // Only an output larger than the inputs' broadcast needs the inputs
  // broadcast; Python scalars then go to the output's device first (Note
  // [Scalars before broadcasting]). Otherwise they stay 0-d host values,
  // which device kernels take by value.
  if (!(shape == in_shape)) {
    Device dev = outs[0].device();
    for (int i = 0; i < info.nin; ++i)
      cast_in[i] = broadcast_to(scalar_on(cast_in[i], dev), shape, info.name);
  }

  bool direct = !opt.where;
  for (const Array& o : outs) direct = direct && o.dtype() == out_dtype;
  if (direct) {
    // Inputs that overlap an output (other than exactly) are read first.
    for (int i = 0; i < info.nin; ++i)
      for (const Array& o : outs)
        if (cast_in[i].may_overlap(o) &&
            !(cast_in[i].strides() == o.strides() &&
              cast_in[i].offset() == o.offset()))
          cast_in[i] = copy(cast_in[i]);
    dispatch_into(std::move(prim), ins, outs);
    return outs;
  }
  Arrays tmp = dispatch(std::move(prim), ins);
  for (size_t k = 0; k < outs.size(); ++k)
    copyto(outs[k], tmp[k], Casting::Unsafe, opt.where);
  return outs;
}

#define ARRAX_UFUNC(name, nin, nout, types, out, in, deriv) \
  ARRAX_UFUNC_DEF_##nin##_##nout(name)
#define ARRAX_UFUNC_DEF_1_1(name)                    \
  Array name(const Array& a) {                       \
    Array in[1] = {a};                               \
    return apply_ufunc(UfuncId::name, in)[0];        \
  }
#define ARRAX_UFUNC_DEF_2_1(name)                    \
  Array name(const Array& a, const Array& b) {       \
    Array in[2] = {a, b};                            \
    return apply_ufunc(UfuncId::name, in)[0];        \
  }
#define ARRAX_UFUNC_DEF_2_2(name)                                 \
  std::pair<Array, Array> name(const Array& a, const Array& b) {  \
    Array in[2] = {a, b};                                         \
    Arrays r = apply_ufunc(UfuncId::name, in);                    \
    return {r[0], r[1]};                                          \
  }
#define ARRAX_UFUNC_DEF_3_1(name)                                  \
  Array name(const Array& a, const Array& b, const Array& c) {     \
    Array in[3] = {a, b, c};                                       \
    return apply_ufunc(UfuncId::name, in)[0];                      \
  }
#include "arrax/ufuncs.def"
#undef ARRAX_UFUNC

}  // namespace arrax
