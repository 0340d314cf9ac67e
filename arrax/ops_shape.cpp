#include "arrax/ops_shape.h"

#include <algorithm>
#include <numeric>

#include "arrax/ops.h"

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

Array reshape(const Array& a, Shape shape) {
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
    if (known == 0 || a.size() % known != 0)
      throw ValueError("[reshape] cannot reshape array of size " +
                       std::to_string(a.size()) + " into shape " +
                       shape_str(shape));
    shape[unknown] = a.size() / known;
  } else if (known != a.size()) {
    throw ValueError("[reshape] cannot reshape array of size " +
                     std::to_string(a.size()) + " into shape " +
                     shape_str(shape));
  }
  if (a.size() == 0 || a.is_c_contiguous())
    return a.view(shape, c_strides(shape), a.offset());
  Strides st;
  if (reshape_strides(a, shape, st)) return a.view(shape, st, a.offset());
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

Array full(const Shape& shape, const Array& value, Dtype dtype,
           Device device) {
  Array out = Array::empty(shape, dtype, device);
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

}  // namespace arrax
