// The sorting family through the C++ API on the CPU device: NumPy's order
// (NaNs last, -0.0 == 0.0), stable argsort against std::stable_sort, the
// moved axis, partition's kth property and searchsorted's sides.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "arrax/arrax.h"

using namespace arrax;

namespace {

Array from(const std::vector<double>& v, Shape shape) {
  Array a = Array::empty(std::move(shape), Dtype::Float64, Device::cpu());
  std::copy(v.begin(), v.end(), a.data<double>());
  return a;
}

std::vector<double> doubles(const Array& a) {
  Array c = ascontiguousarray(astype(a, Dtype::Float64));
  return {c.data<double>(), c.data<double>() + c.size()};
}

std::vector<int64_t> ints(const Array& a) {
  Array c = ascontiguousarray(a);
  return {c.data<int64_t>(), c.data<int64_t>() + c.size()};
}

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST(Sort, NansLastAndInfinities) {
  Array a = from({kNan, 2.0, -kInf, kInf, -0.0, 1.0, -kNan}, {7});
  std::vector<double> s = doubles(sort(a));
  EXPECT_EQ(s[0], -kInf);
  EXPECT_EQ(s[1], 0.0);
  EXPECT_EQ(s[2], 1.0);
  EXPECT_EQ(s[3], 2.0);
  EXPECT_EQ(s[4], kInf);
  EXPECT_TRUE(std::isnan(s[5]) && std::isnan(s[6]));
  EXPECT_EQ(ints(argsort(a, -1, true)),
            (std::vector<int64_t>{2, 4, 5, 1, 3, 0, 6}));
}

TEST(Sort, StableArgsortMatchesStdStableSort) {
  std::mt19937 gen(3);
  std::vector<double> v(500);
  for (double& x : v) x = static_cast<double>(gen() % 7);
  std::vector<int64_t> ref(v.size());
  std::iota(ref.begin(), ref.end(), int64_t(0));
  std::stable_sort(ref.begin(), ref.end(),
                   [&](int64_t a, int64_t b) { return v[a] < v[b]; });
  Array a = from(v, {500});
  EXPECT_EQ(ints(argsort(a, -1, true)), ref);
  EXPECT_EQ(ints(argsort(a, -1, false)), ref);
  EXPECT_EQ(ints(argsort(astype(a, Dtype::Int16), -1, false)), ref);
}

TEST(Sort, AlongTheFirstAxis) {
  Array a = from({3, 1, 2, 0, 5, -1}, {2, 3});
  EXPECT_EQ(doubles(sort(a, 0)), (std::vector<double>{0, 1, -1, 3, 5, 2}));
  EXPECT_EQ(ints(argsort(a, 0, true)),
            (std::vector<int64_t>{1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(doubles(sort(a, std::nullopt)),
            (std::vector<double>{-1, 0, 1, 2, 3, 5}));
  EXPECT_THROW(sort(a, 2), AxisError);
}

TEST(Sort, PartitionAndSearchsorted) {
  Array a = from({9, 4, 7, 1, 8, 2}, {6});
  int64_t kth[1] = {2};
  std::vector<double> p = doubles(partition(a, kth));
  EXPECT_EQ(p[2], 4.0);
  for (int i = 0; i < 2; ++i) EXPECT_LE(p[i], 4.0);
  for (int i = 3; i < 6; ++i) EXPECT_GE(p[i], 4.0);
  int64_t bad[1] = {6};
  EXPECT_THROW(partition(a, bad), ValueError);
  Array s = sort(a);
  Array v = from({4, 0, 10, kNan}, {4});
  EXPECT_EQ(ints(searchsorted(s, v)), (std::vector<int64_t>{2, 0, 6, 6}));
  EXPECT_EQ(ints(searchsorted(s, v, true)), (std::vector<int64_t>{3, 0, 6, 6}));
}
