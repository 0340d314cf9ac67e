#include "arrax/array.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

#include "arrax/autograd.h"
#include "arrax/backend/backend.h"

namespace arrax {

Storage::~Storage() {
  if (deleter) deleter(data, ctx);
}

namespace {
void cpu_free(void* p, void*) { std::free(p); }

// Note [CPU block cache]
// Fresh memory costs a page fault per page on first touch: for a 64 MB
// result that is about as long as the arithmetic that fills it. Blocks of
// 4 MiB and more are therefore kept after their array dies and handed to
// the next request of the same (2 MiB-rounded) size, so chains of large
// ops (exp(a) * b + c) reuse warm memory, as NumPy's temporary elision does
// for its chains. The cache holds at most ARRAX_CPU_CACHE_MB megabytes
// (default: 1/8 of the machine's memory, at most 2048; 0 disables it) and
// drops the oldest blocks first.
constexpr size_t kHuge = size_t(4) << 20;
constexpr size_t kHugeAlign = size_t(2) << 20;

class BlockCache {
 public:
  void* take(size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = blocks_.size(); i-- > 0;) {
      if (blocks_[i].size == size) {
        void* p = blocks_[i].ptr;
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
        cached_ -= size;
        return p;
      }
    }
    return nullptr;
  }
  void give(void* p, size_t size) {
    std::vector<void*> drop;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (size > limit_) {
        drop.push_back(p);
      } else {
        blocks_.push_back({p, size});
        cached_ += size;
        while (cached_ > limit_) {
          drop.push_back(blocks_.front().ptr);
          cached_ -= blocks_.front().size;
          blocks_.erase(blocks_.begin());
        }
      }
    }
    for (void* q : drop) std::free(q);
  }
  void clear() {
    std::vector<Block> all;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      all.swap(blocks_);
      cached_ = 0;
    }
    for (auto& b : all) std::free(b.ptr);
  }
  size_t cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

  static BlockCache& get() {
    static BlockCache* c = new BlockCache();  // outlives every array
    return *c;
  }

 private:
  BlockCache() {
    size_t mb = 2048;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && psize > 0)
      mb = std::min<size_t>(mb, static_cast<size_t>(pages) *
                                    static_cast<size_t>(psize) / 8 >> 20);
    if (const char* e = std::getenv("ARRAX_CPU_CACHE_MB")) mb = std::strtoull(e, nullptr, 10);
    limit_ = mb << 20;
  }
  struct Block {
    void* ptr;
    size_t size;
  };
  std::mutex mutex_;
  std::vector<Block> blocks_;
  size_t cached_ = 0;
  size_t limit_ = 0;
};

void cpu_free_cached(void* p, void* ctx) {
  BlockCache::get().give(p, reinterpret_cast<size_t>(ctx));
}
void backend_free(void* p, void* ctx) {
  auto* st = static_cast<Storage*>(ctx);
  backend_for(st->device.type).deallocate(p, st->nbytes, st->device.index);
}
}  // namespace

namespace {
// Small arrays keep their bytes inside the Storage block: one allocation
// instead of two for the many tiny arrays of scalar-heavy code.
// See Note [Small-op overhead] in dispatch.cpp.
constexpr size_t kInlineBytes = 128;
struct InlineStorage : Storage {
  alignas(16) unsigned char bytes[kInlineBytes];  // no over-aligned new
};
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  if (device.is_cpu() && nbytes <= kInlineBytes) {
    auto st = std::make_shared<InlineStorage>();
    st->data = st->bytes;
    st->nbytes = nbytes;
    st->device = device;
    st->owned = true;
    return st;
  }
  auto st = std::make_shared<Storage>();
  st->nbytes = nbytes;
  st->device = device;
  st->owned = true;
  if (device.is_cpu()) {
    size_t rounded = (std::max<size_t>(nbytes, 1) + 63) & ~size_t(63);
    // Large blocks: 2 MiB-aligned, backed by huge pages where the kernel
    // allows it (NumPy does the same), and reused through the block cache.
    if (rounded >= kHuge) {
      rounded = (rounded + kHugeAlign - 1) & ~(kHugeAlign - 1);
      st->data = BlockCache::get().take(rounded);
      if (!st->data) {
        st->data = std::aligned_alloc(kHugeAlign, rounded);
        if (!st->data) {
          BlockCache::get().clear();  // give the cache back, try again
          st->data = std::aligned_alloc(kHugeAlign, rounded);
        }
        if (st->data) madvise(st->data, rounded, MADV_HUGEPAGE);
      }
      if (st->data) {
        st->deleter = cpu_free_cached;
        st->ctx = reinterpret_cast<void*>(rounded);
      }
    } else {
      st->data = std::aligned_alloc(64, rounded);
      st->deleter = cpu_free;
    }
    if (!st->data)
      throw MemoryError("[empty] unable to allocate " + std::to_string(nbytes) +
                        " bytes on cpu");
  } else {
    st->data = backend_for(device.type).allocate(nbytes, device.index);
    st->deleter = backend_free;
    st->ctx = st.get();
  }
  return st;
}

int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Strides c_strides(const Shape& shape) {
  Strides st(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return st;
}

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::shared_ptr<Array::Node> Array::make_node(std::shared_ptr<Storage> storage,
                                              Shape shape, Strides strides,
                                              int64_t offset, Dtype dtype) {
  auto n = std::make_shared<Node>();
  n->storage = std::move(storage);
  n->size = shape_size(shape);
  n->offset = offset;
  n->dtype = dtype;
  // NumPy's flags: dimensions of length 1 do not affect contiguity.
  bool c = true, f = true;
  if (n->size > 1) {
    int64_t s = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      if (shape[i] == 1) continue;
      if (strides[i] != s) c = false;
      s *= shape[i];
    }
    s = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 1) continue;
      if (strides[i] != s) f = false;
      s *= shape[i];
    }
  }
  n->c_contiguous = c;
  n->f_contiguous = f;
  n->shape = std::move(shape);
  n->strides = std::move(strides);
  return n;
}

Array Array::empty(const Shape& shape, Dtype dtype, Device device) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw ValueError("[empty] negative dimensions are not allowed");
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / 16 / d)
      throw MemoryError("[empty] array of shape " + shape_str(shape) +
                        " is too big");
    n *= d;
  }
  size_t nbytes = static_cast<size_t>(n) * arrax::itemsize(dtype);
  return Array(make_node(Storage::allocate(nbytes, device), shape,
                         c_strides(shape), 0, dtype));
}

Array Array::view_of(std::shared_ptr<Storage> storage, Shape shape,
                     Strides strides, int64_t offset, Dtype dtype) {
  return Array(make_node(std::move(storage), std::move(shape),
                         std::move(strides), offset, dtype));
}

Array Array::raw_view(Shape shape, Strides strides, int64_t offset) const {
  Array v(make_node(node_->storage, std::move(shape), std::move(strides),
                    offset, node_->dtype));
  v.node_->readonly = node_->readonly;
  v.node_->batch = node_->batch;
  return v;
}

Array Array::view(Shape shape, Strides strides, int64_t offset) const {
  Array v = raw_view(std::move(shape), std::move(strides), offset);
  if (node_->autograd) record_view(*this, v);
  return v;
}

Array Array::alias() const {
  return view(node_->shape, node_->strides, node_->offset);
}

int64_t Array::shape(int axis) const {
  int nd = ndim();
  int a = axis < 0 ? axis + nd : axis;
  if (a < 0 || a >= nd)
    throw AxisError("[shape] axis " + std::to_string(axis) +
                    " is out of bounds for array of dimension " +
                    std::to_string(nd));
  return node_->shape[a];
}

std::pair<int64_t, int64_t> Array::byte_extent() const {
  int64_t isz = itemsize();
  if (size() == 0) return {0, 0};
  int64_t lo = node_->offset, hi = node_->offset;
  for (size_t i = 0; i < node_->shape.size(); ++i) {
    int64_t span = (node_->shape[i] - 1) * node_->strides[i];
    if (span < 0)
      lo += span;
    else
      hi += span;
  }
  return {lo * isz, (hi + 1) * isz};
}

bool Array::may_overlap(const Array& other) const {
  if (!shares_storage(other)) return false;
  auto [a0, a1] = byte_extent();
  auto [b0, b1] = other.byte_extent();
  return a0 < b1 && b0 < a1;
}

void refuse_batched_read(const char* op) {
  throw ValueError(std::string("[") + op +
                   "] the values of an array batched by vmap are not "
                   "available inside the vmapped function (data-dependent "
                   "Python control flow, item(), or a conversion to NumPy)");
}

void copy_to_host(const Array& a, void* dst) {
  if (a.is_batched()) refuse_batched_read("item");
  if (a.size() != 1)
    throw ValueError(
        "[item] can only convert an array of size 1 to a Python scalar");
  if (a.device().is_cpu()) {
    std::memcpy(dst, a.data(), a.itemsize());
  } else {
    backend_for(a.device().type)
        .copy(dst, Device::cpu(), a.data(), a.device(), a.itemsize());
  }
}

}  // namespace arrax
