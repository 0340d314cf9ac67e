"""arrax.cuda: the CUDA backend's device queries and memory counters.

``is_available()`` is False on a machine without a GPU, a driver or the
backend plugin; everything else then raises ValueError."""

from arrax._core.cuda import (  # noqa: F401
    device_count,
    empty_cache,
    get_device_name,
    is_available,
    max_memory_allocated,
    memory_allocated,
    memory_reserved,
    reset_peak_memory_stats,
    set_memory_limit,
    synchronize,
)


def selfcheck(arch=90):
    """Compiles every CUDA kernel module with NVRTC for sm_<arch> (no GPU
    needed). Returns the number of modules; raises on a compile error."""
    import ctypes
    import os

    path = os.path.join(os.path.dirname(__file__), "libarrax_cuda.so")
    lib = ctypes.CDLL(path)
    buf = ctypes.create_string_buffer(1 << 16)
    n = lib.arrax_cuda_selfcheck(int(arch), buf, len(buf))
    if n < 0 or buf.value:
        raise RuntimeError("[cuda] device code does not compile:\n"
                           + buf.value.decode(errors="replace"))
    return n
