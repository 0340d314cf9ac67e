"""arrax.cuda: the CUDA backend's devices, streams, events, memory counters
and kernel cache.

``is_available()`` is False on a machine without a GPU, a driver or the
backend plugin; everything else then raises ValueError.

Streams (see Note [CUDA streams] in arrax/backend/cuda/cuda_backend.cpp):
each device has a current stream on which every op is enqueued
asynchronously; ``with arrax.cuda.stream(s):`` (or ``with s:``) makes `s`
current for the block. The current stream is process-wide, not per thread.
Host reads (``item``, ``tolist``, ``numpy.asarray``, printing) synchronize
it. Memory is freed on the stream it was allocated on: keep an array alive
while another stream still uses it.
"""

from arrax._core import cuda as _c
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


class Stream:
    """A CUDA stream on `device` (default: the current CUDA device).

    ``cuda_stream`` (also ``ptr``) is the CUstream handle as an int, as
    PyTorch and CuPy spell it, for passing to other libraries."""

    def __init__(self, device=None, priority=0, *, _handle=None):
        self.device_index = _c._device_index(device)
        if _handle is None:
            self._handle = _c._create_stream(self.device_index, int(priority))
            self._owned = True
        else:
            self._handle = int(_handle)
            self._owned = False
        self._prev = []

    @property
    def cuda_stream(self):
        return self._handle

    ptr = cuda_stream

    def synchronize(self):
        """Waits until every operation enqueued on the stream has finished."""
        _c._stream_synchronize(self.device_index, self._handle)

    def query(self):
        """True when every operation enqueued on the stream has finished."""
        return _c._stream_query(self.device_index, self._handle)

    def wait_event(self, event):
        """Makes future work on this stream wait for `event`."""
        _c._stream_wait_event(self.device_index, self._handle, event._handle)

    def wait_stream(self, stream):
        """Makes future work on this stream wait for the work already
        enqueued on `stream`."""
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        """Records `event` (a new one when None) on this stream."""
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        self._prev.append(_c._current_stream(self.device_index))
        _c._set_current_stream(self.device_index, self._handle)
        return self

    def __exit__(self, *exc):
        _c._set_current_stream(self.device_index, self._prev.pop())
        return False

    def __eq__(self, other):
        return (isinstance(other, Stream) and self._handle == other._handle
                and self.device_index == other.device_index)

    def __hash__(self):
        return hash((self._handle, self.device_index))

    def __repr__(self):
        return (f"<arrax.cuda.Stream device=cuda:{self.device_index} "
                f"cuda_stream={self._handle:#x}>")

    def __del__(self):
        if getattr(self, "_owned", False):
            try:
                _c._destroy_stream(self.device_index, self._handle)
            except Exception:
                pass


class ExternalStream(Stream):
    """A stream another library made (its CUstream handle as an int, e.g.
    ``torch.cuda.Stream().cuda_stream``), for ``with arrax.cuda.stream(s)``.
    arrax never destroys it, and issues the work it enqueues on it to the
    driver at once (never through the launch thread), so that the other
    library's later work on the stream follows arrax's."""

    def __init__(self, stream_ptr, device=None):
        super().__init__(device, _handle=int(stream_ptr))

    def __repr__(self):
        return (f"<arrax.cuda.ExternalStream device=cuda:{self.device_index} "
                f"cuda_stream={self._handle:#x}>")


class Event:
    """A CUDA event. ``enable_timing=True`` allows ``elapsed_time``."""

    def __init__(self, enable_timing=False, device=None):
        self.device_index = _c._device_index(device)
        self._handle = _c._create_event(self.device_index, bool(enable_timing))

    def record(self, stream=None):
        """Records the event on `stream` (default: the current stream)."""
        s = current_stream(self.device_index) if stream is None else stream
        _c._record_event(self.device_index, self._handle, s._handle)

    def wait(self, stream=None):
        """Makes `stream` (default: the current one) wait for this event."""
        s = current_stream(self.device_index) if stream is None else stream
        s.wait_event(self)

    def synchronize(self):
        _c._event_synchronize(self.device_index, self._handle)

    def query(self):
        return _c._event_query(self.device_index, self._handle)

    def elapsed_time(self, end_event):
        """Milliseconds between this event and `end_event` (both recorded
        and completed)."""
        return _c._event_elapsed_ms(self.device_index, self._handle,
                                    end_event._handle)

    def __del__(self):
        h = getattr(self, "_handle", None)
        if h is not None:
            try:
                _c._destroy_event(self.device_index, h)
            except Exception:
                pass


def current_stream(device=None):
    """The current stream of `device`."""
    idx = _c._device_index(device)
    return Stream(idx, _handle=_c._current_stream(idx))


def default_stream(device=None):
    """The stream arrax uses when no other is current."""
    idx = _c._device_index(device)
    return Stream(idx, _handle=_c._default_stream(idx))


def set_stream(stream):
    """Makes `stream` current on its device."""
    _c._set_current_stream(stream.device_index, stream._handle)


class stream:
    """``with arrax.cuda.stream(s):`` runs the block with `s` current
    (``None``: leaves the current stream as it is)."""

    def __init__(self, s):
        self._s = s

    def __enter__(self):
        if self._s is not None:
            self._s.__enter__()
        return self._s

    def __exit__(self, *exc):
        if self._s is not None:
            self._s.__exit__(*exc)
        return False


def precompile(device=None):
    """Compiles every CUDA kernel module for `device` into the disk cache
    (``$ARRAX_CACHE_DIR``, default ``~/.cache/arrax``), loading those that
    are already there. Returns the number of modules compiled now (0 when
    the cache was warm)."""
    return _c._precompile(device)


def compiled_modules():
    """How many kernel modules this process compiled with NVRTC (modules
    loaded from the disk cache do not count)."""
    return _c._compiled_modules()


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
