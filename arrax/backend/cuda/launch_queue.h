#pragma once
// The launch thread (Note [Launch thread] in launch_queue.cpp): kernel
// launches and memsets on arrax's own streams are queued and issued to the
// driver by one thread, so that an op returns to Python without waiting for
// cuLaunchKernel.
#include "arrax/backend/cuda/driver.h"

namespace arrax::cuda {

// Called by the driver loader: when the launch thread is enabled
// (ARRAX_CUDA_ASYNC_LAUNCH unset or not "0") and the driver can describe a
// kernel's parameters, replaces d's stream entry points with queuing and
// flushing wrappers (the real ones stay with the launch thread).
void install_launch_queue(Driver& d);

// Whether the wrappers are installed.
bool launch_thread_enabled();

// cuLaunchKernel for arrax's kernels: args holds nargs pointers, one per
// kernel parameter. Queued on arrax's streams when the launch thread is on
// (returning CUDA_SUCCESS; a failure is reported by the next flushing
// call), else issued at once. driver().cuLaunchKernel itself always issues
// directly (after the queue).
CUresult launch_kernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz,
                       unsigned bx, unsigned by, unsigned bz, unsigned shared,
                       CUstream s, void** args, size_t nargs);

// Waits until everything queued so far has been issued to the driver; a
// no-op without the launch thread. Code that enqueues GPU work other than
// through driver() (cuBLAS) calls it first.
void flush_launches();

// arrax's own streams (each device's default stream and those it creates):
// work on them may be queued; work on any other stream (a stream of
// another library made current with arrax.cuda.ExternalStream-style
// handles) is issued directly, after the queue.
void register_stream(CUstream s);
void unregister_stream(CUstream s);

}  // namespace arrax::cuda
