// The random number generator and every sampling algorithm of arrax.random,
// written once for both devices: the CPU backend includes this file as C++
// (backend/cpu/random.cpp) and NVRTC compiles it into the kernels of
// device/random.cuh. Self-contained: no standard library, no other header.
//
// Note [Bit-identical sampling]
// The same key, counter and parameters give the same bits on the CPU and
// the GPU because
//  - Philox4x32-10 is integer arithmetic;
//  - element i of a draw reads only its own sub-stream, the Philox blocks
//    (key, counter = (base + i, j)) for j = 0, 1, ...: fixed-size samplers
//    read block 0, rejection samplers read as many blocks as they need, so
//    no element depends on another or on how the work is split;
//  - the transcendental functions (exp, log, sin/cos, atan, lgamma) are the
//    portable ones below, built from +, -, *, /, sqrt and floor, which IEEE
//    754 rounds the same way on both devices;
//  - every product goes through mul(), which is __dmul_rn on the device so
//    that NVRTC cannot contract it with an addition into an FMA (the CPU file
//    is compiled with -ffp-contract=off);
//  - float32 results are computed in double and rounded once at the end
//    (float32 `random` takes 24 bits directly).
// The portable functions are accurate to a few ulp, not correctly rounded:
// samples are exact draws from the distributions to within that.
// Compositions in Python that reduce (dirichlet's sum, multivariate_normal's
// matrix product) round in each device's own order and agree to a few ulp.
#pragma once

#ifdef __CUDACC_RTC__
#define AXR_FN __device__ __forceinline__
#else
#define AXR_FN inline
#endif

namespace ax {
namespace rng {

typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

// ---- Philox4x32-10 (Salmon et al., SC'11) ---------------------------------

struct Block {
  u32 v[4];
};

AXR_FN void mulhilo32(u32 a, u32 b, u32& hi, u32& lo) {
  u64 p = static_cast<u64>(a) * static_cast<u64>(b);
  hi = static_cast<u32>(p >> 32);
  lo = static_cast<u32>(p);
}

AXR_FN Block philox4x32_10(Block c, u32 k0, u32 k1) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    u32 hi0, lo0, hi1, lo1;
    mulhilo32(0xD2511F53u, c.v[0], hi0, lo0);
    mulhilo32(0xCD9E8D57u, c.v[2], hi1, lo1);
    Block n;
    n.v[0] = hi1 ^ c.v[1] ^ k0;
    n.v[1] = lo1;
    n.v[2] = hi0 ^ c.v[3] ^ k1;
    n.v[3] = lo0;
    c = n;
  }
  return c;
}

// The sub-stream of one element: blocks (key, (elem, j)), j = 0, 1, ...
struct Stream {
  u32 k0, k1;
  u64 elem;
  u64 block;
  Block buf;
  int pos;
  AXR_FN Stream(u64 key, u64 e) {
    k0 = static_cast<u32>(key);
    k1 = static_cast<u32>(key >> 32);
    elem = e;
    block = 0;
    pos = 4;
  }
  AXR_FN u32 next32() {
    if (pos == 4) {
      Block c;
      c.v[0] = static_cast<u32>(elem);
      c.v[1] = static_cast<u32>(elem >> 32);
      c.v[2] = static_cast<u32>(block);
      c.v[3] = static_cast<u32>(block >> 32);
      buf = philox4x32_10(c, k0, k1);
      ++block;
      pos = 0;
    }
    return buf.v[pos++];
  }
  AXR_FN u64 next64() {
    u64 lo = next32();
    u64 hi = next32();
    return (hi << 32) | lo;
  }
  // [0, 1) with 53 random bits.
  AXR_FN double uniform() {
    return static_cast<double>(next64() >> 11) * (1.0 / 9007199254740992.0);
  }
  // [0, 1) with 24 random bits (float32 `random`).
  AXR_FN float uniform24() {
    return static_cast<float>(next32() >> 8) * (1.0f / 16777216.0f);
  }
};

// ---- portable arithmetic ---------------------------------------------------

#ifdef __CUDACC_RTC__
AXR_FN double mul(double a, double b) { return __dmul_rn(a, b); }
AXR_FN double bits_to_double(u64 b) {
  return __longlong_as_double(static_cast<long long>(b));
}
AXR_FN u64 double_to_bits(double d) {
  return static_cast<u64>(__double_as_longlong(d));
}
AXR_FN double p_sqrt(double x) { return __dsqrt_rn(x); }
AXR_FN double p_floor(double x) { return floor(x); }
#else
AXR_FN double mul(double a, double b) { return a * b; }
AXR_FN double bits_to_double(u64 b) {
  double d;
  __builtin_memcpy(&d, &b, sizeof d);
  return d;
}
AXR_FN u64 double_to_bits(double d) {
  u64 b;
  __builtin_memcpy(&b, &d, sizeof b);
  return b;
}
AXR_FN double p_sqrt(double x) { return __builtin_sqrt(x); }
AXR_FN double p_floor(double x) { return __builtin_floor(x); }
#endif

AXR_FN double p_inf() { return bits_to_double(0x7FF0000000000000ull); }
AXR_FN double p_nan() { return bits_to_double(0x7FF8000000000000ull); }
AXR_FN bool p_isnan(double x) { return x != x; }
AXR_FN double p_fabs(double x) { return x < 0 ? -x : x; }
AXR_FN double p_ceil(double x) { return -p_floor(-x); }

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 bits of ln 2
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 6.28318530717958647692;
constexpr double kPiO2Hi = 1.57079632679489655800e+00;
constexpr double kPiO2Lo = 6.12323399573676603587e-17;

// 2^k for k in [-1022, 1023].
AXR_FN double pow2i(int k) {
  return bits_to_double(static_cast<u64>(k + 1023) << 52);
}

AXR_FN double p_exp(double x) {
  if (p_isnan(x)) return x;
  if (x > 709.782712893384) return p_inf();
  if (x < -745.2) return 0.0;
  double kd = p_floor(mul(x, 1.4426950408889634) + 0.5);
  int k = static_cast<int>(kd);
  double r = (x - mul(kd, kLn2Hi)) - mul(kd, kLn2Lo);
  // The Taylor series to r^17 / 17! (|r| <= 0.35) in Horner form with
  // 1/n! constants (no divisions: they are slow on the GPU).
  double f = 2.8114572543455206e-15;
  f = 4.779477332387385e-14 + mul(r, f);
  f = 7.647163731819816e-13 + mul(r, f);
  f = 1.1470745597729725e-11 + mul(r, f);
  f = 1.6059043836821613e-10 + mul(r, f);
  f = 2.08767569878681e-09 + mul(r, f);
  f = 2.505210838544172e-08 + mul(r, f);
  f = 2.755731922398589e-07 + mul(r, f);
  f = 2.7557319223985893e-06 + mul(r, f);
  f = 2.48015873015873e-05 + mul(r, f);
  f = 0.0001984126984126984 + mul(r, f);
  f = 0.001388888888888889 + mul(r, f);
  f = 0.008333333333333333 + mul(r, f);
  f = 0.041666666666666664 + mul(r, f);
  f = 0.16666666666666666 + mul(r, f);
  f = 0.5 + mul(r, f);
  f = 1.0 + mul(r, f);
  f = 1.0 + mul(r, f);
  if (k < -1020) return mul(mul(f, pow2i(k + 600)), pow2i(-600));
  if (k > 1023) return mul(mul(f, pow2i(k - 2)), 4.0);
  return mul(f, pow2i(k));
}

AXR_FN double p_log(double x) {
  if (p_isnan(x) || x < 0) return p_nan();
  if (x == 0) return -p_inf();
  if (x == p_inf()) return x;
  int e = 0;
  if (x < 2.2250738585072014e-308) {  // subnormal
    x = mul(x, 18014398509481984.0);  // 2^54
    e = -54;
  }
  u64 b = double_to_bits(x);
  e += static_cast<int>((b >> 52) & 0x7FF) - 1023;
  double m =
      bits_to_double((b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
  if (m > 1.4142135623730951) {
    m = mul(m, 0.5);
    ++e;
  }
  double f = m - 1.0;
  double s = f / (2.0 + f);
  double z = mul(s, s);
  // log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.172.
  // q = sum z^n / (2n + 1).
  double q = 0.04;
  q = 0.043478260869565216 + mul(z, q);
  q = 0.047619047619047616 + mul(z, q);
  q = 0.05263157894736842 + mul(z, q);
  q = 0.058823529411764705 + mul(z, q);
  q = 0.06666666666666667 + mul(z, q);
  q = 0.07692307692307693 + mul(z, q);
  q = 0.09090909090909091 + mul(z, q);
  q = 0.1111111111111111 + mul(z, q);
  q = 0.14285714285714285 + mul(z, q);
  q = 0.2 + mul(z, q);
  q = 0.3333333333333333 + mul(z, q);
  q = mul(z, q);
  // 2 s (1 + q) written as f - (hfsq - s (hfsq + 2 q)) (exact identity with
  // hfsq = f^2 / 2), which keeps the leading term f exact.
  double ed = static_cast<double>(e);
  double hfsq = mul(0.5, mul(f, f));
  double logm = f - (hfsq - mul(s, hfsq + mul(2.0, q)));
  return mul(ed, kLn2Hi) + (logm + mul(ed, kLn2Lo));
}

AXR_FN double p_log1p(double x) {
  double u = 1.0 + x;
  if (u == 1.0) return x;
  if (u == p_inf()) return u;
  return mul(p_log(u), x / (u - 1.0));
}

AXR_FN double p_expm1(double x) {
  double u = p_exp(x);
  if (u == 1.0) return x;
  double um1 = u - 1.0;
  if (um1 == -1.0) return -1.0;
  if (u == p_inf()) return u;
  return mul(um1, x / p_log(u));
}

AXR_FN double p_pow(double a, double b) {
  if (b == 0.0) return 1.0;
  if (a == 0.0) return b > 0 ? 0.0 : p_inf();
  return p_exp(mul(b, p_log(a)));
}

// sin and cos of 2 pi t for t in [0, 1].
AXR_FN void sincos_2pi(double t, double& s, double& c) {
  double k = p_floor(mul(t, 4.0) + 0.5);     // quadrant 0..4
  double r = mul(t - mul(k, 0.25), kTwoPi);  // |r| <= pi/4
  double z = mul(r, r);
  // Taylor series to r^19 / r^20 in Horner form with 1/n! constants (no
  // divisions: they are slow on the GPU).
  double sp = -8.22063524662433e-18;
  sp = 2.8114572543455206e-15 + mul(z, sp);
  sp = -7.647163731819816e-13 + mul(z, sp);
  sp = 1.6059043836821613e-10 + mul(z, sp);
  sp = -2.505210838544172e-08 + mul(z, sp);
  sp = 2.7557319223985893e-06 + mul(z, sp);
  sp = -0.0001984126984126984 + mul(z, sp);
  sp = 0.008333333333333333 + mul(z, sp);
  sp = -0.16666666666666666 + mul(z, sp);
  double cp = 4.110317623312165e-19;
  cp = -1.5619206968586225e-16 + mul(z, cp);
  cp = 4.779477332387385e-14 + mul(z, cp);
  cp = -1.1470745597729725e-11 + mul(z, cp);
  cp = 2.08767569878681e-09 + mul(z, cp);
  cp = -2.755731922398589e-07 + mul(z, cp);
  cp = 2.48015873015873e-05 + mul(z, cp);
  cp = -0.001388888888888889 + mul(z, cp);
  cp = 0.041666666666666664 + mul(z, cp);
  cp = -0.5 + mul(z, cp);
  double sr = r + mul(r, mul(z, sp));
  double cr = 1.0 + mul(z, cp);
  int q = static_cast<int>(k) & 3;
  if (q == 0) {
    s = sr;
    c = cr;
  } else if (q == 1) {
    s = cr;
    c = -sr;
  } else if (q == 2) {
    s = -sr;
    c = -cr;
  } else {
    s = -cr;
    c = sr;
  }
}

// atan(x) for x >= 0.
AXR_FN double p_atan_pos(double x) {
  bool inv = x > 1.0;
  if (inv) x = 1.0 / x;
  bool shift = x > 0.41421356237309503;
  if (shift) x = (x - 1.0) / (x + 1.0);
  double z = mul(x, x);
  // atan(x) = x (1 + z P(z)), P(z) = sum (-1)^n z^(n-1) / (2n + 1).
  double p = 0.02040816326530612;
  p = -0.02127659574468085 + mul(z, p);
  p = 0.022222222222222223 + mul(z, p);
  p = -0.023255813953488372 + mul(z, p);
  p = 0.024390243902439025 + mul(z, p);
  p = -0.02564102564102564 + mul(z, p);
  p = 0.02702702702702703 + mul(z, p);
  p = -0.02857142857142857 + mul(z, p);
  p = 0.030303030303030304 + mul(z, p);
  p = -0.03225806451612903 + mul(z, p);
  p = 0.034482758620689655 + mul(z, p);
  p = -0.037037037037037035 + mul(z, p);
  p = 0.04 + mul(z, p);
  p = -0.043478260869565216 + mul(z, p);
  p = 0.047619047619047616 + mul(z, p);
  p = -0.05263157894736842 + mul(z, p);
  p = 0.058823529411764705 + mul(z, p);
  p = -0.06666666666666667 + mul(z, p);
  p = 0.07692307692307693 + mul(z, p);
  p = -0.09090909090909091 + mul(z, p);
  p = 0.1111111111111111 + mul(z, p);
  p = -0.14285714285714285 + mul(z, p);
  p = 0.2 + mul(z, p);
  p = -0.3333333333333333 + mul(z, p);
  p = mul(z, p);
  // p = -z/3 + z^2/5 - ...: atan(x) = x (1 + p).
  double r = x + mul(x, p);
  if (shift) r = r + kPiO2Hi / 2.0 + kPiO2Lo / 2.0;
  if (inv) r = (kPiO2Hi - r) + kPiO2Lo;
  return r;
}

// acos(w) for w in [-1, 1]: 2 atan(sqrt((1 - w) / (1 + w))).
AXR_FN double p_acos(double w) {
  if (w <= -1.0) return kPi;
  return mul(2.0, p_atan_pos(p_sqrt((1.0 - w) / (1.0 + w))));
}

// log(Gamma(x)) for x > 0: the Stirling series after shifting x to >= 8.
AXR_FN double p_lgamma(double x) {
  if (x == 1.0 || x == 2.0) return 0.0;
  double shift = 0.0;
  double prod = 1.0;
  while (x < 8.0) {
    prod = mul(prod, x);
    x = x + 1.0;
    if (prod > 1e250) {
      shift = shift + p_log(prod);
      prod = 1.0;
    }
  }
  shift = shift + p_log(prod);
  double z = 1.0 / mul(x, x);
  double series =
      (1.0 / 12.0 +
       mul(z,
           -1.0 / 360.0 +
               mul(z,
                   1.0 / 1260.0 +
                       mul(z,
                           -1.0 / 1680.0 +
                               mul(z, 1.0 / 1188.0 +
                                          mul(z, -691.0 / 360360.0 +
                                                     mul(z, 1.0 / 156.0))))))) /
      x;
  return (mul(x - 0.5, p_log(x)) - x) + 0.91893853320467274178 + series - shift;
}

// ---- samplers
// ----------------------------------------------------------------

AXR_FN double std_normal(Stream& st) {
  double u1 = st.uniform();
  double u2 = st.uniform();
  double r = p_sqrt(mul(-2.0, p_log(1.0 - u1)));
  double s, c;
  sincos_2pi(u2, s, c);
  return mul(r, c);
}

AXR_FN double std_exponential(Stream& st) { return -p_log(1.0 - st.uniform()); }

// Marsaglia and Tsang (2000); shape < 1 boosted by U^(1/shape).
AXR_FN double std_gamma(Stream& st, double a) {
  if (a == 0.0) return 0.0;
  if (a == 1.0) return std_exponential(st);
  double boost = 1.0;
  if (a < 1.0) {
    // Gamma(a) = Gamma(a + 1) U^(1/a), in logs so tiny shapes underflow to 0.
    double u = 1.0 - st.uniform();
    boost = p_exp(p_log(u) / a);
    a = a + 1.0;
  }
  double d = a - 1.0 / 3.0;
  double c = 1.0 / p_sqrt(mul(9.0, d));
  for (;;) {
    double x, v;
    do {
      x = std_normal(st);
      v = 1.0 + mul(c, x);
    } while (v <= 0.0);
    v = mul(mul(v, v), v);
    double u = st.uniform();
    double x2 = mul(x, x);
    if (u < 1.0 - mul(0.0331, mul(x2, x2))) return mul(mul(d, v), boost);
    if (p_log(u) < mul(0.5, x2) + mul(d, (1.0 - v) + p_log(v)))
      return mul(mul(d, v), boost);
  }
}

AXR_FN double beta(Stream& st, double a, double b) {
  if (a <= 1.0 && b <= 1.0) {
    // Johnk's algorithm, in logs where X + Y underflows.
    for (;;) {
      double u = st.uniform();
      double v = st.uniform();
      double lx = p_log(u) / a;
      double ly = p_log(v) / b;
      double x = p_exp(lx), y = p_exp(ly);
      double xy = x + y;
      if (xy <= 1.0) {
        if (xy > 0.0) return x / xy;
        double lm = lx > ly ? lx : ly;
        lx = lx - lm;
        ly = ly - lm;
        return p_exp(lx - p_log(p_exp(lx) + p_exp(ly)));
      }
    }
  }
  double ga = std_gamma(st, a);
  double gb = std_gamma(st, b);
  return ga / (ga + gb);
}

// Knuth's multiplication method (lam < 10) and Hormann's PTRS (1993).
AXR_FN i64 poisson(Stream& st, double lam) {
  if (lam == 0.0) return 0;
  if (lam < 10.0) {
    double enlam = p_exp(-lam);
    i64 x = 0;
    double prod = 1.0;
    for (;;) {
      prod = mul(prod, st.uniform());
      if (prod > enlam)
        ++x;
      else
        return x;
    }
  }
  double slam = p_sqrt(lam);
  double loglam = p_log(lam);
  double b = 0.931 + mul(2.53, slam);
  double a = -0.059 + mul(0.02483, b);
  double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    double u = st.uniform() - 0.5;
    double v = st.uniform();
    double us = 0.5 - p_fabs(u);
    double k = p_floor(mul(mul(2.0, a) / us + b, u) + lam + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<i64>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (p_log(v) + p_log(invalpha) - p_log(a / mul(us, us) + b) <=
        -lam + mul(k, loglam) - p_lgamma(k + 1.0))
      return static_cast<i64>(k);
  }
}

// Inversion for small n p, Hormann's BTRS (1993) otherwise.
AXR_FN i64 binomial(Stream& st, i64 n, double p) {
  if (n == 0 || p == 0.0) return 0;
  if (p == 1.0) return n;
  bool flip = p > 0.5;
  if (flip) p = 1.0 - p;
  double q = 1.0 - p;
  double nd = static_cast<double>(n);
  double np = mul(nd, p);
  i64 result;
  if (np < 10.0) {
    double qn = p_exp(mul(nd, p_log1p(-p)));
    double bound = np + mul(10.0, p_sqrt(mul(np, q) + 1.0));
    if (bound > nd) bound = nd;
    double x = 0.0;
    double px = qn;
    double u = st.uniform();
    while (u > px) {
      x = x + 1.0;
      if (x > bound) {
        x = 0.0;
        px = qn;
        u = st.uniform();
      } else {
        u = u - px;
        px = mul(mul(nd - x + 1.0, p), px) / mul(x, q);
      }
    }
    result = static_cast<i64>(x);
  } else {
    double spq = p_sqrt(mul(np, q));
    double b = 1.15 + mul(2.53, spq);
    double a = -0.0873 + mul(0.0248, b) + mul(0.01, p);
    double c = np + 0.5;
    double vr = 0.92 - 4.2 / b;
    double alpha = mul(2.83 + 5.1 / b, spq);
    double lpq = p_log(p / q);
    double m = p_floor(mul(nd + 1.0, p));
    double h = p_lgamma(m + 1.0) + p_lgamma(nd - m + 1.0);
    for (;;) {
      double u = st.uniform() - 0.5;
      double v = st.uniform();
      double us = 0.5 - p_fabs(u);
      double k = p_floor(mul(mul(2.0, a) / us + b, u) + c);
      if (k < 0.0 || k > nd) continue;
      if (us >= 0.07 && v <= vr) {
        result = static_cast<i64>(k);
        break;
      }
      double lv = p_log(mul(v, alpha) / (a / mul(us, us) + b));
      if (lv <=
          h - p_lgamma(k + 1.0) - p_lgamma(nd - k + 1.0) + mul(k - m, lpq)) {
        result = static_cast<i64>(k);
        break;
      }
    }
  }
  return flip ? n - result : result;
}

// Inversion from the mode outwards ("chop-down" search), O(sd) steps.
AXR_FN i64 hypergeometric(Stream& st, i64 good, i64 bad, i64 sample) {
  double g = static_cast<double>(good), b = static_cast<double>(bad);
  double n = static_cast<double>(sample);
  double total = g + b;
  double lo = n - b > 0.0 ? n - b : 0.0;
  double hi = n < g ? n : g;
  if (lo == hi) return static_cast<i64>(lo);
  double mode = p_floor(mul(n + 1.0, g + 1.0) / (total + 2.0));
  if (mode < lo) mode = lo;
  if (mode > hi) mode = hi;
  auto logpmf = [&](double k) {
    return p_lgamma(g + 1.0) - p_lgamma(k + 1.0) - p_lgamma(g - k + 1.0) +
           p_lgamma(b + 1.0) - p_lgamma(n - k + 1.0) -
           p_lgamma(b - n + k + 1.0) -
           (p_lgamma(total + 1.0) - p_lgamma(n + 1.0) -
            p_lgamma(total - n + 1.0));
  };
  for (;;) {
    double u = st.uniform();
    double pm = p_exp(logpmf(mode));
    u = u - pm;
    if (u < 0.0) return static_cast<i64>(mode);
    // Walk down and up alternately with the pmf ratios.
    double kd = mode, ku = mode, pd = pm, pu = pm;
    bool more = true;
    while (more) {
      more = false;
      if (ku < hi) {
        // P(k+1)/P(k) = (g-k)(n-k) / ((k+1)(b-n+k+1))
        pu = mul(pu, mul(g - ku, n - ku) / mul(ku + 1.0, b - n + ku + 1.0));
        ku = ku + 1.0;
        u = u - pu;
        if (u < 0.0) return static_cast<i64>(ku);
        more = true;
      }
      if (kd > lo) {
        pd = mul(pd, mul(kd, b - n + kd) / mul(g - kd + 1.0, n - kd + 1.0));
        kd = kd - 1.0;
        u = u - pd;
        if (u < 0.0) return static_cast<i64>(kd);
        more = true;
      }
    }
    // Rounding left u just above 0: draw again.
  }
}

AXR_FN double vonmises(Stream& st, double mu, double kappa) {
  double result;
  if (kappa < 1e-8) return mul(kPi, mul(2.0, st.uniform()) - 1.0);
  if (kappa > 1e6) {
    result = mu + mul(p_sqrt(1.0 / kappa), std_normal(st));
  } else {
    double s;
    if (kappa < 1e-5) {
      s = 1.0 / kappa + kappa;
    } else {
      double r = 1.0 + p_sqrt(1.0 + mul(4.0, mul(kappa, kappa)));
      double rho = (r - p_sqrt(mul(2.0, r))) / mul(2.0, kappa);
      s = (1.0 + mul(rho, rho)) / mul(2.0, rho);
    }
    double w;
    for (;;) {
      double u = st.uniform();
      double sn, z;
      sincos_2pi(mul(0.5, u), sn, z);  // z = cos(pi u)
      w = (1.0 + mul(s, z)) / (s + z);
      double y = mul(kappa, s - w);
      double v = st.uniform();
      if (mul(y, 2.0 - y) - v >= 0.0) break;
      if (p_log(y / v) + 1.0 - y >= 0.0) break;
    }
    double u = st.uniform();
    result = p_acos(w);
    if (u < 0.5) result = -result;
    result = result + mu;
  }
  // Wrap into [-pi, pi].
  bool neg = result < 0.0;
  double m = p_fabs(result) + kPi;
  m = m - mul(p_floor(m / kTwoPi), kTwoPi);
  m = m - kPi;
  return neg ? -m : m;
}

AXR_FN i64 zipf(Stream& st, double a) {
  // P(X > 1) < 2^-1024 here, and 2^(a-1) would overflow the test below.
  if (a >= 1025.0) return 1;
  double am1 = a - 1.0;
  double b = p_pow(2.0, am1);
  for (;;) {
    double u = 1.0 - st.uniform();
    double v = st.uniform();
    double x = p_floor(p_pow(u, -1.0 / am1));
    if (x > 9.2233720368547748e18 || x < 1.0) continue;
    double t = p_pow(1.0 + 1.0 / x, am1);
    if (mul(mul(v, x), t - 1.0) / (b - 1.0) <= t / b)
      return static_cast<i64>(x);
  }
}

// Kemp's LK algorithm.
AXR_FN i64 logseries(Stream& st, double p) {
  double r = p_log1p(-p);
  for (;;) {
    double v = st.uniform();
    if (v >= p) return 1;
    double u = st.uniform();
    double q = -p_expm1(mul(r, u));
    if (v <= mul(q, q)) {
      double res = p_floor(1.0 + p_log(v) / p_log(q));
      if (res < 1.0 || v == 0.0) continue;
      return static_cast<i64>(res);
    }
    if (v >= q) return 1;
    return 2;
  }
}

AXR_FN double noncentral_chisquare(Stream& st, double df, double nonc) {
  if (nonc == 0.0) return mul(2.0, std_gamma(st, mul(0.5, df)));
  if (df > 1.0) {
    double chi2 = mul(2.0, std_gamma(st, mul(0.5, df - 1.0)));
    double n = std_normal(st) + p_sqrt(nonc);
    return chi2 + mul(n, n);
  }
  i64 i = poisson(st, mul(0.5, nonc));
  return mul(2.0,
             std_gamma(st, mul(0.5, df + mul(2.0, static_cast<double>(i)))));
}

// Robert (1995): uniform proposals on short intervals, exponential ones in a
// tail, the normal itself on wide intervals around 0.
AXR_FN double truncated_normal(Stream& st, double a, double b) {
  if (!(a < b)) return a == b ? a : p_nan();
  bool mirror = b <= 0.0;
  if (mirror) {
    double t = -a;
    a = -b;
    b = t;
  }
  double r;
  if (a <= 0.0) {  // 0 in [a, b]
    if (b - a > 2.5066282746310002) {
      for (;;) {
        double z = std_normal(st);
        if (z >= a && z <= b) {
          r = z;
          break;
        }
      }
    } else {
      for (;;) {
        double z = a + mul(b - a, st.uniform());
        if (st.uniform() <= p_exp(mul(-0.5, mul(z, z)))) {
          r = z;
          break;
        }
      }
    }
  } else {
    double alpha = mul(0.5, a + p_sqrt(mul(a, a) + 4.0));
    bool use_exp = b - a > 1.0 / alpha;
    for (;;) {
      double z, rho;
      if (use_exp) {
        z = a + std_exponential(st) / alpha;
        if (z > b) continue;
        double d = z - alpha;
        rho = p_exp(mul(-0.5, mul(d, d)));
      } else {
        z = a + mul(b - a, st.uniform());
        rho = p_exp(mul(0.5, mul(a, a) - mul(z, z)));
      }
      if (st.uniform() <= rho) {
        r = z;
        break;
      }
    }
  }
  return mirror ? -r : r;
}

// 64-bit high product from 32-bit pieces (same on both devices).
AXR_FN u64 mulhi64(u64 a, u64 b) {
  u64 al = a & 0xFFFFFFFFull, ah = a >> 32, bl = b & 0xFFFFFFFFull,
      bh = b >> 32;
  u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  u64 mid = (ll >> 32) + (lh & 0xFFFFFFFFull) + (hl & 0xFFFFFFFFull);
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

// A uniform integer in [0, range] (range inclusive), Lemire's method.
AXR_FN u64 bounded(Stream& st, u64 range) {
  if (range == 0) return 0;
  if (range <= 0xFFFFFFFEull) {
    u32 n = static_cast<u32>(range + 1);
    u64 m = static_cast<u64>(st.next32()) * n;
    u32 l = static_cast<u32>(m);
    if (l < n) {
      u32 t = static_cast<u32>(-n) % n;
      while (l < t) {
        m = static_cast<u64>(st.next32()) * n;
        l = static_cast<u32>(m);
      }
    }
    return m >> 32;
  }
  if (range == 0xFFFFFFFFull) return st.next32();
  if (range == ~0ull) return st.next64();
  u64 n = range + 1;
  u64 x = st.next64();
  u64 l = x * n;
  u64 h = mulhi64(x, n);
  if (l < n) {
    u64 t = (0 - n) % n;
    while (l < t) {
      x = st.next64();
      l = x * n;
      h = mulhi64(x, n);
    }
  }
  return h;
}

// ---- the distributions of one draw
// -------------------------------------------

// Each kind reads up to three parameters (double bits, or integers for
// Integers/Binomial/Hypergeometric) and writes one value per element.
enum Kind : int {
  kRandom = 0,           // [0, 1)
  kUniform,              // low, high
  kNormal,               // loc, scale
  kExponential,          // scale
  kGamma,                // shape, scale
  kBeta,                 // a, b
  kPoisson,              // lam -> int64
  kBinomial,             // n (int), p -> int64
  kIntegers,             // low (int), range (uint, inclusive)
  kBits,                 // 64 raw bits -> uint64
  kBernoulli,            // p -> bool
  kChisquare,            // df
  kNoncentralChisquare,  // df, nonc
  kF,                    // dfnum, dfden
  kNoncentralF,          // dfnum, dfden, nonc
  kStandardT,            // df
  kStandardCauchy,       //
  kGeometric,            // p -> int64
  kNegativeBinomial,     // n, p -> int64
  kGumbel,               // loc, scale
  kLaplace,              // loc, scale
  kLogistic,             // loc, scale
  kLognormal,            // mean, sigma
  kLogseries,            // p -> int64
  kPareto,               // a
  kPower,                // a
  kRayleigh,             // scale
  kTriangular,           // left, mode, right
  kVonmises,             // mu, kappa
  kWald,                 // mean, scale
  kWeibull,              // a
  kZipf,                 // a -> int64
  kHypergeometric,       // good, bad, sample (ints) -> int64
  kTruncatedNormal,      // lower, upper
  kChoiceCdf,            // -> int64 index into the table (a cdf)
  kNumKinds
};

// Kinds whose result is an integer (the rest give a double).
AXR_FN constexpr bool integer_kind(int k) {
  return k == kPoisson || k == kBinomial || k == kIntegers || k == kBits ||
         k == kBernoulli || k == kGeometric || k == kNegativeBinomial ||
         k == kLogseries || k == kZipf || k == kHypergeometric ||
         k == kChoiceCdf;
}

// Everything one element needs: its parameters and the cdf table.
struct Params {
  u64 p[3];
  const double* table;
  i64 table_n;
  AXR_FN double f(int i) const { return bits_to_double(p[i]); }
  AXR_FN i64 i(int i) const { return static_cast<i64>(p[i]); }
};

template <int K>
AXR_FN double sample_real(Stream& st, const Params& a) {
  if constexpr (K == kUniform) {
    double lo = a.f(0), hi = a.f(1);
    return lo + mul(hi - lo, st.uniform());
  } else if constexpr (K == kNormal) {
    return a.f(0) + mul(a.f(1), std_normal(st));
  } else if constexpr (K == kExponential) {
    return mul(a.f(0), std_exponential(st));
  } else if constexpr (K == kGamma) {
    return mul(a.f(1), std_gamma(st, a.f(0)));
  } else if constexpr (K == kBeta) {
    return beta(st, a.f(0), a.f(1));
  } else if constexpr (K == kChisquare) {
    return mul(2.0, std_gamma(st, mul(0.5, a.f(0))));
  } else if constexpr (K == kNoncentralChisquare) {
    return noncentral_chisquare(st, a.f(0), a.f(1));
  } else if constexpr (K == kF) {
    double num = mul(2.0, std_gamma(st, mul(0.5, a.f(0)))) / a.f(0);
    double den = mul(2.0, std_gamma(st, mul(0.5, a.f(1)))) / a.f(1);
    return num / den;
  } else if constexpr (K == kNoncentralF) {
    double t = mul(noncentral_chisquare(st, a.f(0), a.f(2)), a.f(1));
    return t / mul(mul(2.0, std_gamma(st, mul(0.5, a.f(1)))), a.f(0));
  } else if constexpr (K == kStandardT) {
    double df = a.f(0);
    double n = std_normal(st);
    double g = std_gamma(st, mul(0.5, df));
    return mul(p_sqrt(mul(0.5, df)), n) / p_sqrt(g);
  } else if constexpr (K == kStandardCauchy) {
    double s, c;
    sincos_2pi(st.uniform(), s, c);
    return c / s;
  } else if constexpr (K == kGumbel) {
    double u = 1.0 - st.uniform();
    return a.f(0) - mul(a.f(1), p_log(-p_log(u)));
  } else if constexpr (K == kLaplace) {
    for (;;) {
      double u = st.uniform();
      if (u >= 0.5) return a.f(0) - mul(a.f(1), p_log(2.0 - mul(2.0, u)));
      if (u > 0.0) return a.f(0) + mul(a.f(1), p_log(mul(2.0, u)));
    }
  } else if constexpr (K == kLogistic) {
    for (;;) {
      double u = st.uniform();
      if (u > 0.0) return a.f(0) + mul(a.f(1), p_log(u / (1.0 - u)));
    }
  } else if constexpr (K == kLognormal) {
    return p_exp(a.f(0) + mul(a.f(1), std_normal(st)));
  } else if constexpr (K == kPareto) {
    return p_expm1(std_exponential(st) / a.f(0));
  } else if constexpr (K == kPower) {
    return p_pow(-p_expm1(-std_exponential(st)), 1.0 / a.f(0));
  } else if constexpr (K == kRayleigh) {
    return mul(a.f(0), p_sqrt(mul(2.0, std_exponential(st))));
  } else if constexpr (K == kTriangular) {
    double left = a.f(0), mode = a.f(1), right = a.f(2);
    double base = right - left;
    double lb = mode - left;
    double ratio = lb / base;
    double lprod = mul(lb, base), rprod = mul(right - mode, base);
    double u = st.uniform();
    if (u <= ratio) return left + p_sqrt(mul(u, lprod));
    return right - p_sqrt(mul(1.0 - u, rprod));
  } else if constexpr (K == kVonmises) {
    return vonmises(st, a.f(0), a.f(1));
  } else if constexpr (K == kWald) {
    double mean = a.f(0), scale = a.f(1);
    double mu2l = mean / mul(2.0, scale);
    double y = std_normal(st);
    y = mul(mean, mul(y, y));
    double x =
        mean + mul(mu2l, y - p_sqrt(mul(mul(4.0, scale), y) + mul(y, y)));
    double u = st.uniform();
    if (u <= mean / (mean + x)) return x;
    return mul(mean, mean) / x;
  } else if constexpr (K == kWeibull) {
    if (a.f(0) == 0.0) return 0.0;
    return p_pow(std_exponential(st), 1.0 / a.f(0));
  } else if constexpr (K == kTruncatedNormal) {
    return truncated_normal(st, a.f(0), a.f(1));
  } else {
    return st.uniform();  // kRandom
  }
}

template <int K>
AXR_FN u64 sample_int(Stream& st, const Params& a) {
  if constexpr (K == kPoisson) {
    return static_cast<u64>(poisson(st, a.f(0)));
  } else if constexpr (K == kBinomial) {
    return static_cast<u64>(binomial(st, a.i(0), a.f(1)));
  } else if constexpr (K == kIntegers) {
    return a.p[0] + bounded(st, a.p[1]);
  } else if constexpr (K == kBernoulli) {
    return st.uniform() < a.f(0) ? 1 : 0;
  } else if constexpr (K == kGeometric) {
    double p = a.f(0);
    if (p == 1.0) return 1;
    double r = p_ceil(p_log(1.0 - st.uniform()) / p_log1p(-p));
    if (r < 1.0) r = 1.0;
    if (r > 9.2233720368547748e18) return 0x7FFFFFFFFFFFFFFFull;
    return static_cast<u64>(static_cast<i64>(r));
  } else if constexpr (K == kNegativeBinomial) {
    double p = a.f(1);
    double y = mul(std_gamma(st, a.f(0)), (1.0 - p) / p);
    return static_cast<u64>(poisson(st, y));
  } else if constexpr (K == kLogseries) {
    return static_cast<u64>(logseries(st, a.f(0)));
  } else if constexpr (K == kZipf) {
    return static_cast<u64>(zipf(st, a.f(0)));
  } else if constexpr (K == kHypergeometric) {
    return static_cast<u64>(hypergeometric(st, a.i(0), a.i(1), a.i(2)));
  } else if constexpr (K == kChoiceCdf) {
    // The first index whose cdf exceeds u * total (binary search).
    double u = mul(st.uniform(), a.table[a.table_n - 1]);
    i64 lo = 0, hi = a.table_n - 1;
    while (lo < hi) {
      i64 mid = lo + (hi - lo) / 2;
      if (a.table[mid] > u)
        hi = mid;
      else
        lo = mid + 1;
    }
    return static_cast<u64>(lo);
  } else {
    return st.next64();  // kBits
  }
}

}  // namespace rng
}  // namespace ax
