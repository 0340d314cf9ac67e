// C++-level checks of the ufunc table. The sweep over every ufunc and
// loop dtype with edge values also runs in the sanitizer build, which is
// what keeps the functors free of undefined behaviour.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "arrax/arrax.h"

using namespace arrax;

namespace {

// A 1-D array of `dtype` holding `values` (converted with NumPy's casts).
Array make(const std::vector<double>& values, Dtype dtype) {
  Array a = Array::empty({static_cast<int64_t>(values.size())}, dtype,
                         Device::cpu());
  dispatch_types(dtype, "[test]", [&]<typename T>() {
    for (size_t i = 0; i < values.size(); ++i)
      a.data<T>()[i] = cast_value<T>(values[i]);
  });
  return a;
}

template <typename T>
std::vector<T> values_of(const Array& a) {
  Array c = ascontiguousarray(a);
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

}  // namespace

TEST(Ufuncs, EveryLoopRunsOnEdgeValues) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> edge = {0.0, -0.0, 1.0, -1.0, 2.0, 7.0, 8.0,
                                    63.0, 64.0, 1e30, -1e30, inf, -inf,
                                    std::nan(""), 127.0, -128.0, 255.0,
                                    -2147483648.0, 9.3e18, -9.3e18};
  int loops = 0;
  for (int u = 0; u < kNumUfuncs; ++u) {
    UfuncId id = static_cast<UfuncId>(u);
    const UfuncInfo& info = ufunc_info(id);
    for (int d = 0; d < kNumDtypes; ++d) {
      Dtype dt = static_cast<Dtype>(d);
      if (!(info.types & type_bit(dt))) continue;
      // Every pair of edge values for binary ufuncs.
      size_t n = edge.size();
      std::vector<double> x, y;
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) {
          x.push_back(edge[i]);
          y.push_back(edge[j]);
        }
      std::vector<Array> in = {make(x, dt)};
      if (info.nin >= 2)
        in.push_back(make(y, info.in == UfuncIn::FloatInt ? Dtype::Int64 : dt));
      if (info.nin == 3) in.push_back(make(x, dt));
      Arrays out;
      try {
        out = apply_ufunc(id, in);
      } catch (const ValueError&) {
        // power: integers to negative powers; checked below.
        ASSERT_EQ(id, UfuncId::power) << info.name << " " << dtype_name(dt);
        continue;
      }
      ASSERT_EQ(static_cast<int>(out.size()), info.nout);
      for (const Array& o : out) {
        EXPECT_EQ(o.dtype(), ufunc_out_dtype(id, dt))
            << info.name << " " << dtype_name(dt);
        EXPECT_EQ(o.size(), static_cast<int64_t>(x.size()));
      }
      ++loops;
    }
  }
  EXPECT_GT(loops, 600);
}

TEST(Ufuncs, IntegerDivisionEdgeCases) {
  Array a = make({-128, 7, -7, 5}, Dtype::Int8);
  Array b = make({-1, 0, 2, 0}, Dtype::Int8);
  EXPECT_EQ(values_of<int8_t>(floor_divide(a, b)),
            (std::vector<int8_t>{-128, 0, -4, 0}));
  EXPECT_EQ(values_of<int8_t>(remainder(a, b)),
            (std::vector<int8_t>{0, 0, 1, 0}));
  EXPECT_EQ(values_of<int8_t>(fmod(a, b)), (std::vector<int8_t>{0, 0, -1, 0}));
  auto [q, r] = divmod(a, b);
  EXPECT_EQ(values_of<int8_t>(q), (std::vector<int8_t>{-128, 0, -4, 0}));
  EXPECT_EQ(values_of<int8_t>(r), (std::vector<int8_t>{0, 0, 1, 0}));
  Array big = make({-9223372036854775808.0}, Dtype::Int64);
  EXPECT_EQ(values_of<int64_t>(floor_divide(big, make({-1}, Dtype::Int64)))[0],
            std::numeric_limits<int64_t>::min());
}

TEST(Ufuncs, ShiftsBeyondTheWidth) {
  Array one = make({1, 1, 1, -8}, Dtype::Int8);
  Array s = make({7, 8, -1, 100}, Dtype::Int8);
  EXPECT_EQ(values_of<int8_t>(left_shift(one, s)),
            (std::vector<int8_t>{-128, 0, 0, 0}));
  EXPECT_EQ(values_of<int8_t>(right_shift(one, s)),
            (std::vector<int8_t>{0, 0, 0, -1}));
  Array u = make({200}, Dtype::UInt16);
  EXPECT_EQ(values_of<uint16_t>(u << 20)[0], 0);
}

TEST(Ufuncs, WrappingArithmetic) {
  Array a = make({65535, 300}, Dtype::UInt16);
  EXPECT_EQ(values_of<uint16_t>(multiply(a, a)),
            (std::vector<uint16_t>{1, static_cast<uint16_t>(90000 % 65536)}));
  Array m = make({-2147483648.0}, Dtype::Int32);
  EXPECT_EQ(values_of<int32_t>(absolute(m))[0],
            std::numeric_limits<int32_t>::min());
  EXPECT_EQ(values_of<int32_t>(negative(m))[0],
            std::numeric_limits<int32_t>::min());
}

TEST(Ufuncs, TypeResolution) {
  Array i8 = make({1, 2}, Dtype::Int8);
  EXPECT_EQ(sqrt(i8).dtype(), Dtype::Float16);
  EXPECT_EQ(divide(i8, i8).dtype(), Dtype::Float64);
  Array b = make({1, 0}, Dtype::Bool);
  EXPECT_EQ(floor_divide(b, b).dtype(), Dtype::Int8);
  EXPECT_THROW(subtract(b, b), TypeError);
  EXPECT_THROW(bitwise_and(make({1.0}, Dtype::Float64),
                           make({1.0}, Dtype::Float64)),
               TypeError);
  Array c = make({3, 4}, Dtype::Complex64);
  EXPECT_EQ(absolute(c).dtype(), Dtype::Float32);
  EXPECT_EQ(ldexp(make({1}, Dtype::Float16), make({3}, Dtype::Int64)).dtype(),
            Dtype::Float16);
  EXPECT_EQ(values_of<float>(ldexp(make({1.5}, Dtype::Float32),
                                   make({3}, Dtype::Int32)))[0],
            12.0f);
  EXPECT_THROW(ldexp(make({1}, Dtype::Float32), make({3}, Dtype::UInt64)),
               TypeError);
  EXPECT_THROW(power(make({2}, Dtype::Int64), make({-1}, Dtype::Int64)),
               ValueError);
}

TEST(Ufuncs, Operators) {
  Array a = make({5, 6, 7}, Dtype::Int32);
  Array b = make({2, 6, 3}, Dtype::Int32);
  EXPECT_EQ(values_of<int32_t>(a % b), (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(values_of<bool>(a <= b), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(values_of<bool>(a > 5), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(values_of<bool>(a != b), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(values_of<int32_t>(a & b), (std::vector<int32_t>{0, 6, 3}));
  EXPECT_EQ(values_of<int32_t>(a | 8), (std::vector<int32_t>{13, 14, 15}));
  EXPECT_EQ(values_of<int32_t>(a ^ b), (std::vector<int32_t>{7, 0, 4}));
  EXPECT_EQ(values_of<int32_t>(~a), (std::vector<int32_t>{-6, -7, -8}));
  EXPECT_EQ(values_of<int32_t>(1 << b), (std::vector<int32_t>{4, 64, 8}));
  EXPECT_EQ(values_of<int32_t>(a >> 1), (std::vector<int32_t>{2, 3, 3}));
}

TEST(Ufuncs, Methods) {
  Array a = make({1, 2, 3, 4, 5, 6}, Dtype::Float64);
  Array m = reshape(a, {2, 3});
  EXPECT_EQ(ufunc_reduce(UfuncId::add, m, std::nullopt).item<double>(), 21.0);
  EXPECT_EQ(values_of<double>(ufunc_reduce(UfuncId::add, m,
                                           std::vector<int64_t>{0})),
            (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(values_of<double>(ufunc_accumulate(UfuncId::multiply, a, 0)),
            (std::vector<double>{1, 2, 6, 24, 120, 720}));
  EXPECT_EQ(values_of<double>(ufunc_accumulate(UfuncId::subtract, m, 1)),
            (std::vector<double>{1, -1, -4, 4, -1, -7}));
  EXPECT_THROW(ufunc_reduce(UfuncId::maximum, make({}, Dtype::Float64),
                            std::nullopt),
               ValueError);
  Array z = make({0, 0, 0}, Dtype::Int32);
  Array five = weak_scalar(int64_t(5));
  ufunc_at(UfuncId::add, z, make({0, 0, 2}, Dtype::Int64), &five);
  EXPECT_EQ(values_of<int32_t>(z), (std::vector<int32_t>{10, 0, 5}));
  EXPECT_EQ(values_of<double>(ufunc_reduceat(UfuncId::add, a,
                                             make({0, 4, 1}, Dtype::Int64))),
            (std::vector<double>{10, 5, 20}));
}

TEST(Ufuncs, RoundClipAngle) {
  Array a = make({0.5, 1.5, 2.5, -0.5, 1.25}, Dtype::Float64);
  EXPECT_EQ(values_of<double>(around(a)),
            (std::vector<double>{0, 2, 2, -0.0, 1}));
  Array i = make({15, 25, -15}, Dtype::Int16);
  EXPECT_EQ(values_of<int16_t>(around(i, -1)),
            (std::vector<int16_t>{20, 20, -20}));
  Array lo = weak_scalar(int64_t(0)), hi = weak_scalar(int64_t(300));
  Array i8 = make({-5, 5, 100}, Dtype::Int8);
  Array c = clip(i8, &lo, &hi);
  EXPECT_EQ(c.dtype(), Dtype::Int8);
  EXPECT_EQ(values_of<int8_t>(c), (std::vector<int8_t>{0, 5, 100}));
  Array z = make({0, 0}, Dtype::Complex128);
  z.data<complex128>()[0] = {0, 1};
  z.data<complex128>()[1] = {-1, 0};
  EXPECT_NEAR(values_of<double>(angle(z, true))[0], 90.0, 1e-12);
  EXPECT_NEAR(values_of<double>(angle(z))[1], M_PI, 1e-12);
  EXPECT_EQ(values_of<double>(imag(z))[0], 1.0);
  EXPECT_TRUE(real(z).shares_storage(z));
}
