// The matrix-product family through the C++ API, checked against naive
// loops; numpy.linalg (arrax/linalg.h) on CPU arrays built explicitly (on
// the GPU machine the default device is the GPU).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "arrax/arrax.h"
#include "arrax/primitives_linalg.h"

using namespace arrax;

namespace {

template <typename T>
Array iota(const Shape& shape, int mod = 7, int shift = 3) {
  Array a = Array::empty(shape, dtype_of<T>(), Device::cpu());
  for (int64_t i = 0; i < a.size(); ++i)
    a.data<T>()[i] = cast_value<T>(static_cast<int>((i * 5 + 1) % mod) - shift);
  return a;
}

// Element (i, j) of a 2-D array with any strides, as double.
template <typename T>
double at(const Array& a, int64_t i, int64_t j) {
  return cast_value<double>(
      a.data<T>()[i * a.strides()[0] + j * a.strides()[1]]);
}

template <typename T>
void expect_matmul_2d(const Array& a, const Array& b, const Array& c) {
  ASSERT_EQ(c.ndim(), 2);
  for (int64_t i = 0; i < a.shape()[0]; ++i)
    for (int64_t j = 0; j < b.shape()[1]; ++j) {
      double s = 0;
      for (int64_t p = 0; p < a.shape()[1]; ++p)
        s += at<T>(a, i, p) * at<T>(b, p, j);
      EXPECT_NEAR(at<T>(c, i, j), s, 1e-9 * (1 + std::abs(s)));
    }
}

}  // namespace

TEST(Matmul, FloatAndIntMatchNaiveLoops) {
  Array a = iota<double>({5, 7}), b = iota<double>({7, 3});
  expect_matmul_2d<double>(a, b, matmul(a, b));
  Array ai = iota<int32_t>({37, 70}), bi = iota<int32_t>({70, 600});
  Array ci = matmul(ai, bi);
  EXPECT_EQ(ci.dtype(), Dtype::Int32);
  expect_matmul_2d<int32_t>(ai, bi, ci);
}

TEST(Matmul, TransposedAndStridedOperands) {
  Array a = iota<float>({6, 4}), b = iota<float>({5, 6});
  Array at_ = transpose(a);  // (4, 6), column-major
  Array bt = transpose(b);   // (6, 5)
  expect_matmul_2d<float>(at_, bt, matmul(at_, bt));
  Array step = a.view({3, 4}, {8, 1}, 0);  // a[::2]
  Array b2 = iota<float>({4, 2});
  expect_matmul_2d<float>(step, b2, matmul(step, b2));
  Array neither = a.view({3, 2}, {8, 2}, 0);  // a[::2, ::2]: no unit stride
  Array b3 = iota<float>({2, 3});
  expect_matmul_2d<float>(neither, b3, matmul(neither, b3));
}

TEST(Matmul, VectorsAndBatches) {
  Array v = iota<double>({4});
  Array m = iota<double>({2, 3, 4, 5});
  Array r = matmul(v, m);
  EXPECT_EQ(r.shape(), (Shape{2, 3, 5}));
  Array s = matmul(v, v);
  EXPECT_EQ(s.ndim(), 0);
  double dot = 0;
  for (int i = 0; i < 4; ++i) dot += v.data<double>()[i] * v.data<double>()[i];
  EXPECT_DOUBLE_EQ(s.item<double>(), dot);
  Array x = iota<double>({3, 1, 2, 4});
  Array y = iota<double>({5, 4, 2});
  EXPECT_EQ(matmul(x, y).shape(), (Shape{3, 5, 2, 2}));
}

TEST(Matmul, IntegerWrapsAndBoolIsOr) {
  Array a = Array::empty({1, 2}, Dtype::Int8, Device::cpu());
  a.data<int8_t>()[0] = 100;
  a.data<int8_t>()[1] = 100;
  Array b = Array::empty({2, 1}, Dtype::Int8, Device::cpu());
  b.data<int8_t>()[0] = 2;
  b.data<int8_t>()[1] = 1;
  // 200 + 100 = 300 wraps to 44 in int8.
  EXPECT_EQ(matmul(a, b).item<int64_t>(), 44);
  Array t = Array::empty({1, 2}, Dtype::Bool, Device::cpu());
  t.data<bool>()[0] = true;
  t.data<bool>()[1] = true;
  Array u = Array::empty({2, 1}, Dtype::Bool, Device::cpu());
  u.data<bool>()[0] = true;
  u.data<bool>()[1] = true;
  Array r = matmul(t, u);
  EXPECT_EQ(r.dtype(), Dtype::Bool);
  EXPECT_TRUE(r.item<bool>());
}

TEST(Matmul, HalfTypesAndComplex) {
  Array a = iota<float16>({3, 4}), b = iota<float16>({4, 2});
  Array c = matmul(a, b);
  EXPECT_EQ(c.dtype(), Dtype::Float16);
  expect_matmul_2d<float16>(a, b, c);
  Array z = Array::empty({1, 1}, Dtype::Complex128, Device::cpu());
  z.data<complex128>()[0] = {1, 2};
  EXPECT_EQ(matmul(z, z).item<complex128>(), complex128(-3, 4));
  // vdot conjugates its first argument: conj(1+2i)(1+2i) = 5.
  EXPECT_EQ(vdot(z, z).item<complex128>(), complex128(5, 0));
}

TEST(Matmul, Errors) {
  Array a = iota<double>({2, 3}), b = iota<double>({4, 2});
  EXPECT_THROW(matmul(a, b), ValueError);
  EXPECT_THROW(matmul(a, Array::scalar(1.0, Dtype::Float64, Device::cpu())),
               ValueError);
  EXPECT_THROW(matmul(a, transpose(a), nullptr, Dtype::Int32), TypeError);
  Array out = Array::empty({2, 3}, Dtype::Float64, Device::cpu());
  EXPECT_THROW(matmul(a, transpose(a), &out), ValueError);
}

TEST(Matmul, OutWithEmptyInnerDimension) {
  Array a = Array::empty({3, 0}, Dtype::Float32, Device::cpu());
  Array b = Array::empty({0, 2}, Dtype::Float32, Device::cpu());
  Array out = iota<float>({3, 2});
  matmul(a, b, &out);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out.data<float>()[i], 0.0f);
}

TEST(Linalg, DotTensordotEinsumAgree) {
  Array a = iota<double>({2, 3, 4}), b = iota<double>({5, 4, 6});
  Array d = dot(a, b);
  EXPECT_EQ(d.shape(), (Shape{2, 3, 5, 6}));
  int64_t axa[1] = {2}, axb[1] = {1};
  Array t = tensordot(a, b, axa, axb);
  Array ops[2] = {a, b};
  Array e = einsum("ijk,lkm->ijlm", ops);
  ASSERT_EQ(t.shape(), d.shape());
  ASSERT_EQ(e.shape(), d.shape());
  Array dc = ascontiguousarray(d), tc = ascontiguousarray(t),
        ec = ascontiguousarray(e);
  for (int64_t i = 0; i < d.size(); ++i) {
    EXPECT_DOUBLE_EQ(dc.data<double>()[i], tc.data<double>()[i]);
    EXPECT_NEAR(dc.data<double>()[i], ec.data<double>()[i], 1e-9);
  }
}

TEST(Linalg, TraceDiagonalKronOuter) {
  Array a = iota<int8_t>({3, 3});
  Array d = diagonal(a);
  EXPECT_TRUE(d.shares_storage(a));
  EXPECT_EQ(d.shape(), (Shape{3}));
  Array tr = trace(a);
  EXPECT_EQ(tr.dtype(), Dtype::Int64);
  int64_t s = 0;
  for (int i = 0; i < 3; ++i) s += a.data<int8_t>()[i * 4];
  EXPECT_EQ(tr.item<int64_t>(), s);
  EXPECT_THROW(diagonal(iota<double>({3})), ValueError);
  EXPECT_THROW(diagonal(a, 0, 1, 1), ValueError);
  EXPECT_THROW(diagonal(a, 0, 0, 2), AxisError);
  Array k = kron(iota<double>({2, 2}), iota<double>({3}));
  EXPECT_EQ(k.shape(), (Shape{2, 6}));
  Array o = outer(iota<double>({2, 2}), iota<double>({3}));
  EXPECT_EQ(o.shape(), (Shape{4, 3}));
}

TEST(Einsum, DiagonalSumsAndErrors) {
  Array a = iota<double>({4, 4});
  Array ops[1] = {a};
  Array tr = einsum("ii", ops);
  EXPECT_EQ(tr.ndim(), 0);
  EXPECT_DOUBLE_EQ(tr.item<double>(), trace(a).item<double>());
  Array diag = einsum("ii->i", ops);
  EXPECT_TRUE(diag.shares_storage(a));
  EXPECT_THROW(einsum("ij->k", ops), ValueError);
  EXPECT_THROW(einsum("ijk", ops), ValueError);
  EXPECT_THROW(einsum("ij,jk", ops), ValueError);
  Array three[3] = {iota<double>({2, 3}), iota<double>({3, 4}),
                    iota<double>({4, 5})};
  Array r = einsum("ij,jk,kl->il", three);
  Array m = matmul(matmul(three[0], three[1]), three[2]);
  ASSERT_EQ(r.shape(), m.shape());
  for (int64_t i = 0; i < r.size(); ++i)
    EXPECT_NEAR(r.data<double>()[i], m.data<double>()[i], 1e-9);
}

TEST(Matmul, VjpSumsBroadcastBatches) {
  Array a = iota<double>({2, 1, 3, 4}), b = iota<double>({5, 4, 2}, 5, 2);
  Array g = iota<double>({2, 5, 3, 2}, 11, 5);
  Matmul prim;
  Array in[2] = {a, b};
  Array outs[1] = {matmul(a, b)};
  Array cot[1] = {g};
  int args[2] = {0, 1};
  Arrays d = prim.vjp(in, outs, cot, args);
  ASSERT_EQ(d.size(), 2u);
  ASSERT_EQ(d[0].shape(), a.shape());
  ASSERT_EQ(d[1].shape(), b.shape());
  Array da = ascontiguousarray(d[0]), db = ascontiguousarray(d[1]);
  auto G = [&](int i, int j, int p, int r) {
    return g.data<double>()[((i * 5 + j) * 3 + p) * 2 + r];
  };
  auto A = [&](int i, int p, int q) {
    return a.data<double>()[(i * 3 + p) * 4 + q];
  };
  auto B = [&](int j, int q, int r) {
    return b.data<double>()[(j * 4 + q) * 2 + r];
  };
  for (int i = 0; i < 2; ++i)
    for (int p = 0; p < 3; ++p)
      for (int q = 0; q < 4; ++q) {
        double s = 0;
        for (int j = 0; j < 5; ++j)
          for (int r = 0; r < 2; ++r) s += G(i, j, p, r) * B(j, q, r);
        EXPECT_DOUBLE_EQ(da.data<double>()[(i * 3 + p) * 4 + q], s);
      }
  for (int j = 0; j < 5; ++j)
    for (int q = 0; q < 4; ++q)
      for (int r = 0; r < 2; ++r) {
        double s = 0;
        for (int i = 0; i < 2; ++i)
          for (int p = 0; p < 3; ++p) s += A(i, p, q) * G(i, j, p, r);
        EXPECT_DOUBLE_EQ(db.data<double>()[(j * 4 + q) * 2 + r], s);
      }
  // Complex: dA = G B^H.
  Array z = Array::empty({1, 1}, Dtype::Complex128, Device::cpu());
  z.data<complex128>()[0] = {1, 2};
  Array gz = Array::empty({1, 1}, Dtype::Complex128, Device::cpu());
  gz.data<complex128>()[0] = {1, 0};
  Array zin[2] = {z, z};
  Array zout[1] = {matmul(z, z)};
  Array zcot[1] = {gz};
  int first[1] = {0};
  Arrays dz = prim.vjp(zin, zout, zcot, first);
  EXPECT_EQ(dz[0].item<complex128>(), complex128(1, -2));
  // The conjugating product C = conj(A) B: dA = conj(G) B^T, dB = A^T G.
  Matmul conj(true);
  int both[2] = {0, 1};
  Arrays dc = conj.vjp(zin, zout, zcot, both);
  EXPECT_EQ(dc[0].item<complex128>(), complex128(1, 2));
  EXPECT_EQ(dc[1].item<complex128>(), complex128(1, 2));
}

// ---- numpy.linalg (arrax/linalg.h): the identities of the factorizations,
// LinAlgError, and a vjp against finite differences.

namespace numpy_linalg {

Array random_matrix(const Shape& shape, unsigned seed, double shift = 0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Array a = Array::empty(shape, Dtype::Float64, Device::cpu());
  for (int64_t i = 0; i < a.size(); ++i) a.data<double>()[i] = u(gen);
  if (shift != 0) {
    int64_t n = shape.back();
    a = add(a, multiply(eye(n, std::nullopt, 0, Dtype::Float64, Device::cpu()),
                        weak_scalar(shift)));
  }
  return a;
}

double max_abs_diff(const Array& a, const Array& b) {
  Array d = ascontiguousarray(astype(absolute(subtract(a, b)), Dtype::Float64));
  double m = 0;
  for (int64_t i = 0; i < d.size(); ++i) m = std::max(m, d.data<double>()[i]);
  return m;
}

Array eye3(int64_t n) {
  return eye(n, std::nullopt, 0, Dtype::Float64, Device::cpu());
}

}  // namespace numpy_linalg

using namespace numpy_linalg;

TEST(Linalg, SolveAndInverse) {
  Array a = random_matrix({4, 5, 5}, 1, 5.0);
  Array b = random_matrix({4, 5, 2}, 2);
  Array x = linalg::solve(a, b);
  EXPECT_LT(max_abs_diff(matmul(a, x), b), 1e-12);
  Array ai = linalg::inv(a);
  EXPECT_LT(max_abs_diff(matmul(a, ai), broadcast_to(eye3(5), a.shape())),
            1e-12);
  // det = product of eigenvalues for a symmetric matrix.
  Array s = add(a, swapaxes(a, -1, -2));
  Array w = linalg::eigvalsh(s);
  ReduceArgs last;
  last.axis = Axes{-1};
  EXPECT_LT(max_abs_diff(linalg::det(s), prod(w, last)), 1e-9);
}

TEST(Linalg, SingularRaisesLinAlgError) {
  Array a = zeros({3, 3}, Dtype::Float64, Device::cpu());
  EXPECT_THROW(linalg::inv(a), LinAlgError);
  try {
    linalg::solve(a, ones({3}, Dtype::Float64, Device::cpu()));
    FAIL();
  } catch (const LinAlgError& e) {
    EXPECT_STREQ(e.what(), "[linalg.solve] Singular matrix");
  }
  auto [sign, logdet] = linalg::slogdet(a);
  EXPECT_EQ(sign.item<double>(), 0.0);
  EXPECT_TRUE(std::isinf(logdet.item<double>()));
  EXPECT_THROW(linalg::cholesky(negative(eye3(3))), LinAlgError);
  EXPECT_THROW(linalg::inv(ones({2, 3}, Dtype::Float64, Device::cpu())),
               LinAlgError);
  EXPECT_THROW(
      linalg::inv(eye(2, std::nullopt, 0, Dtype::Float16, Device::cpu())),
      TypeError);
}

TEST(Linalg, Factorizations) {
  Array a = random_matrix({6, 4}, 3);
  Arrays qr = linalg::qr(a);
  EXPECT_LT(max_abs_diff(matmul(qr[0], qr[1]), a), 1e-12);
  Arrays usv = linalg::svd(a, false);
  Indices row = {Index(ellipsis), Index(newaxis), Index(Slice())};
  Array us = multiply(usv[0], getitem(usv[1], row));
  EXPECT_LT(max_abs_diff(matmul(us, usv[2]), a), 1e-12);
  Array spd = add(matmul(swapaxes(a, 0, 1), a), eye3(4));
  Array l = linalg::cholesky(spd);
  EXPECT_LT(max_abs_diff(matmul(l, swapaxes(l, 0, 1)), spd), 1e-12);
  auto [w, v] = linalg::eigh(spd);
  EXPECT_LT(max_abs_diff(matmul(spd, v), multiply(v, getitem(w, row))), 1e-10);
  EXPECT_NEAR(linalg::norm(eye3(3)).item<double>(), std::sqrt(3.0), 1e-14);
  EXPECT_NEAR(linalg::cond(eye3(3)).item<double>(), 1.0, 1e-14);
  EXPECT_EQ(linalg::matrix_rank(eye3(3)).item<int64_t>(), 3);
}

TEST(Linalg, SolveVjpMatchesFiniteDifferences) {
  // d/dA sum(solve(A, b) * w) against central differences.
  Array a = random_matrix({3, 3}, 4, 3.0);
  Array b = random_matrix({3, 2}, 5);
  Array w = random_matrix({3, 2}, 6);
  Array at = copy(a);
  set_requires_grad(at, true);
  Array loss = sum(multiply(linalg::solve(at, b), w));
  Array outs[1] = {loss};
  backward(outs, {});
  Array g = grad_of(at);
  ASSERT_TRUE(g.valid());
  double eps = 1e-6;
  for (int64_t i = 0; i < 9; ++i) {
    Array hi = copy(a), lo = copy(a);
    hi.data<double>()[i] += eps;
    lo.data<double>()[i] -= eps;
    double fd = (sum(multiply(linalg::solve(hi, b), w)).item<double>() -
                 sum(multiply(linalg::solve(lo, b), w)).item<double>()) /
                (2 * eps);
    EXPECT_NEAR(ascontiguousarray(g).data<double>()[i], fd, 1e-7);
  }
}
