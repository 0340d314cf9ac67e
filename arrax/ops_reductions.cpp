// Reductions and scans with NumPy semantics (axes, dtypes, keepdims, out=,
// initial=, where=, errors), and the shape/dtype inference of their
// primitives. Kernels: backend/cpu/reduce.cpp.
#include "arrax/ops_reductions.h"
#include "arrax/autograd.h"

#include <algorithm>
#include <cmath>

#include "arrax/dispatch.h"
#include "arrax/ops.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_reductions.h"

namespace arrax {

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Prod: return "prod";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
    case ReduceOp::Any: return "any";
    case ReduceOp::All: return "all";
    case ReduceOp::NanSum: return "nansum";
    case ReduceOp::NanProd: return "nanprod";
    case ReduceOp::NanMax: return "nanmax";
    case ReduceOp::NanMin: return "nanmin";
  }
  return "reduce";
}

namespace {

Shape reduced_shape(const Shape& s, std::span<const int64_t> axes,
                    bool keepdims) {
  Shape out;
  for (int d = 0; d < static_cast<int>(s.size()); ++d) {
    bool red = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (!red)
      out.push_back(s[d]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

}  // namespace

OutputSpecs Reduce::output_specs(std::span<const Array> inputs) const {
  const Array& x = inputs[0];
  Dtype dt = (op_ == ReduceOp::Any || op_ == ReduceOp::All) ? Dtype::Bool
                                                            : x.dtype();
  OutputSpecs specs;
  specs.push_back({reduced_shape(x.shape(), axes_, keepdims_), dt});
  return specs;
}

const char* ArgReduce::name() const {
  switch (op_) {
    case ArgReduceOp::ArgMax: return "argmax";
    case ArgReduceOp::ArgMin: return "argmin";
    case ArgReduceOp::NanArgMax: return "nanargmax";
    case ArgReduceOp::NanArgMin: return "nanargmin";
  }
  return "argreduce";
}

OutputSpecs ArgReduce::output_specs(std::span<const Array> inputs) const {
  int64_t ax = axis_;
  OutputSpecs specs;
  specs.push_back(
      {reduced_shape(inputs[0].shape(), std::span(&ax, 1), keepdims_),
       Dtype::Int64});
  return specs;
}

const char* Scan::name() const {
  switch (op_) {
    case ScanOp::CumSum: return "cumsum";
    case ScanOp::CumProd: return "cumprod";
    case ScanOp::NanCumSum: return "nancumsum";
    case ScanOp::NanCumProd: return "nancumprod";
  }
  return "scan";
}

OutputSpecs Scan::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[0].dtype()});
  return specs;
}

OutputSpecs StdSqrt::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[0].dtype()});
  return specs;
}

namespace {

std::string bracket(const char* op) { return std::string("[") + op + "] "; }

Axes reduce_axes(const Array& a, const std::optional<Axes>& axis,
                 const char* op) {
  Axes axes;
  if (!axis) {
    for (int d = 0; d < a.ndim(); ++d) axes.push_back(d);
    return axes;
  }
  axes = normalize_axes(*axis, a.ndim(), op);
  std::sort(axes.begin(), axes.end());
  return axes;
}

// sum/prod/cumsum of bool and small integers accumulate in (u)int64.
Dtype sum_dtype(Dtype dt) {
  if (dt == Dtype::Bool) return Dtype::Int64;
  if (is_signed_integer(dt) && itemsize(dt) < 8) return Dtype::Int64;
  if (is_unsigned_integer(dt) && itemsize(dt) < 8) return Dtype::UInt64;
  return dt;
}

// Writes `result` into `out` (exact shape; NumPy casts unsafely).
Array into_out(const Array& result, const Array* out, const char* op) {
  if (!out) return result;
  if (out->shape() != result.shape())
    throw ValueError(bracket(op) + "output parameter has shape " +
                     shape_str(out->shape()) + " but the result has shape " +
                     shape_str(result.shape()));
  copyto(*out, result, Casting::Unsafe);
  return *out;
}

int64_t reduced_count(const Array& a, std::span<const int64_t> axes) {
  int64_t n = 1;
  for (int64_t ax : axes) n *= a.shape()[ax];
  return n;
}

const char* numpy_ufunc_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Max: return "maximum";
    case ReduceOp::Min: return "minimum";
    case ReduceOp::NanMax: return "fmax";
    case ReduceOp::NanMin: return "fmin";
    default: return reduce_op_name(op);
  }
}

// The core of sum/prod/max/min/any/all and the NaN variants.
Array reduce_impl(ReduceOp rop, const char* name, const Array& a,
                  const ReduceArgs& args, Dtype acc, double divisor = 0) {
  Axes axes = reduce_axes(a, args.axis, name);
  const bool extremum = rop == ReduceOp::Max || rop == ReduceOp::Min ||
                        rop == ReduceOp::NanMax || rop == ReduceOp::NanMin;
  const bool boolean = rop == ReduceOp::Any || rop == ReduceOp::All;
  Array x = (boolean || a.dtype() == acc) ? a : astype(a, acc);
  Array init;
  if (args.initial) {
    if (boolean)
      throw TypeError(bracket(name) + "got an unexpected keyword argument "
                      "'initial'");
    init = astype(*args.initial, acc);
    if (init.ndim() != 0)
      throw ValueError(bracket(name) + "initial must be a scalar");
    if (!init.device().is_cpu()) init = to_device(init, Device::cpu());
  }
  if (extremum && !args.initial) {
    Shape rs = reduced_shape(a.shape(), axes, false);
    if (args.where)
      throw ValueError(bracket(name) + "reduction operation '" +
                       numpy_ufunc_name(rop) +
                       "' does not have an identity, so to use a where mask "
                       "one has to specify 'initial'");
    if (reduced_count(a, axes) == 0 && (shape_size(rs) > 0 || a.size() == 0))
      throw ValueError(bracket(name) +
                       "zero-size array to reduction operation " +
                       numpy_ufunc_name(rop) + " which has no identity");
  }
  if (args.where) {
    Array w = broadcast_to(astype(*args.where, Dtype::Bool, false), a.shape(),
                           name);
    // Masked-out elements become the identity (or the initial value, which
    // is combined anyway).
    Array fill;
    if (extremum)
      fill = init;
    else {
      double id = (rop == ReduceOp::Prod || rop == ReduceOp::NanProd ||
                   rop == ReduceOp::All)
                      ? 1.0
                      : 0.0;
      fill = full_scalar(id, x.dtype(), Device::cpu());
    }
    x = where(w, x, fill);
  }
  std::vector<Array> inputs{x};
  if (init.valid()) inputs.push_back(init);
  auto prim = std::make_shared<Reduce>(rop, axes, args.keepdims, divisor);
  if (args.out) {
    OutputSpecs spec = prim->output_specs(inputs);
    if (args.out->dtype() == spec[0].dtype &&
        args.out->shape() == spec[0].shape && !args.out->may_overlap(x)) {
      Array o = *args.out;
      dispatch_into(prim, inputs, std::span(&o, 1));
      return o;
    }
  }
  return into_out(dispatch1(prim, inputs), args.out, name);
}

Array extremum(ReduceOp rop, ReduceOp int_op, const char* name,
               const Array& a, const ReduceArgs& args) {
  if (args.dtype)
    throw TypeError(bracket(name) + "got an unexpected keyword argument "
                    "'dtype'");
  if (!is_inexact(a.dtype())) rop = int_op;
  return reduce_impl(rop, name, a, args, a.dtype());
}

// A real view of the real (part 0) or imaginary (part 1) components.
Array complex_part(const Array& x, int part) {
  if (x.requires_grad() && is_grad_enabled())
    return complex_part_recorded(x, part == 1);
  Strides st;
  for (int64_t s : x.strides()) st.push_back(2 * s);
  return Array::view_of(x.storage(), x.shape(), st, 2 * x.offset() + part,
                        real_dtype(x.dtype()));
}

// |x|^2 in the real dtype, as NumPy's multiply(x, conj(x)).real.
Array abs2(const Array& x) {
  if (!is_complex(x.dtype())) return multiply(x, x);
  Array re = complex_part(x, 0), im = complex_part(x, 1);
  return add(multiply(re, re), multiply(im, im));
}

// The number of elements each output element reduces: a weak scalar, or an
// int64 array of the where mask's counts.
Array element_count(const Array& a, const Axes& axes, bool keepdims,
                    const Array* where_) {
  if (!where_)
    return weak_scalar(static_cast<double>(reduced_count(a, axes)));
  Array w =
      broadcast_to(astype(*where_, Dtype::Bool, false), a.shape(), "mean");
  ReduceArgs ca;
  ca.axis = axes;
  ca.keepdims = keepdims;
  return sum(w, ca);
}

// num / count, computed as NumPy's true_divide(..., casting='unsafe') back
// into num's dtype.
Array divide_keep(const Array& num, const Array& count) {
  Array q = divide(num, count);
  return q.dtype() == num.dtype() ? q : astype(q, num.dtype());
}

Array sqrt_of(const Array& v) {
  return dispatch1(std::make_shared<StdSqrt>(), std::span(&v, 1));
}

// NumPy's nan-functions refuse an integer dtype= for a float input.
void check_nan_dtype(const Array& a, const ReduceArgs& args, const char* op) {
  if (is_inexact(a.dtype()) && args.dtype && !is_inexact(*args.dtype))
    throw TypeError(bracket(op) + "If a is inexact, then dtype must be inexact");
}

Array mean_impl(const Array& a, const ReduceArgs& args, bool nan) {
  const char* name = nan ? "nanmean" : "mean";
  if (nan) check_nan_dtype(a, args, name);
  Axes axes = reduce_axes(a, args.axis, name);
  if (nan && !is_inexact(a.dtype())) nan = false;
  Dtype acc;
  Dtype result;
  if (args.dtype) {
    acc = result = *args.dtype;
  } else if (!is_inexact(a.dtype())) {
    acc = result = Dtype::Float64;
  } else if (a.dtype() == Dtype::Float16 && !nan) {
    acc = Dtype::Float32;  // NumPy sums float16 in float32 for mean
    result = Dtype::Float16;
  } else {
    acc = result = a.dtype();
  }
  ReduceArgs sa = args;
  sa.axis = axes;
  sa.out = nullptr;
  sa.dtype = acc;
  Array total, count;
  if (!nan && !args.where && acc == result &&
      (acc == Dtype::Float32 || acc == Dtype::Float64) &&
      reduced_count(a, axes) > 0) {
    // The sum and the division by the count in one primitive (one pass on
    // the GPU): the same sum rounded to acc, then divided in acc.
    Array r = reduce_impl(ReduceOp::Sum, name, a, sa, acc,
                          static_cast<double>(reduced_count(a, axes)));
    return into_out(r, args.out, name);
  }
  if (nan) {
    total = nansum(a, sa);
    Array valid = equal(a, a);  // false where NaN
    ReduceArgs ca = sa;
    ca.dtype = Dtype::Int64;
    count = sum(valid, ca);
  } else {
    total = sum(a, sa);
    count = element_count(a, axes, args.keepdims, args.where);
  }
  Array q = divide(total, count);
  Array r = q.dtype() == result ? q : astype(q, result);
  return into_out(r, args.out, name);
}

Array var_impl(const Array& a, const ReduceArgs& args, double ddof, bool nan,
               bool take_sqrt) {
  const char* name = nan ? (take_sqrt ? "nanstd" : "nanvar")
                         : (take_sqrt ? "std" : "var");
  if (nan) check_nan_dtype(a, args, name);
  Axes axes = reduce_axes(a, args.axis, name);
  if (nan && !is_inexact(a.dtype())) nan = false;
  std::optional<Dtype> sum_dt = args.dtype;
  if (!sum_dt && !is_inexact(a.dtype())) sum_dt = Dtype::Float64;
  ReduceArgs ka;
  ka.axis = axes;
  ka.keepdims = true;
  ka.dtype = sum_dt;
  ka.where = args.where;
  ReduceArgs ra = ka;
  ra.keepdims = args.keepdims;
  ra.dtype = args.dtype;
  Array ret, dof;
  if (!nan) {
    // NumPy's _var: mean with keepdims, squared deviations, sum, divide.
    Array arrmean = sum(a, ka);
    arrmean = divide_keep(arrmean, element_count(a, axes, true, args.where));
    Array x = subtract(a, arrmean);
    ret = sum(abs2(x), ra);
    Array count = element_count(a, axes, args.keepdims, args.where);
    Array c = subtract(count, weak_scalar(ddof));
    Array zero = weak_scalar(0.0);
    dof = where(less(c, zero), zero, c);
    ret = divide_keep(ret, dof);
  } else {
    // NumPy's _nanvar: NaNs replaced by 0 and excluded from the counts.
    Array valid = equal(a, a);
    Array arr = where(valid, a, full_scalar(0.0, a.dtype(), Device::cpu()));
    ReduceArgs ca = ka;
    ca.dtype = Dtype::Int64;
    Array cnt = sum(valid, ca);
    Array avg = divide_keep(sum(arr, ka), cnt);
    Array dev = subtract(arr, avg);
    if (dev.dtype() != a.dtype()) dev = astype(dev, a.dtype());
    dev = where(valid, dev, full_scalar(0.0, a.dtype(), Device::cpu()));
    ret = sum(abs2(dev), ra);
    if (!args.keepdims) cnt = squeeze(cnt, axes);
    dof = subtract(cnt, weak_scalar(ddof));
    ret = divide_keep(ret, dof);
    Array nanv = full_scalar(std::nan(""), ret.dtype(), Device::cpu());
    Array bad = less(dof, weak_scalar(1e-300));  // dof <= 0
    ret = where(bad, nanv, ret);
  }
  if (take_sqrt) ret = sqrt_of(ret);
  return into_out(ret, args.out, name);
}

Array arg_impl(ArgReduceOp op, const char* name, const Array& a,
               std::optional<int64_t> axis, bool keepdims, const Array* out) {
  if ((op == ArgReduceOp::NanArgMax || op == ArgReduceOp::NanArgMin) &&
      !is_inexact(a.dtype()))
    op = op == ArgReduceOp::NanArgMax ? ArgReduceOp::ArgMax
                                      : ArgReduceOp::ArgMin;
  Array x = a;
  int ax;
  if (!axis) {
    x = ravel(a);
    ax = 0;
  } else {
    ax = normalize_axis(*axis, a.ndim(), name);
  }
  const bool is_arg_max =
      op == ArgReduceOp::ArgMax || op == ArgReduceOp::NanArgMax;
  if (x.shape()[ax] == 0)
    throw ValueError(bracket(name) + "attempt to get " +
                     (is_arg_max ? "argmax" : "argmin") +
                     " of an empty sequence");
  Array r = dispatch1(std::make_shared<ArgReduce>(op, ax, keepdims && axis.has_value()),
                      std::span(&x, 1));
  if (!axis && keepdims) r = reshape(r, Shape(static_cast<size_t>(a.ndim()), int64_t{1}));
  return into_out(r, out, name);
}

Array scan_impl(ScanOp op, const char* name, const Array& a,
                std::optional<int64_t> axis, std::optional<Dtype> dtype,
                const Array* out) {
  Dtype acc = dtype ? *dtype : sum_dtype(a.dtype());
  bool nan = op == ScanOp::NanCumSum || op == ScanOp::NanCumProd;
  if (nan && !is_inexact(acc))
    op = op == ScanOp::NanCumSum ? ScanOp::CumSum : ScanOp::CumProd;
  Array x = a;
  int ax;
  if (!axis) {
    x = ravel(a);
    ax = 0;
  } else {
    ax = normalize_axis(*axis, a.ndim(), name);
  }
  if (x.dtype() != acc) x = astype(x, acc);
  auto prim = std::make_shared<Scan>(op, ax);
  if (out && out->dtype() == acc && out->shape() == x.shape() &&
      !out->may_overlap(x)) {
    Array o = *out;
    dispatch_into(prim, std::span(&x, 1), std::span(&o, 1));
    return o;
  }
  return into_out(dispatch1(prim, std::span(&x, 1)), out, name);
}

}  // namespace

// ---- public ops --------------------------------------------------------------

Array sum(const Array& a, const ReduceArgs& args) {
  return reduce_impl(ReduceOp::Sum, "sum", a, args,
                     args.dtype ? *args.dtype : sum_dtype(a.dtype()));
}
Array prod(const Array& a, const ReduceArgs& args) {
  return reduce_impl(ReduceOp::Prod, "prod", a, args,
                     args.dtype ? *args.dtype : sum_dtype(a.dtype()));
}
Array nansum(const Array& a, const ReduceArgs& args) {
  Dtype acc = args.dtype ? *args.dtype : sum_dtype(a.dtype());
  return reduce_impl(is_inexact(a.dtype()) ? ReduceOp::NanSum : ReduceOp::Sum,
                     "nansum", a, args, acc);
}
Array nanprod(const Array& a, const ReduceArgs& args) {
  Dtype acc = args.dtype ? *args.dtype : sum_dtype(a.dtype());
  return reduce_impl(
      is_inexact(a.dtype()) ? ReduceOp::NanProd : ReduceOp::Prod, "nanprod",
      a, args, acc);
}
Array max(const Array& a, const ReduceArgs& args) {
  return extremum(ReduceOp::Max, ReduceOp::Max, "max", a, args);
}
Array min(const Array& a, const ReduceArgs& args) {
  return extremum(ReduceOp::Min, ReduceOp::Min, "min", a, args);
}
Array nanmax(const Array& a, const ReduceArgs& args) {
  return extremum(ReduceOp::NanMax, ReduceOp::Max, "nanmax", a, args);
}
Array nanmin(const Array& a, const ReduceArgs& args) {
  return extremum(ReduceOp::NanMin, ReduceOp::Min, "nanmin", a, args);
}
Array any(const Array& a, const ReduceArgs& args) {
  return reduce_impl(ReduceOp::Any, "any", a, args, Dtype::Bool);
}
Array all(const Array& a, const ReduceArgs& args) {
  return reduce_impl(ReduceOp::All, "all", a, args, Dtype::Bool);
}
Array ptp(const Array& a, const ReduceArgs& args) {
  if (a.dtype() == Dtype::Bool)
    throw TypeError(
        "[ptp] numpy boolean subtract, the `-` operator, is not supported, "
        "use the bitwise_xor, the `^` operator, or the logical_xor function "
        "instead.");
  ReduceArgs r = args;
  r.out = nullptr;
  Array d = subtract(max(a, r), min(a, r));
  if (d.dtype() != a.dtype()) d = astype(d, a.dtype());
  return into_out(d, args.out, "ptp");
}
Array mean(const Array& a, const ReduceArgs& args) {
  return mean_impl(a, args, false);
}
Array nanmean(const Array& a, const ReduceArgs& args) {
  return mean_impl(a, args, true);
}
Array var(const Array& a, const ReduceArgs& args, double ddof) {
  return var_impl(a, args, ddof, false, false);
}
Array std(const Array& a, const ReduceArgs& args, double ddof) {
  return var_impl(a, args, ddof, false, true);
}
Array nanvar(const Array& a, const ReduceArgs& args, double ddof) {
  return var_impl(a, args, ddof, true, false);
}
Array nanstd(const Array& a, const ReduceArgs& args, double ddof) {
  return var_impl(a, args, ddof, true, true);
}

Array argmax(const Array& a, std::optional<int64_t> axis, bool keepdims,
             const Array* out) {
  return arg_impl(ArgReduceOp::ArgMax, "argmax", a, axis, keepdims, out);
}
Array argmin(const Array& a, std::optional<int64_t> axis, bool keepdims,
             const Array* out) {
  return arg_impl(ArgReduceOp::ArgMin, "argmin", a, axis, keepdims, out);
}
Array nanargmax(const Array& a, std::optional<int64_t> axis, bool keepdims,
                const Array* out) {
  return arg_impl(ArgReduceOp::NanArgMax, "nanargmax", a, axis, keepdims,
                  out);
}
Array nanargmin(const Array& a, std::optional<int64_t> axis, bool keepdims,
                const Array* out) {
  return arg_impl(ArgReduceOp::NanArgMin, "nanargmin", a, axis, keepdims,
                  out);
}

Array cumsum(const Array& a, std::optional<int64_t> axis,
             std::optional<Dtype> dtype, const Array* out) {
  return scan_impl(ScanOp::CumSum, "cumsum", a, axis, dtype, out);
}
Array cumprod(const Array& a, std::optional<int64_t> axis,
              std::optional<Dtype> dtype, const Array* out) {
  return scan_impl(ScanOp::CumProd, "cumprod", a, axis, dtype, out);
}
Array nancumsum(const Array& a, std::optional<int64_t> axis,
                std::optional<Dtype> dtype, const Array* out) {
  return scan_impl(ScanOp::NanCumSum, "nancumsum", a, axis, dtype, out);
}
Array nancumprod(const Array& a, std::optional<int64_t> axis,
                 std::optional<Dtype> dtype, const Array* out) {
  return scan_impl(ScanOp::NanCumProd, "nancumprod", a, axis, dtype, out);
}

}  // namespace arrax
