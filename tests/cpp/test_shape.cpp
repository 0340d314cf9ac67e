// Creation and manipulation ops through the C++ API.
#include <gtest/gtest.h>

#include <vector>

#include "arrax/arrax.h"

using namespace arrax;

namespace {

Array iota(const Shape& shape, Dtype dt = Dtype::Float64) {
  Array a =
      arange(int64_t(0), shape_size(shape), int64_t(1), dt, Device::cpu());
  return reshape(a, shape);
}

// The elements of `a` in C order, as doubles.
std::vector<double> values(const Array& a) {
  Array c = ascontiguousarray(astype(a, Dtype::Float64));
  const double* p = c.data<double>();
  return std::vector<double>(p, p + c.size());
}

}  // namespace

TEST(Shape, ArangeFillRule) {
  Array a = arange(0.0, 1.0, 0.25, Dtype::Float64, Device::cpu());
  EXPECT_EQ(a.shape(), Shape{4});
  EXPECT_EQ(values(a), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  Array b = arange(int64_t(10), int64_t(-10), int64_t(-3), Dtype::Int8,
                   Device::cpu());
  EXPECT_EQ(b.dtype(), Dtype::Int8);
  EXPECT_EQ(values(b), (std::vector<double>{10, 7, 4, 1, -2, -5, -8}));
  EXPECT_EQ(arange(int64_t(5), int64_t(0)).size(), 0);
  EXPECT_THROW(arange(0.0, 1.0, 0.0, Dtype::Float64, Device::cpu()),
               ZeroDivisionError);
  EXPECT_THROW(arange(int64_t(0), int64_t(3), int64_t(1), Dtype::Bool),
               TypeError);
}

TEST(Shape, Linspace) {
  Array y = linspace(weak_scalar(0.0), weak_scalar(1.0), 5);
  EXPECT_EQ(y.dtype(), Dtype::Float64);
  EXPECT_EQ(values(y), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  Array step;
  Array z = linspace(weak_scalar(int64_t(0)), weak_scalar(int64_t(10)), 4,
                     false, Dtype::Int32, 0, &step);
  EXPECT_EQ(z.dtype(), Dtype::Int32);
  EXPECT_EQ(values(z), (std::vector<double>{0, 2, 5, 7}));
  EXPECT_DOUBLE_EQ(step.item<double>(), 2.5);
  EXPECT_THROW(linspace(weak_scalar(0.0), weak_scalar(1.0), -1), ValueError);
}

TEST(Shape, GeomAndLogspace) {
  Array g = geomspace(weak_scalar(1.0), weak_scalar(1000.0), 4);
  EXPECT_EQ(values(g), (std::vector<double>{1, 10, 100, 1000}));
  Array n = geomspace(weak_scalar(-1.0), weak_scalar(-100.0), 3);
  EXPECT_EQ(values(n), (std::vector<double>{-1, -10, -100}));
  Array l =
      logspace(weak_scalar(0.0), weak_scalar(3.0), 4, true, weak_scalar(2.0));
  EXPECT_EQ(values(l), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_THROW(geomspace(weak_scalar(0.0), weak_scalar(1.0), 3), ValueError);
}

TEST(Shape, ConcatenateAndStack) {
  Array a = iota({2, 3});
  Array b = iota({1, 3}, Dtype::Int8);
  Array ab[2] = {a, b};
  Array c = concatenate(ab, 0);
  EXPECT_EQ(c.shape(), (Shape{3, 3}));
  EXPECT_EQ(c.dtype(), Dtype::Float64);
  EXPECT_EQ(values(c), (std::vector<double>{0, 1, 2, 3, 4, 5, 0, 1, 2}));
  Array flat = concatenate(ab, std::nullopt);
  EXPECT_EQ(flat.shape(), Shape{9});
  Array t[2] = {transpose(a), transpose(a)};
  Array c1 = concatenate(t, 1);
  EXPECT_EQ(values(c1),
            (std::vector<double>{0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5}));
  Array bad[2] = {a, iota({2, 2})};
  EXPECT_THROW(concatenate(bad, 0), ValueError);
  EXPECT_THROW(concatenate(ab, 2), AxisError);
  Array s = stack(t, 1);
  EXPECT_EQ(s.shape(), (Shape{3, 2, 2}));
  // Casting rules.
  Array i8 = iota({2}, Dtype::Int8);
  Array fi[2] = {i8, iota({2}, Dtype::Float32)};
  EXPECT_THROW(concatenate(fi, 0, Dtype::Int8, Casting::Safe), TypeError);
}

TEST(Shape, CommonDtypeIsNotAPairwiseFold) {
  Array x[3] = {iota({1}, Dtype::Int8), iota({1}, Dtype::UInt16),
                iota({1}, Dtype::Float32)};
  EXPECT_EQ(concatenate(x, 0).dtype(), Dtype::Float32);
}

TEST(Shape, SplitViews) {
  Array a = iota({2, 7});
  int64_t idx[2] = {2, -2};
  Arrays parts = split(a, idx, 1);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(parts[1].shape(), (Shape{2, 3}));
  EXPECT_EQ(parts[2].shape(), (Shape{2, 2}));
  EXPECT_TRUE(parts[1].shares_storage(a));
  EXPECT_EQ(values(parts[2]), (std::vector<double>{5, 6, 12, 13}));
  Arrays even = split(a, 3, 1, false);
  EXPECT_EQ(even[0].shape()[1], 3);
  EXPECT_EQ(even[2].shape()[1], 2);
  EXPECT_THROW(split(a, 3, 1, true), ValueError);
}

TEST(Shape, FlipRollRot) {
  Array a = iota({2, 3});
  Array f = flip(a);
  EXPECT_TRUE(f.shares_storage(a));
  EXPECT_EQ(f.strides(), (Strides{-3, -1}));
  EXPECT_EQ(values(f), (std::vector<double>{5, 4, 3, 2, 1, 0}));
  int64_t sh[1] = {1}, ax[1] = {1};
  EXPECT_EQ(values(roll(a, sh, ax)), (std::vector<double>{2, 0, 1, 5, 3, 4}));
  int64_t flat_shift[1] = {-1};
  EXPECT_EQ(values(roll(a, flat_shift)),
            (std::vector<double>{1, 2, 3, 4, 5, 0}));
  Array r = rot90(a);
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(values(r), (std::vector<double>{2, 5, 1, 4, 0, 3}));
}

TEST(Shape, TileRepeat) {
  Array a = iota({2});
  int64_t reps[2] = {2, 2};
  Array t = tile(a, reps);
  EXPECT_EQ(t.shape(), (Shape{2, 4}));
  EXPECT_EQ(values(t), (std::vector<double>{0, 1, 0, 1, 0, 1, 0, 1}));
  int64_t r[2] = {3, 1};
  EXPECT_EQ(values(repeat(a, r)), (std::vector<double>{0, 0, 0, 1}));
  int64_t neg[1] = {-1};
  EXPECT_THROW(repeat(a, neg), ValueError);
}

TEST(Shape, TrianglesAndDiagonals) {
  Array m = iota({3, 3});
  EXPECT_EQ(values(tril(m)), (std::vector<double>{0, 0, 0, 3, 4, 0, 6, 7, 8}));
  EXPECT_EQ(values(triu(m, 1)),
            (std::vector<double>{0, 1, 2, 0, 0, 5, 0, 0, 0}));
  EXPECT_EQ(values(eye(2, 3, 1, Dtype::Int32, Device::cpu())),
            (std::vector<double>{0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(values(tri(2, std::nullopt, 0, Dtype::Bool, Device::cpu())),
            (std::vector<double>{1, 0, 1, 1}));
  EXPECT_EQ(values(diag(m, -1)), (std::vector<double>{3, 7}));
  Array d = diag(iota({2}), 1);
  EXPECT_EQ(values(d), (std::vector<double>{0, 0, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(Shape, ReshapeOrders) {
  Array a = iota({2, 3});
  Array f = reshape(a, {3, 2}, Order::F);
  EXPECT_EQ(values(f), (std::vector<double>{0, 4, 3, 2, 1, 5}));
  Array t = transpose(a);
  EXPECT_THROW(reshape(t, {6}, Order::C, false), ValueError);
  EXPECT_FALSE(reshape(t, {6}).shares_storage(a));
  EXPECT_TRUE(reshape(t, {6}, Order::F).shares_storage(a));
  EXPECT_EQ(values(ravel(t, Order::K)),
            (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

TEST(Shape, PadModes) {
  Array a = iota({3});
  std::pair<int64_t, int64_t> w[1] = {{2, 3}};
  PadOptions o;
  o.mode = PadMode::Reflect;
  EXPECT_EQ(values(pad(a, w, o)),
            (std::vector<double>{2, 1, 0, 1, 2, 1, 0, 1}));
  o.mode = PadMode::Symmetric;
  EXPECT_EQ(values(pad(a, w, o)),
            (std::vector<double>{1, 0, 0, 1, 2, 2, 1, 0}));
  o.mode = PadMode::Wrap;
  EXPECT_EQ(values(pad(a, w, o)),
            (std::vector<double>{1, 2, 0, 1, 2, 0, 1, 2}));
  o.mode = PadMode::Mean;
  EXPECT_EQ(values(pad(a, w, o)),
            (std::vector<double>{1, 1, 0, 1, 2, 1, 1, 1}));
  o.mode = PadMode::Constant;
  o.values = {{complex128(7), complex128(-1)}};
  EXPECT_EQ(values(pad(a, w, o)),
            (std::vector<double>{7, 7, 0, 1, 2, -1, -1, -1}));
  std::pair<int64_t, int64_t> neg[1] = {{-1, 0}};
  EXPECT_THROW(pad(a, neg, o), ValueError);
}
