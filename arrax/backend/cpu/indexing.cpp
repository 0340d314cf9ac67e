// CPU kernels of advanced indexing (arrax/primitives_index.h): gathers and
// scatters through index arrays or boolean masks, counting and nonzero.
//
// Note [Gather and scatter kernels]
// Indexing moves bytes and never converts, so the kernels are instantiated
// per item size only. An index tuple is turned once into element offsets
// (off[b] = sum_j idx_j[b] * stride_j, bounds-checked) by the iteration
// engine, which also handles broadcast index arrays without materializing
// them. The copy then runs over B, moving one "rest" block per offset. The
// common case, one index array and no rest dimensions (take along an axis),
// is fused into a single pass with no offset buffer. Every index is checked
// before anything is written, so an out-of-bounds scatter leaves the
// destination untouched and nothing ever reads or writes outside an array.
//
// Note [Parallel scatter]
// Repeated indices must keep the last value, as in NumPy, so a scatter
// cannot split its indices across threads. Instead each thread owns a part
// of the destination and walks all indices in order, writing only the
// elements it owns: parallel, and still last-write-wins.
#include <atomic>
#include <bit>
#include <cstring>
#include <memory>
#include <mutex>

#include "arrax/backend/cpu/iter.h"
#include "arrax/backend/cpu/thread_pool.h"
#include "arrax/primitives_index.h"

namespace arrax {

namespace {

struct Bytes16 {
  uint64_t lo, hi;
};

// Calls f.template operator()<T>() with an unsigned type of `itemsize` bytes.
template <typename F>
void dispatch_itemsize(int itemsize, F&& f) {
  switch (itemsize) {
    case 1:
      return f.template operator()<uint8_t>();
    case 2:
      return f.template operator()<uint16_t>();
    case 4:
      return f.template operator()<uint32_t>();
    case 8:
      return f.template operator()<uint64_t>();
    default:
      return f.template operator()<Bytes16>();
  }
}

// Loads and stores through memcpy: complex64 items are only 4-byte aligned.
template <typename T>
inline T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
inline void store(char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// The first out-of-bounds index seen (any thread); thrown after the loop.
struct BadIndex {
  std::atomic<bool> set{false};
  std::mutex mutex;
  int64_t value = 0;
  int axis = 0;
  int64_t size = 0;

  void record(int64_t v, int ax, int64_t n) {
    if (set.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(mutex);
    if (set.load()) return;
    value = v;
    axis = ax;
    size = n;
    set.store(true);
  }
  void raise_if_set(const char* op) const {
    if (!set.load()) return;
    throw IndexError(std::string("[") + op + "] index " +
                     std::to_string(value) + " is out of bounds for axis " +
                     std::to_string(axis) + " with size " +
                     std::to_string(size));
  }
};

// Maps index v into [0, n) by `mode`; false when Raise finds it out of range.
template <IndexMode M>
inline bool normalize(int64_t& v, int64_t n) {
  if constexpr (M == IndexMode::Raise) {
    if (v < 0) v += n;
    return static_cast<uint64_t>(v) < static_cast<uint64_t>(n);
  } else if constexpr (M == IndexMode::Wrap) {
    v %= n;
    if (v < 0) v += n;
    return true;
  } else {
    v = v < 0 ? 0 : (v >= n ? n - 1 : v);
    return true;
  }
}

template <typename F>
void dispatch_mode(IndexMode mode, F&& f) {
  switch (mode) {
    case IndexMode::Raise:
      return f.template operator()<IndexMode::Raise>();
    case IndexMode::Wrap:
      return f.template operator()<IndexMode::Wrap>();
    case IndexMode::Clip:
      return f.template operator()<IndexMode::Clip>();
  }
}

// ---- element offsets of index tuples --------------------------------------

constexpr int kMaxIndicesPerPass = 7;  // the engine takes 8 operands

struct OffsetCtx {
  int k;
  bool accumulate;
  const int64_t* dims;
  const int64_t* strides;  // elements
  const int* axes;
  BadIndex* bad;
};

template <IndexMode M>
void offsets_loop(char** d, const int64_t* s, int64_t n, const void* vctx) {
  const auto& c = *static_cast<const OffsetCtx*>(vctx);
  // Locals, so that the stores below cannot be assumed to change them.
  const int k = c.k;
  const bool accumulate = c.accumulate;
  int64_t dims[kMaxIndicesPerPass], strides[kMaxIndicesPerPass];
  const char* ix[kMaxIndicesPerPass];
  int64_t is[kMaxIndicesPerPass];
  for (int j = 0; j < k; ++j) {
    dims[j] = c.dims[j];
    strides[j] = c.strides[j];
    ix[j] = d[1 + j];
    is[j] = s[1 + j];
  }
  char* const o = d[0];
  const int64_t so = s[0];
  for (int64_t i = 0; i < n; ++i) {
    int64_t acc = accumulate ? load<int64_t>(o + i * so) : 0;
    for (int j = 0; j < k; ++j) {
      int64_t v = load<int64_t>(ix[j] + i * is[j]);
      const int64_t raw = v;
      if (!normalize<M>(v, dims[j])) [[unlikely]] {
        c.bad->record(raw, c.axes[j], dims[j]);
        v = 0;
      }
      acc += v * strides[j];
    }
    store<int64_t>(o + i * so, acc);
  }
}

// off[b] for every b of `bshape` (C order). `idx` are int64 arrays that
// broadcast to bshape; dims/strides describe the indexed source dimensions.
std::unique_ptr<int64_t[]> index_offsets(
    const Shape& bshape, std::span<const Array> idx, const int64_t* dims,
    const int64_t* strides, const int* axes, IndexMode mode, const char* op) {
  int64_t nb = shape_size(bshape);
  std::unique_ptr<int64_t[]> off(new int64_t[std::max<int64_t>(nb, 1)]);
  if (nb == 0) return off;
  Strides out_strides = c_strides(bshape);
  BadIndex bad;
  int k = static_cast<int>(idx.size());
  if (k == 0) std::fill(off.get(), off.get() + nb, 0);
  for (int j0 = 0; j0 < k; j0 += kMaxIndicesPerPass) {
    int kk = std::min(kMaxIndicesPerPass, k - j0);
    cpu::RawOperand ops[kMaxIndicesPerPass + 1];
    Strides st[kMaxIndicesPerPass];
    ops[0] = {reinterpret_cast<char*>(off.get()), out_strides.data(), 8};
    for (int j = 0; j < kk; ++j) {
      st[j] = cpu::broadcast_strides(idx[j0 + j], bshape);
      ops[1 + j] = {static_cast<char*>(idx[j0 + j].data()), st[j].data(), 8};
    }
    OffsetCtx ctx{kk, j0 > 0, dims + j0, strides + j0, axes + j0, &bad};
    dispatch_mode(mode, [&]<IndexMode M>() {
      cpu::for_each_element_raw(bshape, std::span(ops, kk + 1),
                                &offsets_loop<M>, &ctx);
    });
    bad.raise_if_set(op);
  }
  return off;
}

// ---- copies of rest blocks ---------------------------------------------

// The dimensions after the indexed ones, coalesced; strides in bytes.
struct Block {
  SmallVector<int64_t> shape, dst, src;
  int64_t size = 1;
};

Block make_block(std::span<const int64_t> shape, std::span<const int64_t> dst,
                 std::span<const int64_t> src, int isz) {
  Block b;
  for (size_t d = 0; d < shape.size(); ++d) {
    b.size *= shape[d];
    if (shape[d] == 1) continue;
    int64_t ds = dst[d] * isz, ss = src[d] * isz;
    size_t n = b.shape.size();
    if (n > 0 && b.dst[n - 1] == ds * shape[d] &&
        b.src[n - 1] == ss * shape[d]) {
      b.shape[n - 1] *= shape[d];
      b.dst[n - 1] = ds;
      b.src[n - 1] = ss;
      continue;
    }
    b.shape.push_back(shape[d]);
    b.dst.push_back(ds);
    b.src.push_back(ss);
  }
  return b;
}

template <typename T>
inline void copy_row(char* dst, const char* src, int64_t n, int64_t ds,
                     int64_t ss) {
  if (ds == sizeof(T) && ss == sizeof(T)) {
    std::memcpy(dst, src, n * sizeof(T));
  } else if (ss == 0) {
    T v = load<T>(src);
    for (int64_t i = 0; i < n; ++i) store<T>(dst + i * ds, v);
  } else {
    for (int64_t i = 0; i < n; ++i)
      store<T>(dst + i * ds, load<T>(src + i * ss));
  }
}

template <typename T>
void copy_block(char* dst, const char* src, const Block& b) {
  int nd = static_cast<int>(b.shape.size());
  if (nd == 0) {
    store<T>(dst, load<T>(src));
    return;
  }
  if (nd == 1) {
    copy_row<T>(dst, src, b.shape[0], b.dst[0], b.src[0]);
    return;
  }
  SmallVector<int64_t> counter(nd - 1, 0);
  int64_t rows = b.size / b.shape[nd - 1];
  for (int64_t r = 0; r < rows; ++r) {
    copy_row<T>(dst, src, b.shape[nd - 1], b.dst[nd - 1], b.src[nd - 1]);
    for (int d = nd - 2; d >= 0; --d) {
      if (++counter[d] < b.shape[d]) {
        dst += b.dst[d];
        src += b.src[d];
        break;
      }
      counter[d] = 0;
      dst -= (b.shape[d] - 1) * b.dst[d];
      src -= (b.shape[d] - 1) * b.src[d];
    }
  }
}

// ---- gather ------------------------------------------------------------

struct TakeCtx {
  const char* src;
  int64_t stride;  // bytes
  int64_t dim;
  int axis;
  BadIndex* bad;
};

// The fused single-index path: out[i] = src[idx[i] * stride]. Everything the
// loop reads is copied into locals first: stores through char* could alias
// the context otherwise, and the compiler would reload it every element.
template <typename T, IndexMode M>
void take_loop(char** d, const int64_t* s, int64_t n, const void* vctx) {
  const auto& c = *static_cast<const TakeCtx*>(vctx);
  const char* const src = c.src;
  const int64_t stride = c.stride, dim = c.dim;
  char* const o = d[0];
  const char* const ix = d[1];
  const int64_t so = s[0], si = s[1];
  int64_t bad_at = -1;
  if (so == sizeof(T) && si == sizeof(int64_t)) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = load<int64_t>(ix + i * sizeof(int64_t));
      if (!normalize<M>(v, dim)) [[unlikely]] {
        if (bad_at < 0) bad_at = i;
        v = 0;
      }
      store<T>(o + i * sizeof(T), load<T>(src + v * stride));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = load<int64_t>(ix + i * si);
      if (!normalize<M>(v, dim)) [[unlikely]] {
        if (bad_at < 0) bad_at = i;
        v = 0;
      }
      store<T>(o + i * so, load<T>(src + v * stride));
    }
  }
  if (bad_at >= 0) c.bad->record(load<int64_t>(ix + bad_at * si), c.axis, dim);
}

// The first index outside [-dim, dim) (Raise) in C order, or -1. A
// read-only pass, so a scatter can check before it writes.
int64_t first_bad_index(const char* ix, int64_t si, int64_t n, int64_t dim) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = load<int64_t>(ix + i * si);
    if (v < -dim || v >= dim) return i;
  }
  return -1;
}

struct BlockCtx {
  char* base;  // the side addressed through offsets
  int isz;
  const Block* block;
};

template <typename T>
void gather_loop(char** d, const int64_t* s, int64_t n, const void* vctx) {
  const auto& c = *static_cast<const BlockCtx*>(vctx);
  const Block& block = *c.block;
  char* const base = c.base;
  const int64_t isz = c.isz, so = s[0], si = s[1];
  char* const o = d[0];
  const char* const offs = d[1];
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = load<int64_t>(offs + i * si);
    copy_block<T>(o + i * so, base + off * isz, block);
  }
}

template <typename T>
void scatter_loop(char** d, const int64_t* s, int64_t n, const void* vctx) {
  const auto& c = *static_cast<const BlockCtx*>(vctx);
  const Block& block = *c.block;
  char* const base = c.base;
  const int64_t isz = c.isz, sv = s[0], si = s[1];
  const char* const v = d[0];
  const char* const offs = d[1];
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = load<int64_t>(offs + i * si);
    copy_block<T>(base + off * isz, v + i * sv, block);
  }
}

bool all_zero_strides(const Array& a) {
  for (size_t i = 0; i < a.strides().size(); ++i)
    if (a.strides()[i] != 0 && a.shape()[i] != 1) return false;
  return true;
}

// ---- boolean masks -----------------------------------------------------

// Fixed chunks of a mask, so that the counting and the writing passes agree.
struct MaskChunks {
  int64_t size, chunk, n;
  explicit MaskChunks(int64_t m) : size(m) {
    int64_t per = (m + cpu::num_threads() * 4 - 1) / (cpu::num_threads() * 4);
    chunk = std::max<int64_t>(int64_t(1) << 16, per);
    n = (m + chunk - 1) / chunk;
  }
  int64_t begin(int64_t c) const { return c * chunk; }
  int64_t end(int64_t c) const { return std::min(size, (c + 1) * chunk); }
};

int64_t count_bytes(const uint8_t* p, int64_t n) {
  int64_t total = 0;
  // Sum in bytes-sized lanes in blocks that cannot overflow, so it vectorizes.
  while (n > 0) {
    int64_t m = std::min<int64_t>(n, 255 * 64);
    uint32_t acc = 0;
    for (int64_t i = 0; i < m; ++i) acc += p[i];
    total += acc;
    p += m;
    n -= m;
  }
  return total;
}

// Start position in the output of each chunk's first true element.
std::vector<int64_t> chunk_starts(const uint8_t* mask, const MaskChunks& mc) {
  std::vector<int64_t> start(mc.n + 1, 0);
  cpu::parallel_for(mc.n, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c)
      start[c + 1] = count_bytes(mask + mc.begin(c), mc.end(c) - mc.begin(c));
  });
  for (int64_t c = 0; c < mc.n; ++c) start[c + 1] += start[c];
  return start;
}

// Element offset of mask position m within the leading dims of `a`, walked
// incrementally: unravel once, then step.
struct MaskWalker {
  int k;
  const int64_t* shape;
  const int64_t* strides;
  SmallVector<int64_t> counter;
  int64_t offset = 0;

  MaskWalker(const Array& a, int k_, int64_t m)
      : k(k_),
        shape(a.shape().data()),
        strides(a.strides().data()),
        counter(k_, 0) {
    for (int d = k - 1; d >= 0; --d) {
      counter[d] = m % shape[d];
      m /= shape[d];
      offset += counter[d] * strides[d];
    }
  }
  void step() {
    for (int d = k - 1; d >= 0; --d) {
      if (++counter[d] < shape[d]) {
        offset += strides[d];
        return;
      }
      counter[d] = 0;
      offset -= (shape[d] - 1) * strides[d];
    }
  }
};

// The stride that walks the first k dims of `a` in C order, if one does.
bool single_stride(const Array& a, int k, int64_t& stride) {
  stride = 0;
  int64_t expect = 0;
  bool have = false;
  for (int d = k - 1; d >= 0; --d) {
    int64_t n = a.shape()[d];
    if (n == 1) continue;
    if (!have) {
      stride = a.strides()[d];
      expect = stride * n;
      have = true;
    } else {
      if (a.strides()[d] != expect) return false;
      expect *= n;
    }
  }
  return true;
}

}  // namespace

// ---- primitives ----------------------------------------------------------

void Gather::eval_cpu(std::span<const Array> inputs, std::span<Array> outputs) {
  const Array& src = inputs[0];
  Array& out = outputs[0];
  int k = static_cast<int>(inputs.size()) - 1;
  int rest_nd = src.ndim() - k;
  int nbd = out.ndim() - rest_nd;
  Shape bshape(out.shape().begin(), out.shape().begin() + nbd);
  Strides out_b(out.strides().begin(), out.strides().begin() + nbd);
  int64_t nb = shape_size(bshape);
  if (nb == 0) return;
  int isz = src.itemsize();
  std::span<const Array> idx = inputs.subspan(1);
  const int64_t* dims = src.shape().data();
  const int64_t* strides = src.strides().data();
  for (int j = 0; j < k; ++j)
    if (dims[j] == 0 && mode_ != IndexMode::Raise)
      throw IndexError(std::string("[") + op_ +
                       "] cannot do a non-empty take from an empty axes.");
  int64_t rest_size = 1;
  for (int d = k; d < src.ndim(); ++d) rest_size *= src.shape()[d];

  if (k == 1 && rest_size == 1) {
    // See Note [Gather and scatter kernels]: the fused take.
    Strides is = cpu::broadcast_strides(idx[0], bshape);
    cpu::RawOperand ops[2] = {
        {static_cast<char*>(out.data()), out_b.data(), isz},
        {static_cast<char*>(idx[0].data()), is.data(), 8}};
    BadIndex bad;
    TakeCtx ctx{static_cast<const char*>(src.data()), strides[0] * isz, dims[0],
                axes_[0], &bad};
    dispatch_itemsize(isz, [&]<typename T>() {
      dispatch_mode(mode_, [&]<IndexMode M>() {
        cpu::for_each_element_raw(bshape, ops, &take_loop<T, M>, &ctx);
      });
    });
    bad.raise_if_set(op_);
    return;
  }

  auto off =
      index_offsets(bshape, idx, dims, strides, axes_.data(), mode_, op_);
  if (rest_size == 0) return;
  Block block = make_block(std::span(src.shape().data() + k, rest_nd),
                           std::span(out.strides().data() + nbd, rest_nd),
                           std::span(src.strides().data() + k, rest_nd), isz);
  Strides off_strides = c_strides(bshape);
  cpu::RawOperand ops[2] = {
      {static_cast<char*>(out.data()), out_b.data(), isz},
      {reinterpret_cast<char*>(off.get()), off_strides.data(), 8}};
  BlockCtx ctx{static_cast<char*>(src.data()), isz, &block};
  int64_t grain = std::max<int64_t>(1, cpu::kElementwiseGrain / rest_size);
  dispatch_itemsize(isz, [&]<typename T>() {
    cpu::for_each_element_raw(bshape, ops, &gather_loop<T>, &ctx, grain);
  });
}

void Scatter::eval_cpu(std::span<const Array> inputs,
                       std::span<Array> outputs) {
  const Array& value = inputs[0];
  Array& dst = outputs[0];
  int k = static_cast<int>(inputs.size()) - 1;
  int rest_nd = dst.ndim() - k;
  int nbd = value.ndim() - rest_nd;
  Shape bshape(value.shape().begin(), value.shape().begin() + nbd);
  int64_t nb = shape_size(bshape);
  if (nb == 0) return;
  int isz = dst.itemsize();
  for (int j = 0; j < k; ++j)
    if (dst.shape()[j] == 0 && mode_ != IndexMode::Raise)
      throw IndexError(std::string("[") + op_ +
                       "] cannot replace elements of an empty array");
  int64_t rest1 = 1;
  for (int d = k; d < dst.ndim(); ++d) rest1 *= dst.shape()[d];
  const Array& idx0 = inputs[1];
  if (k == 1 && rest1 == 1 && nbd == 1 && idx0.ndim() == 1 &&
      idx0.shape()[0] == nb) {
    // See Note [Gather and scatter kernels]: one index array, one element
    // per index. Check all indices, then write in order (last wins).
    const int64_t dim = dst.shape()[0];
    const int64_t stride = dst.strides()[0] * isz;
    const char* ix = static_cast<const char*>(idx0.data());
    const int64_t si = idx0.strides()[0] * 8;
    const char* vdata = static_cast<const char*>(value.data());
    const int64_t vs = value.strides()[0] * isz;
    char* base = static_cast<char*>(dst.data());
    if (mode_ == IndexMode::Raise) {
      int64_t bad = first_bad_index(ix, si, nb, dim);
      if (bad >= 0)
        throw IndexError(std::string("[") + op_ + "] index " +
                         std::to_string(load<int64_t>(ix + bad * si)) +
                         " is out of bounds for axis " +
                         std::to_string(axes_[0]) + " with size " +
                         std::to_string(dim));
    }
    // Parallel only where each destination element has one owner thread
    // that walks every index in order: see Note [Parallel scatter].
    // Here thread t owns the index range [t << shift, (t + 1) << shift).
    const int nthreads = nb >= (int64_t(1) << 16) ? cpu::num_threads() : 1;
    int shift = 0;
    while ((int64_t(nthreads) << shift) < dim) ++shift;
    dispatch_itemsize(isz, [&]<typename T>() {
      dispatch_mode(mode_, [&]<IndexMode M>() {
        cpu::parallel_for(nthreads, 1, [&](int64_t tb, int64_t te) {
          for (int64_t t = tb; t < te; ++t) {
            for (int64_t i = 0; i < nb; ++i) {
              int64_t v = load<int64_t>(ix + i * si);
              normalize<M>(v, dim);
              if (nthreads > 1 && (v >> shift) != t) continue;
              store<T>(base + v * stride, load<T>(vdata + i * vs));
            }
          }
        });
      });
    });
    return;
  }
  // All offsets are checked before the first write.
  auto off = index_offsets(bshape, inputs.subspan(1), dst.shape().data(),
                           dst.strides().data(), axes_.data(), mode_, op_);
  int64_t rest_size = 1;
  for (int d = k; d < dst.ndim(); ++d) rest_size *= dst.shape()[d];
  if (rest_size == 0) return;
  char* base = static_cast<char*>(dst.data());
  const char* vdata = static_cast<const char*>(value.data());
  bool scalar = all_zero_strides(value);
  int nthreads = cpu::num_threads();
  if (rest_size == 1 && nb >= (int64_t(1) << 16) && nthreads > 1 &&
      (scalar || value.is_c_contiguous())) {
    // See Note [Parallel scatter]; here thread t owns the offsets whose
    // group of 8 (a cache line of doubles) is t modulo the thread count.
    const uint64_t nt = std::bit_floor(static_cast<uint64_t>(nthreads));
    dispatch_itemsize(isz, [&]<typename T>() {
      cpu::parallel_for(nt, 1, [&](int64_t tb, int64_t te) {
        for (int64_t t = tb; t < te; ++t) {
          const int64_t* o = off.get();
          for (int64_t i = 0; i < nb; ++i) {
            if (((static_cast<uint64_t>(o[i]) >> 3) & (nt - 1)) !=
                static_cast<uint64_t>(t))
              continue;
            store<T>(base + o[i] * isz,
                     load<T>(vdata + (scalar ? 0 : i * isz)));
          }
        }
      });
    });
    return;
  }
  // In C order on one thread, so repeated indices keep the last value.
  Strides vb = cpu::broadcast_strides(value, value.shape());
  Block block = make_block(std::span(dst.shape().data() + k, rest_nd),
                           std::span(dst.strides().data() + k, rest_nd),
                           std::span(vb.data() + nbd, rest_nd), isz);
  Strides off_strides = c_strides(bshape);
  cpu::RawOperand ops[2] = {
      {const_cast<char*>(vdata), vb.data(), isz},
      {reinterpret_cast<char*>(off.get()), off_strides.data(), 8}};
  BlockCtx ctx{base, isz, &block};
  dispatch_itemsize(isz, [&]<typename T>() {
    cpu::for_each_element_raw(bshape, ops, &scatter_loop<T>, &ctx,
                              std::numeric_limits<int64_t>::max());
  });
}

void MaskedGather::eval_cpu(std::span<const Array> inputs,
                            std::span<Array> outputs) {
  const Array& src = inputs[0];
  const Array& mask = inputs[1];
  Array& out = outputs[0];
  if (count_ == 0 || out.size() == 0) return;
  int k = mask.ndim();
  int rest_nd = src.ndim() - k;
  int isz = src.itemsize();
  const uint8_t* mk = mask.data<uint8_t>();
  MaskChunks mc(mask.size());
  std::vector<int64_t> start = chunk_starts(mk, mc);
  if (start[mc.n] != count_)
    throw ValueError("[masked_gather] mask changed during indexing");
  Block block = make_block(std::span(src.shape().data() + k, rest_nd),
                           std::span(out.strides().data() + 1, rest_nd),
                           std::span(src.strides().data() + k, rest_nd), isz);
  int64_t sstride = 0;
  bool flat = single_stride(src, k, sstride);
  const char* sdata = static_cast<const char*>(src.data());
  char* odata = static_cast<char*>(out.data());
  int64_t ostride = out.strides()[0] * isz;
  dispatch_itemsize(isz, [&]<typename T>() {
    cpu::parallel_for(mc.n, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        int64_t m = mc.begin(c), m1 = mc.end(c);
        int64_t pos = start[c], end = start[c + 1];
        if (pos == end) continue;
        if (flat && block.size == 1) {
          const int64_t ss = sstride * isz;
          // Branch-free while a spare slot remains in this chunk's range.
          for (; m < m1 && pos < end - 1; ++m) {
            store<T>(odata + pos * ostride, load<T>(sdata + m * ss));
            pos += mk[m];
          }
          for (; m < m1; ++m)
            if (mk[m]) {
              store<T>(odata + pos * ostride, load<T>(sdata + m * ss));
              ++pos;
            }
          continue;
        }
        MaskWalker w(src, k, m);
        for (; m < m1; ++m, w.step())
          if (mk[m]) {
            copy_block<T>(odata + pos * ostride, sdata + w.offset * isz, block);
            ++pos;
          }
      }
    });
  });
}

void MaskedScatter::eval_cpu(std::span<const Array> inputs,
                             std::span<Array> outputs) {
  const Array& value = inputs[0];
  const Array& mask = inputs[1];
  Array& dst = outputs[0];
  int k = mask.ndim();
  int rest_nd = dst.ndim() - k;
  int isz = dst.itemsize();
  const uint8_t* mk = mask.data<uint8_t>();
  MaskChunks mc(mask.size());
  std::vector<int64_t> start = chunk_starts(mk, mc);
  int64_t count = start[mc.n];
  if (count == 0) return;
  bool scalar = all_zero_strides(value);
  Strides vb = cpu::broadcast_strides(value, value.shape());
  Block block = make_block(std::span(dst.shape().data() + k, rest_nd),
                           std::span(dst.strides().data() + k, rest_nd),
                           std::span(vb.data() + 1, rest_nd), isz);
  if (block.size == 0) return;
  int64_t dstride = 0;
  bool flat = single_stride(dst, k, dstride);
  char* ddata = static_cast<char*>(dst.data());
  const char* vdata = static_cast<const char*>(value.data());
  int64_t vstride = scalar ? 0 : vb[0] * isz;
  dispatch_itemsize(isz, [&]<typename T>() {
    cpu::parallel_for(mc.n, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        int64_t m = mc.begin(c), m1 = mc.end(c);
        int64_t pos = start[c], end = start[c + 1];
        if (pos == end) continue;
        if (flat && block.size == 1 && dstride == 1) {
          // Contiguous destination: rewrite every element, choosing the old
          // or the new value, which vectorizes for a scalar value.
          char* d = ddata + m * isz;
          if (scalar) {
            const T v = load<T>(vdata);
            for (int64_t i = 0; i < m1 - m; ++i) {
              T cur = load<T>(d + i * isz);
              store<T>(d + i * isz, mk[m + i] ? v : cur);
            }
          } else {
            for (int64_t i = 0; i < m1 - m; ++i) {
              T cur = load<T>(d + i * isz);
              int64_t p = std::min(pos, end - 1);
              store<T>(d + i * isz,
                       mk[m + i] ? load<T>(vdata + p * vstride) : cur);
              pos += mk[m + i];
            }
          }
          continue;
        }
        MaskWalker w(dst, k, m);
        for (; m < m1; ++m, w.step())
          if (mk[m]) {
            copy_block<T>(ddata + w.offset * isz, vdata + pos * vstride, block);
            ++pos;
          }
      }
    });
  });
}

void CountTrue::eval_cpu(std::span<const Array> inputs,
                         std::span<Array> outputs) {
  const Array& mask = inputs[0];
  MaskChunks mc(mask.size());
  std::vector<int64_t> start = chunk_starts(mask.data<uint8_t>(), mc);
  *outputs[0].data<int64_t>() = start[mc.n];
}

void Nonzero::eval_cpu(std::span<const Array> inputs,
                       std::span<Array> outputs) {
  const Array& mask = inputs[0];
  Array& out = outputs[0];
  int nd = mask.ndim();
  if (count_ == 0 || nd == 0) return;
  const uint8_t* mk = mask.data<uint8_t>();
  MaskChunks mc(mask.size());
  std::vector<int64_t> start = chunk_starts(mk, mc);
  if (start[mc.n] != count_)
    throw ValueError("[nonzero] array changed during nonzero");
  int64_t* o = out.data<int64_t>();
  const int64_t* shape = mask.shape().data();
  cpu::parallel_for(mc.n, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      int64_t m = mc.begin(c), m1 = mc.end(c);
      int64_t pos = start[c], end = start[c + 1];
      if (pos == end) continue;
      if (nd == 1) {
        for (; m < m1 && pos < end - 1; ++m) {
          o[pos] = m;
          pos += mk[m];
        }
        for (; m < m1; ++m)
          if (mk[m]) o[pos++] = m;
        continue;
      }
      SmallVector<int64_t> ctr(nd, 0);
      int64_t r = m;
      for (int d = nd - 1; d >= 0; --d) {
        ctr[d] = r % shape[d];
        r /= shape[d];
      }
      for (; m < m1; ++m) {
        if (mk[m]) {
          std::memcpy(o + pos * nd, ctr.data(), nd * sizeof(int64_t));
          ++pos;
        }
        for (int d = nd - 1; d >= 0; --d) {
          if (++ctr[d] < shape[d]) break;
          ctr[d] = 0;
        }
      }
    }
  });
}

}  // namespace arrax
