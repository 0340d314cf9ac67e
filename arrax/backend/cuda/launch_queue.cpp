#include "arrax/backend/cuda/launch_queue.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace arrax::cuda {

// Note [Launch thread]
// cuLaunchKernel costs ~3 us of host time on an H100/H200 (measured by
// arrax._core.cuda._launch_probe in a C++ loop), more than the rest of a
// small op's path (binding, dispatch, allocation: ~1 us). A small op
// therefore returns to Python only after the driver has taken the launch.
// With the launch thread:
//  - arrax's kernel launches (launch_kernel, from CudaBackend::launch, which
//    knows each kernel's parameter count) and cuMemsetD{8,16,32}Async on one
//    of arrax's own streams (register_stream) are queued: the kernel's
//    parameters are copied into the entry (offsets and sizes from
//    cuFuncGetParamInfo, asked once per kernel) and the call returns. One
//    thread issues the entries in order, so every stream sees arrax's work
//    in program order.
//  - a call after a pause (none in the last 20 us) that finds the thread
//    asleep and the queue empty goes to the driver directly: waking the
//    thread (a futex wake, 5-12 us on the GPU machines) costs more than
//    the launch. The second of two calls within 20 us wakes it, so loops
//    of ops are queued.
//  - whoever issues an entry holds issue_mutex: the thread, or a caller
//    that waits for the queue (wait_issued: a flush, a full ring) and,
//    after ~5 us, issues the rest itself. A caller spinning until the
//    thread got there was the first design; on the GPU machines (6.x
//    kernels, in VMs) a thread woken by the caller often ran on the
//    caller's own CPU only once the caller's time slice ended: every large
//    op with a synchronization after it took ~4 ms (run P in
//    docs/gpu-status.md; the C++ test FlushRightAfterWakingTheThread shows
//    it under `taskset -c 0`).
//  - every other stream operation in driver() (copies, frees, event
//    records and waits, stream and context synchronization, queries, pool
//    trims, a plain cuLaunchKernel) first waits until the queue is issued
//    (flush_launches), then calls the driver. cuBLAS calls are preceded by
//    flush_launches() (cuda_matmul.cpp). Frees are not queued: the
//    driver's pool reuses a freed block for the next allocation only once
//    the free is issued (queued frees made each 4 MiB allocation take
//    ~9 us instead of ~2 us on the H200).
//  - cuMemAllocAsync is called directly: a block it returns is used only by
//    work queued after it, and the frees it could reuse were issued after
//    their users' launches. Small blocks come from the bins (Note
//    [Block cache]) without a driver call at all.
// Work on a stream arrax did not create (another library's, used through
// arrax.cuda.Stream's handle) is never queued: that library may enqueue on
// the stream directly, and its work must follow arrax's.
// A queued entry's error (a launch the driver refused) is returned by the
// next flushing call (synchronize, a copy, an event): errors of queued
// work are reported at the next synchronization, as the GPU's own are.
// A loop of small ops then costs max(the op's own path, the launch) per op
// instead of their sum. ARRAX_CUDA_ASYNC_LAUNCH=0 issues every call
// directly (the queue is not installed).
//
// Caveat: another library that enqueues work on a stream handle arrax
// created (arrax.cuda.Stream().cuda_stream passed to it) is ordered after
// arrax's work only from arrax's last synchronizing call on it (a copy, an
// event record, Stream.synchronize()); hand the other library's stream to
// arrax instead, or record an event on the arrax stream and wait for it.

namespace {

Driver g_real;  // the driver's own entry points, used by the thread
bool g_enabled = false;

enum class Kind : uint8_t { Launch, Memset8, Memset16, Memset32 };

constexpr size_t kInline = 928;  // parameters kept in the entry itself
constexpr uint64_t kCap = 1024;  // entries in flight before push waits
constexpr auto kBurst = std::chrono::microseconds(20);

struct Entry {
  Kind kind = Kind::Launch;
  CUcontext ctx = nullptr;
  CUstream stream = nullptr;
  CUfunction fn = nullptr;
  unsigned grid[3] = {}, block[3] = {}, shared = 0;
  size_t nparams = 0;             // bytes of parameters
  unsigned char* heap = nullptr;  // parameters past kInline (owned)
  CUdeviceptr ptr = 0;
  size_t count = 0;
  unsigned value = 0;
  alignas(16) unsigned char params[kInline];
};

struct Layout {
  size_t nargs = 0;
  bool ok = true;
  size_t size = 0;
  std::vector<std::pair<size_t, size_t>> params;  // (offset, size)
};

struct Queue {
  Entry* ring = new Entry[kCap];
  std::mutex push_mutex;          // producers; guards the members below it
  std::vector<CUstream> owned;
  std::unordered_map<CUfunction, Layout> layouts;
  bool running = false;           // the thread is started and not stopped
  bool stopped = false;           // stopped at exit: calls go direct
  std::thread thread;
  std::atomic<uint64_t> head{0};  // entries published
  std::atomic<uint64_t> done{0};  // entries issued
  std::chrono::steady_clock::time_point last_call{};  // the last enqueue
  std::atomic<bool> sleeping{false};
  std::atomic<uint32_t> bell{0};
  // Held while one entry is issued, by the thread or by a caller that
  // waits for the queue (wait_issued): entries leave in order either way.
  std::mutex issue_mutex;
  std::atomic<bool> stop{false};
  std::atomic<int> error{0};      // the first failure of an issued entry
};

Queue& queue() {
  static Queue* q = new Queue();  // never destroyed (used until exit)
  return *q;
}

inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

void issue(Entry& e, CUcontext& current) {
  if (e.ctx && e.ctx != current) {
    g_real.cuCtxSetCurrent(e.ctx);
    current = e.ctx;
  }
  CUresult r = CUDA_SUCCESS;
  switch (e.kind) {
    case Kind::Launch: {
      void* buf = e.heap ? e.heap : e.params;
      size_t size = e.nparams;
      void* extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, buf,
                       CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
                       CU_LAUNCH_PARAM_END};
      r = g_real.cuLaunchKernel(e.fn, e.grid[0], e.grid[1], e.grid[2],
                                e.block[0], e.block[1], e.block[2], e.shared,
                                e.stream, nullptr, size ? extra : nullptr);
      delete[] e.heap;
      e.heap = nullptr;
      break;
    }
    case Kind::Memset8:
      r = g_real.cuMemsetD8Async(e.ptr, static_cast<unsigned char>(e.value),
                                 e.count, e.stream);
      break;
    case Kind::Memset16:
      r = g_real.cuMemsetD16Async(
          e.ptr, static_cast<unsigned short>(e.value), e.count, e.stream);
      break;
    case Kind::Memset32:
      r = g_real.cuMemsetD32Async(e.ptr, e.value, e.count, e.stream);
      break;
  }
  if (r != CUDA_SUCCESS) {
    int none = 0;
    queue().error.compare_exchange_strong(none, static_cast<int>(r));
  }
}

// Issues the next entry unless `done` has reached `target` (false then);
// the caller holds issue_mutex.
bool issue_next(Queue& q, uint64_t target, CUcontext& current) {
  const uint64_t t = q.done.load(std::memory_order_relaxed);
  if (t >= target) return false;
  issue(q.ring[t % kCap], current);
  q.done.store(t + 1, std::memory_order_release);
  return true;
}

bool queue_empty(const Queue& q) {
  return q.head.load(std::memory_order_acquire) ==
         q.done.load(std::memory_order_acquire);
}

// The thread: issues entries in order, one at a time under issue_mutex;
// spins ~50 us when the queue runs dry (a loop of small ops refills it
// sooner), yielding now and then, then sleeps on the bell.
void run() {
  Queue& q = queue();
  CUcontext current = nullptr;
  for (;;) {
    if (queue_empty(q)) {
      using clock = std::chrono::steady_clock;
      const auto until = clock::now() + std::chrono::microseconds(50);
      bool more = false;
      while (!more) {
        for (int i = 0; i < 64 && !more; ++i) {
          pause();
          more = !queue_empty(q);
        }
        if (more || clock::now() > until) break;
        // Give the CPU up now and then: a producer that shares this CPU
        // would otherwise wait for the end of the thread's time slice.
        std::this_thread::yield();
        more = !queue_empty(q);
      }
      if (more) continue;
      if (q.stop.load()) return;
      const uint32_t b = q.bell.load();
      q.sleeping.store(true);
      if (queue_empty(q) && !q.stop.load()) q.bell.wait(b);
      q.sleeping.store(false);
      continue;
    }
    const uint64_t h = q.head.load(std::memory_order_acquire);
    std::lock_guard<std::mutex> lock(q.issue_mutex);
    issue_next(q, h, current);
  }
}

// Returns once every entry before `target` is issued. The thread usually
// gets there first (it issues on another CPU): wait a few microseconds for
// it, then issue the rest here. Issuing here matters on the GPU machines'
// 6.x kernels: a sleeping thread woken by the op just queued often runs
// on the caller's own CPU only once the caller's time slice ends, and
// waiting for it cost ~4 ms per flush (a large op in a loop with a
// synchronization after each).
void wait_issued(Queue& q, uint64_t target) {
  if (q.done.load(std::memory_order_acquire) >= target) return;
  auto drain = [&q, target] {
    CUcontext mine = nullptr;
    g_real.cuCtxGetCurrent(&mine);
    CUcontext current = mine;
    while (issue_next(q, target, current)) {
    }
    if (current != mine) g_real.cuCtxSetCurrent(mine);
  };
  using clock = std::chrono::steady_clock;
  const auto until = clock::now() + std::chrono::microseconds(5);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (q.done.load(std::memory_order_acquire) >= target) return;
      pause();
    }
    if (clock::now() > until) break;
  }
  // The thread may be issuing an entry now: take turns with it, and block
  // on the lock (giving the CPU up) rather than spin against it.
  std::unique_lock<std::mutex> lock(q.issue_mutex);
  drain();
}

void stop_thread() {
  Queue& q = queue();
  {
    std::lock_guard<std::mutex> lock(q.push_mutex);
    if (!q.running) return;
    q.running = false;
    q.stopped = true;
  }
  q.stop.store(true);
  q.bell.fetch_add(1);
  q.bell.notify_one();
  if (q.thread.joinable()) q.thread.join();
}

// The offsets and sizes of fn's nargs parameters (asked once per kernel;
// only valid indices, so that no driver call fails).
const Layout& layout_of(Queue& q, CUfunction fn, size_t nargs) {
  auto it = q.layouts.find(fn);
  if (it != q.layouts.end() && it->second.nargs == nargs) return it->second;
  Layout l;
  l.nargs = nargs;
  for (size_t i = 0; i < nargs; ++i) {
    size_t off = 0, size = 0;
    if (g_real.cuFuncGetParamInfo(fn, i, &off, &size) != CUDA_SUCCESS) {
      l.ok = false;
      break;
    }
    l.params.emplace_back(off, size);
    l.size = std::max(l.size, off + size);
  }
  return q.layouts.insert_or_assign(fn, std::move(l)).first->second;
}

// Queues one entry on `stream` (fill writes it; false: do not queue after
// all); false when the stream is not arrax's or the thread is stopped:
// the caller then flushes and calls the driver itself.
template <typename Fill>
bool enqueue(CUstream stream, Fill fill) {
  Queue& q = queue();
  CUcontext ctx = nullptr;
  g_real.cuCtxGetCurrent(&ctx);
  std::lock_guard<std::mutex> lock(q.push_mutex);
  if (q.stopped) return false;
  bool mine = false;
  for (CUstream s : q.owned) mine = mine || s == stream;
  if (!mine) return false;
  // An op after a pause finds the thread asleep: waking it costs more
  // (a futex wake, 5-12 us on the GPU machines) than issuing the launch
  // here, so it goes direct. The thread is woken for the second of two
  // calls less than kBurst apart: a loop of ops.
  const auto now = std::chrono::steady_clock::now();
  const bool burst = now - q.last_call < kBurst;
  q.last_call = now;
  if (!burst && q.sleeping.load() && queue_empty(q)) return false;
  const uint64_t h = q.head.load(std::memory_order_relaxed);
  if (h - q.done.load(std::memory_order_acquire) >= kCap)
    wait_issued(q, h - kCap + 1);
  Entry& e = q.ring[h % kCap];
  e.ctx = ctx;
  e.stream = stream;
  if (!fill(q, e)) return false;
  if (!q.running) {
    q.running = true;
    q.thread = std::thread(run);
    static bool hooked = [] {
      std::atexit(stop_thread);
      // A forked child has no launch thread (nor a usable CUDA context):
      // its calls go to the driver directly and fail there.
      pthread_atfork(nullptr, nullptr, [] {
        Queue& q = queue();
        q.running = false;
        q.stopped = true;
        q.done.store(q.head.load());
      });
      return true;
    }();
    (void)hooked;
  }
  q.head.store(h + 1);
  if (q.sleeping.load()) {
    q.bell.fetch_add(1);
    q.bell.notify_one();
  }
  return true;
}

CUresult take_error(CUresult r) {
  int e = queue().error.exchange(0);
  return e ? static_cast<CUresult>(e) : r;
}

// ---- the wrappers -----------------------------------------------------------

template <Kind K, typename V, CUresult (*Driver::*Real)(CUdeviceptr, V,
                                                        size_t, CUstream)>
CUresult q_memset(CUdeviceptr p, V v, size_t n, CUstream s) {
  if (enqueue(s, [&](Queue&, Entry& e) {
        e.kind = K;
        e.ptr = p;
        e.value = v;
        e.count = n;
        return true;
      }))
    return CUDA_SUCCESS;
  flush_launches();
  return (g_real.*Real)(p, v, n, s);
}

// Stream operations that are not queued: the queue first.
#define ARRAX_FLUSHING(name, params, args)      \
  CUresult f_##name params {                    \
    flush_launches();                           \
    return take_error(g_real.name args);        \
  }
ARRAX_FLUSHING(cuLaunchKernel,
               (CUfunction f, unsigned gx, unsigned gy, unsigned gz,
                unsigned bx, unsigned by, unsigned bz, unsigned shared,
                CUstream s, void** params, void** extra),
               (f, gx, gy, gz, bx, by, bz, shared, s, params, extra))
ARRAX_FLUSHING(cuCtxSynchronize, (), ())
ARRAX_FLUSHING(cuStreamSynchronize, (CUstream s), (s))
ARRAX_FLUSHING(cuStreamWaitEvent, (CUstream s, CUevent e, unsigned f),
               (s, e, f))
ARRAX_FLUSHING(cuEventRecord, (CUevent e, CUstream s), (e, s))
ARRAX_FLUSHING(cuEventSynchronize, (CUevent e), (e))
ARRAX_FLUSHING(cuEventQuery, (CUevent e), (e))
ARRAX_FLUSHING(cuStreamQuery, (CUstream s), (s))
ARRAX_FLUSHING(cuMemcpyAsync,
               (CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st),
               (d, s, n, st))
ARRAX_FLUSHING(cuMemcpyHtoDAsync,
               (CUdeviceptr d, const void* s, size_t n, CUstream st),
               (d, s, n, st))
ARRAX_FLUSHING(cuMemcpyDtoHAsync,
               (void* d, CUdeviceptr s, size_t n, CUstream st), (d, s, n, st))
ARRAX_FLUSHING(cuMemcpyDtoDAsync,
               (CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st),
               (d, s, n, st))
ARRAX_FLUSHING(cuMemcpyPeerAsync,
               (CUdeviceptr d, CUcontext dc, CUdeviceptr s, CUcontext sc,
                size_t n, CUstream st),
               (d, dc, s, sc, n, st))
#undef ARRAX_FLUSHING
// The same for calls whose result callers often ignore (frees, destroys):
// they leave a queued entry's error to the next synchronizing call.
#define ARRAX_ORDERED(name, params, args) \
  CUresult f_##name params {              \
    flush_launches();                     \
    return g_real.name args;              \
  }
ARRAX_ORDERED(cuMemFreeAsync, (CUdeviceptr p, CUstream s), (p, s))
ARRAX_ORDERED(cuStreamDestroy, (CUstream s), (s))
ARRAX_ORDERED(cuMemPoolTrimTo, (CUmemoryPool p, size_t n), (p, n))
#undef ARRAX_ORDERED

}  // namespace

void install_launch_queue(Driver& d) {
  if (const char* v = std::getenv("ARRAX_CUDA_ASYNC_LAUNCH"))
    if (std::string(v) == "0") return;
  if (!d.cuFuncGetParamInfo || !d.cuCtxGetCurrent) return;
  g_real = d;
  g_enabled = true;
  d.cuLaunchKernel = f_cuLaunchKernel;
  d.cuMemFreeAsync = f_cuMemFreeAsync;
  d.cuMemsetD8Async =
      q_memset<Kind::Memset8, unsigned char, &Driver::cuMemsetD8Async>;
  d.cuMemsetD16Async =
      q_memset<Kind::Memset16, unsigned short, &Driver::cuMemsetD16Async>;
  d.cuMemsetD32Async =
      q_memset<Kind::Memset32, unsigned int, &Driver::cuMemsetD32Async>;
  d.cuCtxSynchronize = f_cuCtxSynchronize;
  d.cuStreamSynchronize = f_cuStreamSynchronize;
  d.cuStreamWaitEvent = f_cuStreamWaitEvent;
  d.cuEventRecord = f_cuEventRecord;
  d.cuEventSynchronize = f_cuEventSynchronize;
  d.cuEventQuery = f_cuEventQuery;
  d.cuStreamQuery = f_cuStreamQuery;
  d.cuStreamDestroy = f_cuStreamDestroy;
  d.cuMemPoolTrimTo = f_cuMemPoolTrimTo;
  d.cuMemcpyAsync = f_cuMemcpyAsync;
  d.cuMemcpyHtoDAsync = f_cuMemcpyHtoDAsync;
  d.cuMemcpyDtoHAsync = f_cuMemcpyDtoHAsync;
  d.cuMemcpyDtoDAsync = f_cuMemcpyDtoDAsync;
  d.cuMemcpyPeerAsync = f_cuMemcpyPeerAsync;
}

bool launch_thread_enabled() { return g_enabled; }

CUresult launch_kernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz,
                       unsigned bx, unsigned by, unsigned bz, unsigned shared,
                       CUstream s, void** args, size_t nargs) {
  if (!g_enabled)
    return driver().cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, s, args,
                                   nullptr);
  const bool queued = enqueue(s, [&](Queue& q, Entry& e) {
    const Layout& l = layout_of(q, f, nargs);
    if (!l.ok) return false;
    e.kind = Kind::Launch;
    e.fn = f;
    e.grid[0] = gx, e.grid[1] = gy, e.grid[2] = gz;
    e.block[0] = bx, e.block[1] = by, e.block[2] = bz;
    e.shared = shared;
    e.nparams = l.size;
    unsigned char* dst = e.params;
    if (l.size > kInline) dst = e.heap = new unsigned char[l.size];
    for (size_t i = 0; i < nargs; ++i)
      std::memcpy(dst + l.params[i].first, args[i], l.params[i].second);
    return true;
  });
  if (queued) return CUDA_SUCCESS;
  flush_launches();
  return g_real.cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, s, args,
                               nullptr);
}

void flush_launches() {
  if (!g_enabled) return;
  Queue& q = queue();
  wait_issued(q, q.head.load(std::memory_order_acquire));
}

void register_stream(CUstream s) {
  if (!g_enabled) return;
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.push_mutex);
  for (CUstream o : q.owned)
    if (o == s) return;
  q.owned.push_back(s);
}

void unregister_stream(CUstream s) {
  if (!g_enabled) return;
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.push_mutex);
  for (size_t i = 0; i < q.owned.size(); ++i)
    if (q.owned[i] == s) {
      q.owned.erase(q.owned.begin() + static_cast<long>(i));
      return;
    }
}

}  // namespace arrax::cuda
