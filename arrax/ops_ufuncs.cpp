#include "arrax/ops_ufuncs.h"
#include "arrax/autograd.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "arrax/batching.h"
#include "arrax/dispatch.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_ufuncs.h"

namespace arrax {

namespace {

std::string method_name(UfuncId id, const char* method) {
  return std::string("[") + ufunc_info(id).name + "." + method + "]";
}

// `a` without dimension `axis`, at index `index` of it (a view).
Array take_along(const Array& a, int axis, int64_t index) {
  Shape shape;
  Strides strides;
  for (int d = 0; d < a.ndim(); ++d) {
    if (d == axis) continue;
    shape.push_back(a.shape()[d]);
    strides.push_back(a.strides()[d]);
  }
  return a.view(shape, strides, a.offset() + index * a.strides()[axis]);
}

// a[..., start:stop, ...] along `axis` (a view).
Array slice_along(const Array& a, int axis, int64_t start, int64_t stop) {
  Shape shape = a.shape();
  shape[axis] = std::max<int64_t>(stop - start, 0);
  return a.view(shape, a.strides(), a.offset() + start * a.strides()[axis]);
}

// The accumulator dtype of reduce/accumulate without dtype=: NumPy sums and
// multiplies bool and small integers in the default integer.
Dtype reduce_default_dtype(UfuncId id, Dtype dt) {
  if ((id == UfuncId::add || id == UfuncId::multiply) &&
      (dt == Dtype::Bool || (is_integer(dt) && itemsize(dt) < 8)))
    return is_unsigned_integer(dt) ? Dtype::UInt64 : Dtype::Int64;
  return dt;
}

// The loop dtype of a reduction-like method: input, accumulator and output
// share it. Logical ufuncs reduce in bool.
Dtype reduce_loop_dtype(UfuncId id, Dtype dt, const char* method) {
  const UfuncInfo& info = ufunc_info(id);
  if (info.nin != 2 || info.nout != 1)
    throw ValueError(method_name(id, method) + " " + method +
                     " only supported for binary functions");
  if (info.in == UfuncIn::FloatInt)  // ldexp: the operands differ in type
    throw TypeError(method_name(id, method) + " ufunc '" + info.name +
                    "' has no loop whose inputs and output share a dtype");
  Dtype loop = ufunc_loop_dtype(id, dt);
  if (ufunc_out_dtype(id, loop) != loop) {
    if (id == UfuncId::logical_and || id == UfuncId::logical_or ||
        id == UfuncId::logical_xor)
      return Dtype::Bool;
    throw TypeError(method_name(id, method) +
                    " the resolved dtypes are not compatible with the "
                    "reduction: ufunc '" +
                    info.name + "' with loop " + dtype_name(loop) +
                    " returns " + dtype_name(ufunc_out_dtype(id, loop)));
  }
  return loop;
}

// Reduces `x` (loop dtype) along one axis, starting from `init` (x's shape
// without the axis) or, when `init` is null, from the first element.
Array reduce_axis(UfuncId id, const Array& x, int axis, const Array* init) {
  Array start, rest = x;
  if (init) {
    start = *init;
  } else {
    start = take_along(x, axis, 0);
    rest = slice_along(x, axis, 1, x.shape()[axis]);
  }
  Array in[2] = {start, rest};
  return dispatch1(std::make_shared<UfuncReduce>(id, axis), in);
}

void write_out(const Array& result, const Array* out, const char* what,
               UfuncId id) {
  if (!(out->shape() == result.shape()))
    throw ValueError(method_name(id, what) + " output parameter has shape " +
                     shape_str(out->shape()) + ", expected " +
                     shape_str(result.shape()));
  copyto(*out, result, Casting::Unsafe);
}

}  // namespace

Array ufunc_reduce(UfuncId id, const Array& a,
                   const std::optional<std::vector<int64_t>>& axes_opt,
                   const UfuncReduceOptions& opt) {
  const UfuncInfo& info = ufunc_info(id);
  std::string op = method_name(id, "reduce");
  int nd = a.ndim();
  std::vector<int> axes;
  if (!axes_opt) {
    for (int d = 0; d < nd; ++d) axes.push_back(d);
  } else {
    for (int64_t ax : *axes_opt) {
      if (nd == 0 && (ax == 0 || ax == -1)) continue;  // NumPy allows these
      int d = normalize_axis(ax, nd, op.c_str() + 1);
      if (std::find(axes.begin(), axes.end(), d) != axes.end())
        throw ValueError(op + " duplicate value in 'axis'");
      axes.push_back(d);
    }
  }
  UfuncIdentity identity = ufunc_identity(id);
  Dtype loop = reduce_loop_dtype(
      id, opt.dtype ? *opt.dtype : reduce_default_dtype(id, a.dtype()),
      "reduce");
  if (axes.size() > 1 && !identity.reorderable)
    throw ValueError(op + " reduction operation '" + info.name +
                     "' is not reorderable, so at most one axis may be "
                     "specified");
  std::sort(axes.begin(), axes.end());
  Array x = astype(a, loop, false);

  // The value to start from, when there is one: initial=, else the identity.
  Array start;
  if (opt.initial) {
    start = astype(*opt.initial, loop, true);
  } else if (identity.has && opt.use_identity) {
    start = full_scalar(identity.value, loop, x.device());
  }
  Array mask;
  if (opt.where) {
    if (!start.valid())
      throw ValueError(op + " reduction operation '" + info.name +
                       "' does not have an identity, so to use a where mask "
                       "one has to specify 'initial'");
    mask = broadcast_to(astype(*opt.where, Dtype::Bool, false), x.shape(),
                        op.c_str() + 1);
    if (identity.reorderable) {
      // Masked-out elements become the identity (or, for maximum and the
      // like, which have none, the initial value: they are idempotent),
      // which leaves the reduction unchanged.
      Array fill_value =
          identity.has ? full_scalar(identity.value, loop, x.device()) : start;
      x = where(mask, x, fill_value);
      mask = Array();
    }
  }

  Shape kshape = x.shape(), rshape;
  int64_t count = 1;
  for (int d = 0; d < nd; ++d) {
    bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (reduced) {
      kshape[d] = 1;
      count *= x.shape()[d];
    } else {
      rshape.push_back(x.shape()[d]);
    }
  }

  Array result;
  if (count == 0) {
    if (!start.valid())
      throw ValueError(op + " zero-size array to reduction operation " +
                       info.name + " which has no identity");
    result = empty_for(rshape, loop, x.device(), {&x, 1});
    fill(result, start);
  } else if (axes.empty()) {
    result = copy(x);
    if (start.valid() && opt.initial) {
      Array in[2] = {start, result};
      result = apply_ufunc(id, in)[0];
    }
  } else if (axes.size() == 1 && start.valid()) {
    Array init = empty_for(rshape, loop, x.device(), {&x, 1});
    fill(init, start);
    if (mask.valid()) {
      // A non-reorderable ufunc (subtract...) skips masked-out elements.
      Array in[3] = {init, x, mask};
      result = dispatch1(std::make_shared<UfuncReduce>(id, axes[0]), in);
    } else {
      result = reduce_axis(id, x, axes[0], &init);
    }
  } else {
    // Axis by axis from the last, each starting from its first element;
    // the start value (reorderable ufuncs only here) goes in at the end.
    result = x;
    for (auto it = axes.rbegin(); it != axes.rend(); ++it)
      result = reduce_axis(id, result, *it, nullptr);
    if (start.valid() && (opt.initial || opt.where)) {
      Array in[2] = {start, result};
      result = apply_ufunc(id, in)[0];
    }
  }
  if (opt.keepdims) result = reshape(result, kshape);
  if (opt.out) {
    write_out(result, opt.out, "reduce", id);
    return *opt.out;
  }
  return result;
}

Array ufunc_accumulate(UfuncId id, const Array& a, int64_t axis,
                       std::optional<Dtype> dtype, const Array* out) {
  std::string op = method_name(id, "accumulate");
  Dtype loop = reduce_loop_dtype(
      id, dtype ? *dtype : reduce_default_dtype(id, a.dtype()), "accumulate");
  if (a.ndim() == 0) throw TypeError(op + " cannot accumulate on a scalar");
  int ax = normalize_axis(axis, a.ndim(), op.c_str() + 1);
  Array x = astype(a, loop, false);
  Array in[1] = {x};
  Array result = dispatch1(std::make_shared<UfuncAccumulate>(id, ax), in);
  if (out) {
    write_out(result, out, "accumulate", id);
    return *out;
  }
  return result;
}

Array ufunc_reduceat(UfuncId id, const Array& a, const Array& indices,
                     int64_t axis, std::optional<Dtype> dtype,
                     const Array* out) {
  std::string op = method_name(id, "reduceat");
  Dtype loop = reduce_loop_dtype(id, dtype ? *dtype : a.dtype(), "reduceat");
  if (a.ndim() == 0) throw TypeError(op + " cannot reduceat on a scalar");
  int ax = normalize_axis(axis, a.ndim(), op.c_str() + 1);
  if (indices.ndim() != 1)
    throw ValueError(op + " index must be 1-dimensional");
  if (!(is_integer(indices.dtype()) || indices.dtype() == Dtype::Bool))
    throw TypeError(op + " indices must be integers");
  if (indices.is_batched()) refuse_batched_read("reduceat");
  Array idx = ascontiguousarray(
      to_device(astype(indices, Dtype::Int64, false), Device::cpu()));
  const int64_t* ip = idx.data<int64_t>();
  int64_t n = idx.size(), len = a.shape()[ax];
  Array x = astype(a, loop, false);
  Shape shape = x.shape();
  shape[ax] = n;
  Array result = empty_for(shape, loop, x.device(), {&x, 1});
  for (int64_t i = 0; i < n; ++i) {
    int64_t start = ip[i];
    if (start < 0 || start >= len)
      throw IndexError(op + " index " + std::to_string(start) +
                       " out-of-bounds in " + ufunc_info(id).name +
                       ".reduceat [0, " + std::to_string(len) + ")");
    int64_t stop = i + 1 < n ? ip[i + 1] : len;
    if (stop < 0 || stop > len)
      throw IndexError(op + " index " + std::to_string(stop) +
                       " out-of-bounds in " + ufunc_info(id).name +
                       ".reduceat [0, " + std::to_string(len) + ")");
    Array piece =
        start < stop
            ? reduce_axis(id, slice_along(x, ax, start, stop), ax, nullptr)
            : take_along(x, ax, start);
    copyto(take_along(result, ax, i), piece, Casting::Unsafe);
  }
  if (out) {
    write_out(result, out, "reduceat", id);
    return *out;
  }
  return result;
}

Arrays ufunc_outer(UfuncId id, const Array& a, const Array& b,
                   const UfuncOptions& opt) {
  if (ufunc_info(id).nin != 2)
    throw ValueError(method_name(id, "outer") +
                     " outer product only supported for binary functions");
  Shape shape = a.shape();
  Strides strides = a.strides();
  for (int d = 0; d < b.ndim(); ++d) {
    shape.push_back(1);
    strides.push_back(0);
  }
  Array a2 = a.view(shape, strides, a.offset());
  a2.set_weak(a.is_weak());
  Array in[2] = {a2, b};
  return apply_ufunc(id, in, opt);
}

void ufunc_at(UfuncId id, const Array& a, const Array& positions,
              const Array* b) {
  check_untracked_write("ufunc_at", a, b);
  const UfuncInfo& info = ufunc_info(id);
  std::string op = method_name(id, "at");
  if (info.nout != 1 || info.nin > 2)
    throw ValueError(op + " only unary and binary ufuncs are supported");
  if (info.nin == 2 && !b)
    throw ValueError(op + " second operand needed for ufunc");
  if (info.nin == 1 && b)
    throw ValueError(op + " second operand provided when ufunc is unary");
  Array pos = ascontiguousarray(astype(positions, Dtype::Int64, false));
  // Positions are computed on the host (NumPy's index rules): they go to
  // the target's device.
  if (!(pos.device() == a.device())) pos = to_device(pos, a.device());
  Dtype loop;
  Array vals;
  if (info.nin == 2) {
    Array a_strong = a;
    Array ins[2] = {a_strong, *b};
    if (info.in == UfuncIn::FloatInt) {
      Dtype d[2] = {a.dtype(), b->dtype()};
      bool w[2] = {false, b->is_weak()};
      loop = ufunc_resolve_loop(id, d, w, 2);
    } else {
      loop = ufunc_loop_dtype(id, result_type(ins));
    }
    Dtype vt = info.in == UfuncIn::FloatInt ? Dtype::Int64 : loop;
    // See Note [Scalars before broadcasting] in ops.cpp.
    vals = ascontiguousarray(astype(
        broadcast_to(scalar_on(*b, a.device()), pos.shape(), op.c_str() + 1),
        vt, true));
  } else {
    loop = ufunc_loop_dtype(id, a.dtype());
  }
  if (ufunc_out_dtype(id, loop) != loop)
    throw TypeError(op + " ufunc '" + info.name + "' with loop " +
                    dtype_name(loop) + " cannot write its " +
                    dtype_name(ufunc_out_dtype(id, loop)) + " result in place");
  Array target = a.dtype() == loop ? a : astype(a, loop, true);
  std::vector<Array> in = {target, pos};
  if (vals.valid()) in.push_back(vals);
  Array outs[1] = {target};
  dispatch_into(std::make_shared<UfuncAt>(id), in, outs);
  if (!target.is(a)) copyto(a, target, Casting::Unsafe);
}

// ---- functions built on ufuncs -------------------------------------------

Array around(const Array& a, int64_t decimals, const Array* out) {
  Dtype dt = a.dtype();
  Array result;
  if (dt == Dtype::Bool) {
    if (decimals != 0)
      throw TypeError(
          "[around] Cannot cast ufunc 'multiply' output from dtype('float64') "
          "to dtype('bool') with casting rule 'same_kind'");
    result = rint(a);
  } else if (is_integer(dt) && decimals >= 0) {
    result = copy(a);
  } else {
    // NumPy's PyArray_Round: scale, round half to even, scale back, in the
    // array's own (inexact) dtype, or in float64 for integers.
    Dtype work = is_integer(dt) ? Dtype::Float64 : dt;
    int64_t d = decimals < 0 ? -decimals : decimals;
    Array f =
        full_scalar(std::pow(10.0, static_cast<double>(d)), work, a.device());
    Array x = astype(a, work, false);
    Array in1[2] = {x, f};
    Array r = apply_ufunc(decimals >= 0 ? UfuncId::multiply : UfuncId::divide,
                          in1)[0];
    r = rint(r);
    Array in2[2] = {r, f};
    r = apply_ufunc(decimals >= 0 ? UfuncId::divide : UfuncId::multiply,
                    in2)[0];
    result = is_integer(dt) ? astype(r, dt, true) : r;
  }
  if (out) {
    if (!(out->shape() == result.shape()))
      throw ValueError("[around] output array has shape " +
                       shape_str(out->shape()) + ", expected " +
                       shape_str(result.shape()));
    copyto(*out, result, Casting::Unsafe);
    return *out;
  }
  return result;
}

Array fix(const Array& a, const Array* out) {
  if (is_complex(a.dtype()))
    throw TypeError(
        "[fix] ufunc 'ceil' not supported for the input types, and the "
        "inputs could not be safely coerced to any supported types");
  Array in[1] = {a};
  UfuncOptions opt;
  if (out) opt.out = std::span<const Array>(out, 1);
  return apply_ufunc(UfuncId::trunc, in, opt)[0];
}

namespace {
// A weak (Python) int bound beyond an integer dtype's range is as if absent
// (NumPy's _clip: `min <= iinfo.min` means no lower bound).
bool weak_int_beyond(const Array* bound, Dtype dt, bool lower) {
  if (!bound || !bound->is_weak() || !is_integer(bound->dtype()) ||
      !is_integer(dt))
    return false;
  return dispatch_types(dt, "[clip]", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      if (bound->dtype() == Dtype::UInt64) {
        uint64_t v = *bound->data<uint64_t>();
        return !lower &&
               v >= static_cast<uint64_t>(std::numeric_limits<T>::max());
      }
      int64_t v = *bound->data<int64_t>();
      if (lower) {
        if constexpr (std::is_unsigned_v<T>)
          return v <= 0;
        else
          return v <= static_cast<int64_t>(std::numeric_limits<T>::min());
      }
      if (v < 0) return false;
      return static_cast<uint64_t>(v) >=
             static_cast<uint64_t>(std::numeric_limits<T>::max());
    }
    return false;
  });
}
}  // namespace

Array clip(const Array& a, const Array* lo, const Array* hi,
           const UfuncOptions& opt) {
  if (weak_int_beyond(lo, a.dtype(), true)) lo = nullptr;
  if (weak_int_beyond(hi, a.dtype(), false)) hi = nullptr;
  if (!lo && !hi) {
    Array in[1] = {a};
    return apply_ufunc(UfuncId::positive, in, opt)[0];
  }
  if (!lo) {
    Array in[2] = {a, *hi};
    return apply_ufunc(UfuncId::minimum, in, opt)[0];
  }
  if (!hi) {
    Array in[2] = {a, *lo};
    return apply_ufunc(UfuncId::maximum, in, opt)[0];
  }
  Array in[3] = {a, *lo, *hi};
  return apply_ufunc(UfuncId::clip, in, opt)[0];
}

namespace {
// The real (part 0) or imaginary (part 1) floats of a complex array.
Array complex_part(const Array& a, int part) {
  if (a.requires_grad() && is_grad_enabled())
    return complex_part_recorded(a, part == 1);
  Strides strides = a.strides();
  for (auto& s : strides) s *= 2;
  return Array::view_of(a.storage(), a.shape(), strides, a.offset() * 2 + part,
                        real_dtype(a.dtype()));
}
}  // namespace

Array real(const Array& a) {
  if (!is_complex(a.dtype())) return a;
  return complex_part(a, 0);
}

Array imag(const Array& a) {
  if (!is_complex(a.dtype())) {
    Array z = Array::empty(a.shape(), a.dtype(), a.device());
    fill(z, weak_scalar(false));
    return z;
  }
  return complex_part(a, 1);
}

Array angle(const Array& a, bool deg) {
  Array y, x;
  if (is_complex(a.dtype())) {
    y = imag(a);
    x = real(a);
  } else {
    y = weak_scalar(int64_t(0));
    x = a;
  }
  Array r = arctan2(y, x);
  if (deg) r = multiply(r, weak_scalar(180.0 / 3.14159265358979323846));
  return r;
}

// ---- primitives' shape inference -----------------------------------------

OutputSpecs UfuncReduce::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[1].dtype()});
  return specs;
}

OutputSpecs UfuncAccumulate::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[0].dtype()});
  return specs;
}

OutputSpecs UfuncAt::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[0].dtype()});
  return specs;
}

}  // namespace arrax
