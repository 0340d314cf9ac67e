// np.pad: argument checks; the work is the Pad primitive.
#include "arrax/dispatch.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_shape.h"

namespace arrax {

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
  std::vector<std::pair<int64_t, int64_t>> w(widths.begin(), widths.end());
  Array in[1] = {a};
  return dispatch1(std::make_shared<Pad>(std::move(w), std::move(opt)), in);
}

}  // namespace arrax
