// The derivative column of arrax/ufuncs.def, expanded into Ufunc::vjp and
// Ufunc::vjp_saves. The formulas are ops, so they are differentiable again.
#include <cmath>
#include <numbers>

#include "arrax/autograd.h"
#include "arrax/errors.h"
#include "arrax/ops.h"
#include "arrax/ops_shape.h"
#include "arrax/ops_ufuncs.h"
#include "arrax/primitives.h"

namespace arrax {

namespace {

constexpr SaveMask X = save_input(0), Y = save_input(1), Z = save_input(2),
                   O = save_output(0);
constexpr double kLn2 = std::numbers::ln2;
constexpr double kLn10 = std::numbers::ln10;
constexpr double kDegToRad = std::numbers::pi / 180.0;
constexpr double kRadToDeg = 180.0 / std::numbers::pi;

Array zeros_like(const Array& a) { return zeros(a.shape(), a.dtype(), a.device()); }

// Conjugate of complex values; real values as they are.
Array cj(const Array& a) { return is_complex(a.dtype()) ? conjugate(a) : a; }

// sign for reals, x / |x| (0 at 0) for complex: the derivative of |x|.
Array sgn(const Array& x) {
  if (!is_complex(x.dtype())) return sign(x);
  Array r = absolute(x);
  return where(equal(r, to_weak(0.0)), zeros_like(x), x / r);
}

Array where_or_zero(const Array& cond, const Array& g) {
  return where(cond, g, zeros_like(g));
}

// d x**y / dx = y x**(y-1), zero where y == 0 (PyTorch's rule).
Array pow_dx(const Array& g, const Array& x, const Array& y) {
  Array d = g * cj(y * power(x, y - 1.0));
  return where(equal(y, to_weak(0.0)), zeros_like(d), d);
}

// d x**y / dy = x**y log x, zero where x == 0 and y >= 0.
Array pow_dy(const Array& g, const Array& x, const Array& y, const Array& o) {
  Array d = g * cj(o * log(x));
  Array yr = is_complex(y.dtype()) ? real(y) : y;
  Array at_zero = logical_and(equal(x, to_weak(0.0)),
                              greater_equal(yr, to_weak(0.0)));
  return where(at_zero, zeros_like(d), d);
}

// maximum(x, y): the gradient goes to the larger input, split evenly on
// ties (PyTorch's rule). minimum is maximum of the negated inputs.
Array max_dx(const Array& g, const Array& x, const Array& y) {
  Array half = where(equal(x, y), g * 0.5, g);
  return where(less(x, y), zeros_like(half), half);
}

// fmax(x, y): to x where x >= y or y is NaN, else to y.
Array fmax_dx(const Array& g, const Array& x, const Array& y) {
  return where_or_zero(logical_or(greater_equal(x, y), isnan(y)), g);
}
Array fmax_dy(const Array& g, const Array& x, const Array& y) {
  return where(logical_or(greater_equal(x, y), isnan(y)), zeros_like(g), g);
}

Array clip_dx(const Array& g, const Array& x, const Array& lo,
              const Array& hi) {
  return where_or_zero(logical_and(greater_equal(x, lo), less_equal(x, hi)),
                       g);
}

Array copysign_dx(const Array& g, const Array& x, const Array& o) {
  Array d = g * (o / x);
  return where(equal(x, to_weak(0.0)), zeros_like(d), d);
}

bool wanted(std::span<const int> argnums, int i) {
  for (int a : argnums)
    if (a == i) return true;
  return false;
}

}  // namespace

SaveMask Ufunc::vjp_saves(std::span<const Array>, uint32_t wants) const {
  const auto w = [&](int i) { return (wants >> i) & 1u; };
#define D1(n0, e0) return w(0) ? SaveMask(n0) : 0;
#define D2(n0, e0, n1, e1) \
  return (w(0) ? SaveMask(n0) : 0) | (w(1) ? SaveMask(n1) : 0);
#define D3(n0, e0, n1, e1, n2, e2)                                \
  return (w(0) ? SaveMask(n0) : 0) | (w(1) ? SaveMask(n1) : 0) | \
         (w(2) ? SaveMask(n2) : 0);
#define NONE return 0;
#define ZERO return 0;
#define RAISE return 0;
#define ARRAX_UFUNC(name, nin, nout, types, out, in, deriv) \
  case UfuncId::name: {                                     \
    deriv                                                   \
  }
  switch (id_) {
#include "arrax/ufuncs.def"
    default: break;
  }
#undef ARRAX_UFUNC
#undef D1
#undef D2
#undef D3
#undef NONE
#undef ZERO
#undef RAISE
  return 0;
}

Arrays Ufunc::vjp(std::span<const Array> inputs, std::span<const Array> outputs,
                  std::span<const Array> cotangents,
                  std::span<const int> argnums) {
  const Array& g = cotangents[0];
  const Array& g1 = cotangents.size() > 1 ? cotangents[1] : cotangents[0];
  const Array& x = inputs[0];
  const Array& y = inputs.size() > 1 ? inputs[1] : inputs[0];
  const Array& z = inputs.size() > 2 ? inputs[2] : inputs[0];
  const Array& o = outputs[0];
  (void)g1, (void)y, (void)z, (void)o;
  Array r[3];
  const auto w = [&](int i) { return wanted(argnums, i); };
#define D1(n0, e0) \
  if (w(0)) r[0] = (e0);
#define D2(n0, e0, n1, e1) \
  if (w(0)) r[0] = (e0);   \
  if (w(1)) r[1] = (e1);
#define D3(n0, e0, n1, e1, n2, e2) \
  if (w(0)) r[0] = (e0);           \
  if (w(1)) r[1] = (e1);           \
  if (w(2)) r[2] = (e2);
#define NONE
#define ZERO \
  for (size_t i = 0; i < inputs.size(); ++i) r[i] = zeros_like(inputs[i]);
#define RAISE                                                           \
  throw NotImplementedError(std::string("[") + name() +                \
                            "] the derivative is not implemented");
#define ARRAX_UFUNC(name, nin, nout, types, out, in, deriv) \
  case UfuncId::name: {                                     \
    deriv break;                                            \
  }
  switch (id_) {
#include "arrax/ufuncs.def"
    default: break;
  }
#undef ARRAX_UFUNC
#undef D1
#undef D2
#undef D3
#undef NONE
#undef ZERO
#undef RAISE
  Arrays grads;
  for (int a : argnums) grads.push_back(r[a]);
  return grads;
}

}  // namespace arrax
