#pragma once
#include <utility>
// The interface each device kind implements. The CPU backend is always
// linked; the CUDA backend is a plugin library registered when it loads.
#include <cstddef>
#include <span>
#include <string>

#include "arrax/array.h"
#include "arrax/export.h"

namespace arrax {

class Primitive;

class ARRAX_API Backend {
 public:
  virtual ~Backend() = default;
  virtual void* allocate(size_t nbytes, int device_index) = 0;
  virtual void deallocate(void* ptr, size_t nbytes, int device_index) = 0;
  // Copies nbytes between host and device or within one device.
  virtual void copy(void* dst, Device dst_dev, const void* src, Device src_dev,
                    size_t nbytes) = 0;
  virtual void synchronize(int device_index) = 0;
  // Runs a primitive whose inputs and (allocated) outputs live here.
  virtual void eval(Primitive& p, std::span<const Array> inputs,
                    std::span<Array> outputs) = 0;

  // Device queries and the allocator's counters (torch.cuda-style).
  struct MemoryStats {
    int64_t allocated = 0;      // bytes in live arrays
    int64_t max_allocated = 0;  // peak of `allocated`
    int64_t reserved = 0;       // bytes held by the allocator's pool
  };
  virtual int device_count() { return 1; }
  virtual std::string device_name(int device_index) { return "cpu"; }
  virtual MemoryStats memory_stats(int device_index) { return {}; }
  virtual void reset_peak_memory_stats(int device_index) {}
  virtual void empty_cache(int device_index) {}
  // Bytes the allocator may hold on a device (0: no limit).
  virtual void set_memory_limit(int device_index, int64_t bytes) {}

  // Streams and events, as opaque driver handles (CUstream, CUevent). Each
  // device has a current stream (process-wide, not per thread) on which all
  // work is enqueued; the CPU backend has none. See Note [CUDA streams].
  virtual void* current_stream(int device_index) { return nullptr; }
  virtual void* default_stream(int device_index) { return nullptr; }
  virtual void set_current_stream(int device_index, void* stream) {}
  virtual void* create_stream(int device_index, int priority);
  virtual void destroy_stream(int device_index, void* stream) {}
  virtual void stream_synchronize(int device_index, void* stream) {}
  virtual bool stream_query(int device_index, void* stream) { return true; }
  virtual void stream_wait_event(int device_index, void* stream, void* event) {}
  virtual void* create_event(int device_index, bool timing);
  virtual void destroy_event(int device_index, void* event) {}
  virtual void record_event(int device_index, void* event, void* stream) {}
  virtual void event_synchronize(int device_index, void* event) {}
  virtual bool event_query(int device_index, void* event) { return true; }
  virtual float event_elapsed_ms(int device_index, void* start, void* end);
  // Compiles (or loads from the disk cache) every kernel module for a
  // device; returns how many had to be compiled.
  virtual int precompile(int device_index) { return 0; }
  // Kernel modules this process compiled (not loaded from the disk cache).
  virtual int compiled_modules() { return 0; }
  // Microseconds per launch of an empty kernel over n back-to-back
  // launches: host time only (first) and until the GPU has run them all
  // (second). What a launch costs below every op (tools/overhead-probe.py);
  // {0, 0} where there is no launch. variant: 0 one parameter on the
  // current stream; 1 the six parameters of the contiguous elementwise
  // kernel; 2 those packed in one buffer, issued directly (never through
  // the launch thread); 3 variant 0 on the legacy NULL stream (direct).
  // Whether launches are issued by a launch thread (the CUDA backend's
  // Note [Launch thread]).
  virtual bool async_launch() { return false; }
  virtual std::pair<double, double> launch_probe(int device_index, int n,
                                                 int variant) {
    return {0.0, 0.0};
  }
};

// The backend for a device kind; throws for a kind that is not available.
ARRAX_API Backend& backend_for(Device::Type type);
// Called by a plugin when it loads.
ARRAX_API void register_backend(Device::Type type, Backend* backend);
ARRAX_API bool backend_available(Device::Type type);

}  // namespace arrax
