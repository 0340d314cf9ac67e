// Indexing ops with NumPy semantics, and shape inference of the indexing
// primitives (arrax/primitives_index.h).
#include "arrax/ops_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "arrax/autograd.h"
#include "arrax/batching.h"
#include "arrax/dispatch.h"
#include "arrax/ops.h"
#include "arrax/ops_shape.h"
#include "arrax/primitives_index.h"

namespace arrax {

IndexMode index_mode_from_name(std::string_view name, const char* op) {
  if (name == "raise") return IndexMode::Raise;
  if (name == "wrap") return IndexMode::Wrap;
  if (name == "clip") return IndexMode::Clip;
  throw ValueError(std::string("[") + op +
                   "] clipmode must be one of 'clip', 'raise', or 'wrap' "
                   "(got '" +
                   std::string(name) + "')");
}

namespace {

std::string err(const char* op, const std::string& msg) {
  return std::string("[") + op + "] " + msg;
}

// Python's slice.indices(n): start and step of the selected elements, and
// their number.
struct SliceRange {
  int64_t start, step, length;
};

SliceRange slice_range(const Slice& s, int64_t n, const char* op) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t step = s.step.value_or(1);
  if (step == 0) throw ValueError(err(op, "slice step cannot be zero"));
  if (step < -kMax) step = -kMax;
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x = x < -n ? (step < 0 ? -1 : 0) : x + n;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  int64_t start = clamp(s.start, step < 0 ? n - 1 : 0);
  int64_t stop = clamp(s.stop, step < 0 ? -1 : n);
  int64_t len = 0;
  if (step < 0) {
    if (stop < start) len = (start - stop - 1) / (-step) + 1;
  } else if (start < stop) {
    len = (stop - start - 1) / step + 1;
  }
  return {start, step, len};
}

// A 0-d or 1-d int64 array on `device` holding 0, 1, ..., n-1.
Array index_range(int64_t n, Device device) {
  Array r = Array::empty({n}, Dtype::Int64, Device::cpu());
  int64_t* p = r.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  return device.is_cpu() ? r : to_device(r, device);
}

Array on_device(const Array& a, Device device) {
  return a.device() == device ? a : to_device(a, device);
}

// Note [Advanced index layout]
// An index is applied in two steps. Basic entries (integers when no array is
// present, slices, newaxis, Ellipsis) make a view V of the array in which
// every dimension touched by an index array is kept whole. The index arrays
// then select along those dimensions of V: their broadcast shape B replaces
// them in the result. NumPy puts B where the first index array stood when
// all advanced entries (index arrays, boolean masks, and integers, which
// count as 0-d index arrays once any array is present) are adjacent in the
// index, and at the front otherwise; an Ellipsis or newaxis between them
// separates them even when it spans no dimension. The primitives see a
// transposed V whose indexed dimensions come first, and write into a
// transposed view of the C-contiguous result whose B dimensions come first.
struct AdvIndex {
  Array idx;  // int64 indices
  int vdim;   // the dimension of V it selects along
  int axis;   // the user's axis, for messages
};

struct Plan {
  Array view;
  std::vector<AdvIndex> adv;
  bool adjacent = true;
  // The single-boolean-mask case, which has its own primitives.
  Array mask;
  int mask_vdim = 0;
  int mask_axis = 0;

  bool advanced() const { return !adv.empty() || mask.valid(); }
};

bool is_int_array(const Array& a) { return is_integer(a.dtype()); }

int64_t index_scalar(const Array& a) {
  if (a.dtype() == Dtype::UInt64) {
    uint64_t u = a.item<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
  }
  return a.item<int64_t>();
}

Plan analyze(const Array& a, std::span<const Index> index, const char* op) {
  const int nd = a.ndim();
  int consumed = 0, n_ellipsis = 0;
  bool has_adv = false;
  for (const Index& e : index) {
    switch (e.kind()) {
      case Index::Kind::Int:
      case Index::Kind::Slice:
        ++consumed;
        break;
      case Index::Kind::NewAxis:
        break;
      case Index::Kind::Ellipsis:
        if (++n_ellipsis > 1)
          throw IndexError(
              err(op, "an index can only have a single ellipsis ('...')"));
        break;
      case Index::Kind::Array: {
        const Array& x = e.array();
        if (x.dtype() == Dtype::Bool) {
          consumed += x.ndim();
          has_adv = true;
        } else if (is_int_array(x)) {
          ++consumed;
          if (x.ndim() > 0) has_adv = true;
        } else {
          throw IndexError(
              err(op,
                  "arrays used as indices must be of integer (or boolean) "
                  "type"));
        }
        break;
      }
    }
  }
  if (consumed > nd)
    throw IndexError(err(op, "too many indices for array: array is " +
                                 std::to_string(nd) + "-dimensional, but " +
                                 std::to_string(consumed) + " were indexed"));

  Plan p;
  Shape vs;
  Strides vst;
  int64_t off = a.offset();
  int d = 0;
  const Shape& shape = a.shape();
  const Strides& strides = a.strides();
  int first_entry = -1, last_entry = -1, n_adv_entries = 0;
  struct Pending {
    Array idx;  // int64 index, or a bool mask
    int vdim, axis;
  };
  std::vector<Pending> pending;
  auto mark_adv = [&](int entry) {
    if (first_entry < 0) first_entry = entry;
    last_entry = entry;
    ++n_adv_entries;
  };
  auto push_full = [&](int dim) {
    vs.push_back(shape[dim]);
    vst.push_back(strides[dim]);
  };
  auto integer = [&](int64_t i, int entry) {
    int64_t n = shape[d];
    if (i < -n || i >= n)
      throw IndexError(
          err(op, "index " + std::to_string(i) + " is out of bounds for axis " +
                      std::to_string(d) + " with size " + std::to_string(n)));
    if (i < 0) i += n;
    if (!has_adv) {
      off += i * strides[d];
    } else {
      push_full(d);
      pending.push_back({Array::scalar(i, Dtype::Int64, a.device()),
                         static_cast<int>(vs.size()) - 1, d});
      mark_adv(entry);
    }
    ++d;
  };

  int entry = 0;
  for (const Index& e : index) {
    switch (e.kind()) {
      case Index::Kind::Int:
        integer(e.integer(), entry);
        break;
      case Index::Kind::Slice: {
        SliceRange r = slice_range(e.slice(), shape[d], op);
        vs.push_back(r.length);
        vst.push_back(r.step * strides[d]);
        if (r.length > 0) off += r.start * strides[d];
        ++d;
        break;
      }
      case Index::Kind::NewAxis:
        vs.push_back(1);
        vst.push_back(0);
        break;
      case Index::Kind::Ellipsis:
        for (int k = 0; k < nd - consumed; ++k) push_full(d++);
        break;
      case Index::Kind::Array: {
        const Array& x = e.array();
        if (x.dtype() == Dtype::Bool && x.ndim() == 0) {
          // A 0-d mask adds a dimension of length 1 and selects it once
          // (true) or never (false).
          vs.push_back(1);
          vst.push_back(0);
          bool t = x.item<bool>();
          Array idx = Array::empty({t ? 1 : 0}, Dtype::Int64, Device::cpu());
          if (t) *idx.data<int64_t>() = 0;
          pending.push_back(
              {on_device(idx, a.device()), static_cast<int>(vs.size()) - 1, d});
          mark_adv(entry);
        } else if (x.dtype() == Dtype::Bool) {
          for (int k = 0; k < x.ndim(); ++k)
            if (x.shape()[k] != shape[d + k])
              throw IndexError(err(
                  op, "boolean index did not match indexed array along axis " +
                          std::to_string(d + k) + "; size of axis is " +
                          std::to_string(shape[d + k]) +
                          " but size of corresponding boolean axis is " +
                          std::to_string(x.shape()[k])));
          pending.push_back({x, static_cast<int>(vs.size()), d});
          for (int k = 0; k < x.ndim(); ++k) push_full(d++);
          mark_adv(entry);
        } else if (x.ndim() == 0) {
          integer(index_scalar(x), entry);
        } else {
          push_full(d);
          pending.push_back(
              {on_device(astype(x, Dtype::Int64, false), a.device()),
               static_cast<int>(vs.size()) - 1, d});
          mark_adv(entry);
          ++d;
        }
        break;
      }
    }
    ++entry;
  }
  while (d < nd) push_full(d++);
  bool same = off == a.offset() && vs == a.shape() && vst == a.strides();
  p.view = same && has_adv ? a : a.view(vs, vst, off);
  p.adjacent = last_entry - first_entry + 1 == n_adv_entries;

  if (pending.size() == 1 && pending[0].idx.dtype() == Dtype::Bool) {
    p.mask = on_device(ascontiguousarray(pending[0].idx), a.device());
    p.mask_vdim = pending[0].vdim;
    p.mask_axis = pending[0].axis;
    return p;
  }
  for (Pending& q : pending) {
    if (q.idx.dtype() != Dtype::Bool) {
      p.adv.push_back({q.idx, q.vdim, q.axis});
      continue;
    }
    Arrays nz = nonzero(q.idx);
    for (int k = 0; k < q.idx.ndim(); ++k)
      p.adv.push_back({nz[k], q.vdim + k, q.axis + k});
  }
  return p;
}

// How the result of an advanced index is laid out (Note [Advanced index
// layout]).
struct Layout {
  Shape bshape;                   // broadcast shape of the indices
  std::vector<int64_t> src_perm;  // V -> V' (indexed dims first)
  Shape result;                   // the user-visible result shape
  std::vector<int> to_b_first;    // result dims in V'-out order
};

Layout make_layout(const Plan& p, const Shape& bshape) {
  Layout l;
  l.bshape = bshape;
  const Shape& vs = p.view.shape();
  int vnd = static_cast<int>(vs.size());
  std::vector<bool> indexed(vnd, false);
  if (p.mask.valid()) {
    for (int k = 0; k < p.mask.ndim(); ++k) {
      indexed[p.mask_vdim + k] = true;
      l.src_perm.push_back(p.mask_vdim + k);
    }
  } else {
    for (const AdvIndex& x : p.adv) {
      indexed[x.vdim] = true;
      l.src_perm.push_back(x.vdim);
    }
  }
  int first = vnd;
  for (int i = 0; i < vnd; ++i)
    if (indexed[i]) {
      first = std::min(first, i);
    }
  std::vector<int64_t> rest;
  int insert = 0;
  for (int i = 0; i < vnd; ++i) {
    if (indexed[i]) continue;
    rest.push_back(vs[i]);
    l.src_perm.push_back(i);
    if (p.adjacent && i < first) ++insert;
  }
  int nb = static_cast<int>(bshape.size());
  for (int i = 0; i < insert; ++i) l.result.push_back(rest[i]);
  for (int64_t b : bshape) l.result.push_back(b);
  for (size_t i = insert; i < rest.size(); ++i) l.result.push_back(rest[i]);
  for (int i = 0; i < nb; ++i) l.to_b_first.push_back(insert + i);
  for (int i = 0; i < insert; ++i) l.to_b_first.push_back(i);
  for (int i = insert + nb; i < static_cast<int>(l.result.size()); ++i)
    l.to_b_first.push_back(i);
  return l;
}

template <typename T>
bool is_identity(const std::vector<T>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<T>(i)) return false;
  return true;
}

// `a` with its dimensions reordered (a view; `a` itself for the identity).
Array permuted(const Array& a, const std::vector<int>& perm) {
  if (is_identity(perm)) return a;
  Shape s;
  Strides st;
  for (int i : perm) {
    s.push_back(a.shape()[i]);
    st.push_back(a.strides()[i]);
  }
  return a.view(s, st, a.offset());
}

Shape broadcast_index_shape(const Plan& p, const char* op) {
  Shape b;
  for (size_t i = 0; i < p.adv.size(); ++i) {
    const Shape& s = p.adv[i].idx.shape();
    if (i == 0) {
      b = s;
      continue;
    }
    try {
      b = broadcast_shapes(b, s, op);
    } catch (const ValueError&) {
      std::string shapes;
      for (const AdvIndex& x : p.adv) shapes += shape_str(x.idx.shape()) + " ";
      shapes.pop_back();
      throw IndexError(err(op,
                           "shape mismatch: indexing arrays could not be "
                           "broadcast together with shapes " +
                               shapes));
    }
  }
  return b;
}

std::shared_ptr<Gather> make_gather(const Plan& p, IndexMode mode,
                                    const char* op, Arrays& inputs,
                                    const Array& src) {
  std::vector<int> axes;
  inputs.push_back(src);
  for (const AdvIndex& x : p.adv) {
    axes.push_back(x.axis);
    inputs.push_back(x.idx);
  }
  return std::make_shared<Gather>(std::move(axes), mode, op);
}

// Runs a gather whose natural output layout is `to_b_first` of `result`.
// Without autograd it writes through a permuted view of a fresh array;
// under autograd the result is dispatched and permuted back, so that the
// returned array itself carries the history.
Array gather_permuted(std::shared_ptr<Primitive> prim, std::span<const Array> in,
                      const Shape& result, Dtype dtype, Device device,
                      const std::vector<int>& to_b_first) {
  if (!is_identity(to_b_first) && needs_recording(in)) {
    Array r = dispatch1(std::move(prim), in);
    std::vector<int64_t> inv(to_b_first.size());
    for (size_t i = 0; i < to_b_first.size(); ++i) inv[to_b_first[i]] = i;
    return transpose(r, inv);
  }
  Array out = empty_for(result, dtype, device, in);
  Array outs[1] = {permuted(out, to_b_first)};
  dispatch_into(std::move(prim), in, outs);
  return out;
}

Array gather_plan(const Plan& p, const char* op) {
  if (!p.advanced()) return p.view;
  int64_t count = 0;
  Shape bshape;
  if (p.mask.valid()) {
    count = count_true(p.mask);
    bshape = {count};
  } else {
    bshape = broadcast_index_shape(p, op);
  }
  Layout l = make_layout(p, bshape);
  Array src =
      is_identity(l.src_perm) ? p.view : transpose(p.view, l.src_perm);
  if (p.mask.valid()) {
    Array in[2] = {src, p.mask};
    return gather_permuted(std::make_shared<MaskedGather>(count), in, l.result,
                           p.view.dtype(), p.view.device(), l.to_b_first);
  }
  Arrays in;
  auto prim = make_gather(p, IndexMode::Raise, op, in, src);
  return gather_permuted(std::move(prim), in, l.result, p.view.dtype(),
                         p.view.device(), l.to_b_first);
}

// The value of an assignment, cast to the destination dtype. Python
// integers must fit it and Python complex numbers need a complex array, as
// in NumPy.
void check_assignable(const Array& value, Dtype dtype, const char* op) {
  if (value.is_weak() && value.dtype() == Dtype::Float64 && is_integer(dtype)) {
    double d = *value.data<double>();
    if (std::isnan(d))
      throw ValueError(err(op, "cannot convert float NaN to integer"));
    if (std::isinf(d))
      throw OverflowError(err(op, "cannot convert float infinity to integer"));
    if (!(std::abs(d) < 9.3e18))
      throw OverflowError(err(op, "Python int too large to convert to C long"));
  }
  if (value.is_weak()) {
    if (is_complex(value.dtype()) && !is_complex(dtype))
      throw TypeError(err(op, std::string("cannot assign a complex number to "
                                          "an array of dtype ") +
                                  dtype_name(dtype)));
    if (is_integer(value.dtype()) && is_integer(dtype)) {
      bool fits = dispatch_types(dtype, op, [&]<typename T>() {
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          if (value.dtype() == Dtype::UInt64)
            return *value.data<uint64_t>() <=
                   static_cast<uint64_t>(std::numeric_limits<T>::max());
          int64_t v = *value.data<int64_t>();
          if constexpr (std::is_unsigned_v<T>)
            return v >= 0 &&
                   static_cast<uint64_t>(v) <=
                       static_cast<uint64_t>(std::numeric_limits<T>::max());
          else
            return v >= std::numeric_limits<T>::min() &&
                   v <= std::numeric_limits<T>::max();
        }
        return true;
      });
      if (!fits) {
        std::string v = value.dtype() == Dtype::UInt64
                            ? std::to_string(*value.data<uint64_t>())
                            : std::to_string(*value.data<int64_t>());
        throw OverflowError(err(
            op,
            "Python integer " + v + " out of bounds for " + dtype_name(dtype)));
      }
    }
  }
}

Array assignment_value(const Array& value, Dtype dtype, const char* op) {
  check_assignable(value, dtype, op);
  Array v = astype(value, dtype, false);
  if (v.is(value) && v.is_weak()) v = v.alias();
  v.set_weak(false);
  return v;
}

// `value` broadcast to `shape` for assignment: leading length-1 dimensions
// beyond the target's are dropped first, as NumPy does.
Array broadcast_value(const Array& value, const Shape& shape, const char* op) {
  Array v = value;
  while (v.ndim() > static_cast<int>(shape.size()) && v.shape()[0] == 1) {
    Shape s(v.shape().begin() + 1, v.shape().end());
    Strides st(v.strides().begin() + 1, v.strides().end());
    v = v.view(s, st, v.offset());
  }
  try {
    return broadcast_to(v, shape, op);
  } catch (const ValueError&) {
    throw ValueError(err(op, "could not broadcast input array from shape " +
                                 shape_str(value.shape()) + " into shape " +
                                 shape_str(shape)));
  }
}

bool all_zero_strides(const Array& a) {
  for (int i = 0; i < a.ndim(); ++i)
    if (a.strides()[i] != 0 && a.shape()[i] != 1) return false;
  return true;
}

void scatter_plan(const Array& a, const Plan& p, const Array& value,
                  const char* op) {
  if (!p.advanced()) {
    // The copy kernel converts on the fly: no cast copy of the value.
    check_assignable(value, a.dtype(), op);
    // See Note [Scalars before broadcasting] in ops.cpp.
    copyto(p.view,
           broadcast_value(scalar_on(value, a.device()), p.view.shape(), op),
           Casting::Unsafe);
    return;
  }
  // See Note [Scalars before broadcasting] in ops.cpp.
  Array v = scalar_on(assignment_value(value, a.dtype(), op), a.device());
  int64_t count = 0;
  Shape bshape;
  if (p.mask.valid()) {
    count = count_true(p.mask);
    bshape = {count};
  } else {
    bshape = broadcast_index_shape(p, op);
  }
  Layout l = make_layout(p, bshape);
  Array dst =
      is_identity(l.src_perm) ? p.view : transpose(p.view, l.src_perm);
  Array vb = permuted(broadcast_value(v, l.result, op), l.to_b_first);
  if (!all_zero_strides(vb) && !vb.is_c_contiguous())
    vb = copy(vb);
  else if (vb.may_overlap(a))
    vb = copy(vb);
  Array outs[1] = {dst};
  if (p.mask.valid()) {
    Array in[2] = {vb, p.mask};
    dispatch_into(std::make_shared<MaskedScatter>(dst.shape(), dst.dtype()), in,
                  outs);
    return;
  }
  std::vector<int> axes;
  Arrays in{vb};
  for (const AdvIndex& x : p.adv) {
    axes.push_back(x.axis);
    in.push_back(x.idx);
  }
  dispatch_into(
      std::make_shared<Scatter>(dst.shape(), dst.dtype(), std::move(axes),
                                IndexMode::Raise, op),
      in, outs);
}

Array int64_indices(const Array& indices, Casting casting, const char* op) {
  if (indices.dtype() == Dtype::Int64) return indices;
  if (!can_cast(indices.dtype(), Dtype::Int64, casting))
    throw TypeError(err(op, std::string("Cannot cast array data from dtype('") +
                                dtype_name(indices.dtype()) +
                                "') to dtype('int64') according to the rule "
                                "'safe'"));
  return astype(indices, Dtype::Int64);
}

// The flat C-order view of `a`, or a contiguous copy of it (then `copied`).
Array flat_target(const Array& a, bool& copied) {
  copied = !a.is_c_contiguous();
  Array t = copied ? copy(a) : a;
  return t.view({t.size()}, {1}, t.offset());
}

Array take_impl(const Array& a, const Array& indices,
                std::optional<int64_t> axis, IndexMode mode, const Array* out,
                const char* op) {
  Array src = axis ? a : ravel(a);
  int ax = normalize_axis(axis.value_or(0), src.ndim(), op);
  Array idx =
      on_device(int64_indices(indices, Casting::Unsafe, op), a.device());
  int nd = src.ndim(), nb = idx.ndim();
  std::vector<int64_t> perm{ax};
  for (int i = 0; i < nd; ++i)
    if (i != ax) perm.push_back(i);
  Shape result;
  for (int i = 0; i < ax; ++i) result.push_back(src.shape()[i]);
  for (int64_t b : idx.shape()) result.push_back(b);
  for (int i = ax + 1; i < nd; ++i) result.push_back(src.shape()[i]);
  if (out && !(out->shape() == result))
    throw ValueError(err(op,
                         "output array does not match result of "
                         "ndarray.take"));
  std::vector<int> to_b_first;
  for (int i = 0; i < nb; ++i) to_b_first.push_back(ax + i);
  for (int i = 0; i < ax; ++i) to_b_first.push_back(i);
  for (int i = ax + nb; i < static_cast<int>(result.size()); ++i)
    to_b_first.push_back(i);
  Array in[2] = {is_identity(perm) ? src : transpose(src, perm), idx};
  Array res = gather_permuted(
      std::make_shared<Gather>(std::vector<int>{ax}, mode, op), in, result,
      src.dtype(), src.device(), to_b_first);
  if (out) {
    copyto(*out, res, Casting::Unsafe);
    return *out;
  }
  return res;
}

// Index arrays that select, along `axis`, by `indices` and, along the other
// axes, every position (NumPy's _make_along_axis_idx).
Indices along_axis_index(const Array& a, const Array& indices, int axis,
                         const char* op) {
  if (!is_integer(indices.dtype()))
    throw IndexError(err(op, "`indices` must be an integer array"));
  if (indices.ndim() != a.ndim())
    throw ValueError(
        err(op, "`indices` and `arr` must have the same number of dimensions"));
  Indices index;
  int nd = a.ndim();
  for (int d = 0; d < nd; ++d) {
    if (d == axis) {
      index.emplace_back(indices);
      continue;
    }
    Shape s(nd, 1);
    s[d] = a.shape()[d];
    index.emplace_back(reshape(index_range(a.shape()[d], a.device()), s));
  }
  return index;
}

}  // namespace

// ---- a[index] ------------------------------------------------------------

Array getitem(const Array& a, std::span<const Index> index) {
  // a[int_array] is a take along axis 0: skip the general analysis.
  if (index.size() == 1 && index[0].kind() == Index::Kind::Array &&
      is_integer(index[0].array().dtype()) && index[0].array().ndim() > 0 &&
      a.ndim() > 0)
    return take_impl(a, index[0].array(), 0, IndexMode::Raise, nullptr,
                     "getitem");
  return gather_plan(analyze(a, index, "getitem"), "getitem");
}

void setitem(const Array& a, std::span<const Index> index, const Array& value) {
  scatter_plan(a, analyze(a, index, "setitem"), value, "setitem");
}

bool is_element_index(const Array& a, std::span<const Index> index) {
  if (static_cast<int>(index.size()) != a.ndim()) return false;
  for (const Index& e : index) {
    if (e.kind() == Index::Kind::Int) continue;
    if (e.kind() == Index::Kind::Array && e.array().ndim() == 0 &&
        is_integer(e.array().dtype()))
      continue;
    return false;
  }
  return true;
}

// ---- take / put ----------------------------------------------------------

Array take(const Array& a, const Array& indices, std::optional<int64_t> axis,
           IndexMode mode, const Array* out) {
  return take_impl(a, indices, axis, mode, out, "take");
}

namespace {
// True when a write into `a` must be recorded (see setitem_recorded).
bool tracked_write(const Array& a, const Array& values) {
  return is_grad_enabled() && (a.requires_grad() || values.requires_grad());
}

// The index tuple of `a` that selects its C-order flat positions `k`
// (int64, in range): one coordinate array per dimension.
Indices flat_coords(const Array& a, const Array& k) {
  Indices index;
  int64_t stride = 1;
  std::vector<Array> coords(a.ndim());
  for (int d = a.ndim(); d-- > 0;) {
    Array s = Array::scalar<int64_t>(stride, Dtype::Int64, Device::cpu());
    Array n = Array::scalar<int64_t>(std::max<int64_t>(a.shape()[d], 1),
                                     Dtype::Int64, Device::cpu());
    coords[d] = remainder(floor_divide(k, s), n);
    stride *= a.shape()[d];
  }
  for (Array& c : coords) index.emplace_back(std::move(c));
  return index;
}

// put/put_along_axis/place into an array that requires grad (or with values
// that do): the same writes as a recorded a[coords] = v, so the gradient
// flows (last write wins among repeated positions, as in NumPy).
void recorded_flat_write(const Array& a, const Array& k, const Array& v) {
  if (a.ndim() == 0) {
    // One element: the last value written is the one that stays.
    Array last = v.view({}, {}, v.offset() + (v.size() - 1) * v.strides()[0]);
    setitem_recorded(a, {}, last);
    return;
  }
  setitem_recorded(a, flat_coords(a, k), v);
}
}  // namespace

void put(const Array& a, const Array& indices, const Array& values,
         IndexMode mode) {
  const char* op = "put";
  if (tracked_write(a, values)) {
    Array k = on_device(ravel(int64_indices(indices, Casting::Unsafe, op)),
                        a.device());
    int64_t n = k.size();
    Array v = ravel(scalar_on(values, a.device()));
    if (n == 0 || v.size() == 0) return;
    // NumPy's mode applied to the flat positions (raise checks bounds).
    k = take_impl(index_range(a.size(), a.device()), k, 0, mode, nullptr, op);
    if (v.size() > n)
      v = v.view({n}, {v.strides()[0]}, v.offset());
    else if (v.size() < n)
      v = take_impl(v, index_range(n, a.device()), 0, IndexMode::Wrap, nullptr,
                    op);
    recorded_flat_write(a, k, v);
    return;
  }
  Array idx =
      on_device(ravel(int64_indices(indices, Casting::Unsafe, op)), a.device());
  Array v = ravel(scalar_on(assignment_value(values, a.dtype(), op),
                            a.device()));
  int64_t n = idx.size();
  if (n == 0 || v.size() == 0) return;
  if (v.size() > n) {
    v = v.view({n}, {v.strides()[0]}, v.offset());
  } else if (v.size() < n) {
    v = take_impl(v, index_range(n, a.device()), 0, IndexMode::Wrap, nullptr,
                  op);
  }
  if (!v.is_c_contiguous() || v.may_overlap(a)) v = copy(v);
  bool copied = false;
  Array flat = flat_target(a, copied);
  Array in[2] = {v, idx};
  Array outs[1] = {flat};
  dispatch_into(std::make_shared<Scatter>(flat.shape(), flat.dtype(),
                                          std::vector<int>{0}, mode, op),
                in, outs);
  if (copied) copyto(a, reshape(flat, a.shape()), Casting::Unsafe);
}

Array take_along_axis(const Array& a, const Array& indices,
                      std::optional<int64_t> axis) {
  const char* op = "take_along_axis";
  Array src = axis ? a : ravel(a);
  int ax = normalize_axis(axis.value_or(0), src.ndim(), op);
  Indices index = along_axis_index(src, indices, ax, op);
  return gather_plan(analyze(src, index, op), op);
}

void put_along_axis(const Array& a, const Array& indices, const Array& values,
                    std::optional<int64_t> axis) {
  const char* op = "put_along_axis";
  if (tracked_write(a, values)) {
    if (axis) {
      int ax = normalize_axis(*axis, a.ndim(), op);
      setitem_recorded(a, along_axis_index(a, indices, ax, op), values);
    } else {
      if (indices.ndim() != 1)
        throw ValueError(
            "[put_along_axis] when axis=None, `indices` must have a single "
            "dimension.");
      Array k = on_device(int64_indices(indices, Casting::Unsafe, op),
                          a.device());
      k = take_impl(index_range(a.size(), a.device()), k, 0, IndexMode::Raise,
                    nullptr, op);
      Array v = broadcast_to(scalar_on(values, a.device()), k.shape(), op);
      recorded_flat_write(a, k, v);
    }
    return;
  }
  bool copied = false;
  Array dst = a;
  if (!axis) dst = flat_target(a, copied);
  int ax = normalize_axis(axis.value_or(0), dst.ndim(), op);
  Indices index = along_axis_index(dst, indices, ax, op);
  scatter_plan(dst, analyze(dst, index, op), values, op);
  if (copied) copyto(a, reshape(dst, a.shape()), Casting::Unsafe);
}

// ---- masks ---------------------------------------------------------------

namespace {
Array bool_mask(const Array& a) {
  return ascontiguousarray(astype(a, Dtype::Bool, false));
}
}  // namespace

int64_t count_true(const Array& a) {
  Array in[1] = {bool_mask(a)};
  return dispatch1(std::make_shared<CountTrue>(), in).item<int64_t>();
}

namespace {
Array coordinates(const Array& a) {
  Array mask = bool_mask(a);
  Array in[1] = {mask};
  int64_t count = dispatch1(std::make_shared<CountTrue>(), in).item<int64_t>();
  return dispatch1(std::make_shared<Nonzero>(count), in);
}
}  // namespace

Arrays nonzero(const Array& a) {
  if (a.ndim() == 0)
    throw ValueError(
        "[nonzero] Calling nonzero on 0d arrays is not allowed. Use "
        "np.atleast_1d(scalar).nonzero() instead.");
  Array c = coordinates(a);
  Arrays out;
  int nd = a.ndim();
  for (int d = 0; d < nd; ++d)
    out.push_back(c.view({c.shape()[0]}, {nd}, c.offset() + d));
  return out;
}

Array argwhere(const Array& a) {
  if (a.ndim() == 0) {
    Array in[1] = {bool_mask(a)};
    int64_t count =
        dispatch1(std::make_shared<CountTrue>(), in).item<int64_t>();
    return Array::empty({count, 0}, Dtype::Int64, a.device());
  }
  return coordinates(a);
}

Array flatnonzero(const Array& a) { return nonzero(ravel(a))[0]; }

Array compress(const Array& condition, const Array& a,
               std::optional<int64_t> axis) {
  if (condition.ndim() != 1)
    throw ValueError("[compress] condition must be a 1-d array");
  return take_impl(a, nonzero(condition)[0], axis, IndexMode::Raise, nullptr,
                   "compress");
}

Array extract(const Array& condition, const Array& a) {
  return take_impl(ravel(a), nonzero(ravel(condition))[0], 0, IndexMode::Raise,
                   nullptr, "extract");
}

void place(const Array& a, const Array& mask, const Array& vals) {
  const char* op = "place";
  if (mask.size() != a.size())
    throw ValueError("[place] place: mask and data must be the same size");
  Array m = bool_mask(ravel(mask));
  int64_t count = count_true(m);
  if (count == 0) return;
  bool tracked = tracked_write(a, vals);
  Array v = ravel(scalar_on(
      tracked ? vals : assignment_value(vals, a.dtype(), op), a.device()));
  if (v.size() == 0)
    throw ValueError("[place] Cannot insert from an empty array!");
  v = take_impl(v, index_range(count, a.device()), 0, IndexMode::Wrap, nullptr,
                op);
  if (tracked) {
    Indices index{Index(reshape(on_device(m, a.device()), a.shape()))};
    setitem_recorded(a, index, v);
    return;
  }
  bool copied = false;
  Array flat = flat_target(a, copied);
  Array in[2] = {v, on_device(m, a.device())};
  Array outs[1] = {flat};
  dispatch_into(std::make_shared<MaskedScatter>(flat.shape(), flat.dtype()), in,
                outs);
  if (copied) copyto(a, reshape(flat, a.shape()), Casting::Unsafe);
}

Array choose(const Array& a, std::span<const Array> choices, IndexMode mode) {
  const char* op = "choose";
  if (choices.empty()) throw ValueError("[choose] 0-length sequence.");
  Array idx = int64_indices(a, Casting::Safe, op);
  Dtype dt = result_type(choices);
  Arrays all{idx};
  for (const Array& c : choices) all.push_back(c);
  Shape s = broadcast_shapes(all, op);
  int64_t n = static_cast<int64_t>(choices.size());
  Shape stacked_shape{n};
  for (int64_t x : s) stacked_shape.push_back(x);
  Array stacked;
  if (needs_recording(choices)) {
    // Stacked by a recorded op, so that the gradient reaches the choices.
    Arrays parts;
    for (const Array& c : choices)
      parts.push_back(broadcast_to(
          astype(scalar_on(assignment_value(c, dt, op), idx.device()), dt,
                 false),
          s, op));
    stacked = stack(parts, 0);
  } else {
    Arrays all(choices.begin(), choices.end());
    all.push_back(idx);
    stacked = empty_for(stacked_shape, dt, idx.device(), all);
    int64_t block = shape_size(s);
    Strides cs = c_strides(s);
    for (int64_t i = 0; i < n; ++i) {
      Array slot = stacked.view(s, cs, i * block);
      copyto(slot, assignment_value(choices[i], dt, op), Casting::Unsafe);
    }
  }
  // out[p] = stacked[idx[p], p]: one index array per dimension.
  Arrays in{stacked, idx};
  std::vector<int> axes{0};
  int nd = static_cast<int>(s.size());
  for (int d = 0; d < nd; ++d) {
    Shape rs(nd, 1);
    rs[d] = s[d];
    in.push_back(reshape(index_range(s[d], idx.device()), rs));
    axes.push_back(d);
  }
  Array out = empty_for(s, dt, idx.device(), in);
  Array outs[1] = {out};
  try {
    dispatch_into(std::make_shared<Gather>(std::move(axes), mode, op), in,
                  outs);
  } catch (const IndexError&) {
    throw ValueError("[choose] invalid entry in choice array");
  }
  return out;
}

// ---- shape inference of the primitives -----------------------------------

OutputSpecs Gather::output_specs(std::span<const Array> inputs) const {
  const Array& src = inputs[0];
  int k = static_cast<int>(inputs.size()) - 1;
  Shape shape = broadcast_shapes(inputs.subspan(1), op_);
  for (int d = k; d < src.ndim(); ++d) shape.push_back(src.shape()[d]);
  OutputSpecs specs;
  specs.push_back({shape, src.dtype()});
  return specs;
}

OutputSpecs Scatter::output_specs(std::span<const Array>) const {
  OutputSpecs specs;
  specs.push_back({dst_shape_, dtype_});
  return specs;
}

OutputSpecs MaskedGather::output_specs(std::span<const Array> inputs) const {
  const Array& src = inputs[0];
  Shape shape{count_};
  for (int d = inputs[1].ndim(); d < src.ndim(); ++d)
    shape.push_back(src.shape()[d]);
  OutputSpecs specs;
  specs.push_back({shape, src.dtype()});
  return specs;
}

OutputSpecs MaskedScatter::output_specs(std::span<const Array>) const {
  OutputSpecs specs;
  specs.push_back({dst_shape_, dtype_});
  return specs;
}

OutputSpecs CountTrue::output_specs(std::span<const Array>) const {
  OutputSpecs specs;
  specs.push_back({Shape{}, Dtype::Int64});
  return specs;
}

OutputSpecs Nonzero::output_specs(std::span<const Array> inputs) const {
  OutputSpecs specs;
  specs.push_back(
      {Shape{count_, static_cast<int64_t>(inputs[0].ndim())}, Dtype::Int64});
  return specs;
}

}  // namespace arrax
