// np.pad: argument checks; the work is the Pad primitive.
#include <cmath>
#include <limits>

#include "arrax/autograd.h"
#include "arrax/dispatch.h"
#include "arrax/ops.h"
#include "arrax/ops_index.h"
#include "arrax/ops_reductions.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_shape.h"
#include "arrax/sort.h"

namespace arrax {

namespace {
// a[lo:hi] along `axis`, a view.
Array along(const Array& a, int axis, int64_t lo, int64_t hi) {
  Shape shape = a.shape();
  shape[axis] = hi - lo;
  return a.view(shape, a.strides(), a.offset() + lo * a.strides()[axis]);
}

// The statistic of a chunk along `axis`, kept as a length-1 axis.
Array chunk_stat(const Array& c, int axis, PadMode mode) {
  ReduceArgs args;
  args.axis = Axes{axis};
  args.keepdims = true;
  if (mode == PadMode::Mean) return mean(c, args);
  if (mode == PadMode::Maximum) return max(c, args);
  if (mode == PadMode::Minimum) return min(c, args);
  // Median: the middle of the sorted chunk (NaN when the chunk has one).
  int64_t m = c.shape()[axis];
  Array s = sort(c, axis, true);
  Array mid = (along(s, axis, (m - 1) / 2, (m - 1) / 2 + 1) +
               along(s, axis, m / 2, m / 2 + 1)) *
              Array::scalar(0.5, Dtype::Float64, Device::cpu(), true);
  Array nan = Array::scalar(std::numeric_limits<double>::quiet_NaN(),
                            Dtype::Float64, Device::cpu(), true);
  return where(any(isnan(c), args), nan, mid);
}

// Note [Padding with statistics under autograd]
// The Pad primitive's statistic modes (mean, median, maximum, minimum) and
// linear_ramp have no vjp of their own: for an input that requires grad,
// pad() builds the same result from differentiable ops instead, one axis
// after the other as NumPy does (the statistics of axis d see the padding
// of the axes before it, so the corners match), each border a reduction of
// an edge chunk broadcast to the border's width (or a ramp from the end
// value to the edge), joined by concatenate.
Array pad_composite(const Array& a,
                    std::span<const std::pair<int64_t, int64_t>> widths,
                    const PadOptions& opt) {
  Array x = a;
  for (int d = 0; d < a.ndim(); ++d) {
    auto [before, after] = widths[d];
    if (before == 0 && after == 0) continue;
    int64_t n = x.shape()[d];
    Arrays parts;
    for (int side = 0; side < 2; ++side) {
      int64_t width = side == 0 ? before : after;
      if (width == 0) continue;
      Array border;
      if (opt.mode == PadMode::LinearRamp) {
        // end + (edge - end) * i / width, i = 0 .. width-1 outward in.
        Array edge = side == 0 ? along(x, d, 0, 1) : along(x, d, n - 1, n);
        complex128 e = side == 0 ? opt.values[d].first : opt.values[d].second;
        Array end =
            astype(Array::scalar(e, Dtype::Complex128, x.device()), x.dtype());
        Array t = arange(0.0, static_cast<double>(width), 1.0, Dtype::Float64,
                         x.device());
        if (side == 1) t = flip(t);
        Shape ts(x.ndim(), 1);
        ts[d] = width;
        t = reshape(
            t * Array::scalar(1.0 / width, Dtype::Float64, Device::cpu(), true),
            ts);
        border = astype(end + (edge - end) * t, x.dtype());
      } else {
        auto [l, r] = opt.stat_length[d];
        int64_t len = side == 0 ? l : r;
        if (len < 0 || len > n) len = n;
        Array chunk = side == 0 ? along(x, d, 0, len) : along(x, d, n - len, n);
        border = astype(chunk_stat(chunk, d, opt.mode), x.dtype());
      }
      Shape bs = x.shape();
      bs[d] = width;
      parts.push_back(broadcast_to(border, bs));
    }
    Arrays all;
    if (before > 0) all.push_back(parts[0]);
    all.push_back(x);
    if (after > 0) all.push_back(parts.back());
    x = concatenate(all, d);
  }
  return x;
}
}  // namespace

Array pad(const Array& a, std::span<const std::pair<int64_t, int64_t>> widths,
          const PadOptions& options) {
  int nd = a.ndim();
  if (static_cast<int>(widths.size()) != nd)
    throw ValueError("[pad] expected one (before, after) pair per axis, got " +
                     std::to_string(widths.size()) + " for " +
                     std::to_string(nd) + " axes");
  for (auto [lo, hi] : widths)
    if (lo < 0 || hi < 0)
      throw ValueError("[pad] index can't contain negative values");
  PadOptions opt = options;
  auto need_pairs = [&](size_t n, const char* what) {
    if (n != static_cast<size_t>(nd))
      throw ValueError(std::string("[pad] expected one pair of ") + what +
                       " per axis");
  };
  if (opt.mode == PadMode::Constant || opt.mode == PadMode::LinearRamp) {
    if (opt.values.empty()) opt.values.assign(nd, {0.0, 0.0});
    need_pairs(opt.values.size(), "values");
  }
  bool stat = opt.mode == PadMode::Maximum || opt.mode == PadMode::Minimum ||
              opt.mode == PadMode::Mean || opt.mode == PadMode::Median;
  if (stat) {
    if (opt.stat_length.empty()) opt.stat_length.assign(nd, {-1, -1});
    need_pairs(opt.stat_length.size(), "stat_length");
  }
  if (opt.mode != PadMode::Constant && opt.mode != PadMode::Empty &&
      a.size() == 0) {
    for (int d = 0; d < nd; ++d)
      if (a.shape()[d] == 0 && (widths[d].first > 0 || widths[d].second > 0))
        throw ValueError("[pad] can't extend empty axis " + std::to_string(d) +
                         " using modes other than 'constant' or 'empty'");
  }
  if ((opt.mode == PadMode::Maximum || opt.mode == PadMode::Minimum) &&
      a.size() > 0) {
    for (int d = 0; d < nd; ++d) {
      int64_t n = a.shape()[d];
      auto [l, r] = opt.stat_length[d];
      int64_t ll = l < 0 || l > n ? n : l, rl = r < 0 || r > n ? n : r;
      if (ll == 0 || rl == 0)
        throw ValueError("[pad] stat_length of 0 yields no value for padding");
    }
  }
  if ((stat || opt.mode == PadMode::LinearRamp) && a.size() > 0 &&
      needs_recording({&a, 1}))
    return pad_composite(a, widths, opt);
  std::vector<std::pair<int64_t, int64_t>> w(widths.begin(), widths.end());
  Array in[1] = {a};
  return dispatch1(std::make_shared<Pad>(std::move(w), std::move(opt)), in);
}

}  // namespace arrax
