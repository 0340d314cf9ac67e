// The CUDA backend: devices, streams, the stream-ordered allocator and the
// evaluation registry. The kernels of each op family live in their own
// cuda_<family>.cpp; the JIT in jit.cpp. See docs/architecture.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <typeindex>
#include <unordered_map>

#include "arrax/backend/cuda/cuda_internal.h"
#include "arrax/errors.h"
#include "arrax/ops.h"

namespace arrax::cuda {

int selfcheck(int arch, std::string& err);

bool debug() {
  static bool on = [] {
    const char* s = std::getenv("ARRAX_CUDA_DEBUG");
    return s && *s && *s != '0';
  }();
  return on;
}

const char* device_type(Dtype dt) {
  switch (dt) {
    case Dtype::Bool: return "bool";
    case Dtype::Int8: return "ax::i8";
    case Dtype::Int16: return "ax::i16";
    case Dtype::Int32: return "ax::i32";
    case Dtype::Int64: return "ax::i64";
    case Dtype::UInt8: return "ax::u8";
    case Dtype::UInt16: return "ax::u16";
    case Dtype::UInt32: return "ax::u32";
    case Dtype::UInt64: return "ax::u64";
    case Dtype::Float16: return "ax::half";
    case Dtype::BFloat16: return "ax::bf16";
    case Dtype::Float32: return "float";
    case Dtype::Float64: return "double";
    case Dtype::Complex64: return "ax::complex<float>";
    case Dtype::Complex128: return "ax::complex<double>";
  }
  return "void";
}

const char* device_bits_type(int64_t itemsize) {
  switch (itemsize) {
    case 1: return "ax::u8";
    case 2: return "ax::u16";
    case 4: return "ax::u32";
    case 8: return "ax::u64";
    default: return "ax::complex<double>";  // 16 bytes
  }
}

// ---- registry --------------------------------------------------------------

namespace {
std::unordered_map<std::type_index, EvalFn>& evals() {
  static std::unordered_map<std::type_index, EvalFn> m;
  return m;
}
std::vector<ModulesFn>& module_fns() {
  static std::vector<ModulesFn> v;
  return v;
}
CudaBackend* g_backend = nullptr;
}  // namespace

EvalRegistration::EvalRegistration(const std::type_info& type, EvalFn fn) {
  evals()[std::type_index(type)] = fn;
}
ModulesRegistration::ModulesRegistration(ModulesFn fn) {
  module_fns().push_back(fn);
}
std::vector<ModuleSpec> all_modules() {
  std::vector<ModuleSpec> out;
  for (ModulesFn f : module_fns())
    for (auto& m : f()) out.push_back(std::move(m));
  return out;
}

CudaBackend& backend() {
  if (!g_backend) throw ValueError("[cuda] the CUDA backend is not initialized");
  return *g_backend;
}

// ---- plans -----------------------------------------------------------------

bool make_plan(const Shape& shape, const std::vector<Strides>& st, Plan& p) {
  int nops = static_cast<int>(st.size());
  std::vector<int64_t> sh;
  std::vector<std::vector<int64_t>> s(nops);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!sh.empty()) {
      bool merge = true;
      for (int k = 0; k < nops && merge; ++k)
        merge = s[k].back() == st[k][d] * shape[d];
      if (merge) {
        sh.back() *= shape[d];
        for (int k = 0; k < nops; ++k) s[k].back() = st[k][d];
        continue;
      }
    }
    sh.push_back(shape[d]);
    for (int k = 0; k < nops; ++k) s[k].push_back(st[k][d]);
  }
  if (sh.size() > 8) return false;
  p.ndim = static_cast<int>(sh.size());
  for (int d = 0; d < p.ndim; ++d) {
    p.shape[d] = sh[d];
    for (int k = 0; k < nops; ++k) p.strides[k][d] = s[k][d];
  }
  return true;
}

void too_many_dims(const char* op) {
  throw TooManyDims(std::string("[") + op +
                    "] more than 8 non-mergeable dimensions on cuda");
}

Plan plan_of(const Shape& shape, const std::vector<Strides>& st,
             const char* op) {
  Plan p;
  if (!make_plan(shape, st, p)) too_many_dims(op);
  return p;
}

// ---- the backend -----------------------------------------------------------

bool CudaBackend::init() {
  Driver& d = driver();
  for (size_t i = 0; i < devices_.size(); ++i) {
    DeviceState& ds = devices_[i];
    if (d.cuDeviceGet(&ds.dev, static_cast<int>(i)) != CUDA_SUCCESS)
      return false;
    if (d.cuDevicePrimaryCtxRetain(&ds.ctx, ds.dev) != CUDA_SUCCESS)
      return false;
    d.cuCtxSetCurrent(ds.ctx);
    int maj = 0, min = 0, v = 0;
    d.cuDeviceGetAttribute(&maj, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                           ds.dev);
    d.cuDeviceGetAttribute(&min, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                           ds.dev);
    d.cuDeviceGetAttribute(&ds.sm_count,
                           CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, ds.dev);
    d.cuDeviceGetAttribute(&ds.max_threads_per_block,
                           CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, ds.dev);
    if (d.cuDeviceGetAttribute(&v,
                               CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK,
                               ds.dev) == CUDA_SUCCESS)
      ds.max_shared_per_block = v;
    ds.arch = maj * 10 + min;
    char name[256] = {0};
    d.cuDeviceGetName(name, sizeof(name), ds.dev);
    ds.name = name;
    if (d.cuStreamCreate(&ds.default_stream, CU_STREAM_NON_BLOCKING) !=
        CUDA_SUCCESS)
      return false;
    register_stream(ds.default_stream);
    ds.stream = ds.default_stream;
    d.cuDeviceGetDefaultMemPool(&ds.pool, ds.dev);
    // Keep freed memory in the pool (a caching allocator) instead of
    // returning it to the driver at every synchronization.
    cuuint64_t keep = ~cuuint64_t(0);
    d.cuMemPoolSetAttribute(ds.pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
  }
  g_backend = this;
  return true;
}

DeviceState& CudaBackend::state(int i) {
  if (i < 0 || i >= static_cast<int>(devices_.size()))
    throw ValueError("[cuda] device index " + std::to_string(i) +
                     " is out of range (" + std::to_string(devices_.size()) +
                     " devices)");
  DeviceState& ds = devices_[i];
  // Setting the context costs a driver call; most calls find it current.
  thread_local CUcontext current = nullptr;
  if (current != ds.ctx) {
    driver().cuCtxSetCurrent(ds.ctx);
    current = ds.ctx;
  }
  return ds;
}

void* CudaBackend::allocate(size_t nbytes, int idx) {
  DeviceState& ds = state(idx);
  if (ds.limit && ds.allocated + static_cast<int64_t>(nbytes) > ds.limit)
    throw MemoryError("[cuda] allocating " + std::to_string(nbytes) +
                      " bytes would exceed the memory limit of " +
                      std::to_string(ds.limit) + " bytes on cuda:" +
                      std::to_string(idx));
  CUdeviceptr p = 0;
  size_t n = std::max<size_t>(nbytes, 1);
  // Note [Block cache]: blocks up to kCachedBlock bytes freed on the
  // default stream are kept in bins by rounded size (512-byte multiples up
  // to 1 MiB, then 1 MiB multiples) and handed out again on that stream
  // without a driver call (stream order makes the reuse safe: the next
  // user's work is enqueued after the last user's). cuMemAllocAsync and
  // cuMemFreeAsync cost ~1.5-3 us of host time together on the H200, as
  // much as a small op's whole path or a third of a 1024^2 product's; at
  // most kCacheCap bytes are kept (beyond it, frees go to the driver's
  // pool), and empty_cache() or an allocation that fails releases them.
  // Larger blocks go to the driver's stream-ordered pool directly.
  if (n <= kCachedBlock && ds.stream == ds.default_stream) {
    auto& bin = ds.cache_bins[cache_bin(n)];
    if (!bin.empty()) {
      void* q = bin.back();
      bin.pop_back();
      ds.cached -= static_cast<int64_t>(cache_size(n));
      ds.allocated += static_cast<int64_t>(nbytes);
      ds.max_allocated = std::max(ds.max_allocated, ds.allocated);
      return q;
    }
    n = cache_size(n);
  }
  CUresult r = driver().cuMemAllocAsync(&p, n, ds.stream);
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    // Free the cached blocks and try once more.
    release_cached(ds);
    release_workspaces(ds);
    driver().cuStreamSynchronize(ds.stream);
    driver().cuMemPoolTrimTo(ds.pool, 0);
    r = driver().cuMemAllocAsync(&p, n, ds.stream);
  }
  if (r == CUDA_ERROR_OUT_OF_MEMORY)
    throw MemoryError("[cuda] out of memory allocating " +
                      std::to_string(nbytes) + " bytes on cuda:" +
                      std::to_string(idx));
  check(r, "cuMemAllocAsync");
  if (ds.stream != ds.default_stream) {
    std::lock_guard<std::mutex> lock(stream_alloc_mutex_);
    stream_allocs_[reinterpret_cast<void*>(p)] = ds.stream;
  }
  ds.allocated += static_cast<int64_t>(nbytes);
  ds.max_allocated = std::max(ds.max_allocated, ds.allocated);
  return reinterpret_cast<void*>(p);
}

void CudaBackend::deallocate(void* ptr, size_t nbytes, int idx) {
  DeviceState& ds = state(idx);
  CUstream s = ds.default_stream;
  // Blocks made on another stream were not rounded to a bin size: they
  // never go to the bins (Note [Block cache]).
  bool other_stream = false;
  if (!stream_allocs_.empty()) {
    std::lock_guard<std::mutex> lock(stream_alloc_mutex_);
    auto it = stream_allocs_.find(ptr);
    if (it != stream_allocs_.end()) {
      s = it->second;
      other_stream = true;
      stream_allocs_.erase(it);
    }
  }
  ds.allocated -= static_cast<int64_t>(nbytes);
  size_t n = std::max<size_t>(nbytes, 1);
  if (n <= kCachedBlock && !other_stream && ds.stream == ds.default_stream &&
      ds.cached + static_cast<int64_t>(cache_size(n)) <= kCacheCap) {
    ds.cache_bins[cache_bin(n)].push_back(ptr);
    ds.cached += static_cast<int64_t>(cache_size(n));
    return;
  }
  driver().cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(ptr), s);
}

void CudaBackend::release_cached(DeviceState& ds) {
  for (auto& bin : ds.cache_bins) {
    for (void* q : bin)
      driver().cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(q),
                              ds.default_stream);
    bin.clear();
  }
  ds.cached = 0;
}

// Note [CUDA streams]
// Each device has a current stream (process-wide; arrax.cuda.Stream and
// `with arrax.cuda.stream(s)` change it) and every op enqueues its kernels,
// copies and allocations on it, asynchronously. Host reads (item, tolist,
// __array__, printing) synchronize the current stream. Memory is allocated
// stream-ordered on the current stream and freed on the stream it was
// allocated on: an array used on a second stream must be kept alive by the
// caller until that stream is done with it (PyTorch's rule). Switching the
// current stream makes the new stream wait for the work already enqueued on
// the old one, so code that only ever uses the current stream keeps its
// program order.
void CudaBackend::set_current_stream(int idx, void* stream) {
  DeviceState& ds = state(idx);
  CUstream next = stream ? static_cast<CUstream>(stream) : ds.default_stream;
  if (next == ds.stream) return;
  CUevent ev;
  check(driver().cuEventCreate(&ev, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  driver().cuEventRecord(ev, ds.stream);
  driver().cuStreamWaitEvent(next, ev, 0);
  driver().cuEventDestroy(ev);
  ds.stream = next;
}

void* CudaBackend::create_stream(int idx, int priority) {
  state(idx);
  CUstream s;
  check(driver().cuStreamCreate(&s, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  register_stream(s);
  return s;
}

void CudaBackend::destroy_stream(int idx, void* stream) {
  DeviceState& ds = state(idx);
  CUstream s = static_cast<CUstream>(stream);
  if (s == ds.stream) {
    set_current_stream(idx, nullptr);
  } else {
    // The default stream waits for the stream's work (below, its blocks
    // are freed there).
    CUevent ev;
    check(driver().cuEventCreate(&ev, CU_EVENT_DISABLE_TIMING),
          "cuEventCreate");
    driver().cuEventRecord(ev, s);
    driver().cuStreamWaitEvent(ds.default_stream, ev, 0);
    driver().cuEventDestroy(ev);
  }
  // Its counter buffer goes with it, after its work (the default stream
  // waits for it, above).
  auto cit = ds.counters.find(s);
  if (cit != ds.counters.end()) {
    driver().cuMemFreeAsync(cit->second, ds.default_stream);
    ds.counters.erase(cit);
  }
  auto wit = ds.workspaces.find(s);
  if (wit != ds.workspaces.end()) {
    driver().cuMemFreeAsync(wit->second.first, ds.default_stream);
    ds.workspaces.erase(wit);
  }
  // Arrays allocated on the stream may outlive it (a Python Stream object
  // dropped before the arrays made under it): they are freed on the
  // default stream, which is ordered after the stream's work.
  {
    std::lock_guard<std::mutex> lock(stream_alloc_mutex_);
    for (auto& [ptr, owner] : stream_allocs_)
      if (owner == s) owner = ds.default_stream;
  }
  // Work queued for it is issued by cuStreamDestroy's flush; later work
  // naming it (none should) would go to the driver directly.
  unregister_stream(s);
  driver().cuStreamDestroy(s);
}

void CudaBackend::stream_synchronize(int idx, void* stream) {
  state(idx);
  check(driver().cuStreamSynchronize(static_cast<CUstream>(stream)),
        "cuStreamSynchronize");
}

bool CudaBackend::stream_query(int idx, void* stream) {
  state(idx);
  CUresult r = driver().cuStreamQuery(static_cast<CUstream>(stream));
  if (r == CUDA_ERROR_NOT_READY) return false;
  check(r, "cuStreamQuery");
  return true;
}

void CudaBackend::stream_wait_event(int idx, void* stream, void* event) {
  state(idx);
  check(driver().cuStreamWaitEvent(static_cast<CUstream>(stream),
                                   static_cast<CUevent>(event), 0),
        "cuStreamWaitEvent");
}

void* CudaBackend::create_event(int idx, bool timing) {
  state(idx);
  CUevent ev;
  check(driver().cuEventCreate(&ev, timing ? 0 : CU_EVENT_DISABLE_TIMING),
        "cuEventCreate");
  return ev;
}

void CudaBackend::destroy_event(int idx, void* event) {
  state(idx);
  driver().cuEventDestroy(static_cast<CUevent>(event));
}

void CudaBackend::record_event(int idx, void* event, void* stream) {
  DeviceState& ds = state(idx);
  check(driver().cuEventRecord(static_cast<CUevent>(event),
                               stream ? static_cast<CUstream>(stream)
                                      : ds.stream),
        "cuEventRecord");
}

void CudaBackend::event_synchronize(int idx, void* event) {
  state(idx);
  check(driver().cuEventSynchronize(static_cast<CUevent>(event)),
        "cuEventSynchronize");
}

bool CudaBackend::event_query(int idx, void* event) {
  state(idx);
  CUresult r = driver().cuEventQuery(static_cast<CUevent>(event));
  if (r == CUDA_ERROR_NOT_READY) return false;
  check(r, "cuEventQuery");
  return true;
}

float CudaBackend::event_elapsed_ms(int idx, void* start, void* end) {
  state(idx);
  float ms = 0;
  check(driver().cuEventElapsedTime(&ms, static_cast<CUevent>(start),
                                    static_cast<CUevent>(end)),
        "cuEventElapsedTime");
  return ms;
}

// Compiles the missing modules on several threads (NVRTC is thread-safe
// and single-threaded per program), then loads every module.
std::pair<double, double> CudaBackend::launch_probe(int idx, int n,
                                                     int variant) {
  DeviceState& ds = state(idx);
  // launch_probe_empty: one parameter; launch_probe_args: the contiguous
  // elementwise kernel's (ewv: output pointer, three 32-byte operand
  // buffers, the count, the vector flag).
  static const ModuleSpec spec{
      "launch_probe",
      "namespace ax {\n"
      "struct alignas(8) ProbeArg { void* p; int mode, pad; "
      "unsigned char v[16]; };\n"
      "__global__ void launch_probe_empty(long long) {}\n"
      "__global__ void launch_probe_args(void*, ProbeArg, ProbeArg, "
      "ProbeArg, long long, int) {}\n"
      "}\n",
      {"&ax::launch_probe_empty", "&ax::launch_probe_args"}};
  CUfunction fn = kernel(
      ds, spec, variant == 1 || variant == 2 ? "&ax::launch_probe_args"
                                             : "&ax::launch_probe_empty");
  long long arg = 0;
  void* one[] = {&arg};
  struct alignas(8) ProbeArg {
    void* p = nullptr;
    int32_t mode = 0, pad = 0;
    unsigned char v[16] = {};
  } pa[3];
  void* ptr = nullptr;
  long long count = 16;
  int vec = 1;
  void* six[] = {&ptr, &pa[0], &pa[1], &pa[2], &count, &vec};
  // The same six parameters laid out as the kernel receives them.
  alignas(8) unsigned char buf[120] = {};
  std::memcpy(buf, &ptr, 8);
  std::memcpy(buf + 8, pa, sizeof pa);
  std::memcpy(buf + 104, &count, 8);
  std::memcpy(buf + 112, &vec, 4);
  size_t buf_size = 116;
  void* extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, buf,
                   CU_LAUNCH_PARAM_BUFFER_SIZE, &buf_size, CU_LAUNCH_PARAM_END};
  CUstream stream = variant == 3 ? nullptr : ds.stream;
  auto run = [&](int m) {
    for (int i = 0; i < m; ++i) {
      CUresult r;
      if (variant == 2)
        r = driver().cuLaunchKernel(fn, 1, 1, 1, 32, 1, 1, 0, stream,
                                    nullptr, extra);
      else if (variant == 1)
        r = launch_kernel(fn, 1, 1, 1, 32, 1, 1, 0, stream, six, 6);
      else
        r = launch_kernel(fn, 1, 1, 1, 32, 1, 1, 0, stream, one, 1);
      check(r, "cuLaunchKernel");
    }
  };
  using clock = std::chrono::steady_clock;
  run(100);
  check(driver().cuCtxSynchronize(), "cuCtxSynchronize");
  n = std::max(n, 1);
  const auto t0 = clock::now();
  run(n);
  const auto t1 = clock::now();
  check(driver().cuCtxSynchronize(), "cuCtxSynchronize");
  const auto t2 = clock::now();
  auto us = [n](clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count() / n;
  };
  return {us(t1 - t0), us(t2 - t0)};
}

int CudaBackend::precompile(int idx) {
  DeviceState& ds = state(idx);
  std::vector<ModuleSpec> mods = all_modules();
  std::atomic<size_t> next{0};
  std::atomic<int> compiled{0};
  std::mutex err_mutex;
  std::string err;
  unsigned nthreads = std::max(1u, std::min<unsigned>(
                                       std::thread::hardware_concurrency(),
                                       static_cast<unsigned>(mods.size())));
  auto work = [&] {
    for (size_t i; (i = next++) < mods.size();) {
      std::vector<std::string> lowered;
      std::string blob;
      try {
        if (Jit::ensure_cached(ds.arch, mods[i], lowered, blob)) ++compiled;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(err_mutex);
        err += mods[i].key + ": " + e.what() + "\n";
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < nthreads; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (!err.empty()) throw ValueError("[cuda] precompile failed:\n" + err);
  jit_.count_compiled(compiled);
  for (const ModuleSpec& m : mods) jit_.warm(ds, m);
  return compiled;
}

void CudaBackend::copy(void* dst, Device dst_dev, const void* src,
                       Device src_dev, size_t n) {
  if (n == 0) return;
  Driver& d = driver();
  if (dst_dev.is_cuda() && src_dev.is_cpu()) {
    DeviceState& ds = state(dst_dev.index);
    check(d.cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(dst), src, n,
                              ds.stream),
          "cuMemcpyHtoDAsync");
    // The host buffer may be pageable and short-lived.
    check(d.cuStreamSynchronize(ds.stream), "cuStreamSynchronize");
  } else if (dst_dev.is_cpu() && src_dev.is_cuda()) {
    DeviceState& ds = state(src_dev.index);
    check(d.cuMemcpyDtoHAsync(dst, reinterpret_cast<CUdeviceptr>(src), n,
                              ds.stream),
          "cuMemcpyDtoHAsync");
    check(d.cuStreamSynchronize(ds.stream), "cuStreamSynchronize");
  } else if (dst_dev.index != src_dev.index) {
    DeviceState& ss = state(src_dev.index);
    check(d.cuStreamSynchronize(ss.stream), "cuStreamSynchronize");
    DeviceState& ds = state(dst_dev.index);
    check(d.cuMemcpyPeerAsync(reinterpret_cast<CUdeviceptr>(dst), ds.ctx,
                              reinterpret_cast<CUdeviceptr>(src), ss.ctx, n,
                              ds.stream),
          "cuMemcpyPeerAsync");
  } else {
    DeviceState& ds = state(dst_dev.index);
    check(d.cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst),
                              reinterpret_cast<CUdeviceptr>(src), n,
                              ds.stream),
          "cuMemcpyDtoDAsync");
  }
}

void CudaBackend::synchronize(int idx) {
  check(driver().cuStreamSynchronize(state(idx).stream),
        "cuStreamSynchronize");
}

Backend::MemoryStats CudaBackend::memory_stats(int idx) {
  DeviceState& ds = state(idx);
  MemoryStats m;
  m.allocated = ds.allocated;
  m.max_allocated = ds.max_allocated;
  cuuint64_t reserved = 0;
  driver().cuMemPoolGetAttribute(ds.pool, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT,
                                 &reserved);
  m.reserved = static_cast<int64_t>(reserved);
  return m;
}

void CudaBackend::reset_peak_memory_stats(int idx) {
  DeviceState& ds = state(idx);
  ds.max_allocated = ds.allocated;
}

void CudaBackend::empty_cache(int idx) {
  DeviceState& ds = state(idx);
  release_cached(ds);
  release_workspaces(ds);
  driver().cuStreamSynchronize(ds.stream);
  driver().cuMemPoolTrimTo(ds.pool, 0);
}

void CudaBackend::set_memory_limit(int idx, int64_t bytes) {
  state(idx).limit = bytes;
}

void CudaBackend::eval(Primitive& p, std::span<const Array> inputs,
                       std::span<Array> outputs) {
  auto it = evals().find(std::type_index(typeid(p)));
  if (it == evals().end())
    throw NotImplementedError(std::string("[") + p.name() +
                              "] is not implemented on cuda yet");
  try {
    it->second(*this, p, inputs, outputs);
  } catch (const TooManyDims&) {
    eval_on_host(p, inputs, outputs);
  }
}

void CudaBackend::eval_on_host(Primitive& p, std::span<const Array> inputs,
                               std::span<Array> outputs) {
  AX_TRACE("%s: more than 8 dimensions, on the host", p.name());
  // One host buffer per device storage, spanning every operand's bytes in
  // it, from a 16-byte boundary (so every item size divides the offsets).
  struct Span {
    std::shared_ptr<Storage> dev;
    int64_t lo, hi;
    Array host;
    bool written = false;
  };
  std::vector<Span> spans;
  auto span_of = [&](const Array& a) -> Span& {
    auto [lo, hi] = a.byte_extent();
    lo = lo / 16 * 16;
    for (Span& s : spans)
      if (s.dev == a.storage()) {
        s.lo = std::min(s.lo, lo);
        s.hi = std::max(s.hi, hi);
        return s;
      }
    spans.push_back({a.storage(), lo, hi, Array(), false});
    return spans.back();
  };
  auto on_device = [](const Array& a) {
    return !a.device().is_cpu() && a.size() > 0;
  };
  for (const Array& a : inputs)
    if (on_device(a)) span_of(a);
  for (const Array& o : outputs)
    if (on_device(o)) span_of(o).written = true;
  for (Span& s : spans) {
    s.host = Array::empty({std::max<int64_t>(s.hi - s.lo, 1)}, Dtype::UInt8,
                          Device::cpu());
    if (s.hi > s.lo)
      copy(s.host.data(), Device::cpu(), static_cast<char*>(s.dev->data) + s.lo,
           s.dev->device, static_cast<size_t>(s.hi - s.lo));
  }
  auto host_view = [&](const Array& a) {
    if (!on_device(a)) return a.device().is_cpu() ? a : Array::empty(a.shape(), a.dtype(), Device::cpu());
    for (Span& s : spans)
      if (s.dev == a.storage())
        return Array::view_of(s.host.storage(), a.shape(), a.strides(),
                              (a.offset() * a.itemsize() - s.lo) / a.itemsize(),
                              a.dtype());
    return a;  // unreachable
  };
  std::vector<Array> in, out;
  for (const Array& a : inputs) in.push_back(host_view(a));
  for (const Array& o : outputs) out.push_back(host_view(o));
  p.eval_cpu(in, out);
  for (Span& s : spans)
    if (s.written && s.hi > s.lo)
      copy(static_cast<char*>(s.dev->data) + s.lo, s.dev->device,
           s.host.data(), Device::cpu(), static_cast<size_t>(s.hi - s.lo));
}

void CudaBackend::launch(DeviceState& ds, CUfunction fn, int64_t n,
                         void** args, size_t nargs) {
  int64_t threads = 256;
  int64_t blocks = std::min<int64_t>((n + threads - 1) / threads,
                                     int64_t(ds.sm_count) * 16);
  blocks = std::max<int64_t>(blocks, 1);
  AX_TRACE("launch %lld blocks x %lld threads, n=%lld", (long long)blocks,
           (long long)threads, (long long)n);
  check(launch_kernel(fn, static_cast<unsigned>(blocks), 1, 1,
                      static_cast<unsigned>(threads), 1, 1, 0, ds.stream, args,
                      nargs),
        "cuLaunchKernel");
}

void CudaBackend::launch(DeviceState& ds, CUfunction fn, unsigned gx,
                         unsigned gy, unsigned gz, unsigned bx, unsigned by,
                         unsigned shared, void** args, size_t nargs) {
  AX_TRACE("launch (%u,%u,%u) x (%u,%u) shared %u", gx, gy, gz, bx, by,
           shared);
  check(launch_kernel(fn, std::max(gx, 1u), std::max(gy, 1u),
                      std::max(gz, 1u), bx, by, 1, shared, ds.stream, args,
                      nargs),
        "cuLaunchKernel");
}

CUfunction CudaBackend::kernel(DeviceState& ds, const ModuleSpec& spec,
                               const std::string& expr) {
  std::string k = spec.key + "|" + expr;
  auto it = ds.fn_cache.find(k);
  if (it != ds.fn_cache.end()) return it->second;
  CUfunction fn = jit_.function(ds, spec, expr);
  ds.fn_cache.emplace(std::move(k), fn);
  return fn;
}

uint32_t* CudaBackend::counters(DeviceState& ds) {
  auto it = ds.counters.find(ds.stream);
  if (it != ds.counters.end()) return reinterpret_cast<uint32_t*>(it->second);
  // Outside the allocator's accounting: a small buffer for the stream's
  // lifetime, zeroed once in stream order.
  // nullptr when the card is full: the callers take their two-kernel path.
  CUdeviceptr p = 0;
  if (driver().cuMemAllocAsync(&p, kNumCounters * sizeof(uint32_t),
                               ds.stream) != CUDA_SUCCESS)
    return nullptr;
  check(driver().cuMemsetD32Async(p, 0, kNumCounters, ds.stream),
        "cuMemsetD32Async");
  ds.counters.emplace(ds.stream, p);
  return reinterpret_cast<uint32_t*>(p);
}

void* CudaBackend::workspace(DeviceState& ds, size_t bytes) {
  auto it = ds.workspaces.find(ds.stream);
  if (it != ds.workspaces.end()) {
    if (it->second.second >= bytes)
      return reinterpret_cast<void*>(it->second.first);
    // Too small: freed in stream order (earlier products on this stream
    // are enqueued before the free), a larger one made below.
    driver().cuMemFreeAsync(it->second.first, ds.stream);
    ds.workspaces.erase(it);
  }
  if (ds.limit && ds.allocated + static_cast<int64_t>(bytes) > ds.limit)
    return nullptr;
  CUdeviceptr p = 0;
  if (driver().cuMemAllocAsync(&p, bytes, ds.stream) != CUDA_SUCCESS)
    return nullptr;
  ds.workspaces.emplace(ds.stream, std::make_pair(p, bytes));
  return reinterpret_cast<void*>(p);
}

void CudaBackend::release_workspaces(DeviceState& ds) {
  for (auto& [s, w] : ds.workspaces) driver().cuMemFreeAsync(w.first, s);
  ds.workspaces.clear();
}

Array CudaBackend::scratch(int64_t nbytes, Device dev) {
  return Array::empty({std::max<int64_t>(nbytes, 1)}, Dtype::UInt8, dev);
}

Array CudaBackend::on_device(const Array& a, Device dev) {
  return a.device() == dev ? a : arrax::to_device(a, dev);
}

// Compiles every kernel module for `arch` with NVRTC (no GPU needed), so that
// CI catches device-code errors. Returns the number of modules compiled.
int selfcheck(int arch, std::string& err) {
  std::vector<std::string> opts = Jit::options(arch);
  int modules = 0;
  // ARRAX_SELFCHECK_FILTER=key1,key2: only modules whose key contains one
  // of these (for quick iteration on one family).
  std::vector<std::string> filters;
  if (const char* f = std::getenv("ARRAX_SELFCHECK_FILTER")) {
    std::string all = f;
    for (size_t p = 0, q; p <= all.size(); p = q + 1) {
      q = all.find(',', p);
      if (q == std::string::npos) q = all.size();
      if (q > p) filters.push_back(all.substr(p, q - p));
    }
  }
  std::vector<ModuleSpec> mods;
  for (ModuleSpec& m : all_modules()) {
    bool keep = filters.empty();
    for (auto& f : filters) keep = keep || m.key.find(f) != std::string::npos;
    if (keep) mods.push_back(std::move(m));
  }
  // NVRTC is thread-safe: compile on every core.
  std::atomic<size_t> next{0};
  std::atomic<int> done{0};
  std::mutex err_mutex;
  auto work = [&] {
    for (size_t i; (i = next++) < mods.size();) {
      std::vector<std::string> lowered;
      std::string blob;
      try {
        Jit::compile(mods[i].source, mods[i].exprs, opts, lowered, blob);
        ++done;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(err_mutex);
        err += mods[i].key + ": " + e.what() + "\n";
      }
    }
  };
  unsigned nthreads = std::max(1u, std::min<unsigned>(
                                       std::thread::hardware_concurrency(),
                                       static_cast<unsigned>(mods.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < nthreads; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  modules = done;
  return modules;
}

}  // namespace arrax::cuda

extern "C" __attribute__((visibility("default"))) int arrax_cuda_selfcheck(
    int arch, char* err, int errlen) {
  std::string e;
  if (!arrax::cuda::nvrtc().loaded) e = arrax::cuda::nvrtc().error;
  int n = e.empty() ? arrax::cuda::selfcheck(arch, e) : -1;
  if (err && errlen > 0) std::snprintf(err, errlen, "%s", e.c_str());
  return e.empty() ? n : -1;
}

// Called by libarrax when it loads this plugin: registers the backend when
// a driver, NVRTC and at least one GPU are present.
extern "C" __attribute__((visibility("default"))) void arrax_cuda_register() {
  using namespace arrax::cuda;
  Driver& d = driver();
  if (!d.loaded || !nvrtc().loaded) return;
  if (d.cuInit(0) != CUDA_SUCCESS) return;
  int count = 0;
  if (d.cuDeviceGetCount(&count) != CUDA_SUCCESS || count <= 0) return;
  auto* b = new CudaBackend(count);  // lives for the process
  if (!b->init()) return;
  arrax::register_backend(arrax::Device::Type::CUDA, b);
}
