#include <gtest/gtest.h>

#include "arrax/arrax.h"

using namespace arrax;

TEST(Dtype, PromotionMatchesNumPy) {
  EXPECT_EQ(promote_types(Dtype::Int8, Dtype::UInt8), Dtype::Int16);
  EXPECT_EQ(promote_types(Dtype::Int64, Dtype::UInt64), Dtype::Float64);
  EXPECT_EQ(promote_types(Dtype::Int16, Dtype::Float16), Dtype::Float32);
  EXPECT_EQ(promote_types(Dtype::Float16, Dtype::BFloat16), Dtype::Float32);
  EXPECT_EQ(promote_types(Dtype::Float32, Dtype::Complex64), Dtype::Complex64);
  EXPECT_EQ(promote_types(Dtype::Float64, Dtype::Complex64),
            Dtype::Complex128);
  EXPECT_EQ(promote_types(Dtype::Int32, Dtype::Complex64), Dtype::Complex128);
  EXPECT_EQ(promote_types(Dtype::Bool, Dtype::Int8), Dtype::Int8);
  EXPECT_TRUE(can_cast(Dtype::Int64, Dtype::Float64));
  EXPECT_FALSE(can_cast(Dtype::Float64, Dtype::Int64));
  EXPECT_TRUE(can_cast(Dtype::UInt8, Dtype::Int8, Casting::SameKind));
  EXPECT_FALSE(can_cast(Dtype::Int8, Dtype::UInt8, Casting::SameKind));
}

TEST(Dtype, WeakScalars) {
  Array i8 = Array::empty({3}, Dtype::Int8, Device::cpu());
  Array f32 = Array::empty({3}, Dtype::Float32, Device::cpu());
  Array in1[2] = {i8, weak_scalar(int64_t(1))};
  EXPECT_EQ(result_type(in1), Dtype::Int8);
  Array in2[2] = {i8, weak_scalar(1.5)};
  EXPECT_EQ(result_type(in2), Dtype::Float64);
  Array in3[2] = {f32, weak_scalar(complex128(1, 1))};
  EXPECT_EQ(result_type(in3), Dtype::Complex64);
}

TEST(Half, RoundTrip) {
  for (float f : {0.0f, -0.0f, 1.0f, 65504.0f, 6.103515625e-05f, 5.9604644775390625e-08f, -2.5f}) {
    EXPECT_EQ(static_cast<float>(float16(f)), f);
  }
  EXPECT_TRUE(std::isinf(static_cast<float>(float16(65520.0f))));
  EXPECT_EQ(static_cast<float>(bfloat16(1.0f)), 1.0f);
}

TEST(Ufunc, AddBroadcastsAndPromotes) {
  Array a = Array::empty({2, 3}, Dtype::Float32, Device::cpu());
  Array b = Array::empty({3}, Dtype::Int8, Device::cpu());
  for (int i = 0; i < 6; ++i) a.data<float>()[i] = float(i);
  for (int i = 0; i < 3; ++i) b.data<int8_t>()[i] = int8_t(10 * i);
  Array c = a + b;
  ASSERT_EQ(c.shape(), (Shape{2, 3}));
  ASSERT_EQ(c.dtype(), Dtype::Float32);
  EXPECT_FLOAT_EQ(c.data<float>()[5], 5.0f + 20.0f);
  Array d = b + 1;
  EXPECT_EQ(d.dtype(), Dtype::Int8);
  EXPECT_THROW(b + 300, OverflowError);
}

TEST(Ufunc, StridedOutputAndThreads) {
  const int64_t n = 1 << 20;
  Array a = Array::empty({n}, Dtype::Float64, Device::cpu());
  for (int64_t i = 0; i < n; ++i) a.data<double>()[i] = double(i);
  Array rev = a.view({n / 2}, {-2}, n - 1);  // a[::-2]
  Array r = rev * 2.0;
  EXPECT_DOUBLE_EQ(r.data<double>()[0], 2.0 * (n - 1));
  EXPECT_DOUBLE_EQ(r.data<double>()[n / 2 - 1], 2.0 * 1);
}

TEST(Errors, BroadcastMessage) {
  Array a = Array::empty({2, 3}, Dtype::Float32, Device::cpu());
  Array b = Array::empty({4}, Dtype::Float32, Device::cpu());
  try {
    (void)(a + b);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[add]", 0), 0u);
  }
}

TEST(Dtype, ResultTypeOfSeveralIsNotAFold) {
  // NumPy: int8, uint16, float32 -> float32 (a left fold would give float64).
  Dtype three[3] = {Dtype::Int8, Dtype::UInt16, Dtype::Float32};
  EXPECT_EQ(promote_types(std::span<const Dtype>(three, 3)), Dtype::Float32);
  EXPECT_STREQ(casting_name(Casting::SameKind), "same_kind");
}
