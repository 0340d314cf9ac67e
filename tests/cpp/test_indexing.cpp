#include <gtest/gtest.h>

#include <numeric>

#include "arrax/arrax.h"

using namespace arrax;

namespace {

// 0, 1, 2, ... as float64 with the given shape.
Array iota(const Shape& shape, Dtype dtype = Dtype::Float64) {
  Array a = Array::empty(shape, Dtype::Float64, Device::cpu());
  double* p = a.data<double>();
  for (int64_t i = 0; i < a.size(); ++i) p[i] = static_cast<double>(i);
  return dtype == Dtype::Float64 ? a : astype(a, dtype);
}

Array ints(std::initializer_list<int64_t> v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  Array a = Array::empty(shape, Dtype::Int64, Device::cpu());
  std::copy(v.begin(), v.end(), a.data<int64_t>());
  return a;
}

Array bools(std::initializer_list<bool> v) {
  Array a = Array::empty({static_cast<int64_t>(v.size())}, Dtype::Bool,
                         Device::cpu());
  std::copy(v.begin(), v.end(), a.data<bool>());
  return a;
}

std::vector<double> values(const Array& a) {
  Array c = ascontiguousarray(astype(a, Dtype::Float64, false));
  return std::vector<double>(c.data<double>(), c.data<double>() + c.size());
}

}  // namespace

TEST(Indexing, BasicIndexingIsAView) {
  Array a = iota({3, 4});
  Array row = getitem(a, {1});
  EXPECT_EQ(row.shape(), (Shape{4}));
  EXPECT_TRUE(row.shares_storage(a));
  EXPECT_EQ(values(row), (std::vector<double>{4, 5, 6, 7}));

  Array rev = getitem(a, {Slice(std::nullopt, std::nullopt, -1), Slice(1, 3)});
  EXPECT_EQ(rev.shape(), (Shape{3, 2}));
  EXPECT_EQ(values(rev), (std::vector<double>{9, 10, 5, 6, 1, 2}));

  Array e = getitem(a, {ellipsis, newaxis, -1});
  EXPECT_EQ(e.shape(), (Shape{3, 1}));
  EXPECT_EQ(values(e), (std::vector<double>{3, 7, 11}));

  // Writing through a view changes the base.
  setitem(row, {Slice(std::nullopt, std::nullopt, 2)}, weak_scalar(-1.0));
  EXPECT_EQ(values(getitem(a, {1})), (std::vector<double>{-1, 5, -1, 7}));
}

TEST(Indexing, SliceClampingLikeNumPy) {
  Array a = iota({5});
  EXPECT_EQ(values(getitem(a, {Slice(-10, 10)})).size(), 5u);
  EXPECT_EQ(values(getitem(a, {Slice(10, -10, -3)})),
            (std::vector<double>{4, 1}));
  EXPECT_EQ(getitem(a, {Slice(3, 1)}).size(), 0);
  EXPECT_THROW(getitem(a, {Slice(0, 5, 0)}), ValueError);
}

TEST(Indexing, AdvancedLayout) {
  Array a = iota({2, 3, 4});
  // Adjacent advanced indices stay in place.
  Array r = getitem(a, {Slice(), ints({0, 2}), ints({1, 3})});
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(r), (std::vector<double>{1, 11, 13, 23}));
  // Separated by a slice: the broadcast dimensions go first.
  Array s = getitem(a, {ints({0, 1}), Slice(), ints({0, 3})});
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(s), (std::vector<double>{0, 4, 8, 15, 19, 23}));
  // An integer counts as an advanced index next to arrays.
  Array t = getitem(a, {0, Slice(), ints({1, 2})});
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_FALSE(t.shares_storage(a));
}

TEST(Indexing, BooleanMasks) {
  Array a = iota({3, 2});
  Array r = getitem(a, {bools({true, false, true})});
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(r), (std::vector<double>{0, 1, 4, 5}));
  Array zero_d = Array::scalar(true, Dtype::Bool, Device::cpu());
  EXPECT_EQ(getitem(a, {zero_d}).shape(), (Shape{1, 3, 2}));
  EXPECT_THROW(getitem(a, {bools({true, false})}), IndexError);
}

TEST(Indexing, ErrorsNeverCrash) {
  Array a = iota({3});
  try {
    getitem(a, {5});
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_STREQ(e.what(),
                 "[getitem] index 5 is out of bounds for axis 0 with size 3");
  }
  EXPECT_THROW(getitem(a, {ints({0, 3})}), IndexError);
  EXPECT_THROW(getitem(a, {ints({-4})}), IndexError);
  EXPECT_THROW(getitem(a, {0, 0}), IndexError);
  EXPECT_THROW(getitem(a, {ellipsis, ellipsis}), IndexError);
  EXPECT_THROW(getitem(a, {iota({2})}), IndexError);  // float index array
  // A failed scatter writes nothing.
  EXPECT_THROW(setitem(a, {ints({0, 7})}, weak_scalar(9.0)), IndexError);
  EXPECT_EQ(values(a), (std::vector<double>{0, 1, 2}));
}

TEST(Indexing, ScatterLastWriteWinsAndCasts) {
  Array a = Array::empty({3}, Dtype::Int32, Device::cpu());
  fill(a, weak_scalar(int64_t(0)));
  Array v = iota({4});
  setitem(a, {ints({0, 0, 2, 0})}, v);
  EXPECT_EQ(values(a), (std::vector<double>{3, 0, 2}));
  setitem(a, {1}, weak_scalar(2.9));  // truncates like NumPy
  EXPECT_EQ(values(a), (std::vector<double>{3, 2, 2}));
  Array u8 = Array::empty({2}, Dtype::UInt8, Device::cpu());
  EXPECT_THROW(setitem(u8, {0}, weak_scalar(int64_t(300))), OverflowError);
}

TEST(Indexing, OverlappingAssignment) {
  Array a = iota({6});
  setitem(a, {Slice(1, std::nullopt)}, getitem(a, {Slice(std::nullopt, -1)}));
  EXPECT_EQ(values(a), (std::vector<double>{0, 0, 1, 2, 3, 4}));
}

TEST(Indexing, TakePutAndFriends) {
  Array a = iota({3, 4});
  Array t = take(a, ints({2, 0}), 1);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(values(t), (std::vector<double>{2, 0, 6, 4, 10, 8}));
  EXPECT_EQ(values(take(a, ints({13, -1}), std::nullopt, IndexMode::Wrap)),
            (std::vector<double>{1, 11}));
  EXPECT_EQ(values(take(a, ints({13, -1}), std::nullopt, IndexMode::Clip)),
            (std::vector<double>{11, 0}));
  EXPECT_THROW(take(a, ints({12})), IndexError);

  Array b = iota({5});
  put(b, ints({0, 4, 2}), iota({2}));  // values repeat
  EXPECT_EQ(values(b), (std::vector<double>{0, 1, 0, 3, 1}));

  Array nz = iota({2, 3});
  Arrays coords = nonzero(nz);
  ASSERT_EQ(coords.size(), 2u);
  EXPECT_EQ(values(coords[0]), (std::vector<double>{0, 0, 1, 1, 1}));
  EXPECT_EQ(values(coords[1]), (std::vector<double>{1, 2, 0, 1, 2}));
  EXPECT_EQ(argwhere(nz).shape(), (Shape{5, 2}));
  EXPECT_EQ(count_true(nz), 5);
  EXPECT_EQ(values(flatnonzero(nz)), (std::vector<double>{1, 2, 3, 4, 5}));

  Array c = compress(bools({false, true, true}), a, 0);
  EXPECT_EQ(c.shape(), (Shape{2, 4}));
  Array tal = take_along_axis(a, ints({3, 0, 1}, {3, 1}), 1);
  EXPECT_EQ(values(tal), (std::vector<double>{3, 4, 9}));
  Array choices[2] = {iota({3}), astype(iota({3}), Dtype::Int8)};
  Array ch = choose(ints({1, 0, 1}), choices);
  EXPECT_EQ(ch.dtype(), Dtype::Float64);
  EXPECT_THROW(choose(ints({2, 0, 1}), choices), ValueError);

  Array p = iota({4});
  place(p, bools({true, false, true, true}), iota({2}));
  EXPECT_EQ(values(p), (std::vector<double>{0, 1, 1, 0}));
}

TEST(Indexing, LargeGatherScatterAndMask) {
  const int64_t n = 1 << 20;
  Array a = iota({n});
  Array idx = Array::empty({n / 2}, Dtype::Int64, Device::cpu());
  for (int64_t i = 0; i < n / 2; ++i) idx.data<int64_t>()[i] = (i * 7919) % n;
  Array g = getitem(a, {idx});
  for (int64_t i = 0; i < n / 2; i += 4099)
    EXPECT_EQ(g.data<double>()[i], static_cast<double>((i * 7919) % n));
  Array mask = Array::empty({n}, Dtype::Bool, Device::cpu());
  for (int64_t i = 0; i < n; ++i) mask.data<bool>()[i] = i % 3 == 0;
  Array m = getitem(a, {mask});
  ASSERT_EQ(m.size(), (n + 2) / 3);
  EXPECT_EQ(m.data<double>()[m.size() - 1],
            static_cast<double>(n - 1 - (n - 1) % 3));
  setitem(a, {mask}, weak_scalar(-1.0));
  EXPECT_EQ(a.data<double>()[3], -1.0);
  EXPECT_EQ(a.data<double>()[4], 4.0);
}
