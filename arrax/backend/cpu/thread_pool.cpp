#include "arrax/backend/cpu/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "arrax/autograd.h"

namespace arrax::cpu {

extern void set_blas_threads(int n);  // blas.cpp

namespace {

thread_local bool t_in_pool = false;

// Each run gets its own Job so that a worker waking late can never touch the
// chunks of a later run.
struct Job {
  const std::function<void(int64_t)>* fn;
  int64_t nchunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> pending;
  std::mutex mutex;
  std::condition_variable done_cv;
  std::exception_ptr error;
  Job(const std::function<void(int64_t)>* f, int64_t n)
      : fn(f), nchunks(n), pending(n) {}

  void work() {
    bool was = t_in_pool;
    t_in_pool = true;
    for (;;) {
      int64_t i = next.fetch_add(1);
      if (i >= nchunks) break;
      try {
        (*fn)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
      }
      if (pending.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mutex);
        done_cv.notify_all();
      }
    }
    t_in_pool = was;
  }
};

class Pool {
 public:
  explicit Pool(int n) { resize(n); }

  int size() const { return nthreads_; }

  void resize(int n) {
    stop();
    nthreads_ = std::max(1, n);
    stopping_ = false;
    for (int i = 1; i < nthreads_; ++i)
      workers_.emplace_back([this] { worker(); });
  }

  void run(int64_t nchunks, const std::function<void(int64_t)>& chunk) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);  // one job at a time
    auto job = std::make_shared<Job>(&chunk, nchunks);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      ++generation_;
    }
    cv_.notify_all();
    job->work();
    {
      std::unique_lock<std::mutex> lock(job->mutex);
      job->done_cv.wait(lock, [&] { return job->pending.load() == 0; });
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_.reset();
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void worker() {
    set_grad_enabled(false);  // kernels' views never record
    uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        job = job_;
      }
      if (job) job->work();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_, mutex_;
  std::condition_variable cv_;
  std::shared_ptr<Job> job_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

int initial_threads() {
  if (const char* s = std::getenv("ARRAX_NUM_THREADS")) {
    int n = std::atoi(s);
    if (n > 0) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

Pool& pool() {
  static Pool* p = [] {
    int n = initial_threads();
    set_blas_threads(n);
    // Leaked on purpose: joining threads during static destruction can
    // deadlock when the process exits from inside Python.
    return new Pool(n);
  }();
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  pool().resize(n);
  set_blas_threads(std::max(1, n));
}

void parallel_for(int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& f) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (n <= grain || t_in_pool) {
    f(0, n);
    return;
  }
  Pool& p = pool();
  int64_t nthreads = p.size();
  if (nthreads <= 1) {
    f(0, n);
    return;
  }
  int64_t nchunks = std::min<int64_t>((n + grain - 1) / grain, nthreads * 4);
  int64_t step = (n + nchunks - 1) / nchunks;
  nchunks = (n + step - 1) / step;
  p.run(nchunks, [&](int64_t c) {
    int64_t b = c * step;
    f(b, std::min(n, b + step));
  });
}

}  // namespace arrax::cpu
