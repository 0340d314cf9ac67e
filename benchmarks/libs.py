"""One small adapter per array library.

Every case is written once against the NumPy spelling (``L.xp.exp(a)``,
``a @ b``, ``L.xp.sum(a, axis=0)``); an adapter supplies that namespace (a
thin shim for PyTorch), converts the NumPy inputs onto its device, brings
results back for the correctness check, synchronizes, times, and spells the
few workloads that differ between libraries (softmax, scatter, random
numbers, sort, compile, TF32 matmul).

A library that lacks a function raises; the harness reports "n/a" for it
and goes on, so the suite stays green while arrax's ops land.
"""

import contextlib
import gc
import os
import subprocess
import sys
import time

import numpy

try:
    import ml_dtypes

    BFLOAT16 = numpy.dtype(ml_dtypes.bfloat16)
except ImportError:  # ml_dtypes is a dependency of arrax; be lenient here.
    BFLOAT16 = None


class Unavailable(Exception):
    """The library has no way to run this workload (reported as n/a)."""


def _perf_loop(call, inner, sync):
    sync(None)
    t0 = time.perf_counter()
    r = None
    for _ in range(inner):
        r = call()
    sync(r)
    return time.perf_counter() - t0


class Lib:
    name = "?"
    device = "cpu"
    is_arrax = False
    # How this adapter times GPU work, for the JSON (CPU: wall clock).
    timing = "time.perf_counter around the loop"

    def __init__(self):
        self.xp = None
        self.version = None

    # -- setup ---------------------------------------------------------
    def load(self):
        """Import the library; return None when usable, else the reason."""
        raise NotImplementedError

    # -- data movement -------------------------------------------------
    def asarray(self, a):
        return self.xp.asarray(a)

    def to_numpy(self, x):
        return numpy.asarray(x)

    # -- timing --------------------------------------------------------
    def sync(self, result=None):
        pass

    def time_loop(self, call, inner):
        """Seconds for `inner` back-to-back calls (device work included)."""
        return _perf_loop(call, inner, self.sync)

    def cleanup(self):
        gc.collect()

    # -- start-up ------------------------------------------------------
    import_name = None  # the module startup.import imports (None: name)

    def cold_import(self):
        """Imports the library in a fresh interpreter; returns its exit
        status (0), raising when the import fails. The child finds the
        package where this process found it and may write bytecode caches
        (PYTHONDONTWRITEBYTECODE is dropped: users' installs have them)."""
        mod = self.import_name or self.name
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        path = getattr(sys.modules.get(mod), "__file__", None)
        if path:
            root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
            env["PYTHONPATH"] = os.pathsep.join(
                [root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
            )
        p = subprocess.run(
            [sys.executable, "-c", f"import {mod}"],
            env=env,
            capture_output=True,
            text=True,
        )
        if p.returncode != 0:
            raise RuntimeError(f"import {mod} failed: {p.stderr.strip()[-300:]}")
        return p.returncode

    # -- how a case function is run ------------------------------------
    def prepare(self, fn, case):
        """The callable that is timed: fn as is (eager) by default."""
        return fn

    def context(self, case):
        """Entered around everything done for one case (precision modes)."""
        if case.precision == "tf32":
            raise Unavailable("no TF32 matmul mode")
        return contextlib.nullcontext()

    def compile(self, fn):
        raise Unavailable(f"{self.name} has no compiler")

    # -- workloads spelled differently ---------------------------------
    def copy(self, x):
        return x.copy()

    def copy_into(self, out, x):
        out[...] = x
        return out

    def scatter(self, a, idx, v):
        a[idx] = v
        return a

    def mask_select(self, a, mask):
        return a[mask]

    def softmax(self, x, axis):
        xp = self.xp
        e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
        return e / xp.sum(e, axis=axis, keepdims=True)

    def sort(self, x):
        return self.xp.sort(x)

    def concatenate(self, arrays, axis):
        return self.xp.concatenate(arrays, axis=axis)

    def fft(self, x):
        return self.xp.fft.fft(x)

    def rfft(self, x):
        return self.xp.fft.rfft(x)

    def fft2(self, x):
        return self.xp.fft.fft2(x)

    def solve(self, a, b):
        return self.xp.linalg.solve(a, b)

    def svd(self, a):
        return tuple(self.xp.linalg.svd(a, full_matrices=False))

    def normal(self, n, dtype, seed):
        raise Unavailable("no random normal generator")


# ---------------------------------------------------------------- CPU


class NumpyLib(Lib):
    name = "numpy"

    def load(self):
        self.xp = numpy
        self.version = numpy.__version__

    def asarray(self, a):
        return numpy.array(a, copy=True)

    def normal(self, n, dtype, seed):
        return numpy.random.default_rng(int(seed)).standard_normal(n, dtype=dtype)


def _arrax_fallbacks(arrax):
    """Total count of NumPy fallbacks so far (0 if arrax has no counter).
    arrax.fallbacks.counts() is {name: calls}."""
    fb = getattr(arrax, "fallbacks", None)
    try:
        if fb is None:
            return 0
        if hasattr(fb, "counts"):
            fb = fb.counts()
        elif callable(fb):
            fb = fb()
        if hasattr(fb, "values"):
            return sum(int(v) for v in fb.values())
        return int(fb)
    except Exception:
        return 0


class ArraxLib(Lib):
    """arrax on the CPU, or on the GPU when arrax.cuda.is_available()."""

    name = "arrax"
    is_arrax = True

    def __init__(self, device="cpu"):
        super().__init__()
        self.device = device

    def load(self):
        try:
            import arrax
        except ImportError as e:
            return f"import arrax failed: {e}"
        self.xp = arrax
        self.version = getattr(arrax, "__version__", "?")
        if self.device == "gpu":
            cuda = getattr(arrax, "cuda", None)
            ok = getattr(cuda, "is_available", None)
            if ok is None:
                return "arrax.cuda does not exist yet"
            if not ok():
                return "arrax.cuda.is_available() is False"
            self.timing = "synchronize + time.perf_counter around the loop"
        return None

    def fallback_count(self):
        return _arrax_fallbacks(self.xp)

    @property
    def _dev(self):
        return "cuda" if self.device == "gpu" else "cpu"

    def asarray(self, a):
        # The device is explicit: arrax's default device is the GPU when
        # there is one, and the CPU suite must stay on the CPU.
        return self.xp.asarray(a, device=self._dev)

    def to_numpy(self, x):
        if hasattr(x, "_to_numpy"):
            try:
                return x._to_numpy()
            except Exception:  # a device array without a host view
                pass
        return numpy.asarray(x)

    def sync(self, result=None):
        if self.device != "gpu":
            return
        s = getattr(self.xp.cuda, "synchronize", None)
        if s is not None:
            s()
        elif result is not None:
            # Reading values back waits for the work that made them.
            self.to_numpy(result if not isinstance(result, tuple) else result[0])

    def context(self, case):
        stack = contextlib.ExitStack()
        # Arrays that a case creates itself (random numbers) go to the
        # suite's device too.
        setdef = getattr(self.xp, "set_default_device", None) or getattr(
            self.xp._core, "set_default_device", None
        )
        getdef = getattr(self.xp, "default_device", None) or getattr(
            self.xp._core, "default_device", None
        )
        if setdef is not None and getdef is not None:
            old = str(getdef())
            setdef(self._dev)
            stack.callback(setdef, old)
        if case.precision == "tf32":
            # arrax.set_matmul_precision("tf32") is the opt-in, as
            # torch.backends.cuda.matmul.allow_tf32 is PyTorch's.
            setp = getattr(self.xp, "set_matmul_precision", None)
            if self.device != "gpu" or setp is None:
                stack.close()
                raise Unavailable("no arrax.set_matmul_precision")
            old_p = self.xp.get_matmul_precision()
            setp("tf32")
            stack.callback(setp, old_p)
        return stack

    def compile(self, fn):
        c = getattr(self.xp, "compile", None)
        if c is None:
            raise Unavailable("arrax.compile does not exist yet")
        return c(fn)

    def copy(self, x):
        return x.copy()

    def normal(self, n, dtype, seed):
        rnd = getattr(self.xp, "random", None)
        if rnd is None:
            raise Unavailable("arrax.random does not exist yet")
        if hasattr(rnd, "default_rng"):
            return rnd.default_rng(int(seed)).standard_normal(n, dtype=dtype)
        raise Unavailable("arrax.random.default_rng does not exist yet")


@contextlib.contextmanager
def _attr_ctx(obj, attr, value):
    old = getattr(obj, attr)
    setattr(obj, attr, value)
    try:
        yield
    finally:
        setattr(obj, attr, old)


# ---------------------------------------------------------------- GPU


class _TorchNumpy:
    """The NumPy spellings the cases use, on torch tensors."""

    def __init__(self, torch):
        self.t = torch
        self.fft = torch.fft
        self.linalg = torch.linalg

    def exp(self, x):
        return self.t.exp(x)

    def add(self, a, b):
        return self.t.add(a, b)

    def multiply(self, a, b):
        return self.t.mul(a, b)

    def maximum(self, a, b):
        if not isinstance(b, self.t.Tensor):
            return self.t.clamp_min(a, b)
        return self.t.maximum(a, b)

    def _red(self, f, x, axis, keepdims):
        if axis is None:
            return f(x)
        return f(x, dim=axis, keepdim=keepdims)

    def sum(self, x, axis=None, keepdims=False):
        return self._red(self.t.sum, x, axis, keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return self._red(self.t.mean, x, axis, keepdims)

    def max(self, x, axis=None, keepdims=False):
        if axis is None:
            return self.t.amax(x)
        return self.t.amax(x, dim=axis, keepdim=keepdims)

    def argmax(self, x, axis=None):
        return self.t.argmax(x) if axis is None else self.t.argmax(x, dim=axis)

    def matmul(self, a, b):
        return self.t.matmul(a, b)


class TorchLib(Lib):
    name = "torch"
    device = "gpu"
    timing = "torch.cuda.Event pair on the current stream"

    def load(self):
        try:
            import torch
        except ImportError as e:
            return f"import torch failed: {e}"
        if not torch.cuda.is_available():
            return "torch.cuda.is_available() is False"
        self.torch = torch
        self.dev = torch.device("cuda")
        self.xp = _TorchNumpy(torch)
        self.version = torch.__version__
        # Full float32 unless a case asks for TF32.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        return None

    def asarray(self, a):
        t = self.torch
        if BFLOAT16 is not None and a.dtype == BFLOAT16:
            h = t.from_numpy(numpy.ascontiguousarray(a).view(numpy.int16))
            return h.view(t.bfloat16).to(self.dev)
        return t.from_numpy(numpy.ascontiguousarray(a)).to(self.dev)

    def to_numpy(self, x):
        t = self.torch
        if not isinstance(x, t.Tensor):
            return numpy.asarray(x)
        x = x.detach()
        if x.dtype == t.bfloat16:
            x = x.float()
        return x.cpu().numpy()

    def sync(self, result=None):
        self.torch.cuda.synchronize()

    def time_loop(self, call, inner):
        t = self.torch
        t.cuda.synchronize()
        start = t.cuda.Event(enable_timing=True)
        end = t.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            call()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3

    def cleanup(self):
        gc.collect()
        self.torch.cuda.empty_cache()

    def context(self, case):
        if case.precision == "tf32":
            return _attr_ctx(self.torch.backends.cuda.matmul, "allow_tf32", True)
        return contextlib.nullcontext()

    def compile(self, fn):
        return self.torch.compile(fn)

    def copy(self, x):
        return x.contiguous() if not x.is_contiguous() else x.clone()

    def copy_into(self, out, x):
        return out.copy_(x)

    def softmax(self, x, axis):
        return self.torch.softmax(x, dim=axis)

    def sort(self, x):
        return self.torch.sort(x).values

    def concatenate(self, arrays, axis):
        return self.torch.cat(arrays, dim=axis)

    def svd(self, a):
        return tuple(self.torch.linalg.svd(a, full_matrices=False))

    def normal(self, n, dtype, seed):
        g = getattr(self, "_gen", None)
        if g is None:
            g = self._gen = self.torch.Generator(device=self.dev)
            g.manual_seed(int(seed))
        dt = {"float32": self.torch.float32, "float64": self.torch.float64}
        return self.torch.randn(n, dtype=dt[str(dtype)], device=self.dev, generator=g)


class CupyLib(Lib):
    name = "cupy"
    device = "gpu"
    timing = "cupy.cuda.Event pair on the current stream"

    def load(self):
        try:
            import cupy
        except ImportError as e:
            return f"import cupy failed: {e}"
        try:
            if cupy.cuda.runtime.getDeviceCount() < 1:
                return "no CUDA device"
        except Exception as e:
            return f"no CUDA device: {e}"
        self.cp = self.xp = cupy
        self.version = cupy.__version__
        return None

    def asarray(self, a):
        if BFLOAT16 is not None and a.dtype == BFLOAT16:
            try:
                return self.cp.asarray(a)
            except Exception as e:
                raise Unavailable(f"CuPy takes no bfloat16 array: {e}")
        return self.cp.asarray(a)

    def to_numpy(self, x):
        return self.cp.asnumpy(x)

    def sync(self, result=None):
        self.cp.cuda.Device().synchronize()

    def time_loop(self, call, inner):
        cp = self.cp
        cp.cuda.Device().synchronize()
        start, end = cp.cuda.Event(), cp.cuda.Event()
        start.record()
        for _ in range(inner):
            call()
        end.record()
        end.synchronize()
        return cp.cuda.get_elapsed_time(start, end) / 1e3

    def cleanup(self):
        gc.collect()
        self.cp.get_default_memory_pool().free_all_blocks()

    def context(self, case):
        if case.precision == "tf32":
            return self._tf32()
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def _tf32(self):
        try:
            from cupy._core import _routines_linalg as lin

            old = lin.get_compute_type(numpy.float32)
            lin.set_compute_type(numpy.float32, lin.COMPUTE_TYPE_TF32)
        except Exception as e:
            raise Unavailable(f"cupy TF32 compute type: {e}")
        try:
            yield
        finally:
            lin.set_compute_type(numpy.float32, old)

    def compile(self, fn):
        return self.cp.fuse(fn)

    def normal(self, n, dtype, seed):
        g = getattr(self, "_gen", None)
        if g is None:
            try:
                g = self.cp.random.default_rng(int(seed))
                g.standard_normal(1, dtype=dtype)
            except (AttributeError, TypeError, NotImplementedError):
                g = self.cp.random.RandomState(int(seed))
            self._gen = g
        return g.standard_normal(n, dtype=dtype)


class JaxLib(Lib):
    """JAX runs each case under jax.jit (compiled during the warm-up, outside
    the timed region) unless the case is marked eager; results are waited
    for with block_until_ready."""

    name = "jax"
    device = "gpu"
    timing = "block_until_ready + time.perf_counter around the loop"

    def load(self):
        # Allocate on demand, so that the other libraries keep their memory.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        try:
            import jax
            import jax.numpy as jnp
        except ImportError as e:
            return f"import jax failed: {e}"
        jax.config.update("jax_enable_x64", True)
        try:
            gpus = jax.devices("gpu")
        except RuntimeError as e:
            return f"no JAX GPU backend: {e}"
        if not gpus:
            return "no JAX GPU device"
        self.jax, self.xp, self.dev = jax, jnp, gpus[0]
        self.version = jax.__version__
        return None

    def asarray(self, a):
        return self.jax.device_put(a, self.dev)

    def to_numpy(self, x):
        if BFLOAT16 is not None and getattr(x, "dtype", None) == BFLOAT16:
            return numpy.asarray(x).astype(numpy.float32)
        return numpy.asarray(x)

    def sync(self, result=None):
        if result is not None:
            self.jax.block_until_ready(result)

    def prepare(self, fn, case):
        return self.jax.jit(fn) if case.jit else fn

    def cleanup(self):
        gc.collect()

    def context(self, case):
        # JAX's default on GPUs lets float32 matmuls use TF32: pin it.
        mode = "tensorfloat32" if case.precision == "tf32" else "float32"
        return self.jax.default_matmul_precision(mode)

    def compile(self, fn):
        return self.jax.jit(fn)

    def copy(self, x):
        return self.xp.copy(x)

    def copy_into(self, out, x):
        # Immutable arrays: a copy is a new array.
        return self.xp.copy(x)

    def scatter(self, a, idx, v):
        return a.at[idx].set(v)

    def softmax(self, x, axis):
        return self.jax.nn.softmax(x, axis=axis)

    def normal(self, n, dtype, seed):
        key = self.jax.random.key(seed)
        return self.jax.random.normal(key, (n,), dtype=dtype)


CPU_LIBS = [NumpyLib, lambda: ArraxLib("cpu")]
GPU_LIBS = [TorchLib, CupyLib, JaxLib, lambda: ArraxLib("gpu")]
