#include "arrax/ops_shape.h"

#include <algorithm>
#include <numeric>

#include "arrax/batching.h"
#include "arrax/dispatch.h"
#include "arrax/ops.h"
#include "arrax/primitives_shape.h"

namespace arrax {

SmallVector<int64_t> normalize_axes(std::span<const int64_t> axes, int ndim,
                                    const char* op) {
  SmallVector<int64_t> out;
  for (int64_t ax : axes) {
    int64_t a = normalize_axis(ax, ndim, op);
    if (std::find(out.begin(), out.end(), a) != out.end())
      throw ValueError(std::string("[") + op + "] repeated axis");
    out.push_back(a);
  }
  return out;
}

namespace {

// Strides for viewing `a` with `shape` without copying, if possible
// (NumPy's _attempt_nocopy_reshape).
bool reshape_strides(const Array& a, const Shape& shape, Strides& out) {
  // Drop length-1 dimensions of the old array.
  SmallVector<int64_t> od, os;
  for (int i = 0; i < a.ndim(); ++i)
    if (a.shape()[i] != 1) {
      od.push_back(a.shape()[i]);
      os.push_back(a.strides()[i]);
    }
  size_t oldnd = od.size(), newnd = shape.size();
  out.assign(newnd, 0);
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < newnd && oi < oldnd) {
    int64_t np_ = shape[ni], op_ = od[oi];
    while (np_ != op_) {
      if (np_ < op_)
        np_ *= shape[nj++];
      else
        op_ *= od[oj++];
    }
    for (size_t ok = oi; ok < oj - 1; ++ok)
      if (os[ok] != od[ok + 1] * os[ok + 1]) return false;
    out[nj - 1] = os[oj - 1];
    for (size_t nk = nj - 1; nk > ni; --nk) out[nk - 1] = out[nk] * shape[nk];
    ni = nj++;
    oi = oj++;
  }
  int64_t last = ni > 0 ? out[ni - 1] : 1;
  for (size_t nk = ni; nk < newnd; ++nk) out[nk] = last;
  return true;
}

}  // namespace

namespace {

// Fills in the -1 of `shape` and checks that it holds `size` elements.
void resolve_shape(int64_t size, Shape& shape) {
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0)
        throw ValueError("[reshape] can only specify one unknown dimension");
      unknown = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw ValueError("[reshape] negative dimensions not allowed");
    } else {
      known *= shape[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || size % known != 0)
      throw ValueError("[reshape] cannot reshape array of size " +
                       std::to_string(size) + " into shape " +
                       shape_str(shape));
    shape[unknown] = size / known;
  } else if (known != size) {
    throw ValueError("[reshape] cannot reshape array of size " +
                     std::to_string(size) + " into shape " + shape_str(shape));
  }
}

Shape reversed(const Shape& s) {
  Shape r(s.size());
  for (size_t i = 0; i < s.size(); ++i) r[i] = s[s.size() - 1 - i];
  return r;
}

}  // namespace

Array reshape(const Array& a, Shape shape) {
  return reshape(a, std::move(shape), Order::C, std::nullopt);
}

Array reshape(const Array& a, Shape shape, Order order,
              std::optional<bool> copy_flag) {
  if (order == Order::A)
    order = a.is_f_contiguous() && !a.is_c_contiguous() ? Order::F : Order::C;
  if (order == Order::K)
    throw ValueError("[reshape] order 'K' is not permitted for reshaping");
  if (order == Order::F) {
    // Fortran order is C order on the reversed axes.
    return transpose(
        reshape(transpose(a), reversed(shape), Order::C, copy_flag));
  }
  resolve_shape(a.size(), shape);
  if (copy_flag.value_or(false)) {
    Array c = copy(a);
    return c.view(shape, c_strides(shape), 0);
  }
  if (a.size() == 0 || a.is_c_contiguous())
    return a.view(shape, c_strides(shape), a.offset());
  Strides st;
  if (reshape_strides(a, shape, st)) return a.view(shape, st, a.offset());
  if (copy_flag.has_value())
    throw ValueError(
        "[reshape] Unable to avoid creating a copy while reshaping.");
  Array c = copy(a);
  return c.view(shape, c_strides(shape), 0);
}

Array transpose(const Array& a, std::span<const int64_t> axes) {
  int nd = a.ndim();
  SmallVector<int64_t> perm;
  if (axes.empty()) {
    for (int i = nd - 1; i >= 0; --i) perm.push_back(i);
  } else {
    if (static_cast<int>(axes.size()) != nd)
      throw ValueError("[transpose] axes don't match array");
    perm = normalize_axes(axes, nd, "transpose");
  }
  Shape shape(nd);
  Strides st(nd);
  for (int i = 0; i < nd; ++i) {
    shape[i] = a.shape()[perm[i]];
    st[i] = a.strides()[perm[i]];
  }
  return a.view(shape, st, a.offset());
}

Array swapaxes(const Array& a, int64_t axis1, int64_t axis2) {
  int nd = a.ndim();
  int64_t i = normalize_axis(axis1, nd, "swapaxes");
  int64_t j = normalize_axis(axis2, nd, "swapaxes");
  SmallVector<int64_t> perm(nd);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[i], perm[j]);
  return transpose(a, perm);
}

Array moveaxis(const Array& a, std::span<const int64_t> source,
               std::span<const int64_t> destination) {
  if (source.size() != destination.size())
    throw ValueError(
        "[moveaxis] `source` and `destination` arguments must have the same "
        "number of elements");
  int nd = a.ndim();
  auto src = normalize_axes(source, nd, "moveaxis");
  auto dst = normalize_axes(destination, nd, "moveaxis");
  SmallVector<int64_t> order;
  for (int i = 0; i < nd; ++i)
    if (std::find(src.begin(), src.end(), i) == src.end()) order.push_back(i);
  // Insert sources at their destinations, in increasing destination order.
  SmallVector<int64_t> idx(src.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(),
            [&](int64_t x, int64_t y) { return dst[x] < dst[y]; });
  for (int64_t k : idx) order.insert(order.begin() + dst[k], src[k]);
  return transpose(a, order);
}

Array ravel(const Array& a) {
  Shape s{a.size()};
  return reshape(a, s);
}

Array ravel(const Array& a, Order order) {
  Shape s{a.size()};
  if (order != Order::K) return reshape(a, s, order);
  if (a.is_c_contiguous()) return reshape(a, s);
  if (a.is_f_contiguous()) return reshape(a, s, Order::F);
  // Memory order: axes sorted by the size of their strides (negative strides
  // keep their direction, as in NumPy).
  const Array& b = a;
  SmallVector<int64_t> perm(b.ndim());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t x, int64_t y) {
    return std::abs(b.strides()[x]) > std::abs(b.strides()[y]);
  });
  return reshape(transpose(b, perm), s);
}

Array expand_dims(const Array& a, std::span<const int64_t> axes) {
  int nd = a.ndim() + static_cast<int>(axes.size());
  auto ax = normalize_axes(axes, nd, "expand_dims");
  Shape shape;
  Strides st;
  int src = 0;
  for (int i = 0; i < nd; ++i) {
    if (std::find(ax.begin(), ax.end(), i) != ax.end()) {
      shape.push_back(1);
      st.push_back(0);
    } else {
      shape.push_back(a.shape()[src]);
      st.push_back(a.strides()[src]);
      ++src;
    }
  }
  return a.view(shape, st, a.offset());
}

Array squeeze(const Array& a, std::span<const int64_t> axes) {
  int nd = a.ndim();
  SmallVector<int64_t> ax;
  if (axes.empty()) {
    for (int i = 0; i < nd; ++i)
      if (a.shape()[i] == 1) ax.push_back(i);
  } else {
    ax = normalize_axes(axes, nd, "squeeze");
    for (int64_t i : ax)
      if (a.shape()[i] != 1)
        throw ValueError(
            "[squeeze] cannot select an axis to squeeze out which has size "
            "not equal to one");
  }
  Shape shape;
  Strides st;
  for (int i = 0; i < nd; ++i) {
    if (std::find(ax.begin(), ax.end(), i) != ax.end()) continue;
    shape.push_back(a.shape()[i]);
    st.push_back(a.strides()[i]);
  }
  return a.view(shape, st, a.offset());
}

Array full(const Shape& shape, const Array& value, Dtype dtype, Device device) {
  Array out = empty_for(shape, dtype, device, {&value, 1});
  Array v = value;
  if (!(v.device() == device) && v.ndim() == 0) v = to_device(v, device);
  copyto(out, v, Casting::Unsafe);
  return out;
}

Array zeros(const Shape& shape, Dtype dtype, Device device) {
  return full(shape, weak_scalar(int64_t(0)), dtype, device);
}

Array ones(const Shape& shape, Dtype dtype, Device device) {
  return full(shape, weak_scalar(int64_t(1)), dtype, device);
}

// ---- views ---------------------------------------------------------------

Array flip(const Array& a, std::span<const int64_t> axes) {
  SmallVector<int64_t> ax;
  if (axes.empty()) {
    for (int i = 0; i < a.ndim(); ++i) ax.push_back(i);
  } else {
    ax = normalize_axes(axes, a.ndim(), "flip");
  }
  Strides st = a.strides();
  int64_t offset = a.offset();
  for (int64_t i : ax) {
    if (a.shape()[i] > 0) offset += (a.shape()[i] - 1) * st[i];
    st[i] = -st[i];
  }
  return a.view(a.shape(), st, offset);
}

Array rot90(const Array& a, int64_t k, std::span<const int64_t> axes_in) {
  int64_t default_axes[2] = {0, 1};
  std::span<const int64_t> axes =
      axes_in.empty() ? std::span<const int64_t>(default_axes) : axes_in;
  int nd = a.ndim();
  if (axes.size() != 2) throw ValueError("[rot90] len(axes) must be 2.");
  if (axes[0] == axes[1] || std::abs(axes[0] - axes[1]) == nd)
    throw ValueError("[rot90] Axes must be different.");
  if (axes[0] >= nd || axes[0] < -nd || axes[1] >= nd || axes[1] < -nd)
    throw ValueError("[rot90] Axes=(" + std::to_string(axes[0]) + ", " +
                     std::to_string(axes[1]) +
                     ") out of range for array of ndim=" + std::to_string(nd) +
                     ".");
  k = ((k % 4) + 4) % 4;
  int64_t a0 = axes[0] < 0 ? axes[0] + nd : axes[0];
  int64_t a1 = axes[1] < 0 ? axes[1] + nd : axes[1];
  if (k == 0) return a.alias();
  int64_t f0[1] = {a0}, f1[1] = {a1};
  if (k == 2) return flip(flip(a, f0), f1);
  SmallVector<int64_t> perm(nd);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[a0], perm[a1]);
  if (k == 1) return transpose(flip(a, f1), perm);
  return flip(transpose(a, perm), f1);
}

Arrays broadcast_arrays(std::span<const Array> arrays) {
  Shape shape = broadcast_shapes(arrays, "broadcast_arrays");
  Arrays out;
  for (const Array& a : arrays)
    out.push_back(a.shape() == shape
                      ? a.alias()
                      : broadcast_to(a, shape, "broadcast_arrays"));
  return out;
}

// ---- joining and splitting -------------------------------------------------

namespace {

// Validates the inputs of concatenate; returns them (flattened for axis
// None) with the normalized axis and the output shape.
Arrays concat_inputs(std::span<const Array> arrays, std::optional<int64_t> axis,
                     int& ax, Shape& shape) {
  if (arrays.empty())
    throw ValueError("[concatenate] need at least one array to concatenate");
  Arrays in;
  if (!axis) {
    for (const Array& a : arrays) in.push_back(ravel(a));
    ax = 0;
  } else {
    in.assign(arrays.begin(), arrays.end());
    if (in[0].ndim() == 0)
      throw ValueError(
          "[concatenate] zero-dimensional arrays cannot be concatenated");
    ax = normalize_axis(*axis, in[0].ndim(), "concatenate");
  }
  shape = in[0].shape();
  int nd = in[0].ndim();
  for (size_t i = 1; i < in.size(); ++i) {
    const Array& a = in[i];
    if (a.ndim() != nd)
      throw ValueError(
          "[concatenate] all the input arrays must have same number of "
          "dimensions, but the array at index 0 has " +
          std::to_string(nd) + " dimension(s) and the array at index " +
          std::to_string(i) + " has " + std::to_string(a.ndim()) +
          " dimension(s)");
    for (int d = 0; d < nd; ++d) {
      if (d == ax) continue;
      if (a.shape()[d] != shape[d])
        throw ValueError(
            "[concatenate] all the input array dimensions except for the "
            "concatenation axis must match exactly, but along dimension " +
            std::to_string(d) + ", the array at index 0 has size " +
            std::to_string(shape[d]) + " and the array at index " +
            std::to_string(i) + " has size " + std::to_string(a.shape()[d]));
    }
    shape[ax] += a.shape()[ax];
  }
  return in;
}

Dtype common_dtype(std::span<const Array> arrays) {
  SmallVector<Dtype, 16> dts;
  for (const Array& a : arrays) dts.push_back(a.dtype());
  return promote_types(std::span<const Dtype>(dts.data(), dts.size()));
}

void check_concat_casting(std::span<const Array> in, Dtype to,
                          Casting casting) {
  for (const Array& a : in)
    if (!can_cast(a.dtype(), to, casting))
      throw TypeError(std::string("[concatenate] Cannot cast array data from "
                                  "dtype('") +
                      dtype_name(a.dtype()) + "') to dtype('" + dtype_name(to) +
                      "') according to the rule '" + casting_name(casting) +
                      "'");
}

}  // namespace

Array concatenate(std::span<const Array> arrays, std::optional<int64_t> axis,
                  std::optional<Dtype> dtype, Casting casting) {
  int ax;
  Shape shape;
  Arrays in = concat_inputs(arrays, axis, ax, shape);
  Dtype dt = dtype ? *dtype : common_dtype(in);
  check_concat_casting(in, dt, casting);
  return dispatch1(std::make_shared<Concatenate>(ax, dt), in);
}

void concatenate_into(std::span<const Array> arrays,
                      std::optional<int64_t> axis, const Array& out,
                      Casting casting) {
  int ax;
  Shape shape;
  Arrays in = concat_inputs(arrays, axis, ax, shape);
  if (!(shape == out.shape()))
    throw ValueError("[concatenate] Output array is the wrong shape");
  check_concat_casting(in, out.dtype(), casting);
  // Inputs that overlap the output are read first.
  for (Array& a : in)
    if (a.may_overlap(out)) a = copy(a);
  Array outs[1] = {out};
  dispatch_into(std::make_shared<Concatenate>(ax, out.dtype()), in, outs);
}

Array stack(std::span<const Array> arrays, int64_t axis,
            std::optional<Dtype> dtype, Casting casting) {
  if (arrays.empty())
    throw ValueError("[stack] need at least one array to stack");
  for (const Array& a : arrays)
    if (!(a.shape() == arrays[0].shape()))
      throw ValueError("[stack] all input arrays must have the same shape");
  int ax = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  Arrays expanded;
  int64_t e[1] = {ax};
  for (const Array& a : arrays) expanded.push_back(expand_dims(a, e));
  return concatenate(expanded, ax, dtype, casting);
}

namespace {

// a[lo:hi] along axis (Python slice bounds, step 1).
Array slice_axis(const Array& a, int axis, int64_t lo, int64_t hi) {
  int64_t n = a.shape()[axis];
  auto clamp = [n](int64_t x) {
    if (x < 0) x += n;
    return std::clamp<int64_t>(x, 0, n);
  };
  lo = clamp(lo);
  hi = clamp(hi);
  Shape shape = a.shape();
  shape[axis] = std::max<int64_t>(0, hi - lo);
  int64_t off = a.offset() + (shape[axis] > 0 ? lo * a.strides()[axis] : 0);
  return a.view(shape, a.strides(), off);
}

}  // namespace

Arrays split(const Array& a, std::span<const int64_t> indices, int64_t axis) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  int64_t n = a.shape()[ax];
  Arrays out;
  int64_t lo = 0;
  for (int64_t idx : indices) {
    out.push_back(slice_axis(a, ax, lo, idx));
    lo = idx;
  }
  out.push_back(slice_axis(a, ax, lo, n));
  return out;
}

Arrays split(const Array& a, int64_t sections, int64_t axis, bool exact) {
  int ax = normalize_axis(axis, a.ndim(), exact ? "split" : "array_split");
  int64_t n = a.shape()[ax];
  if (exact) {
    // NumPy tests n % sections (Python's modulo) before anything else.
    if (sections == 0)
      throw ZeroDivisionError("[split] integer modulo by zero");
    int64_t r = n % sections;
    if (r != 0 && (r < 0) != (sections < 0)) r += sections;
    if (r != 0)
      throw ValueError(
          "[split] array split does not result in an equal "
          "division");
  }
  if (sections <= 0)
    throw ValueError(std::string("[") + (exact ? "split" : "array_split") +
                     "] number sections must be larger than 0.");
  int64_t each = n / sections, extras = n % sections;
  std::vector<int64_t> points;
  int64_t pos = 0;
  for (int64_t i = 0; i + 1 < sections; ++i) {
    pos += each + (i < extras ? 1 : 0);
    points.push_back(pos);
  }
  return split(a, points, axis);
}

// ---- rolling, tiling, repeating --------------------------------------------

Array roll(const Array& a, std::span<const int64_t> shifts,
           std::span<const int64_t> axes) {
  if (axes.empty()) {
    int64_t total = 0;
    for (int64_t s : shifts) total += s;
    int64_t t[1] = {total}, z[1] = {0};
    return reshape(roll(ravel(a), t, z), a.shape());
  }
  if (shifts.size() != axes.size() && shifts.size() != 1 && axes.size() != 1)
    throw ValueError(
        "[roll] shape mismatch: objects cannot be broadcast to a single "
        "shape.  Mismatch is between arg 0 with shape (" +
        std::to_string(shifts.size()) + ",) and arg 1 with shape (" +
        std::to_string(axes.size()) + ",).");
  size_t n = std::max(shifts.size(), axes.size());
  std::vector<int64_t> per_axis(a.ndim(), 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t ax =
        normalize_axis(axes[axes.size() == 1 ? 0 : i], a.ndim(), "roll");
    per_axis[ax] += shifts[shifts.size() == 1 ? 0 : i];
  }
  for (int d = 0; d < a.ndim(); ++d) {
    int64_t len = a.shape()[d];
    per_axis[d] = len > 0 ? ((per_axis[d] % len) + len) % len : 0;
  }
  Array in[1] = {a};
  return dispatch1(std::make_shared<Roll>(std::move(per_axis)), in);
}

Array tile(const Array& a, std::span<const int64_t> reps_in) {
  for (int64_t r : reps_in)
    if (r < 0) throw ValueError("[tile] negative dimensions are not allowed");
  int d = static_cast<int>(reps_in.size());
  int nd = std::max(d, a.ndim());
  // Pad the array's shape and the repetitions with leading ones.
  Shape shape(nd, 1), reps(nd, 1);
  Strides st(nd, 0);
  for (int i = 0; i < a.ndim(); ++i) {
    shape[nd - a.ndim() + i] = a.shape()[i];
    st[nd - a.ndim() + i] = a.strides()[i];
  }
  for (int i = 0; i < d; ++i) reps[nd - d + i] = reps_in[i];
  // View as (1, d0, 1, d1, ...) and broadcast to (r0, d0, r1, d1, ...).
  Shape inter, bshape, out_shape;
  Strides inter_st;
  for (int i = 0; i < nd; ++i) {
    inter.push_back(1);
    inter.push_back(shape[i]);
    inter_st.push_back(0);
    inter_st.push_back(st[i]);
    bshape.push_back(reps[i]);
    bshape.push_back(shape[i]);
    out_shape.push_back(reps[i] * shape[i]);
  }
  Array v = a.view(inter, inter_st, a.offset());
  Array c = copy(broadcast_to(v, bshape, "tile"));
  return c.view(out_shape, c_strides(out_shape), 0);
}

Array repeat(const Array& a, std::span<const int64_t> repeats,
             std::optional<int64_t> axis) {
  Array src = axis ? a : ravel(a);
  int ax = normalize_axis(axis.value_or(0), src.ndim(), "repeat");
  int64_t n = src.shape()[ax];
  if (repeats.size() != 1 && static_cast<int64_t>(repeats.size()) != n)
    throw ValueError(
        "[repeat] operands could not be broadcast together "
        "with shape (" +
        std::to_string(n) + ",) (" + std::to_string(repeats.size()) + ",)");
  for (int64_t r : repeats)
    if (r < 0) throw ValueError("[repeat] negative dimensions are not allowed");
  std::vector<int64_t> reps(repeats.begin(), repeats.end());
  Array in[1] = {ascontiguousarray(src)};
  return dispatch1(std::make_shared<Repeat>(std::move(reps), ax), in);
}

// ---- shape and dtype inference ---------------------------------------------

OutputSpecs Concatenate::output_specs(std::span<const Array> inputs) const {
  Shape shape = inputs[0].shape();
  for (size_t i = 1; i < inputs.size(); ++i)
    shape[axis_] += inputs[i].shape()[axis_];
  OutputSpecs specs;
  specs.push_back({shape, dtype_});
  return specs;
}

OutputSpecs Arange::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({Shape{n_}, inputs[0].dtype()});
  return specs;
}

OutputSpecs Linspace::output_specs(std::span<const Array> inputs) const {
  Shape shape{num_};
  for (int64_t d : inputs[0].shape()) shape.push_back(d);
  OutputSpecs specs;
  specs.push_back(
      {shape, mode_ == Mode::Log ? inputs[2].dtype() : inputs[0].dtype()});
  return specs;
}

OutputSpecs Tri::output_specs(std::span<const Array>) const {
  OutputSpecs specs;
  specs.push_back({Shape{n_, m_}, dtype_});
  return specs;
}

OutputSpecs TriMask::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[0].dtype()});
  return specs;
}

OutputSpecs Repeat::output_specs(std::span<const Array> inputs) const {
  Shape shape = inputs[0].shape();
  int64_t total = 0;
  if (repeats_.size() == 1)
    total = repeats_[0] * shape[axis_];
  else
    for (int64_t r : repeats_) total += r;
  shape[axis_] = total;
  OutputSpecs specs;
  specs.push_back({shape, inputs[0].dtype()});
  return specs;
}

OutputSpecs Roll::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back({inputs[0].shape(), inputs[0].dtype()});
  return specs;
}

OutputSpecs Pad::output_specs(std::span<const Array> inputs) const {
  Shape shape = inputs[0].shape();
  for (size_t d = 0; d < shape.size(); ++d)
    shape[d] += widths_[d].first + widths_[d].second;
  OutputSpecs specs;
  specs.push_back({shape, inputs[0].dtype()});
  return specs;
}

}  // namespace arrax
