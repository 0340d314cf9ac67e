#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "arrax/arrax.h"
#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/primitives_reductions.h"

using namespace arrax;

namespace {

template <typename T>
Array from_vector(const std::vector<T>& v, Shape shape) {
  Array a = Array::empty(shape, dtype_of<T>(), Device::cpu());
  std::copy(v.begin(), v.end(), a.data<T>());
  return a;
}

Array iota(Shape shape, Dtype dt = Dtype::Float64) {
  Array a = Array::empty(shape, Dtype::Float64, Device::cpu());
  std::iota(a.data<double>(), a.data<double>() + a.size(), 0.0);
  return astype(a, dt);
}

template <typename T>
std::vector<T> values(const Array& a) {
  Array c = ascontiguousarray(a);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

}  // namespace

TEST(Reductions, SumOverAxes) {
  Array a = iota({2, 3, 4});
  EXPECT_EQ(sum(a).item<double>(), 276.0);
  ReduceArgs r;
  r.axis = Axes{1};
  Array s = sum(a, r);
  EXPECT_EQ(s.shape(), (Shape{2, 4}));
  EXPECT_EQ(values<double>(s),
            (std::vector<double>{12, 15, 18, 21, 48, 51, 54, 57}));
  r.axis = Axes{0, -1};
  r.keepdims = true;
  s = sum(a, r);
  EXPECT_EQ(s.shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(values<double>(s), (std::vector<double>{60, 92, 124}));
}

TEST(Reductions, ResultDtypes) {
  EXPECT_EQ(sum(iota({3}, Dtype::Bool)).dtype(), Dtype::Int64);
  EXPECT_EQ(sum(iota({3}, Dtype::Int8)).dtype(), Dtype::Int64);
  EXPECT_EQ(prod(iota({3}, Dtype::UInt16)).dtype(), Dtype::UInt64);
  EXPECT_EQ(mean(iota({3}, Dtype::Int32)).dtype(), Dtype::Float64);
  EXPECT_EQ(mean(iota({3}, Dtype::Float16)).dtype(), Dtype::Float16);
  EXPECT_EQ(var(iota({3}, Dtype::Complex64)).dtype(), Dtype::Float32);
  EXPECT_EQ(any(iota({3}, Dtype::Float32)).dtype(), Dtype::Bool);
  EXPECT_EQ(argmax(iota({3}, Dtype::UInt8)).dtype(), Dtype::Int64);
  EXPECT_EQ(cumsum(iota({3}, Dtype::Int16)).dtype(), Dtype::Int64);
}

TEST(Reductions, MaxPropagatesNanAndNanmaxSkipsIt) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  Array a = from_vector<double>({1, nan, 3, 2}, {4});
  EXPECT_TRUE(std::isnan(max(a).item<double>()));
  EXPECT_EQ(nanmax(a).item<double>(), 3.0);
  EXPECT_EQ(argmax(a).item<int64_t>(), 1);
  EXPECT_EQ(nanargmax(a).item<int64_t>(), 2);
  EXPECT_EQ(nanargmin(a).item<int64_t>(), 0);
  Array all_nan = from_vector<double>({nan, nan}, {2});
  EXPECT_TRUE(std::isnan(nanmax(all_nan).item<double>()));
  EXPECT_THROW(nanargmax(all_nan), ValueError);
}

TEST(Reductions, EmptyReductions) {
  Array e = Array::empty({0}, Dtype::Float32, Device::cpu());
  EXPECT_EQ(sum(e).item<float>(), 0.0f);
  EXPECT_EQ(prod(e).item<float>(), 1.0f);
  EXPECT_TRUE(std::isnan(mean(e).item<float>()));
  try {
    max(e);
    FAIL() << "max of an empty array must raise";
  } catch (const ValueError& err) {
    EXPECT_EQ(std::string(err.what()).rfind("[max] zero-size array", 0), 0u);
  }
  EXPECT_THROW(argmax(e), ValueError);
  Array init = full_scalar(5.0, Dtype::Float32, Device::cpu());
  ReduceArgs r;
  r.initial = &init;
  EXPECT_EQ(max(e, r).item<float>(), 5.0f);
}

TEST(Reductions, ComplexExtremaAreLexicographic) {
  Array a = from_vector<complex128>({{1, 1}, {1, 2}, {0, 5}}, {3});
  EXPECT_EQ(max(a).item<complex128>(), complex128(1, 2));
  EXPECT_EQ(min(a).item<complex128>(), complex128(0, 5));
  EXPECT_EQ(argmin(a).item<int64_t>(), 2);
}

TEST(Reductions, OuterAxisOfStridedInput) {
  // Transposed input: the reduced axis is the contiguous one in memory.
  Array a = iota({4, 3});
  Array t = transpose(a);
  ReduceArgs r;
  r.axis = Axes{0};
  EXPECT_EQ(values<double>(sum(t, r)),
            (std::vector<double>{3, 12, 21, 30}));
  EXPECT_EQ(values<int64_t>(argmax(t, int64_t{1})),
            (std::vector<int64_t>{3, 3, 3}));
}

TEST(Reductions, WhereAndVarAndStd) {
  Array a = from_vector<double>({1, 2, 3, 4}, {2, 2});
  Array w = from_vector<bool>({true, false, true, true}, {2, 2});
  ReduceArgs r;
  r.where = &w;
  EXPECT_EQ(sum(a, r).item<double>(), 8.0);
  EXPECT_DOUBLE_EQ(var(a).item<double>(), 1.25);
  EXPECT_DOUBLE_EQ(arrax::std(a, {}, 1).item<double>(), std::sqrt(5.0 / 3.0));
}

TEST(Reductions, PairwiseSumMatchesNumPyTree) {
  // 0.1 summed 1000 times: pairwise gives a different rounding than a
  // sequential loop; check against the tree computed here by hand.
  const int64_t n = 1000;
  Array a = Array::empty({n}, Dtype::Float32, Device::cpu());
  for (int64_t i = 0; i < n; ++i) a.data<float>()[i] = 0.1f;
  auto tree = [](auto& self, int64_t len) -> float {
    if (len < 8) {
      float s = 0;
      for (int64_t i = 0; i < len; ++i) s += 0.1f;
      return s;
    }
    if (len <= 128) {
      float r[8];
      for (float& x : r) x = 0.1f;
      int64_t i = 8;
      for (; i < len - len % 8; i += 8)
        for (float& x : r) x += 0.1f;
      float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < len; ++i) s += 0.1f;
      return s;
    }
    int64_t n2 = len / 2;
    n2 -= n2 % 8;
    return self(self, n2) + self(self, len - n2);
  };
  EXPECT_EQ(sum(a).item<float>(), 0.0f + tree(tree, n));
}

TEST(Scans, CumsumAndCumprod) {
  Array a = iota({2, 3});
  EXPECT_EQ(values<double>(cumsum(a)),
            (std::vector<double>{0, 1, 3, 6, 10, 15}));
  EXPECT_EQ(values<double>(cumsum(a, int64_t{0})),
            (std::vector<double>{0, 1, 2, 3, 5, 7}));
  EXPECT_EQ(values<double>(cumprod(a, int64_t{1})),
            (std::vector<double>{0, 0, 0, 3, 12, 60}));
}

TEST(Primitives, ReduceShapeInference) {
  Array a = Array::empty({2, 3, 4}, Dtype::Int8, Device::cpu());
  Reduce p(ReduceOp::Any, Axes{0, 2}, false);
  Array in[1] = {a};
  OutputSpecs s = p.output_specs(in);
  EXPECT_EQ(s[0].shape, (Shape{3}));
  EXPECT_EQ(s[0].dtype, Dtype::Bool);
  EXPECT_STREQ(p.name(), "any");
  ArgReduce ar(ArgReduceOp::ArgMax, 1, true);
  EXPECT_EQ(ar.output_specs(in)[0].shape, (Shape{2, 1, 4}));
  EXPECT_EQ(ar.output_specs(in)[0].dtype, Dtype::Int64);
}

// all/any of one long row split across threads: each thread's chunk result
// lands in its own object (a std::vector<bool> of chunk results, packed bits
// written from several threads, once lost results on a 16-core machine).
TEST(Reductions, AllAnyOfLongRowsAcrossThreads) {
  const int saved = cpu::num_threads();
  cpu::set_num_threads(16);
  const int64_t n = int64_t(1) << 22;
  Array ones = Array::empty({n}, Dtype::Bool, Device::cpu());
  std::fill(ones.data<bool>(), ones.data<bool>() + n, true);
  Array zeros = Array::empty({n}, Dtype::Bool, Device::cpu());
  std::fill(zeros.data<bool>(), zeros.data<bool>() + n, false);
  zeros.data<bool>()[n - 1] = true;  // the last chunk's only true
  for (int rep = 0; rep < 50; ++rep) {
    ASSERT_TRUE(all(ones).item<bool>()) << "rep " << rep;
    ASSERT_TRUE(any(zeros).item<bool>()) << "rep " << rep;
    ASSERT_TRUE(max(ones).item<bool>()) << "rep " << rep;
  }
  cpu::set_num_threads(saved);
}
