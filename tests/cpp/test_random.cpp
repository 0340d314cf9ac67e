// arrax.random's core through the C++ API: Philox4x32-10 known answers
// (Random123's kat_vectors), the sub-stream layout of a draw, the shared
// samplers' moments, and the permutation primitive. Arrays are built on the
// CPU explicitly (the default device is the GPU on the GPU machine).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "arrax/arrax.h"
#include "arrax/backend/cuda/device/rng.cuh"
#include "arrax/random.h"

using namespace arrax;

namespace {

uint64_t dbits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

Array draw_cpu(const char* name, std::vector<random::Param> params, int64_t n,
               Dtype dt = Dtype::Float64, uint64_t key = 42,
               uint64_t counter = 0) {
  return random::draw(random::kind_from_name(name), key, counter, {n}, dt,
                      params, nullptr, Device::cpu());
}

random::Param scalar(double v) { return {dbits(v), Array()}; }

}  // namespace

TEST(Random, PhiloxKnownAnswers) {
  using B = std::array<uint32_t, 4>;
  EXPECT_EQ(random::philox4x32({0, 0, 0, 0}, {0, 0}),
            (B{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  uint32_t f = 0xffffffffu;
  EXPECT_EQ(random::philox4x32({f, f, f, f}, {f, f}),
            (B{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(random::philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                               {0xa4093822, 0x299f31d0}),
            (B{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Random, ElementIReadsSubStreamCounterPlusI) {
  Array bits = draw_cpu("bits", {}, 8, Dtype::UInt64, 7, 100);
  for (int64_t i = 0; i < 8; ++i) {
    auto b =
        random::philox4x32({static_cast<uint32_t>(100 + i), 0, 0, 0}, {7, 0});
    uint64_t expect = (uint64_t(b[1]) << 32) | b[0];
    EXPECT_EQ(bits.data<uint64_t>()[i], expect);
  }
  // A draw starting later is the tail of a longer one.
  Array a =
      draw_cpu("gamma", {scalar(0.4), scalar(1.0)}, 50, Dtype::Float64, 3, 0);
  Array b =
      draw_cpu("gamma", {scalar(0.4), scalar(1.0)}, 40, Dtype::Float64, 3, 10);
  for (int64_t i = 0; i < 40; ++i)
    EXPECT_EQ(a.data<double>()[10 + i], b.data<double>()[i]);
}

TEST(Random, NormalAndUniformMoments) {
  const int64_t n = 200000;
  Array x = draw_cpu("normal", {scalar(2.0), scalar(3.0)}, n);
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = x.data<double>()[i];
    s += v;
    s2 += v * v;
  }
  double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 2.0, 6 * 3.0 / std::sqrt(double(n)));
  EXPECT_NEAR(var, 9.0, 0.15);
  Array u = draw_cpu("random", {}, n, Dtype::Float32);
  for (int64_t i = 0; i < n; ++i) {
    float v = u.data<float>()[i];
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 1.0f);
  }
}

TEST(Random, IntegersStayInRange) {
  Array x = random::draw(random::kind_from_name("integers"), 1, 0, {10000},
                         Dtype::Int16,
                         std::vector<random::Param>{{uint64_t(-3), Array()},
                                                    {uint64_t(6), Array()}},
                         nullptr, Device::cpu());
  std::set<int> seen;
  for (int64_t i = 0; i < x.size(); ++i) seen.insert(x.data<int16_t>()[i]);
  EXPECT_EQ(seen, (std::set<int>{-3, -2, -1, 0, 1, 2, 3}));
}

TEST(Random, PortableMathIsAccurate) {
  namespace r = ax::rng;
  for (double x : {-700.0, -1.5, -1e-8, 0.0, 1e-300, 0.5, 1.0, 3.7, 700.0})
    EXPECT_NEAR(r::p_exp(x), std::exp(x), 4e-16 * std::exp(x));
  for (double x : {1e-310, 1e-5, 0.3, 1.0, 2.0, 1e10, 1e300})
    EXPECT_NEAR(r::p_log(x), std::log(x),
                4e-16 * std::fabs(std::log(x)) + 1e-300);
  for (double x : {0.5, 1.0, 4.5, 10.0, 123.25})
    EXPECT_NEAR(r::p_lgamma(x), std::lgamma(x),
                1e-13 * std::max(1.0, std::fabs(std::lgamma(x))));
  double s, c;
  r::sincos_2pi(0.125, s, c);
  EXPECT_NEAR(s, std::sqrt(0.5), 3e-16);
  EXPECT_NEAR(c, std::sqrt(0.5), 3e-16);
  EXPECT_NEAR(r::p_acos(0.3), std::acos(0.3), 1e-15);
}

TEST(Random, ArgsortKeysIsAStablePermutation) {
  Array keys = Array::empty({3, 5}, Dtype::UInt64, Device::cpu());
  uint64_t k[15] = {5, 1, 4, 1, 9, 0, 0, 0, 0, 0, 7, 3, 3, 8, 2};
  std::memcpy(keys.data(), k, sizeof k);
  Array idx = random::argsort_keys(keys);
  int64_t expect[15] = {1, 3, 2, 0, 4, 0, 1, 2, 3, 4, 4, 1, 2, 0, 3};
  for (int i = 0; i < 15; ++i) EXPECT_EQ(idx.data<int64_t>()[i], expect[i]);
}

TEST(Random, BadKindAndDtype) {
  EXPECT_THROW(random::kind_from_name("nope"), ValueError);
  EXPECT_THROW(draw_cpu("normal", {scalar(0), scalar(1)}, 3, Dtype::Int32),
               TypeError);
}
