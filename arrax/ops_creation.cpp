// Creation ops: layouts, ranges, triangles and diagonals.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "arrax/batching.h"
#include "arrax/dispatch.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_shape.h"

namespace arrax {

Order order_from_name(std::string_view name, const char* op) {
  if (name == "C" || name == "c") return Order::C;
  if (name == "F" || name == "f") return Order::F;
  if (name == "A" || name == "a") return Order::A;
  if (name == "K" || name == "k") return Order::K;
  throw ValueError(std::string("[") + op +
                   "] order must be one of 'C', 'F', 'A', or 'K' (got '" +
                   std::string(name) + "')");
}

Array empty(const Shape& shape, Dtype dtype, Device device, Order order) {
  if (order != Order::F) return Array::empty(shape, dtype, device);
  Shape rev(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    rev[i] = shape[shape.size() - 1 - i];
  return transpose(Array::empty(rev, dtype, device));
}

Array empty_like(const Array& a, Dtype dtype, Order order,
                 std::optional<Shape> shape) {
  // Inside vmap the result has a's batch dimensions, so that writing a
  // batched value into it works (Note [Batching] in batching.cpp).
  if (a.is_batched())
    return empty_batched_for(shape ? *shape : a.shape(), dtype, a.device(),
                             {&a, 1});
  if (shape) {
    // A new shape keeps only a C or F choice, as in NumPy.
    bool f = order == Order::F ||
             (order != Order::C && a.is_f_contiguous() &&
              !a.is_c_contiguous() && shape->size() == size_t(a.ndim()));
    return empty(*shape, dtype, a.device(), f ? Order::F : Order::C);
  }
  if (order == Order::A)
    order = a.is_f_contiguous() && !a.is_c_contiguous() ? Order::F : Order::C;
  if (order == Order::K) {
    if (a.is_c_contiguous()) return Array::empty(a.shape(), dtype, a.device());
    if (a.is_f_contiguous())
      return empty(a.shape(), dtype, a.device(), Order::F);
    // Keep the order of a's axes in memory (largest |stride| outermost).
    int nd = a.ndim();
    SmallVector<int64_t> perm(nd);
    std::iota(perm.begin(), perm.end(), 0);
    std::stable_sort(perm.begin(), perm.end(), [&](int64_t x, int64_t y) {
      return std::abs(a.strides()[x]) > std::abs(a.strides()[y]);
    });
    Shape pshape(nd);
    for (int i = 0; i < nd; ++i) pshape[i] = a.shape()[perm[i]];
    Array e = Array::empty(pshape, dtype, a.device());
    SmallVector<int64_t> inv(nd);
    for (int i = 0; i < nd; ++i) inv[perm[i]] = i;
    return transpose(e, inv);
  }
  return empty(a.shape(), dtype, a.device(), order);
}

Array copy(const Array& a, Order order) {
  if (order == Order::C) return copy(a);
  Array out = empty_like(a, a.dtype(), order);
  copyto(out, a, Casting::Unsafe);
  return out;
}

// ---- ranges
// ------------------------------------------------------------------

Array arange_fill(int64_t n, const Array& first, const Array& second) {
  if (first.dtype() != second.dtype() || first.ndim() != 0 ||
      second.ndim() != 0)
    throw ValueError("[arange] expected two 0-d values of one dtype");
  if (n < 0) n = 0;
  if (first.dtype() == Dtype::Bool && n > 2)
    throw TypeError(
        "[arange] arange() is only supported for booleans when the result "
        "has at most length 2.");
  Array in[2] = {first, second};
  return dispatch1(std::make_shared<Arange>(n), in);
}

namespace {

// NumPy's length rule: ceil((stop - start) / step), at least 0.
int64_t arange_length(double start, double stop, double step) {
  if (step == 0) throw ZeroDivisionError("[arange] division by zero");
  double len = std::ceil((stop - start) / step);
  if (!std::isfinite(len))
    throw ValueError("[arange] arange: cannot compute length");
  if (len <= 0) return 0;
  if (len > 9.2e18) throw ValueError("[arange] Maximum allowed size exceeded");
  return static_cast<int64_t>(len);
}

}  // namespace

Array arange(double start, double stop, double step, Dtype dtype,
             Device device) {
  int64_t n = arange_length(start, stop, step);
  return arange_fill(n, Array::scalar(start, dtype, device),
                     Array::scalar(start + step, dtype, device));
}

Array arange(int64_t start, int64_t stop, int64_t step, Dtype dtype,
             Device device) {
  int64_t n =
      arange_length(static_cast<double>(start), static_cast<double>(stop),
                    static_cast<double>(step));
  return arange_fill(n, Array::scalar(start, dtype, device),
                     Array::scalar(start + step, dtype, device));
}

namespace {

// Start and stop as NumPy's linspace sees them: `asanyarray(x) * 1.0`.
Dtype inexact_of(Dtype dt) { return is_inexact(dt) ? dt : Dtype::Float64; }

// Broadcasts a and b (and c when given) and returns C-contiguous copies of
// the given dtypes, on the device of the first input that is not a CPU
// scalar (Python numbers go with an array endpoint, as in dispatch).
Arrays prepare_range_inputs(std::span<const Array> arrays,
                            std::span<const Dtype> dtypes, const char* op) {
  Shape shape = broadcast_shapes(arrays, op);
  Device dev = arrays[0].device();
  for (const Array& a : arrays)
    if (!(a.ndim() == 0 && a.device().is_cpu())) {
      dev = a.device();
      break;
    }
  Arrays out;
  for (size_t i = 0; i < arrays.size(); ++i) {
    Array b = broadcast_to(scalar_on(arrays[i], dev), shape, op);
    Array c = empty_for(shape, dtypes[i], dev, {&b, 1});
    copyto(c, b, Casting::Unsafe);
    out.push_back(c);
  }
  return out;
}

void check_num(int64_t num, const char* op) {
  if (num < 0)
    throw ValueError(std::string("[") + op + "] Number of samples, " +
                     std::to_string(num) + ", must be non-negative.");
}

Array move_first_axis(const Array& y, int64_t axis, const char* op) {
  int a = normalize_axis(axis, y.ndim(), op);
  if (a == 0) return y;
  int64_t src[1] = {0}, dst[1] = {a};
  return moveaxis(y, src, dst);
}

}  // namespace

Array linspace(const Array& start, const Array& stop, int64_t num,
               bool endpoint, std::optional<Dtype> dtype, int64_t axis,
               Array* retstep) {
  check_num(num, "linspace");
  Dtype dt = promote_types(inexact_of(start.dtype()), inexact_of(stop.dtype()));
  Dtype target = dtype.value_or(dt);
  bool floor = is_integer(target);
  if (floor && is_complex(dt))
    throw TypeError(
        "[linspace] ufunc 'floor' not supported for the input types");
  Array ab[2] = {start, stop};
  Dtype dts[2] = {dt, dt};
  Arrays in = prepare_range_inputs(ab, dts, "linspace");
  Array y = dispatch1(
      std::make_shared<Linspace>(num, endpoint, Linspace::Mode::Linear, floor),
      in);
  if (retstep) {
    int64_t div = endpoint ? num - 1 : num;
    if (div > 0) {
      Array d = subtract(in[1], in[0]);
      *retstep = divide(d, Array::scalar(double(div), dt, d.device()));
    } else {
      *retstep =
          full(in[0].shape(), weak_scalar(std::nan("")), dt, in[0].device());
    }
  }
  y = move_first_axis(y, axis, "linspace");
  return y.dtype() == target ? y : astype(y, target);
}

Array logspace(const Array& start, const Array& stop, int64_t num,
               bool endpoint, const Array& base, std::optional<Dtype> dtype,
               int64_t axis) {
  check_num(num, "logspace");
  Dtype dt = promote_types(inexact_of(start.dtype()), inexact_of(stop.dtype()));
  // power(base, y): a weak base (a Python number) keeps y's dtype.
  Array bd[2] = {base, Array::empty({}, dt, Device::cpu())};
  Dtype pow_dt = result_type(bd);
  Array abc[3] = {start, stop, base};
  Dtype dts[3] = {dt, dt, pow_dt};
  Arrays in = prepare_range_inputs(abc, dts, "logspace");
  Array y = dispatch1(
      std::make_shared<Linspace>(num, endpoint, Linspace::Mode::Log), in);
  y = move_first_axis(y, axis, "logspace");
  if (dtype && *dtype != y.dtype()) return astype(y, *dtype);
  return y;
}

Array geomspace(const Array& start, const Array& stop, int64_t num,
                bool endpoint, std::optional<Dtype> dtype, int64_t axis) {
  check_num(num, "geomspace");
  // dt = result_type(start, stop, float(num), zeros((), dtype)).
  Dtype dt = promote_types(promote_types(start.dtype(), stop.dtype()),
                           dtype.value_or(Dtype::Float64));
  if (!is_inexact(dt)) dt = promote_types(dt, Dtype::Float64);
  Array ab[2] = {start, stop};
  Dtype dts[2] = {dt, dt};
  Arrays in = prepare_range_inputs(ab, dts, "geomspace");
  // A zero anywhere makes the sequence undefined.
  bool has_zero = false;
  for (const Array& a : in) {
    if (a.is_batched()) refuse_batched_read("geomspace");
    Array host = a.device().is_cpu() ? a : to_device(a, Device::cpu());
    dispatch_types(host.dtype(), "[geomspace]", [&]<typename T>() {
      const T* p = host.data<T>();
      for (int64_t i = 0; i < host.size(); ++i)
        if (cast_value<complex128>(p[i]) == complex128(0)) has_zero = true;
    });
  }
  if (has_zero)
    throw ValueError("[geomspace] Geometric sequence cannot include zero");
  Array y = dispatch1(
      std::make_shared<Linspace>(num, endpoint, Linspace::Mode::Geom), in);
  y = move_first_axis(y, axis, "geomspace");
  Dtype target = dtype.value_or(dt);
  return y.dtype() == target ? y : astype(y, target);
}

// ---- triangles and diagonals -----------------------------------------------

namespace {

// The view of diagonal k of the last two axes of a (shape (..., len)).
Array diagonal_view(const Array& a, int64_t k) {
  int nd = a.ndim();
  int64_t n = a.shape()[nd - 2], m = a.shape()[nd - 1];
  int64_t sn = a.strides()[nd - 2], sm = a.strides()[nd - 1];
  int64_t len, offset = a.offset();
  if (k >= 0) {
    len = std::max<int64_t>(0, std::min(n, m - k));
    if (len > 0) offset += k * sm;
  } else {
    len = std::max<int64_t>(0, std::min(n + k, m));
    if (len > 0) offset += -k * sn;
  }
  Shape shape(a.shape().begin(), a.shape().end() - 2);
  Strides st(a.strides().begin(), a.strides().end() - 2);
  shape.push_back(len);
  st.push_back(sn + sm);
  return a.view(shape, st, offset);
}

void check_dim(int64_t n, const char* op) {
  if (n < 0)
    throw ValueError(std::string("[") + op +
                     "] negative dimensions are not allowed");
}

}  // namespace

Array eye(int64_t n, std::optional<int64_t> m, int64_t k, Dtype dtype,
          Device device, Order order) {
  int64_t cols = m.value_or(n);
  check_dim(n, "eye");
  check_dim(cols, "eye");
  Array out = empty({n, cols}, dtype, device, order);
  fill(out, weak_scalar(int64_t(0)));
  fill(diagonal_view(out, k), weak_scalar(int64_t(1)));
  return out;
}

Array tri(int64_t n, std::optional<int64_t> m, int64_t k, Dtype dtype,
          Device device) {
  // NumPy builds tri from aranges: a negative size is an empty one.
  n = std::max<int64_t>(n, 0);
  int64_t cols = std::max<int64_t>(m.value_or(n), 0);
  // Tri has no inputs; a 0-d input on `device` carries the device.
  Array dev[1] = {Array::scalar(0, Dtype::Bool, device)};
  Array out = Array::empty({n, cols}, dtype, device);
  Array outs[1] = {out};
  dispatch_into(std::make_shared<Tri>(n, cols, k, dtype), dev, outs);
  return out;
}

namespace {
Array tri_mask(const Array& a, int64_t k, bool lower) {
  const char* op = lower ? "tril" : "triu";
  if (a.ndim() == 0)
    throw TypeError(std::string("[") + op +
                    "] input array must be at least 1-d");
  Array src = a;
  if (a.ndim() == 1) {
    // NumPy masks with tri(n, n): a 1-D input broadcasts to (n, n).
    Shape s{a.shape()[0], a.shape()[0]};
    src = broadcast_to(a, s, op);
  }
  Array in[1] = {src};
  return dispatch1(std::make_shared<TriMask>(k, lower), in);
}
}  // namespace

Array tril(const Array& a, int64_t k) { return tri_mask(a, k, true); }
Array triu(const Array& a, int64_t k) { return tri_mask(a, k, false); }

Array diag(const Array& v, int64_t k) {
  if (v.ndim() == 1) {
    int64_t n = v.shape()[0] + (k < 0 ? -k : k);
    Array out = Array::empty({n, n}, v.dtype(), v.device());
    fill(out, weak_scalar(int64_t(0)));
    copyto(diagonal_view(out, k), v, Casting::Unsafe);
    return out;
  }
  if (v.ndim() == 2) return copy(diagonal_view(v, k));
  throw ValueError("[diag] Input must be 1- or 2-d.");
}

Array diagflat(const Array& v, int64_t k) { return diag(ravel(v), k); }

}  // namespace arrax
