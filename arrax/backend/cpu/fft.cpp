// CPU evaluation of the Fft primitive on kissfft (Debian's libkissfft-dev,
// BSD-3-Clause: its header-only C++ template, for float and double).
//
// Note [CPU FFT plans]
// A Plan is one (length, direction, precision), cached process-wide. kissfft
// itself does the transforms of lengths whose prime factors are at most
// kMaxDirectFactor (it has radix 2, 3, 4 and 5 butterflies and a generic
// O(p^2) one). Around it:
//  - lengths with a larger prime factor use Bluestein's algorithm: the DFT
//    as a convolution with a chirp, done by kissfft transforms of a 2-3-5
//    smooth length m >= 2n - 1 (NumPy's pocketfft does the same);
//  - lengths of at least kFourStepMin split as n = n1 * n2 into n2
//    transforms of length n1, a twiddle, and n1 transforms of length n2
//    (the "four-step" FFT), so that each piece fits in cache and the pieces
//    spread over the thread pool. kissfft's own recursion over a 2^24 array
//    misses the cache at every stage.
// kissfft's generic butterfly keeps a mutable scratch buffer, so a plan that
// uses one is copied per thread (KissCopies) instead of being shared.
//
// Note [Real transforms on the CPU]
// An even-length real transform is a complex one of half the length on the
// samples packed in pairs (z_j = x_2j + i x_2j+1), untangled with one
// twiddle per bin; odd lengths go through a complex transform of the whole
// signal. The imaginary parts of bin 0 and of the Nyquist bin of a C2R
// input are ignored, as NumPy does.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <cstring>
#include <kissfft.hh>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/errors.h"
#include "arrax/primitives_fft.h"

namespace arrax {

namespace {

constexpr int64_t kMaxDirectFactor = 64;
constexpr int64_t kFourStepMin = int64_t(1) << 17;
constexpr double kPi = 3.14159265358979323846;

int64_t largest_prime_factor(int64_t n) {
  int64_t p = 1;
  for (int64_t f = 2; f * f <= n; ++f)
    while (n % f == 0) {
      p = f;
      n /= f;
    }
  return n > 1 ? std::max(p, n) : p;
}

// Smallest 2-3-5 smooth number >= n.
int64_t smooth_at_least(int64_t n) {
  int64_t best = int64_t(1) << 62;
  for (int64_t p5 = 1; p5 < 2 * n; p5 *= 5)
    for (int64_t p35 = p5; p35 < 2 * n; p35 *= 3) {
      int64_t v = p35;
      while (v < n) v *= 2;
      best = std::min(best, v);
    }
  return best;
}

// exp(sign * 2 pi i * num / den) in double, num reduced modulo den.
std::complex<double> unit_root(int64_t num, int64_t den, int sign) {
  num %= den;
  double a =
      sign * 2.0 * kPi * static_cast<double>(num) / static_cast<double>(den);
  return {std::cos(a), std::sin(a)};
}

uint64_t next_plan_id() {
  static std::atomic<uint64_t> id{1};
  return id++;
}

template <typename R>
struct Plan {
  using C = std::complex<R>;
  enum class Mode { Trivial, Direct, FourStep, Bluestein };

  int64_t n = 1;
  bool inverse = false;
  uint64_t id = next_plan_id();
  Mode mode = Mode::Trivial;
  // Direct
  std::unique_ptr<kissfft<R>> kiss;
  bool generic = false;  // kissfft uses its (stateful) generic butterfly
  // FourStep: n = n1 * n2; the twiddle w^(a) = hi[a / L] * lo[a % L].
  int64_t n1 = 0, n2 = 0, tw_l = 0;
  std::shared_ptr<const Plan> p1, p2;
  std::vector<std::complex<double>> tw_lo, tw_hi;
  // Bluestein: chirp c_j = exp(sign pi i j^2 / n); bhat = FFT_m(conj c) / m.
  int64_t m = 0;
  std::vector<C> chirp, bhat;
  std::shared_ptr<const Plan> pm_fwd, pm_inv;

  // out[0 .. n) = DFT of in[0], in[stride], ...; out must not overlap in.
  void execute(const C* in, int64_t stride, C* out) const;
};

template <typename R>
std::shared_ptr<const Plan<R>> get_plan(int64_t n, bool inverse);

// Per-thread copies of the kissfft objects of plans that use the generic
// butterfly (see Note [CPU FFT plans]).
template <typename R>
const kissfft<R>& kiss_for_thread(const Plan<R>& p) {
  if (!p.generic) return *p.kiss;
  thread_local std::unordered_map<uint64_t, std::unique_ptr<kissfft<R>>> m;
  auto it = m.find(p.id);
  if (it != m.end()) return *it->second;
  if (m.size() >= 32) m.clear();
  auto copy = std::make_unique<kissfft<R>>(*p.kiss);
  return *m.emplace(p.id, std::move(copy)).first->second;
}

template <typename R>
std::shared_ptr<Plan<R>> make_plan(int64_t n, bool inverse) {
  using C = std::complex<R>;
  auto p = std::make_shared<Plan<R>>();
  p->n = n;
  p->inverse = inverse;
  int sign = inverse ? 1 : -1;
  if (n <= 1) return p;
  int64_t lpf = largest_prime_factor(n);
  if (lpf > kMaxDirectFactor) {
    p->mode = Plan<R>::Mode::Bluestein;
    int64_t m = smooth_at_least(2 * n - 1);
    p->m = m;
    p->pm_fwd = get_plan<R>(m, false);
    p->pm_inv = get_plan<R>(m, true);
    p->chirp.resize(static_cast<size_t>(n));
    std::vector<C> b(static_cast<size_t>(m), C(0));
    for (int64_t j = 0; j < n; ++j) {
      // j^2 modulo 2n keeps the angle exact for large j.
      int64_t sq = static_cast<int64_t>(
          (static_cast<unsigned __int128>(j) * j) % (2 * n));
      std::complex<double> c = unit_root(sq, 2 * n, sign);
      p->chirp[j] = C(static_cast<R>(c.real()), static_cast<R>(c.imag()));
      C cc = std::conj(p->chirp[j]);
      b[j] = cc;
      if (j > 0) b[m - j] = cc;
    }
    p->bhat.resize(static_cast<size_t>(m));
    p->pm_fwd->execute(b.data(), 1, p->bhat.data());
    R inv_m = R(1) / static_cast<R>(m);
    for (C& v : p->bhat) v *= inv_m;
    return p;
  }
  if (n >= kFourStepMin) {
    int64_t d = static_cast<int64_t>(std::sqrt(static_cast<double>(n)));
    while (d > 1 && n % d != 0) --d;
    if (d >= 64) {
      p->mode = Plan<R>::Mode::FourStep;
      p->n1 = d;
      p->n2 = n / d;
      p->p1 = get_plan<R>(p->n1, inverse);
      p->p2 = get_plan<R>(p->n2, inverse);
      int64_t l = static_cast<int64_t>(std::ceil(std::sqrt(double(n))));
      p->tw_l = l;
      p->tw_lo.resize(static_cast<size_t>(l));
      p->tw_hi.resize(static_cast<size_t>((n + l - 1) / l + 1));
      for (int64_t i = 0; i < l; ++i) p->tw_lo[i] = unit_root(i, n, sign);
      for (size_t i = 0; i < p->tw_hi.size(); ++i)
        p->tw_hi[i] = unit_root(static_cast<int64_t>(i) * l, n, sign);
      return p;
    }
  }
  p->mode = Plan<R>::Mode::Direct;
  p->kiss = std::make_unique<kissfft<R>>(static_cast<size_t>(n), inverse);
  int64_t rest = n;
  for (int64_t f : {4, 2, 3, 5})
    while (rest % f == 0) rest /= f;
  p->generic = rest > 1;
  return p;
}

template <typename R>
std::shared_ptr<const Plan<R>> get_plan(int64_t n, bool inverse) {
  static std::mutex mutex;
  static std::map<std::pair<int64_t, bool>, std::shared_ptr<const Plan<R>>>
      cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find({n, inverse});
    if (it != cache.end()) return it->second;
  }
  // Built outside the lock: Bluestein and four-step plans ask for others.
  std::shared_ptr<const Plan<R>> p = make_plan<R>(n, inverse);
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= 64) cache.clear();
  return cache.emplace(std::make_pair(n, inverse), p).first->second;
}

// Lines of `b` consecutive transforms handled together, so that strided
// gathers read whole cache lines.
constexpr int64_t kBlock = 16;

template <typename R>
void Plan<R>::execute(const C* in, int64_t stride, C* out) const {
  switch (mode) {
    case Mode::Trivial:
      if (n == 1) out[0] = in[0];
      return;
    case Mode::Direct:
      kiss_for_thread(*this).transform(in, out, 0, 1,
                                       static_cast<size_t>(stride));
      return;
    case Mode::Bluestein: {
      thread_local std::vector<C> a, f;
      a.assign(static_cast<size_t>(m), C(0));
      f.resize(static_cast<size_t>(m));
      for (int64_t j = 0; j < n; ++j) a[j] = in[j * stride] * chirp[j];
      pm_fwd->execute(a.data(), 1, f.data());
      for (int64_t k = 0; k < m; ++k) f[k] *= bhat[k];
      pm_inv->execute(f.data(), 1, a.data());
      for (int64_t k = 0; k < n; ++k) out[k] = a[k] * chirp[k];
      return;
    }
    case Mode::FourStep: {
      // x[j1 n2 + j2] -> Y[k1][j2] (length-n1 transforms down the columns,
      // times w^(j2 k1)) -> out[k1 + n1 k2] (length-n2 transforms of rows).
      // Uninitialized scratch (a vector would zero n elements first).
      std::unique_ptr<C, void (*)(void*)> y(
          static_cast<C*>(std::malloc(static_cast<size_t>(n) * sizeof(C))),
          std::free);
      if (!y) throw MemoryError("[fft] out of memory for FFT scratch");
      C* py = y.get();
      int64_t ncb = (n2 + kBlock - 1) / kBlock;
      cpu::parallel_for(ncb, 1, [&](int64_t lo, int64_t hi) {
        std::vector<C> g(static_cast<size_t>(kBlock * n1)),
            t(static_cast<size_t>(kBlock * n1));
        for (int64_t blk = lo; blk < hi; ++blk) {
          int64_t c0 = blk * kBlock, nb = std::min(kBlock, n2 - c0);
          for (int64_t j1 = 0; j1 < n1; ++j1)
            for (int64_t b = 0; b < nb; ++b)
              g[b * n1 + j1] = in[(j1 * n2 + c0 + b) * stride];
          for (int64_t b = 0; b < nb; ++b)
            p1->execute(g.data() + b * n1, 1, t.data() + b * n1);
          // Twiddle w^(j2 k1) as hi[e / L] * lo[e % L], e = j2 k1, stepped
          // along k1 without divisions.
          for (int64_t b = 0; b < nb; ++b) {
            int64_t j2 = c0 + b, q = 0, r = 0;
            int64_t dq = j2 / tw_l, dr = j2 % tw_l;
            C* tb = t.data() + b * n1;
            for (int64_t k1 = 0; k1 < n1; ++k1) {
              std::complex<double> w = tw_hi[q] * tw_lo[r];
              tb[k1] *= C(static_cast<R>(w.real()), static_cast<R>(w.imag()));
              q += dq;
              r += dr;
              if (r >= tw_l) {
                r -= tw_l;
                ++q;
              }
            }
          }
          for (int64_t k1 = 0; k1 < n1; ++k1)
            for (int64_t b = 0; b < nb; ++b)
              py[k1 * n2 + c0 + b] = t[b * n1 + k1];
        }
      });
      int64_t nrb = (n1 + kBlock - 1) / kBlock;
      cpu::parallel_for(nrb, 1, [&](int64_t lo, int64_t hi) {
        std::vector<C> t(static_cast<size_t>(kBlock * n2));
        for (int64_t blk = lo; blk < hi; ++blk) {
          int64_t r0 = blk * kBlock, nb = std::min(kBlock, n1 - r0);
          for (int64_t b = 0; b < nb; ++b)
            p2->execute(py + (r0 + b) * n2, 1, t.data() + b * n2);
          for (int64_t k2 = 0; k2 < n2; ++k2)
            for (int64_t b = 0; b < nb; ++b)
              out[r0 + b + n1 * k2] = t[b * n2 + k2];
        }
      });
      return;
    }
  }
}

// ---- real transforms (Note [Real transforms on the CPU]) ----------------

template <typename R>
struct RealPlan {
  using C = std::complex<R>;
  int64_t n = 0;
  bool inverse = false;
  std::shared_ptr<const Plan<R>> half;  // n even: length n / 2
  std::shared_ptr<const Plan<R>> full;  // n odd: length n
  std::vector<C> tw;                    // exp(sign 2 pi i k / n), k <= n/2
};

template <typename R>
std::shared_ptr<const RealPlan<R>> get_real_plan(int64_t n, bool inverse) {
  static std::mutex mutex;
  static std::map<std::pair<int64_t, bool>, std::shared_ptr<const RealPlan<R>>>
      cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find({n, inverse});
    if (it != cache.end()) return it->second;
  }
  auto p = std::make_shared<RealPlan<R>>();
  p->n = n;
  p->inverse = inverse;
  if (n % 2 == 0) {
    p->half = get_plan<R>(n / 2, inverse);
    p->tw.resize(static_cast<size_t>(n / 2 + 1));
    for (int64_t k = 0; k <= n / 2; ++k) {
      std::complex<double> w = unit_root(k, n, inverse ? 1 : -1);
      p->tw[k] = {static_cast<R>(w.real()), static_cast<R>(w.imag())};
    }
  } else {
    p->full = get_plan<R>(n, inverse);
  }
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= 64) cache.clear();
  return cache.emplace(std::make_pair(n, inverse), p).first->second;
}

// Scratch buffers of one thread, grown on demand.
template <typename R>
struct Scratch {
  std::vector<std::complex<R>> a, b;
  std::vector<R> r;
};

// out[0 .. n/2] = DFT of the real in[0 .. n) (contiguous).
template <typename R>
void r2c_line(const RealPlan<R>& p, const R* in, std::complex<R>* out,
              Scratch<R>& s) {
  using C = std::complex<R>;
  int64_t n = p.n;
  if (n % 2 == 1) {
    s.a.resize(static_cast<size_t>(n));
    s.b.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) s.a[j] = C(in[j], 0);
    p.full->execute(s.a.data(), 1, s.b.data());
    std::copy(s.b.begin(), s.b.begin() + n / 2 + 1, out);
    return;
  }
  int64_t h = n / 2;
  s.b.resize(static_cast<size_t>(h));
  p.half->execute(reinterpret_cast<const C*>(in), 1, s.b.data());
  const C* z = s.b.data();
  const C i1(0, 1);
  for (int64_t k = 0; k <= h; ++k) {
    C zk = z[k == h ? 0 : k], zm = std::conj(z[k == 0 ? 0 : h - k]);
    if (k == h) zm = std::conj(z[0]);
    C e = (zk + zm) * R(0.5);
    C o = (zk - zm) * R(-0.5) * i1;
    out[k] = e + p.tw[k] * o;
  }
}

// out[0 .. n) = the real inverse (or forward) DFT of the half spectrum
// in[0 .. n/2] (contiguous; overwritten for even n).
template <typename R>
void c2r_line(const RealPlan<R>& p, std::complex<R>* in, R* out,
              Scratch<R>& s) {
  using C = std::complex<R>;
  int64_t n = p.n;
  in[0] = C(in[0].real(), 0);
  if (n % 2 == 1) {
    s.a.resize(static_cast<size_t>(n));
    s.b.resize(static_cast<size_t>(n));
    s.a[0] = in[0];
    for (int64_t k = 1; 2 * k < n; ++k) {
      s.a[k] = in[k];
      s.a[n - k] = std::conj(in[k]);
    }
    p.full->execute(s.a.data(), 1, s.b.data());
    for (int64_t j = 0; j < n; ++j) out[j] = s.b[j].real();
    return;
  }
  int64_t h = n / 2;
  in[h] = C(in[h].real(), 0);
  s.a.resize(static_cast<size_t>(h));
  const C i1(0, 1);
  for (int64_t k = 0; k < h; ++k) {
    C xk = in[k], xm = std::conj(in[h - k]);
    // tw holds exp(sign 2 pi i k / n) of the direction of this transform,
    // which is 1 / w^k for the untangling of Note [Real transforms on the
    // CPU].
    s.a[k] = (xk + xm) + i1 * p.tw[k] * (xk - xm);
  }
  p.half->execute(s.a.data(), 1, reinterpret_cast<C*>(out));
}

// ---- passes over an array --------------------------------------------------

// Element offsets of every line along `axis` of an array of `shape` (the
// axis's own length ignored), for two stride sets at once, in C order of the
// other dimensions.
void line_offsets(const Shape& shape, const Strides& sa, const Strides& sb,
                  int axis, std::vector<int64_t>& oa,
                  std::vector<int64_t>& ob) {
  int nd = static_cast<int>(shape.size());
  int64_t count = 1;
  for (int d = 0; d < nd; ++d)
    if (d != axis) count *= shape[d];
  oa.resize(static_cast<size_t>(count));
  ob.resize(static_cast<size_t>(count));
  if (count == 0) return;
  std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
  int64_t a = 0, b = 0;
  for (int64_t i = 0; i < count; ++i) {
    oa[i] = a;
    ob[i] = b;
    for (int d = nd - 1; d >= 0; --d) {
      if (d == axis) continue;
      if (++idx[d] < shape[d]) {
        a += sa[d];
        b += sb[d];
        break;
      }
      a -= sa[d] * (shape[d] - 1);
      b -= sb[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

int64_t grain_lines(int64_t n) {
  return std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(n, 1));
}

// One C2C pass along `axis`: out = scale * DFT(in), lines gathered in blocks
// (in and out may be the same array).
template <typename R>
void c2c_pass(const Array& in, const Array& out, int axis, bool inverse,
              R scale) {
  using C = std::complex<R>;
  int64_t n = out.shape()[axis];
  std::vector<int64_t> oi, oo;
  line_offsets(out.shape(), in.strides(), out.strides(), axis, oi, oo);
  int64_t lines = static_cast<int64_t>(oi.size());
  if (lines == 0) return;
  auto plan = get_plan<R>(n, inverse);
  const C* pin = in.data<C>();
  C* pout = out.data<C>();
  int64_t si = in.strides()[axis], so = out.strides()[axis];
  cpu::parallel_for(lines, grain_lines(n), [&](int64_t lo, int64_t hi) {
    int64_t block = std::min(kBlock, hi - lo);
    std::vector<C> g(static_cast<size_t>(si == 1 ? 0 : block * n)),
        t(static_cast<size_t>(block * n));
    for (int64_t l0 = lo; l0 < hi; l0 += kBlock) {
      int64_t nb = std::min(kBlock, hi - l0);
      if (nb == 1 || si == 1) {
        for (int64_t b = 0; b < nb; ++b)
          plan->execute(pin + oi[l0 + b], si, t.data() + b * n);
      } else {
        for (int64_t j = 0; j < n; ++j)
          for (int64_t b = 0; b < nb; ++b)
            g[b * n + j] = pin[oi[l0 + b] + j * si];
        for (int64_t b = 0; b < nb; ++b)
          plan->execute(g.data() + b * n, 1, t.data() + b * n);
      }
      if (nb == 1 || so == 1) {
        for (int64_t b = 0; b < nb; ++b) {
          C* o = pout + oo[l0 + b];
          const C* tb = t.data() + b * n;
          for (int64_t j = 0; j < n; ++j) o[j * so] = tb[j] * scale;
        }
      } else {
        for (int64_t j = 0; j < n; ++j)
          for (int64_t b = 0; b < nb; ++b)
            pout[oo[l0 + b] + j * so] = t[b * n + j] * scale;
      }
    }
  });
}

template <typename R>
void r2c_pass(const Array& in, const Array& out, int axis, bool inverse,
              R scale) {
  using C = std::complex<R>;
  int64_t n = in.shape()[axis], m = n / 2 + 1;
  std::vector<int64_t> oi, oo;
  line_offsets(in.shape(), in.strides(), out.strides(), axis, oi, oo);
  int64_t lines = static_cast<int64_t>(oi.size());
  if (lines == 0) return;
  auto plan = get_real_plan<R>(n, inverse);
  const R* pin = in.data<R>();
  C* pout = out.data<C>();
  int64_t si = in.strides()[axis], so = out.strides()[axis];
  cpu::parallel_for(lines, grain_lines(n), [&](int64_t lo, int64_t hi) {
    Scratch<R> s;
    std::vector<R> x(static_cast<size_t>(n) + 2);
    std::vector<C> y(static_cast<size_t>(m));
    for (int64_t l = lo; l < hi; ++l) {
      const R* src = pin + oi[l];
      for (int64_t j = 0; j < n; ++j) x[j] = src[j * si];
      r2c_line(*plan, x.data(), y.data(), s);
      C* o = pout + oo[l];
      for (int64_t k = 0; k < m; ++k) o[k * so] = y[k] * scale;
    }
  });
}

template <typename R>
void c2r_pass(const Array& in, const Array& out, int axis, bool inverse,
              R scale) {
  using C = std::complex<R>;
  int64_t n = out.shape()[axis], m = n / 2 + 1;
  std::vector<int64_t> oi, oo;
  line_offsets(out.shape(), in.strides(), out.strides(), axis, oi, oo);
  int64_t lines = static_cast<int64_t>(oi.size());
  if (lines == 0) return;
  auto plan = get_real_plan<R>(n, inverse);
  const C* pin = in.data<C>();
  R* pout = out.data<R>();
  int64_t si = in.strides()[axis], so = out.strides()[axis];
  cpu::parallel_for(lines, grain_lines(n), [&](int64_t lo, int64_t hi) {
    Scratch<R> s;
    std::vector<C> z(static_cast<size_t>(m));
    std::vector<R> y(static_cast<size_t>(n) + 2);
    for (int64_t l = lo; l < hi; ++l) {
      const C* src = pin + oi[l];
      for (int64_t k = 0; k < m; ++k) z[k] = src[k * si];
      c2r_line(*plan, z.data(), y.data(), s);
      R* o = pout + oo[l];
      for (int64_t j = 0; j < n; ++j) o[j * so] = y[j] * scale;
    }
  });
}

template <typename R>
void eval_fft(const Fft& p, const Array& x, const Array& y) {
  if (y.size() == 0) return;
  const std::vector<int>& axes = p.axes();
  bool inv = !p.forward();
  R scale = static_cast<R>(p.scale());
  size_t k = axes.size();
  switch (p.kind()) {
    case FftKind::C2C:
      for (size_t i = 0; i < k; ++i)
        c2c_pass<R>(i == 0 ? x : y, y, axes[i], inv, i + 1 == k ? scale : R(1));
      return;
    case FftKind::R2C:
      r2c_pass<R>(x, y, axes[k - 1], inv, k == 1 ? scale : R(1));
      for (size_t i = 0; i + 1 < k; ++i)
        c2c_pass<R>(y, y, axes[i], inv, i + 2 == k ? scale : R(1));
      return;
    case FftKind::C2R: {
      Array z = x;
      if (k > 1) {
        // The other axes first, on a copy: the input must stay as it is.
        z = Array::empty(x.shape(), x.dtype(), Device::cpu());
        for (size_t i = 0; i + 1 < k; ++i)
          c2c_pass<R>(i == 0 ? x : z, z, axes[i], inv, R(1));
      }
      c2r_pass<R>(z, y, axes[k - 1], inv, scale);
      return;
    }
  }
}

}  // namespace

void Fft::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  Dtype dt = inputs[0].dtype();
  if (dt == Dtype::Complex64 || dt == Dtype::Float32)
    eval_fft<float>(*this, inputs[0], outputs[0]);
  else if (dt == Dtype::Complex128 || dt == Dtype::Float64)
    eval_fft<double>(*this, inputs[0], outputs[0]);
  else
    throw TypeError(std::string("[fft] no transform for dtype ") +
                    dtype_name(dt));
}

}  // namespace arrax
