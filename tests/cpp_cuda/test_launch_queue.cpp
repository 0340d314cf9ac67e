// The launch thread's queue (arrax/backend/cuda/launch_queue.cpp) against a
// fake driver: program order per stream, parameter copies (in the entry and
// on the heap), flushing calls, streams that are not arrax's, deferred
// errors, several producer threads and a full ring. Needs no GPU: the fake
// entry points record what the thread issues.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "arrax/backend/cuda/driver.h"
#include "arrax/backend/cuda/launch_queue.h"

namespace ac = arrax::cuda;

namespace {

// Two fake kernels: small(int64 value, int32 tag) and big(int64 value,
// Blob blob, int32 tag) whose 1212 bytes of parameters exceed the entry's
// inline buffer.
struct Blob {
  unsigned char bytes[1200];
};
const CUfunction kSmall = reinterpret_cast<CUfunction>(uintptr_t(0x10));
const CUfunction kBig = reinterpret_cast<CUfunction>(uintptr_t(0x20));
const CUstream kMine = reinterpret_cast<CUstream>(uintptr_t(0x100));
const CUstream kMine2 = reinterpret_cast<CUstream>(uintptr_t(0x200));
const CUstream kTheirs = reinterpret_cast<CUstream>(uintptr_t(0x300));
const CUcontext kCtx = reinterpret_cast<CUcontext>(uintptr_t(0x1));

struct Call {
  std::string what;  // "launch", "memset8", "sync", "copy", ...
  CUstream stream = nullptr;
  int64_t value = 0;
  int32_t tag = 0;
  bool blob_ok = true;
  bool on_caller = false;  // issued on the thread that made the call
};

std::mutex g_mutex;
std::vector<Call> g_log;
std::thread::id g_caller;
std::atomic<int64_t> g_fail_value{-1};  // a launch with this value fails
std::atomic<int> g_delay_us{0};         // each fake launch takes this long

void record(Call c) {
  c.on_caller = std::this_thread::get_id() == g_caller;
  std::lock_guard<std::mutex> lock(g_mutex);
  g_log.push_back(std::move(c));
}

std::vector<Call> take_log() {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<Call> out;
  out.swap(g_log);
  return out;
}

CUresult fake_param_info(CUfunction f, size_t i, size_t* off, size_t* size) {
  if (f == kSmall) {
    if (i == 0) return *off = 0, *size = 8, CUDA_SUCCESS;
    if (i == 1) return *off = 8, *size = 4, CUDA_SUCCESS;
  } else if (f == kBig) {
    if (i == 0) return *off = 0, *size = 8, CUDA_SUCCESS;
    if (i == 1) return *off = 8, *size = sizeof(Blob), CUDA_SUCCESS;
    if (i == 2) return *off = 8 + sizeof(Blob), *size = 4, CUDA_SUCCESS;
  }
  return CUDA_ERROR_INVALID_VALUE;
}

CUresult fake_launch(CUfunction f, unsigned, unsigned, unsigned, unsigned,
                     unsigned, unsigned, unsigned, CUstream s, void** params,
                     void** extra) {
  if (int d = g_delay_us.load())
    std::this_thread::sleep_for(std::chrono::microseconds(d));
  Call c;
  c.what = "launch";
  c.stream = s;
  const unsigned char* buf = nullptr;
  if (extra) {
    for (void** x = extra; *x != CU_LAUNCH_PARAM_END; x += 2)
      if (*x == CU_LAUNCH_PARAM_BUFFER_POINTER)
        buf = static_cast<const unsigned char*>(x[1]);
  }
  if (buf) {
    std::memcpy(&c.value, buf, 8);
    if (f == kBig) {
      const unsigned char* b = buf + 8;
      for (size_t k = 0; k < sizeof(Blob); ++k)
        c.blob_ok = c.blob_ok && b[k] == static_cast<unsigned char>(
                                             (c.value + static_cast<int64_t>(k)) & 0xff);
      std::memcpy(&c.tag, buf + 8 + sizeof(Blob), 4);
    } else {
      std::memcpy(&c.tag, buf + 8, 4);
    }
  } else if (params) {  // a direct launch: the caller's pointers
    std::memcpy(&c.value, params[0], 8);
    std::memcpy(&c.tag, params[f == kBig ? 2 : 1], 4);
  }
  const bool fail = c.value == g_fail_value.load();
  record(std::move(c));
  return fail ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

CUresult fake_memset8(CUdeviceptr p, unsigned char v, size_t n, CUstream s) {
  Call c;
  c.what = "memset8";
  c.stream = s;
  c.value = static_cast<int64_t>(p);
  c.tag = v;
  record(std::move(c));
  return CUDA_SUCCESS;
}

CUresult fake_sync(CUstream s) {
  Call c;
  c.what = "sync";
  c.stream = s;
  record(std::move(c));
  return CUDA_SUCCESS;
}

CUresult fake_free(CUdeviceptr p, CUstream s) {
  Call c;
  c.what = "free";
  c.stream = s;
  c.value = static_cast<int64_t>(p);
  record(std::move(c));
  return CUDA_SUCCESS;
}

CUresult fake_ok_ctx(CUcontext) { return CUDA_SUCCESS; }
CUresult fake_get_ctx(CUcontext* c) {
  *c = kCtx;
  return CUDA_SUCCESS;
}

// The driver table as the loader leaves it, with the queue installed once.
ac::Driver& table() {
  static ac::Driver* d = [] {
    unsetenv("ARRAX_CUDA_ASYNC_LAUNCH");
    auto* t = new ac::Driver();
    t->loaded = true;
    t->cuLaunchKernel = fake_launch;
    t->cuMemsetD8Async = fake_memset8;
    t->cuStreamSynchronize = fake_sync;
    t->cuMemFreeAsync = fake_free;
    t->cuCtxSetCurrent = fake_ok_ctx;
    t->cuCtxGetCurrent = fake_get_ctx;
    t->cuFuncGetParamInfo = fake_param_info;
    ac::install_launch_queue(*t);
    ac::register_stream(kMine);
    ac::register_stream(kMine2);
    return t;
  }();
  return *d;
}

CUresult launch_small(CUstream s, int64_t value, int32_t tag) {
  void* args[] = {&value, &tag};
  return ac::launch_kernel(kSmall, 1, 1, 1, 32, 1, 1, 0, s, args, 2);
}

class LaunchQueue : public ::testing::Test {
 protected:
  void SetUp() override {
    table();
    g_caller = std::this_thread::get_id();
    g_fail_value = -1;
    g_delay_us = 0;
    ac::flush_launches();
    take_log();
  }
};

}  // namespace

TEST_F(LaunchQueue, InstalledAndQueued) {
  ASSERT_TRUE(ac::launch_thread_enabled());
  // A loop of launches: the first may go direct (after a pause, with the
  // thread asleep), the rest are queued. Left alone, the thread issues
  // them (a flush right away may issue them on the caller instead).
  constexpr int kN = 100;
  for (int i = 0; i < kN; ++i)
    ASSERT_EQ(launch_small(kMine, i, 2), CUDA_SUCCESS);
  for (int i = 0; i < 2000; ++i) {
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      if (g_log.size() == size_t(kN)) break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  ac::flush_launches();
  auto log = take_log();
  ASSERT_EQ(log.size(), size_t(kN));
  int by_thread = 0;
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(log[i].what, "launch");
    EXPECT_EQ(log[i].value, i);
    EXPECT_EQ(log[i].tag, 2);
    by_thread += !log[i].on_caller;
  }
  EXPECT_GT(by_thread, 0);  // queued and issued by the launch thread
}

TEST_F(LaunchQueue, ProgramOrderAndFlushingCalls) {
  for (int64_t i = 0; i < 5000; ++i) {
    ASSERT_EQ(launch_small(i % 3 ? kMine : kMine2, i, int32_t(i * 7)),
              CUDA_SUCCESS);
    if (i % 100 == 0)
      ASSERT_EQ(table().cuMemsetD8Async(CUdeviceptr(i), 9, 16, kMine),
                CUDA_SUCCESS);
  }
  // A synchronizing call: everything queued is issued before it.
  ASSERT_EQ(table().cuStreamSynchronize(kMine), CUDA_SUCCESS);
  auto log = take_log();
  ASSERT_EQ(log.size(), 5000u + 50u + 1u);
  int64_t next = 0;
  for (size_t k = 0; k + 1 < log.size(); ++k) {
    const Call& c = log[k];
    if (c.what == "memset8") {
      EXPECT_EQ(c.value, next - 1);  // right after its launch
      EXPECT_EQ(c.tag, 9);
      continue;
    }
    ASSERT_EQ(c.what, "launch");
    EXPECT_EQ(c.value, next);
    EXPECT_EQ(c.tag, int32_t(next * 7));
    EXPECT_EQ(c.stream, next % 3 ? kMine : kMine2);
    ++next;
  }
  EXPECT_EQ(next, 5000);
  EXPECT_EQ(log.back().what, "sync");
  EXPECT_TRUE(log.back().on_caller);
}

TEST_F(LaunchQueue, LargeParametersAreCopied) {
  for (int64_t i = 0; i < 300; ++i) {
    Blob blob;
    for (size_t k = 0; k < sizeof(blob.bytes); ++k)
      blob.bytes[k] = static_cast<unsigned char>((i + int64_t(k)) & 0xff);
    int32_t tag = int32_t(i) + 5;
    void* args[] = {&i, &blob, &tag};
    ASSERT_EQ(ac::launch_kernel(kBig, 1, 1, 1, 32, 1, 1, 0, kMine, args, 3),
              CUDA_SUCCESS);
    std::memset(&blob, 0, sizeof blob);  // the queue holds its own copy
  }
  ac::flush_launches();
  auto log = take_log();
  ASSERT_EQ(log.size(), 300u);
  for (int64_t i = 0; i < 300; ++i) {
    EXPECT_EQ(log[i].value, i);
    EXPECT_TRUE(log[i].blob_ok) << i;
    EXPECT_EQ(log[i].tag, int32_t(i) + 5);
  }
}

TEST_F(LaunchQueue, OtherStreamsAreIssuedDirectlyAfterTheQueue) {
  g_delay_us = 20;  // the thread lags behind
  for (int64_t i = 0; i < 100; ++i) launch_small(kMine, i, 0);
  ASSERT_EQ(launch_small(kTheirs, 1000, 1), CUDA_SUCCESS);
  ASSERT_EQ(table().cuMemFreeAsync(CUdeviceptr(77), kMine), CUDA_SUCCESS);
  g_delay_us = 0;
  auto log = take_log();
  ASSERT_EQ(log.size(), 102u);
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(log[i].value, i);
  EXPECT_EQ(log[100].value, 1000);
  EXPECT_EQ(log[100].stream, kTheirs);
  EXPECT_TRUE(log[100].on_caller);
  EXPECT_EQ(log[101].what, "free");  // frees are issued in order, directly
  EXPECT_TRUE(log[101].on_caller);
}

TEST_F(LaunchQueue, ErrorsReachTheNextSynchronizingCall) {
  g_fail_value = 42;
  // A queued launch's error comes from the next synchronizing call (a
  // launch issued directly, which a loop's launches are not unless the
  // thread fell asleep between them, returns its own): reported once.
  int errors = 0;
  for (int64_t i = 40; i < 45; ++i)
    errors += launch_small(kMine, i, 0) == CUDA_ERROR_INVALID_VALUE;
  errors += table().cuStreamSynchronize(kMine) == CUDA_ERROR_INVALID_VALUE;
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(table().cuStreamSynchronize(kMine), CUDA_SUCCESS);
  auto log = take_log();
  EXPECT_EQ(log.size(), 5u + 2u);  // every launch was still issued
}

TEST_F(LaunchQueue, SeveralProducersKeepTheirOwnOrder) {
  constexpr int kThreads = 4, kEach = 3000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([t] {
      for (int i = 0; i < kEach; ++i) launch_small(kMine, i, t);
    });
  for (auto& t : ts) t.join();
  ac::flush_launches();
  auto log = take_log();
  ASSERT_EQ(log.size(), size_t(kThreads) * kEach);
  std::vector<int64_t> next(kThreads, 0);
  for (const Call& c : log) {
    ASSERT_GE(c.tag, 0);
    ASSERT_LT(c.tag, kThreads);
    EXPECT_EQ(c.value, next[c.tag]++);
  }
}

TEST_F(LaunchQueue, AFullRingWaitsForTheThread) {
  g_delay_us = 2;  // slower than the producer: the 1024 entries fill up
  for (int64_t i = 0; i < 3000; ++i) launch_small(kMine, i, 0);
  ac::flush_launches();
  g_delay_us = 0;
  auto log = take_log();
  ASSERT_EQ(log.size(), 3000u);
  for (int64_t i = 0; i < 3000; ++i) ASSERT_EQ(log[i].value, i);
}

TEST_F(LaunchQueue, TheThreadSleepsAndWakes) {
  launch_small(kMine, 1, 0);
  ac::flush_launches();
  // Past its 50 us of spinning the thread sleeps on the bell; new work
  // wakes it.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  launch_small(kMine, 2, 0);
  ac::flush_launches();
  auto log = take_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].value, 2);
}

// The pattern of a large op in a loop with a synchronization after each:
// the thread is asleep when the op comes, and the caller flushes at once.
// The op goes direct (waking the thread would cost more), or the flush
// issues it on the caller; waiting for a thread woken onto the caller's
// own CPU cost ~4 ms per op on the GPU machines' 6.x kernels. The time is
// printed, not asserted (run the binary under `taskset -c 0` as well).
TEST_F(LaunchQueue, FlushRightAfterWakingTheThread) {
  using clock = std::chrono::steady_clock;
  constexpr int kRounds = 40;
  double worst = 0, total = 0, push = 0;
  for (int i = 0; i < kRounds; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    const auto t0 = clock::now();
    launch_small(kMine, i, 0);
    const auto t1 = clock::now();
    ac::flush_launches();
    const double us =
        std::chrono::duration<double, std::micro>(clock::now() - t0).count();
    worst = std::max(worst, us);
    total += us;
    push += std::chrono::duration<double, std::micro>(t1 - t0).count();
  }
  auto log = take_log();
  ASSERT_EQ(log.size(), size_t(kRounds));
  int direct = 0;
  for (int i = 0; i < kRounds; ++i) {
    EXPECT_EQ(log[i].value, i);
    direct += log[i].on_caller;
  }
  std::printf("[ wake+flush ] %d of %d issued on the caller\n", direct,
              kRounds);
  std::printf(
      "[ wake+flush ] mean %.1f us (the push %.1f), worst %.1f us over %d "
      "rounds\n",
      total / kRounds, push / kRounds, worst, kRounds);
}

// A burst after a pause: the first call may go direct, the rest are
// queued (the thread is woken for the second); all in order either way.
TEST_F(LaunchQueue, ABurstAfterAPause) {
  for (int round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    for (int64_t i = 0; i < 200; ++i) launch_small(kMine, i, round);
    ac::flush_launches();
    auto log = take_log();
    ASSERT_EQ(log.size(), 200u);
    for (int64_t i = 0; i < 200; ++i) {
      EXPECT_EQ(log[i].value, i);
      EXPECT_EQ(log[i].tag, round);
    }
  }
}
