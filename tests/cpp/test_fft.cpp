// numpy.fft through the C++ API: transforms against a naive DFT, the norm
// modes, and the Fft primitive's vjp against the adjoint identity
// Re <g, A x> = Re <A^T g, x> of each (real-)linear transform.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>

#include "arrax/arrax.h"
#include "arrax/primitives_fft.h"

using namespace arrax;

namespace {

using cd = std::complex<double>;

Array random_array(const Shape& shape, Dtype dt, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Array a = Array::empty(shape, Dtype::Complex128, Device::cpu());
  for (int64_t i = 0; i < a.size(); ++i) a.data<cd>()[i] = cd(u(gen), u(gen));
  if (!is_complex(dt)) a = real(a);
  return astype(a, dt);
}

cd value(const Array& a, int64_t i) {
  Array c = ascontiguousarray(astype(a, Dtype::Complex128));
  return c.data<cd>()[i];
}

// Re sum(conj(a) * b) over all elements.
double real_dot(const Array& a, const Array& b) {
  Array ca = ascontiguousarray(astype(a, Dtype::Complex128));
  Array cb = ascontiguousarray(astype(b, Dtype::Complex128));
  double s = 0;
  for (int64_t i = 0; i < ca.size(); ++i)
    s += (std::conj(ca.data<cd>()[i]) * cb.data<cd>()[i]).real();
  return s;
}

}  // namespace

TEST(Fft, MatchesNaiveDft) {
  for (int64_t n : {1, 2, 5, 7, 16, 97, 100, 257}) {
    Array x = random_array({n}, Dtype::Complex128, 1);
    Array y = fft(x);
    Array z = ifft(x, std::nullopt, -1, FftNorm::Ortho);
    for (int64_t k = 0; k < n; ++k) {
      cd s = 0, t = 0;
      for (int64_t j = 0; j < n; ++j) {
        double ang = 2 * M_PI * static_cast<double>((j * k) % n) / n;
        s += value(x, j) * cd(std::cos(ang), -std::sin(ang));
        t += value(x, j) * cd(std::cos(ang), std::sin(ang));
      }
      t /= std::sqrt(static_cast<double>(n));
      EXPECT_NEAR(std::abs(value(y, k) - s), 0.0, 1e-12 * n) << n << " " << k;
      EXPECT_NEAR(std::abs(value(z, k) - t), 0.0, 1e-12 * n) << n << " " << k;
    }
  }
}

TEST(Fft, RealTransformsAndDtypes) {
  Array x = random_array({3, 10}, Dtype::Float32, 2);
  Array r = rfft(x);
  EXPECT_EQ(r.dtype(), Dtype::Complex64);
  EXPECT_EQ(r.shape(), (Shape{3, 6}));
  Array back = irfft(r, 10);
  EXPECT_EQ(back.dtype(), Dtype::Float32);
  for (int64_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(value(back, i).real(), value(x, i).real(), 1e-5);
  EXPECT_EQ(fft(astype(x, Dtype::Int32)).dtype(), Dtype::Complex128);
  EXPECT_EQ(irfft(astype(x, Dtype::Float16)).dtype(), Dtype::Float16);
  EXPECT_EQ(rfftn(x).shape(), (Shape{3, 6}));
  EXPECT_EQ(irfftn(r).shape(), (Shape{3, 10}));
}

TEST(Fft, Errors) {
  Array x = random_array({8}, Dtype::Complex128, 3);
  EXPECT_THROW(fft(x, 0), ValueError);
  EXPECT_THROW(rfft(x), TypeError);
  EXPECT_THROW(fft(x, std::nullopt, 1), AxisError);
  EXPECT_THROW(fft_norm_from_name("bad", "fft"), ValueError);
  EXPECT_THROW(fftn(x, std::vector<int64_t>{4, 4}, std::vector<int64_t>{0}),
               ValueError);
  EXPECT_THROW(fftfreq(0, 1.0, Device::cpu()), ZeroDivisionError);
  try {
    fft(x, 0);
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "[fft] Invalid number of FFT data points (0) specified.");
  }
}

TEST(Fft, FreqsAndShifts) {
  // CPU arrays: value() reads host memory (the default device may be a GPU).
  Array f = fftfreq(5, 0.5, Device::cpu());
  double expect[] = {0.0, 0.4, 0.8, -0.8, -0.4};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(value(f, i).real(), expect[i], 1e-15);
  Array g = rfftfreq(6, 1.0, Device::cpu());
  EXPECT_EQ(g.shape(), (Shape{4}));
  Array a = arange(int64_t(0), int64_t(5), int64_t(1), Dtype::Int64,
                   Device::cpu());
  Array s = fftshift(a);
  EXPECT_EQ(value(s, 0).real(), 3.0);
  Array u = ifftshift(s);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(value(u, i).real(), i);
}

// The vjp of each transform is its (real) adjoint.
TEST(Fft, VjpIsTheAdjoint) {
  struct Case {
    FftKind kind;
    std::vector<int> axes;
    bool forward;
    double scale;
    Shape in_shape;
    int64_t last_n;
  };
  std::vector<Case> cases = {
      {FftKind::C2C, {1}, true, 1.0, {3, 7}, 0},
      {FftKind::C2C, {0, 1}, false, 0.25, {4, 6}, 0},
      {FftKind::R2C, {1}, true, 1.0, {3, 8}, 8},
      {FftKind::R2C, {0, 1}, false, 0.5, {5, 7}, 7},
      {FftKind::C2R, {1}, false, 1.0, {3, 5}, 8},
      {FftKind::C2R, {1}, true, 2.0, {3, 5}, 9},
      {FftKind::C2R, {1, 0}, false, 1.0, {4, 6}, 7},
  };
  unsigned seed = 10;
  for (const Case& c : cases) {
    Dtype in_dt = c.kind == FftKind::R2C ? Dtype::Float64 : Dtype::Complex128;
    auto p =
        std::make_shared<Fft>(c.kind, c.axes, c.forward, c.scale, c.last_n);
    Array x = random_array(c.in_shape, in_dt, seed++);
    Array in[1] = {x};
    Array y = dispatch1(p, in);
    Array g = random_array(y.shape(), y.dtype(), seed++);
    Array outs[1] = {y};
    Array cots[1] = {g};
    int argnums[1] = {0};
    Arrays xbar = p->vjp(in, outs, cots, argnums);
    ASSERT_EQ(xbar.size(), 1u);
    ASSERT_EQ(xbar[0].shape(), x.shape());
    double lhs = real_dot(g, y), rhs = real_dot(xbar[0], x);
    EXPECT_NEAR(lhs, rhs, 1e-10 * (1 + std::abs(lhs)))
        << static_cast<int>(c.kind) << " forward=" << c.forward;
  }
}
