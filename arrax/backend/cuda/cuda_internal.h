#pragma once
// Internals of the CUDA plugin shared by its source files: the device state,
// the NVRTC JIT, launch helpers, strided-launch plans, and the registry that
// maps each Primitive type to its CUDA evaluation. One file per op family
// (cuda_ufunc.cpp, cuda_reduce.cpp, ...) registers its evaluations and the
// kernel modules that `arrax_cuda_selfcheck` compiles. See
// docs/architecture.md and docs/adding_an_op.md.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include "arrax/array.h"
#include "arrax/backend/backend.h"
#include "arrax/backend/cuda/driver.h"
#include "arrax/backend/cuda/launch_queue.h"
#include "arrax/primitive.h"
#include "arrax/ufunc.h"

namespace arrax::cuda {

// ARRAX_CUDA_DEBUG=1 traces JIT and launch steps on stderr.
bool debug();
#define AX_TRACE(...)                                    \
  do {                                                   \
    if (::arrax::cuda::debug()) {                        \
      std::fprintf(stderr, "[arrax cuda] ");             \
      std::fprintf(stderr, __VA_ARGS__);                 \
      std::fprintf(stderr, "\n");                        \
    }                                                    \
  } while (0)

uint64_t fnv1a(const void* data, size_t n,
               uint64_t h = 1469598103934665603ull);
inline uint64_t fnv1a(const std::string& s,
                      uint64_t h = 1469598103934665603ull) {
  return fnv1a(s.data(), s.size(), h);
}

// The device type name of a dtype as device/common.cuh spells it
// ("float", "ax::half", "ax::complex<double>", ...).
const char* device_type(Dtype dt);
// An unsigned device type of the given item size (for dtype-blind moves).
const char* device_bits_type(int64_t itemsize);

// Note [Block cache] bins: 512-byte multiples up to 1 MiB (2048 bins), then
// 1 MiB multiples up to kCachedBlock (63 bins); at most kCacheCap bytes
// are kept.
constexpr size_t kSmallStep = 512, kMediumStep = size_t(1) << 20;
constexpr size_t kCachedBlock = size_t(64) << 20;
constexpr int64_t kCacheCap = int64_t(1) << 30;
constexpr size_t kNumCacheBins =
    kMediumStep / kSmallStep + kCachedBlock / kMediumStep - 1;
inline size_t cache_size(size_t n) {
  return n <= kMediumStep ? (n + kSmallStep - 1) / kSmallStep * kSmallStep
                          : (n + kMediumStep - 1) / kMediumStep * kMediumStep;
}
inline size_t cache_bin(size_t n) {
  return n <= kMediumStep
             ? (n + kSmallStep - 1) / kSmallStep - 1
             : kMediumStep / kSmallStep + (n + kMediumStep - 1) / kMediumStep - 2;
}

struct DeviceState {
  CUdevice dev = 0;
  CUcontext ctx = nullptr;
  CUstream stream = nullptr;  // the current stream of this device
  CUstream default_stream = nullptr;
  CUmemoryPool pool = nullptr;
  int sm_count = 0;
  int arch = 0;  // 90 for sm_90
  int max_threads_per_block = 1024;
  int64_t max_shared_per_block = 48 * 1024;
  std::string name;
  int64_t allocated = 0, max_allocated = 0, limit = 0;
  // Resolved kernels, so the hot path does no string work: [ufunc][dtype]
  // [contiguous, strided, vectorized] and [to][from][contiguous, strided].
  std::vector<CUfunction> ufunc_fns =
      std::vector<CUfunction>(kNumUfuncs * kNumDtypes * 3, nullptr);
  std::vector<CUfunction> cast_fns =
      std::vector<CUfunction>(kNumDtypes * kNumDtypes * 2, nullptr);
  // Note [Block cache]: freed blocks by rounded size (cache_bin).
  std::vector<std::vector<void*>> cache_bins =
      std::vector<std::vector<void*>>(kNumCacheBins);
  int64_t cached = 0;  // bytes in cache_bins
  // Per-family caches, keyed by a family-chosen string.
  std::map<std::string, CUfunction> fn_cache;
  // Hot-path kernels keyed by integers (no string work per op): see
  // CudaBackend::kernel_by_key.
  std::unordered_map<uint64_t, CUfunction> key_cache;
  // Per-stream counter buffers (kNumCounters zeroed uint32 each): see
  // CudaBackend::counters.
  std::unordered_map<CUstream, CUdeviceptr> counters;
  // Per-stream cuBLAS/cuBLASLt workspaces (pointer, bytes): see
  // CudaBackend::workspace.
  std::unordered_map<CUstream, std::pair<CUdeviceptr, size_t>> workspaces;
};

// Counters in each per-stream buffer of CudaBackend::counters.
constexpr int64_t kNumCounters = 4096;

// One NVRTC program: its cache key, source and the name expressions of the
// kernels it instantiates.
struct ModuleSpec {
  std::string key;
  std::string source;
  std::vector<std::string> exprs;
};

// Note [CUDA kernel cache]
// Kernels are instantiated by name through NVRTC name expressions, many per
// program (one program per op family and dtype), compiled to SASS for the
// device's architecture. A compiled module is kept in memory and on disk
// under $ARRAX_CACHE_DIR (default ~/.cache/arrax), keyed by a hash of the
// source, the name expressions, the options, the architecture, the NVRTC
// version and the embedded headers. Files are written to a temporary name
// and renamed (atomic), and carry a checksum that is verified on load.
class Jit {
 public:
  // The function for `name_expr` of module `spec`, compiling the module
  // (with all of its expressions) on first use.
  CUfunction function(DeviceState& ds, const ModuleSpec& spec,
                      const std::string& name_expr);
  // Loads or compiles a whole module (arrax.cuda.precompile()); returns
  // true when it had to compile.
  bool warm(DeviceState& ds, const ModuleSpec& spec);
  // Compiles with NVRTC to a cubin; throws ValueError with the log.
  static void compile(const std::string& source,
                      const std::vector<std::string>& exprs,
                      const std::vector<std::string>& opts,
                      std::vector<std::string>& lowered, std::string& blob);
  static std::vector<std::string> options(int arch);
  // The disk-cache file of a module.
  static std::string cache_path(int arch, const ModuleSpec& spec);
  // Reads the module from the disk cache, or compiles it and writes it
  // there (thread-safe: precompile runs it on several threads). Returns
  // true when it compiled.
  static bool ensure_cached(int arch, const ModuleSpec& spec,
                            std::vector<std::string>& lowered,
                            std::string& blob);
  void count_compiled(int n) { compiled_ += n; }
  // Modules compiled (not loaded from disk) by this process.
  int compiled() const { return compiled_; }

 private:
  struct Module {
    CUmodule module = nullptr;
    std::map<std::string, std::string> lowered;
    std::map<std::string, CUfunction> functions;
  };
  Module& module(DeviceState& ds, const ModuleSpec& spec, bool* compiled);
  Module load_or_compile(DeviceState& ds, const ModuleSpec& spec,
                         bool* compiled);
  std::mutex mutex_;
  std::map<std::string, Module> modules_;
  int compiled_ = 0;
};

// Dimension plan for strided launches: drop length-1 dims, merge contiguous
// neighbours (as the CPU engine does), at most 8 dims. strides[k] is the
// element stride of operand k (outputs first, as the caller orders them).
struct Plan {
  int ndim = 0;
  int64_t shape[8];
  int64_t strides[5][8];
};
bool make_plan(const Shape& shape, const std::vector<Strides>& st, Plan& p);

// Note [More than 8 dimensions]
// Device kernels take at most 8 dimensions after coalescing (Plan). An eval
// whose operands need more throws TooManyDims before it launches anything;
// CudaBackend::eval then runs the primitive's CPU kernel on host copies of
// the bytes its operands span (one copy per storage, so operands sharing
// memory, in-place ones included, still share it on the host) and copies the
// storages it wrote back. Correct for every primitive, and slow: NumPy
// allows 64 dimensions, but arrays that keep more than 8 after merging are
// rare.
struct TooManyDims : NotImplementedError {
  using NotImplementedError::NotImplementedError;
};
[[noreturn]] void too_many_dims(const char* op);
// make_plan, or TooManyDims "[op] more than 8 non-mergeable dimensions on
// cuda".
Plan plan_of(const Shape& shape, const std::vector<Strides>& st,
             const char* op);

// Matches ax::Strided<N> in device/common.cuh.
template <int N>
struct StridedArg {
  int ndim;
  int64_t shape[8];
  int64_t strides[N][8];
};
template <int N>
StridedArg<N> strided_arg(const Plan& p) {
  StridedArg<N> a{};
  a.ndim = p.ndim;
  for (int d = 0; d < p.ndim; ++d) {
    a.shape[d] = p.shape[d];
    for (int k = 0; k < N; ++k) a.strides[k][d] = p.strides[k][d];
  }
  return a;
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int count) : devices_(count) {}
  bool init();

  // Sets the device's context current and returns its state.
  DeviceState& state(int i);
  Jit& jit() { return jit_; }

  // Grid-stride launch of `fn` over n elements with 256-thread blocks.
  // args: one pointer per kernel parameter, nargs of them (the array
  // overloads count them), which the launch thread copies (Note [Launch
  // thread]).
  void launch(DeviceState& ds, CUfunction fn, int64_t n, void** args,
              size_t nargs);
  template <size_t N>
  void launch(DeviceState& ds, CUfunction fn, int64_t n, void* (&args)[N]) {
    launch(ds, fn, n, args, N);
  }
  // Launch with an explicit configuration.
  void launch(DeviceState& ds, CUfunction fn, unsigned grid_x,
              unsigned grid_y, unsigned grid_z, unsigned block_x,
              unsigned block_y, unsigned shared_bytes, void** args,
              size_t nargs);
  template <size_t N>
  void launch(DeviceState& ds, CUfunction fn, unsigned grid_x,
              unsigned grid_y, unsigned grid_z, unsigned block_x,
              unsigned block_y, unsigned shared_bytes, void* (&args)[N]) {
    launch(ds, fn, grid_x, grid_y, grid_z, block_x, block_y, shared_bytes,
           args, N);
  }
  // The kernel `expr` of module `spec`, cached per device under
  // spec.key + expr.
  CUfunction kernel(DeviceState& ds, const ModuleSpec& spec,
                    const std::string& expr);
  // The same, cached under an integer `key` that the caller makes unique
  // per (spec, expr); `expr` is only called on a miss.
  template <typename Expr>
  CUfunction kernel_by_key(DeviceState& ds, uint64_t key,
                           const ModuleSpec& spec, Expr&& expr) {
    auto it = ds.key_cache.find(key);
    if (it != ds.key_cache.end()) return it->second;
    CUfunction f = kernel(ds, spec, expr());
    ds.key_cache.emplace(key, f);
    return f;
  }
  // kNumCounters uint32 counters on the device, zero whenever a kernel of
  // the current stream starts: a kernel that counts in them must leave
  // them zero when it ends (Note [Single-pass split reductions] in
  // device/reduce.cuh). One buffer per stream (kernels of one stream never
  // overlap), made on first use, freed by destroy_stream; nullptr when it
  // cannot be allocated.
  uint32_t* counters(DeviceState& ds);
  // A workspace of at least `bytes` for the current stream's library calls
  // (cuBLAS, cuBLASLt), kept between calls as PyTorch keeps its cuBLAS
  // workspaces: no allocation per product. Outside memory_allocated();
  // nullptr when it would pass the memory limit or the card is full (the
  // caller allocates scratch then). Freed with its stream, by
  // empty_cache() and before an allocation gives up.
  void* workspace(DeviceState& ds, size_t bytes);
  void release_workspaces(DeviceState& ds);
  // A temporary device buffer that lives until the Array is dropped
  // (stream-ordered, so it may be released right after the launches that use
  // it).
  Array scratch(int64_t nbytes, Device dev);
  // `a` on `dev` (copied when it lives elsewhere, e.g. a CPU scalar).
  static Array on_device(const Array& a, Device dev);

  void* allocate(size_t nbytes, int idx) override;
  void deallocate(void* ptr, size_t nbytes, int idx) override;
  void copy(void* dst, Device dst_dev, const void* src, Device src_dev,
            size_t n) override;
  void synchronize(int idx) override;
  int device_count() override { return static_cast<int>(devices_.size()); }
  std::string device_name(int idx) override { return state(idx).name; }
  MemoryStats memory_stats(int idx) override;
  void reset_peak_memory_stats(int idx) override;
  void empty_cache(int idx) override;
  void set_memory_limit(int idx, int64_t bytes) override;
  void eval(Primitive& p, std::span<const Array> inputs,
            std::span<Array> outputs) override;

  // The handle leaves arrax (the CUDA array interface, Stream objects):
  // what is queued for it is issued first (Note [Launch thread]).
  void* current_stream(int idx) override {
    flush_launches();
    return state(idx).stream;
  }
  void* default_stream(int idx) override { return state(idx).default_stream; }
  void set_current_stream(int idx, void* stream) override;
  void* create_stream(int idx, int priority) override;
  void destroy_stream(int idx, void* stream) override;
  void stream_synchronize(int idx, void* stream) override;
  bool stream_query(int idx, void* stream) override;
  void stream_wait_event(int idx, void* stream, void* event) override;
  void* create_event(int idx, bool timing) override;
  void destroy_event(int idx, void* event) override;
  void record_event(int idx, void* event, void* stream) override;
  void event_synchronize(int idx, void* event) override;
  bool event_query(int idx, void* event) override;
  float event_elapsed_ms(int idx, void* start, void* end) override;
  int precompile(int idx) override;
  bool async_launch() override { return launch_thread_enabled(); }
  std::pair<double, double> launch_probe(int idx, int n,
                                         int variant) override;
  int compiled_modules() override { return jit_.compiled(); }
  // Returns the block cache to the driver's pool.
  void release_cached(DeviceState& ds);
  // Runs p's CPU kernel on host copies of the operands' bytes. See Note
  // [More than 8 dimensions].
  void eval_on_host(Primitive& p, std::span<const Array> inputs,
                    std::span<Array> outputs);

 private:
  std::vector<DeviceState> devices_;
  Jit jit_;
  // Allocations made on a stream other than the device's default one, so
  // that each is freed on the stream it was allocated on. See Note [CUDA
  // streams].
  std::mutex stream_alloc_mutex_;
  std::unordered_map<void*, CUstream> stream_allocs_;
};

// The process's CUDA backend (valid once the plugin registered it).
CudaBackend& backend();

// Registry: each family file registers, at load time,
//   AX_CUDA_EVAL(Reduce, eval_reduce);   // void eval_reduce(CudaBackend&,
//                                        //   Reduce&, inputs, outputs)
//   AX_CUDA_MODULES(reduce_modules);     // std::vector<ModuleSpec>()
using EvalFn = void (*)(CudaBackend&, Primitive&, std::span<const Array>,
                        std::span<Array>);
using ModulesFn = std::vector<ModuleSpec> (*)();
struct EvalRegistration {
  EvalRegistration(const std::type_info& type, EvalFn fn);
};
struct ModulesRegistration {
  explicit ModulesRegistration(ModulesFn fn);
};
// Every module of every family (for selfcheck and precompile).
std::vector<ModuleSpec> all_modules();

#define AX_CUDA_CAT2(a, b) a##b
#define AX_CUDA_CAT(a, b) AX_CUDA_CAT2(a, b)
#define AX_CUDA_EVAL(Prim, fn)                                              \
  static ::arrax::cuda::EvalRegistration AX_CUDA_CAT(ax_eval_reg_, Prim)(  \
      typeid(::arrax::Prim),                                                \
      [](::arrax::cuda::CudaBackend& b, ::arrax::Primitive& p,              \
         std::span<const ::arrax::Array> in, std::span<::arrax::Array> out) { \
        fn(b, static_cast<::arrax::Prim&>(p), in, out);                     \
      })
#define AX_CUDA_MODULES(fn)                                                 \
  static ::arrax::cuda::ModulesRegistration AX_CUDA_CAT(ax_mod_reg_,        \
                                                        __LINE__)(fn)

}  // namespace arrax::cuda
