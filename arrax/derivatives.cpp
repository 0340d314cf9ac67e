// vjps of the primitives outside the ufunc table (that one is
// derivatives_ufunc.cpp), and the primitives autograd adds for them: View,
// IndexAdd, MaskedPlace. Every vjp is written in ops, so it is
// differentiable again (create_graph).
#include <algorithm>
#include <numeric>

#include "arrax/autograd.h"
#include "arrax/dispatch.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_reductions.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives.h"
#include "arrax/primitives_autograd.h"
#include "arrax/primitives_index.h"
#include "arrax/primitives_reductions.h"
#include "arrax/primitives_shape.h"

namespace arrax {

namespace {

Array zeros_as(const Array& a) { return zeros(a.shape(), a.dtype(), a.device()); }

bool has(std::span<const int> argnums, int i) {
  return std::find(argnums.begin(), argnums.end(), i) != argnums.end();
}

Arrays pick(std::span<const int> argnums, std::span<Array> all) {
  Arrays out;
  for (int a : argnums) out.push_back(all[a]);
  return out;
}

// g of a reduction's output shape, broadcast back to the input's shape.
Array expand_reduced(const Array& g, const Shape& in_shape,
                     const SmallVector<int64_t>& axes, bool keepdims) {
  Array e = g;
  if (!keepdims && !axes.empty()) {
    Shape s = in_shape;
    for (int64_t ax : axes) s[ax] = 1;
    e = reshape(g, s);
  }
  return broadcast_to(e, in_shape);
}

Array flip_axis(const Array& a, int axis) {
  int64_t ax[1] = {axis};
  return flip(a, ax);
}

Array reverse_cumsum(const Array& a, int axis) {
  return flip_axis(cumsum(flip_axis(a, axis), axis), axis);
}

// Non-size-1 dimensions of a layout, as (size, stride) pairs.
std::vector<std::pair<int64_t, int64_t>> dims_of(const ViewLayout& l) {
  std::vector<std::pair<int64_t, int64_t>> d;
  for (size_t i = 0; i < l.shape.size(); ++i)
    if (l.shape[i] != 1) d.push_back({l.shape[i], l.strides[i]});
  return d;
}

}  // namespace

// ---- View ------------------------------------------------------------------

OutputSpecs View::output_specs(std::span<const Array> inputs) const {
  OutputSpecs s;
  s.push_back({to_.shape, inputs[0].dtype()});
  return s;
}

void View::eval(std::span<const Array> inputs, std::span<Array> outputs) {
  NoGradGuard no_grad;
  const Array& in = inputs[0];
  Array buf = zeros({extent_}, in.dtype(), in.device());
  // A stride-0 axis of `from` writes one element many times: sum it first.
  Shape fs = from_.shape;
  Axes sum_axes;
  for (size_t i = 0; i < fs.size(); ++i)
    if (from_.strides[i] == 0 && fs[i] > 1) sum_axes.push_back(i), fs[i] = 1;
  Array src = in;
  if (!sum_axes.empty()) {
    ReduceArgs ra;
    ra.axis = sum_axes;
    ra.keepdims = true;
    src = sum(in, ra);
  }
  if (extent_ > 0) {
    copyto(buf.raw_view(fs, from_.strides, from_.offset), src);
    copyto(outputs[0], buf.raw_view(to_.shape, to_.strides, to_.offset));
  }
}
void View::eval_cpu(std::span<const Array> in, std::span<Array> out) {
  eval(in, out);
}
void View::eval_cuda(std::span<const Array> in, std::span<Array> out) {
  eval(in, out);
}

Arrays View::vjp(std::span<const Array> inputs, std::span<const Array>,
                 std::span<const Array> cotangents,
                 std::span<const int> argnums) {
  const Array& g = cotangents[0];
  const Shape& in_shape = from_.shape;
  ViewLayout to = to_;
  Array c = g;
  bool in_broadcast = false;
  for (size_t i = 0; i < from_.shape.size(); ++i)
    in_broadcast = in_broadcast || (from_.strides[i] == 0 && from_.shape[i] > 1);
  auto df = dims_of(from_);
  auto dt = dims_of(to);
  // A broadcast of the input: sum the cotangent over the new stride-0 axes.
  if (!in_broadcast) {
    Axes axes;
    for (size_t i = 0; i < to.shape.size(); ++i)
      if (to.strides[i] == 0 && to.shape[i] > 1) axes.push_back(i);
    if (!axes.empty()) {
      ReduceArgs ra;
      ra.axis = axes;
      ra.keepdims = true;
      c = sum(c, ra);
      for (int64_t ax : axes) to.shape[ax] = 1;
      dt = dims_of(to);
    }
  }
  if (to.offset == from_.offset && dt == df) return {reshape(c, in_shape)};
  if (to.offset == from_.offset && dt.size() == df.size()) {
    // An axis permutation: undo it with a transpose.
    std::vector<int64_t> perm(df.size());
    std::vector<bool> used(dt.size(), false);
    bool ok = true;
    for (size_t i = 0; i < df.size() && ok; ++i) {
      ok = false;
      for (size_t j = 0; j < dt.size(); ++j)
        if (!used[j] && dt[j] == df[i]) {
          perm[i] = static_cast<int64_t>(j), used[j] = true, ok = true;
          break;
        }
    }
    if (ok) {
      Shape squeezed;
      for (auto& d : dt) squeezed.push_back(d.first);
      return {reshape(transpose(reshape(c, squeezed), perm), in_shape)};
    }
  }
  Array in[1] = {c};
  if (in_broadcast) {
    // The input repeats each element along its stride-0 axes, and whatever
    // made it (a broadcast) sums its gradient over them: the whole gradient
    // of an element may go to its first copy. Scatter into the input with
    // those axes cut to one, then zeros for the other copies.
    ViewLayout first = from_;
    std::vector<std::pair<int64_t, int64_t>> widths(from_.shape.size(),
                                                    {0, 0});
    for (size_t i = 0; i < from_.shape.size(); ++i)
      if (from_.strides[i] == 0 && from_.shape[i] > 1) {
        first.shape[i] = 1;
        widths[i].second = from_.shape[i] - 1;
      }
    Array g1 = dispatch1(std::make_shared<View>(to, first, extent_), in);
    return {pad(g1, widths)};
  }
  // The general case: scatter into zeros laid out like the input's span.
  return {dispatch1(std::make_shared<View>(to, from_, extent_), in)};
}

// ---- copies, where ---------------------------------------------------------

SaveMask Copy::vjp_saves(std::span<const Array>, uint32_t) const { return 0; }

Arrays Copy::vjp(std::span<const Array>, std::span<const Array>,
                 std::span<const Array> cotangents, std::span<const int>) {
  return {cotangents[0]};  // the engine casts and sums it to the input
}

SaveMask Select::vjp_saves(std::span<const Array>, uint32_t) const {
  return save_input(0);
}

Arrays Select::vjp(std::span<const Array> inputs, std::span<const Array>,
                   std::span<const Array> cotangents,
                   std::span<const int> argnums) {
  const Array& cond = inputs[0];
  const Array& g = cotangents[0];
  Array r[3];
  if (has(argnums, 1)) r[1] = where(cond, g, zeros_as(g));
  if (has(argnums, 2)) r[2] = where(cond, zeros_as(g), g);
  return pick(argnums, r);
}

// ---- reductions ------------------------------------------------------------

SaveMask Reduce::vjp_saves(std::span<const Array>, uint32_t) const {
  switch (op_) {
    case ReduceOp::Sum: return 0;
    case ReduceOp::NanSum: return save_input(0);
    default: return save_input(0) | save_output(0);
  }
}

Arrays Reduce::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
                   std::span<const Array> cotangents,
                   std::span<const int> argnums) {
  const Array& a = inputs[0];
  const Array& g = cotangents[0];
  const Shape& shape = a.shape();
  Array r[2];
  Array gb = expand_reduced(g, shape, axes_, keepdims_);
  if (divisor_ != 0) gb = gb * (1.0 / divisor_);
  auto ob = [&] { return expand_reduced(outputs[0], shape, axes_, keepdims_); };
  ReduceArgs keep;
  keep.axis = axes_;
  keep.keepdims = true;
  switch (op_) {
    case ReduceOp::Sum:
      r[0] = gb;
      break;
    case ReduceOp::NanSum:
      r[0] = where(isnan(a), zeros_as(a), gb);
      break;
    case ReduceOp::Prod:
    case ReduceOp::NanProd: {
      // Zeros: with none, g * out / a; with one, the zero gets the product
      // of the others; with more, everything gets zero.
      Array x = a;
      if (op_ == ReduceOp::NanProd) x = where(isnan(a), ones(shape, a.dtype(), a.device()), a);
      Array is0 = equal(x, to_weak(0.0));
      Array n0 = sum(is0, keep);
      Array one = ones(shape, a.dtype(), a.device());
      Array others = prod(where(is0, one, x), keep);
      Array none = equal(n0, to_weak(int64_t(0)));
      Array single = logical_and(equal(n0, to_weak(int64_t(1))), is0);
      Array safe_x = where(is0, one, x);
      Array d = where(none, gb * ob() / safe_x,
                      where(single, gb * broadcast_to(others, shape),
                            zeros_as(gb)));
      if (op_ == ReduceOp::NanProd) d = where(isnan(a), zeros_as(d), d);
      r[0] = d;
      break;
    }
    case ReduceOp::Max:
    case ReduceOp::Min:
    case ReduceOp::NanMax:
    case ReduceOp::NanMin: {
      // Split evenly between the elements that equal the result (NaN
      // matching NaN for max/min), as PyTorch's amax/amin.
      Array o = ob();
      Array mask = equal(a, o);
      if (op_ == ReduceOp::Max || op_ == ReduceOp::Min)
        mask = logical_or(mask, logical_and(isnan(a), isnan(o)));
      Array m = astype(mask, a.dtype());
      Array count = sum(m, keep);
      r[0] = gb * m / broadcast_to(count, shape);
      break;
    }
    default:
      throw NotImplementedError(std::string("[") + name() +
                                "] has no derivative");
  }
  if (has(argnums, 1)) {
    if (op_ == ReduceOp::Sum || op_ == ReduceOp::NanSum)
      r[1] = sum(g);
    else
      r[1] = zeros_as(inputs[1]);
  }
  return pick(argnums, r);
}

SaveMask Scan::vjp_saves(std::span<const Array>, uint32_t) const {
  switch (op_) {
    case ScanOp::CumSum: return 0;
    case ScanOp::NanCumSum: return save_input(0);
    default: return save_input(0) | save_output(0);
  }
}

Arrays Scan::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
                 std::span<const Array> cotangents,
                 std::span<const int> argnums) {
  const Array& a = inputs[0];
  const Array& g = cotangents[0];
  switch (op_) {
    case ScanOp::CumSum: return {reverse_cumsum(g, axis_)};
    case ScanOp::NanCumSum:
      return {where(isnan(a), zeros_as(a), reverse_cumsum(g, axis_))};
    default: break;
  }
  // cumprod. Before the first zero of a slice: reverse_cumsum(g * y) / x.
  // At the first zero z: sum over k >= z of g_k * prod_{i <= k, i != z} x_i,
  // the cumulative product with x_z replaced by one. After it: zero.
  Array x = a;
  if (op_ == ScanOp::NanCumProd)
    x = where(isnan(a), ones(a.shape(), a.dtype(), a.device()), a);
  const Array& y = outputs[0];
  Array one = ones(a.shape(), a.dtype(), a.device());
  Array is0 = equal(x, to_weak(0.0));
  Array seen = cumsum(is0, axis_);                  // zeros up to here
  Array before = equal(seen, to_weak(int64_t(0)));
  Array first = logical_and(is0, equal(seen, to_weak(int64_t(1))));
  Array from_first = greater_equal(seen, to_weak(int64_t(1)));
  Array safe_x = where(before, x, one);
  Array d_before = reverse_cumsum(g * y, axis_) / safe_x;
  Array y1 = cumprod(where(first, one, x), axis_);
  int64_t ax[1] = {axis_};
  ReduceArgs keep;
  keep.axis = Axes(ax, ax + 1);
  keep.keepdims = true;
  Array d_first = broadcast_to(
      sum(where(from_first, g * y1, zeros_as(g)), keep), a.shape());
  Array d = where(before, d_before, where(first, d_first, zeros_as(g)));
  if (op_ == ScanOp::NanCumProd) d = where(isnan(a), zeros_as(d), d);
  (void)argnums;
  return {d};
}

SaveMask StdSqrt::vjp_saves(std::span<const Array>, uint32_t) const {
  return save_output(0);
}

Arrays StdSqrt::vjp(std::span<const Array>, std::span<const Array> outputs,
                    std::span<const Array> cotangents, std::span<const int>) {
  const Array& o = outputs[0];
  Array d = cotangents[0] / (2.0 * o);
  return {is_complex(d.dtype()) ? d : d};
}

// ---- shape family ----------------------------------------------------------

SaveMask Concatenate::vjp_saves(std::span<const Array>, uint32_t) const {
  return 0;
}

Arrays Concatenate::vjp(std::span<const Array> inputs, std::span<const Array>,
                        std::span<const Array> cotangents,
                        std::span<const int> argnums) {
  const Array& g = cotangents[0];
  Arrays all(inputs.size());
  int64_t start = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    int64_t len = inputs[i].shape()[axis_];
    if (has(argnums, static_cast<int>(i))) {
      Shape s = g.shape();
      s[axis_] = len;
      all[i] = g.view(s, g.strides(), g.offset() + start * g.strides()[axis_]);
      if (all[i].dtype() != inputs[i].dtype())
        all[i] = astype(all[i], inputs[i].dtype());
    }
    start += len;
  }
  return pick(argnums, all);
}

SaveMask TriMask::vjp_saves(std::span<const Array>, uint32_t) const {
  return 0;
}

Arrays TriMask::vjp(std::span<const Array>, std::span<const Array>,
                    std::span<const Array> cotangents, std::span<const int>) {
  return {lower_ ? tril(cotangents[0], k_) : triu(cotangents[0], k_)};
}

SaveMask Roll::vjp_saves(std::span<const Array>, uint32_t) const { return 0; }

Arrays Roll::vjp(std::span<const Array> inputs, std::span<const Array>,
                 std::span<const Array> cotangents, std::span<const int>) {
  std::vector<int64_t> back(shifts_.size()), axes(shifts_.size());
  for (size_t d = 0; d < shifts_.size(); ++d) {
    int64_t n = inputs[0].shape()[d];
    back[d] = n ? (n - shifts_[d]) % n : 0;
    axes[d] = static_cast<int64_t>(d);
  }
  return {roll(cotangents[0], back, axes)};
}

SaveMask Repeat::vjp_saves(std::span<const Array>, uint32_t) const {
  return 0;
}

Arrays Repeat::vjp(std::span<const Array> inputs, std::span<const Array>,
                   std::span<const Array> cotangents, std::span<const int>) {
  const Array& a = inputs[0];
  const Array& g = cotangents[0];
  const int64_t n = a.shape()[axis_];
  if (repeats_.size() == 1) {
    // (.., n * r, ..) -> (.., n, r, ..), summed over the r axis.
    Shape s;
    for (int i = 0; i < g.ndim(); ++i) {
      if (i == axis_) {
        s.push_back(n);
        s.push_back(repeats_[0]);
      } else {
        s.push_back(g.shape()[i]);
      }
    }
    ReduceArgs ra;
    ra.axis = Axes{axis_ + 1};
    return {sum(reshape(g, s), ra)};
  }
  // Varying counts: add each output slot into the input index it copies.
  std::vector<int64_t> src;
  for (int64_t j = 0; j < n; ++j)
    for (int64_t k = 0; k < repeats_[j]; ++k) src.push_back(j);
  Array idx = Array::empty({static_cast<int64_t>(src.size())}, Dtype::Int64,
                           Device::cpu());
  std::copy(src.begin(), src.end(), idx.data<int64_t>());
  idx = to_device(idx, g.device());
  Array gm = moveaxis(g, std::vector<int64_t>{axis_},
                      std::vector<int64_t>{0});
  Shape ms = gm.shape();
  ms[0] = n;
  Array in[2] = {ascontiguousarray(gm), idx};
  Array r = dispatch1(
      std::make_shared<IndexAdd>(ms, std::vector<int>{0}, IndexMode::Raise,
                                 "repeat"),
      in);
  return {moveaxis(r, std::vector<int64_t>{0}, std::vector<int64_t>{axis_})};
}

SaveMask Pad::vjp_saves(std::span<const Array>, uint32_t) const { return 0; }

Arrays Pad::vjp(std::span<const Array> inputs, std::span<const Array>,
                std::span<const Array> cotangents, std::span<const int>) {
  const Array& a = inputs[0];
  const Array& g = cotangents[0];
  const PadMode mode = options_.mode;
  if (mode == PadMode::Constant || mode == PadMode::Empty) {
    int64_t off = g.offset();
    for (size_t d = 0; d < widths_.size(); ++d)
      off += widths_[d].first * g.strides()[d];
    return {g.view(a.shape(), g.strides(), off)};
  }
  if (mode == PadMode::Edge || mode == PadMode::Reflect ||
      mode == PadMode::Symmetric || mode == PadMode::Wrap) {
    // Each output element copies one input element: pad the input's flat
    // indices the same way and add the cotangent back into them.
    NoGradGuard no_grad;
    Array idx = reshape(arange(int64_t(0), a.size(), 1, Dtype::Int64, g.device()),
                        a.shape());
    Array in[1] = {idx};
    Array pidx = dispatch1(std::make_shared<Pad>(widths_, options_), in);
    Array flat_idx = reshape(pidx, {pidx.size()});
    GradModeGuard mode_back(true);
    Array ins[2] = {reshape(g, {g.size()}), flat_idx};
    Array r = dispatch1(std::make_shared<IndexAdd>(Shape{a.size()},
                                                   std::vector<int>{0},
                                                   IndexMode::Raise, "pad"),
                        ins);
    return {reshape(r, a.shape())};
  }
  throw NotImplementedError(
      "[pad] the derivative of this pad mode is not implemented (constant, "
      "edge, reflect, symmetric, wrap and empty have one)");
}

// ---- indexing --------------------------------------------------------------

SaveMask Gather::vjp_saves(std::span<const Array> inputs, uint32_t) const {
  return kSaveAll & ~save_input(0);
}

Arrays Gather::vjp(std::span<const Array> inputs, std::span<const Array>,
                   std::span<const Array> cotangents, std::span<const int>) {
  Arrays in{cotangents[0]};
  for (size_t i = 1; i < inputs.size(); ++i) in.push_back(inputs[i]);
  return {dispatch1(
      std::make_shared<IndexAdd>(inputs[0].shape(), axes_, mode_, op_), in)};
}

SaveMask MaskedGather::vjp_saves(std::span<const Array>, uint32_t) const {
  return save_input(1);
}

Arrays MaskedGather::vjp(std::span<const Array> inputs, std::span<const Array>,
                         std::span<const Array> cotangents,
                         std::span<const int>) {
  Array in[2] = {cotangents[0], inputs[1]};
  return {dispatch1(std::make_shared<MaskedPlace>(inputs[0].shape()), in)};
}

OutputSpecs IndexAdd::output_specs(std::span<const Array> inputs) const {
  OutputSpecs s;
  s.push_back({shape_, inputs[0].dtype()});
  return s;
}

void IndexAdd::eval(std::span<const Array> inputs, std::span<Array> outputs) {
  NoGradGuard no_grad;
  const Array& v = inputs[0];
  const size_t k = inputs.size() - 1;
  Array out = outputs[0];
  fill(out, to_weak(0.0));
  if (v.size() == 0) return;
  // Flat positions of every (b, r) element in the output, C order.
  int64_t rest = 1;
  for (size_t d = k; d < shape_.size(); ++d) rest *= shape_[d];
  Array lin;
  for (size_t i = 0; i < k; ++i) {
    Array idx = inputs[i + 1];
    const int64_t n = shape_[i];
    Array nn = to_weak(n);
    if (mode_ == IndexMode::Wrap)
      idx = remainder(idx, nn);
    else if (mode_ == IndexMode::Clip)
      idx = minimum(maximum(idx, to_weak(int64_t(0))), nn - int64_t(1));
    else
      idx = where(less(idx, to_weak(int64_t(0))), idx + nn, idx);
    lin = lin.valid() ? lin * nn + idx : idx;
  }
  Shape bshape = lin.shape();
  Shape ls = bshape;
  ls.push_back(1);
  Array pos = reshape(lin, ls) * to_weak(rest) +
              arange(int64_t(0), rest, 1, Dtype::Int64, v.device());
  Shape full = bshape;
  full.push_back(rest);
  pos = broadcast_to(pos, full);
  Array vals = broadcast_to(reshape(v, full), full);
  if (!out.is_c_contiguous()) throw ValueError("[index_add] output must be contiguous");
  Array flat = out.raw_view({out.size()}, {1}, out.offset());
  Array pflat = reshape(ascontiguousarray(pos), {pos.size()});
  Array vflat = reshape(ascontiguousarray(vals), {vals.size()});
  ufunc_at(UfuncId::add, flat, pflat, &vflat);
}
void IndexAdd::eval_cpu(std::span<const Array> in, std::span<Array> out) {
  eval(in, out);
}
void IndexAdd::eval_cuda(std::span<const Array> in, std::span<Array> out) {
  eval(in, out);
}
SaveMask IndexAdd::vjp_saves(std::span<const Array>, uint32_t) const {
  return kSaveAll & ~save_input(0);
}
Arrays IndexAdd::vjp(std::span<const Array> inputs, std::span<const Array>,
                     std::span<const Array> cotangents, std::span<const int>) {
  Arrays in{cotangents[0]};
  for (size_t i = 1; i < inputs.size(); ++i) in.push_back(inputs[i]);
  return {dispatch1(std::make_shared<Gather>(axes_, mode_, op_), in)};
}

OutputSpecs MaskedPlace::output_specs(std::span<const Array> inputs) const {
  OutputSpecs s;
  s.push_back({shape_, inputs[0].dtype()});
  return s;
}
void MaskedPlace::eval(std::span<const Array> inputs, std::span<Array> outputs) {
  NoGradGuard no_grad;
  Array out = outputs[0];
  fill(out, to_weak(0.0));
  Array in[2] = {ascontiguousarray(inputs[0]), inputs[1]};
  Array outs[1] = {out};
  dispatch_into(std::make_shared<MaskedScatter>(shape_, out.dtype()), in, outs);
}
void MaskedPlace::eval_cpu(std::span<const Array> in, std::span<Array> out) {
  eval(in, out);
}
void MaskedPlace::eval_cuda(std::span<const Array> in, std::span<Array> out) {
  eval(in, out);
}
SaveMask MaskedPlace::vjp_saves(std::span<const Array>, uint32_t) const {
  return save_input(1);
}
Arrays MaskedPlace::vjp(std::span<const Array> inputs, std::span<const Array>,
                        std::span<const Array> cotangents,
                        std::span<const int>) {
  Array in[2] = {cotangents[0], inputs[1]};
  return {dispatch1(std::make_shared<MaskedGather>(inputs[0].shape()[0]), in)};
}

}  // namespace arrax
