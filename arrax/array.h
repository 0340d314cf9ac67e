#pragma once
#include <atomic>
#include <memory>
#include <span>
#include <vector>

#include "arrax/device.h"
#include "arrax/dtype.h"
#include "arrax/export.h"
#include "arrax/small_vector.h"

namespace arrax {

// A block of memory on one device. The deleter frees it; for memory borrowed
// from another library (a NumPy array, a DLPack tensor) it drops the owner.
struct ARRAX_API Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  void (*deleter)(void* data, void* ctx) = nullptr;
  void* ctx = nullptr;
  // True when arrax allocated the memory (not borrowed from NumPy/DLPack).
  bool owned = false;
  // Bumped by every write through dispatch_into (in-place ops, out=,
  // setitem); autograd compares it with the value a node saved. Shared by
  // all views of the storage. See Note [Version counters] in autograd.cpp.
  std::atomic<uint32_t> version{0};

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  // Allocates `nbytes` on `device` (64-byte aligned on the CPU).
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
};

struct AutogradMeta;  // defined by the autograd layer

// One batch dimension of an array inside vmap: the level of the vmap that
// made it (levels grow inward), its size and its stride in elements. An
// array with batch dimensions shows only its per-example (logical) shape;
// see Note [Batching] in batching.cpp.
struct BatchDim {
  int64_t level;
  int64_t size;
  int64_t stride;
};
using BatchDims = std::vector<BatchDim>;  // sorted by level, outermost first

// The handle users hold: cheap to copy, copies share the same array.
// Views (slices, transposes, reshapes that need no copy) are new arrays that
// share the storage, exactly as in NumPy.
class ARRAX_API Array {
 public:
  Array() = default;

  // A new C-contiguous array with uninitialized contents.
  static Array empty(const Shape& shape, Dtype dtype, Device device);
  // A view of `storage` with element strides and an element offset.
  static Array view_of(std::shared_ptr<Storage> storage, Shape shape,
                       Strides strides, int64_t offset, Dtype dtype);
  // A 0-d array holding `value` converted to `dtype`. A weak array stands for
  // a Python scalar in NumPy 2 promotion (NEP 50).
  template <typename T>
  static Array scalar(T value, Dtype dtype, Device device, bool weak = false);

  bool valid() const { return node_ != nullptr; }
  const Shape& shape() const { return node_->shape; }
  int64_t shape(int axis) const;  // negative axes count from the end
  const Strides& strides() const { return node_->strides; }
  int64_t offset() const { return node_->offset; }
  int ndim() const { return static_cast<int>(node_->shape.size()); }
  int64_t size() const { return node_->size; }
  Dtype dtype() const { return node_->dtype; }
  int itemsize() const { return arrax::itemsize(node_->dtype); }
  int64_t nbytes() const { return size() * itemsize(); }
  Device device() const { return node_->storage->device; }
  bool is_weak() const { return node_->weak; }
  // Read-only arrays refuse writes (dispatch_into raises ValueError); views
  // made from one are read-only too.
  bool is_readonly() const { return node_->readonly; }
  void set_readonly(bool r) { node_->readonly = r; }
  void set_weak(bool w) { node_->weak = w; }
  bool is_c_contiguous() const { return node_->c_contiguous; }
  bool is_f_contiguous() const { return node_->f_contiguous; }
  const std::shared_ptr<Storage>& storage() const { return node_->storage; }

  // Address of the first element (of element [0, 0, ...]).
  void* data() const {
    return static_cast<char*>(node_->storage->data) +
           node_->offset * arrax::itemsize(node_->dtype);
  }
  template <typename T>
  T* data() const {
    return static_cast<T*>(data());
  }

  // A new array viewing the same storage. When this array requires grad
  // (and grad mode is on) the view records an autograd node; see Note
  // [Views under autograd] in autograd.cpp. raw_view never records (for
  // kernels and backends).
  Array view(Shape shape, Strides strides, int64_t offset) const;
  Array raw_view(Shape shape, Strides strides, int64_t offset) const;
  // Another array with the same storage, shape and strides but a different
  // identity (NumPy's a.view()).
  Array alias() const;
  bool shares_storage(const Array& other) const {
    return node_->storage == other.node_->storage;
  }
  bool is(const Array& other) const { return node_ == other.node_; }
  // Byte range [lo, hi) this array can touch inside its storage.
  std::pair<int64_t, int64_t> byte_extent() const;
  // True when the two arrays may touch the same bytes.
  bool may_overlap(const Array& other) const;

  // The value of a one-element array, converted to T. Synchronizes.
  template <typename T>
  T item() const;

  // Autograd metadata (null for arrays that never required grad).
  const std::shared_ptr<AutogradMeta>& autograd() const {
    return node_->autograd;
  }
  void set_autograd(std::shared_ptr<AutogradMeta> m) {
    node_->autograd = std::move(m);
  }
  // True when this array takes part in autograd (defined in autograd.cpp).
  bool requires_grad() const;

  // Batch dimensions added by vmap (null outside vmap). Views share them.
  bool is_batched() const { return node_->batch != nullptr; }
  const std::shared_ptr<const BatchDims>& batch() const { return node_->batch; }
  void set_batch(std::shared_ptr<const BatchDims> b) {
    node_->batch = std::move(b);
  }

  // Identity of the node, for hashing and for Python object caches.
  const void* id() const { return node_.get(); }

 private:
  struct Node {
    std::shared_ptr<Storage> storage;
    Shape shape;
    Strides strides;
    int64_t offset = 0;
    int64_t size = 1;
    Dtype dtype = Dtype::Float64;
    bool weak = false;
    bool readonly = false;  // NumPy's WRITEABLE flag, inverted
    bool c_contiguous = true;
    bool f_contiguous = true;
    std::shared_ptr<AutogradMeta> autograd;
    std::shared_ptr<const BatchDims> batch;
  };
  explicit Array(std::shared_ptr<Node> n) : node_(std::move(n)) {}
  static std::shared_ptr<Node> make_node(std::shared_ptr<Storage> storage,
                                         Shape shape, Strides strides,
                                         int64_t offset, Dtype dtype);
  std::shared_ptr<Node> node_;
};

using Arrays = std::vector<Array>;

// Strides of a C-contiguous array of `shape`, in elements.
ARRAX_API Strides c_strides(const Shape& shape);
ARRAX_API int64_t shape_size(const Shape& shape);  // product, 1 for ()
// "(2, 3)" as NumPy prints shapes.
ARRAX_API std::string shape_str(const Shape& shape);

// Copies the bytes of a one-element array into host memory (synchronizes).
ARRAX_API void copy_to_host(const Array& a, void* dst);
// A copy of `a` on `device` (the same array when it is already there).
ARRAX_API Array to_device(const Array& a, Device device);

template <typename T>
Array Array::scalar(T value, Dtype dtype, Device device, bool weak) {
  Array out = empty({}, dtype, Device::cpu());
  dispatch_types(dtype, "[scalar]", [&]<typename U>() {
    *out.data<U>() = cast_value<U>(value);
  });
  out.set_weak(weak);
  if (!device.is_cpu()) {
    out = to_device(out, device);
    out.set_weak(weak);
  }
  return out;
}

ARRAX_API void refuse_batched_read(const char* op);

template <typename T>
T Array::item() const {
  T result{};
  if (is_batched()) refuse_batched_read("item");
  if (device().is_cpu()) {
    dispatch_types(dtype(), "[item]", [&]<typename U>() {
      result = cast_value<T>(*data<U>());
    });
  } else {
    alignas(16) char buf[16];
    copy_to_host(*this, buf);
    dispatch_types(dtype(), "[item]", [&]<typename U>() {
      result = cast_value<T>(*reinterpret_cast<U*>(buf));
    });
  }
  return result;
}

}  // namespace arrax
