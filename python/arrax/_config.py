"""``arrax.show_config()`` and ``arrax.show_runtime()``, as NumPy's: what
arrax was built with and what it found on this machine (the BLAS library,
SIMD levels, threads, the CUDA driver, NVRTC and GPUs, the kernel cache).

The C++ side comes from ``arrax._core._runtime_info()``
(python/src/config.cpp); the CUDA versions are asked of the libraries the
plugin loaded, only when ``arrax.cuda.is_available()``. ctypes and
platform are imported by the calls, not by ``import arrax``."""

import os
import sys

import numpy

from arrax import _core

__all__ = ["show_config", "show_runtime"]

_HERE = os.path.dirname(os.path.abspath(__file__))


def _version_str(v):
    # CUDA encodes 13.0 as 13000.
    return f"{v // 1000}.{(v % 1000) // 10}"


def _cuda_versions():
    """Driver and NVRTC versions, from the libraries the plugin loaded
    (arrax/backend/cuda/driver.cpp opens the same names in this order)."""
    import ctypes

    out = {}
    v = ctypes.c_int(0)
    try:
        if ctypes.CDLL("libcuda.so.1").cuDriverGetVersion(ctypes.byref(v)) == 0:
            out["driver"] = _version_str(v.value)
    except OSError:
        pass
    for name in ("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        major, minor = ctypes.c_int(0), ctypes.c_int(0)
        if lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)) == 0:
            out["nvrtc"] = f"{major.value}.{minor.value}"
        break
    return out


def _kernel_cache():
    """The CUDA kernel cache's folder, file count and bytes (the rule of
    cache_dir() in arrax/backend/cuda/jit.cpp; Note [CUDA kernel cache])."""
    path = os.environ.get("ARRAX_CACHE_DIR") or os.path.join(
        os.environ.get("HOME") or "/tmp", ".cache", "arrax"
    )
    files = size = 0
    try:
        with os.scandir(path) as it:
            for e in it:
                if e.name.endswith(".axk") and e.is_file():
                    files += 1
                    size += e.stat().st_size
    except OSError:
        pass
    return {"path": path, "files": files, "bytes": size}


def _cuda_info():
    from arrax import cuda

    plugin = os.path.join(_HERE, "libarrax_cuda.so")
    info = {
        "plugin": plugin if os.path.exists(plugin) else None,
        "disabled": os.environ.get("ARRAX_DISABLE_CUDA", "") not in ("", "0"),
        "available": bool(cuda.is_available()),
        "devices": [],
        "runtime": "none (the plugin uses the driver API and NVRTC, not cudart)",
        "kernel_cache": _kernel_cache(),
    }
    if info["available"]:
        info.update(_cuda_versions())
        info["devices"] = [cuda.get_device_name(i) for i in range(cuda.device_count())]
        info["async_launch"] = bool(_core.cuda._async_launch())
        info["compiled_modules"] = cuda.compiled_modules()
    return info


def _blas(rt):
    cfg = rt["blas_config"]
    words = cfg.split()
    version = words[1] if len(words) > 1 and words[0] == "OpenBLAS" else ""
    return {
        "name": "openblas",
        "version": version,
        "config": cfg,
        "core": rt["blas_core"],
    }


def _config():
    import platform

    import arrax

    rt = _core._runtime_info()
    blas = _blas(rt)
    return {
        "arrax": {"version": arrax.__version__, "path": _HERE},
        "Python": {"version": platform.python_version(), "executable": sys.executable},
        "NumPy": {"version": numpy.__version__},
        "Build Dependencies": {
            "blas": blas,
            "lapack": dict(blas, note="LAPACK from the same OpenBLAS"),
            "fft": {"name": "numpy.fft (counted fallback; no native FFT yet)"},
            "simd": {
                "name": "SLEEF",
                "loops": "not built"
                if rt["simd_loops"] == "not built"
                else "AVX2+FMA, AVX512F (one picked at run time)",
            },
            "cuda": {
                "plugin": os.path.exists(os.path.join(_HERE, "libarrax_cuda.so")),
                "jit": "NVRTC at run time (no nvcc in the build)",
            },
        },
    }


def _runtime():
    import platform

    rt = _core._runtime_info()
    return {
        "cpu": {
            "machine": platform.machine(),
            "features": rt["cpu_features"],
            "simd_loops": rt["simd_loops"],
        },
        "threads": {
            "arrax": rt["threads"],
            "blas": rt["blas_threads"],
            "ARRAX_NUM_THREADS": os.environ.get("ARRAX_NUM_THREADS"),
        },
        "blas": _blas(rt),
        "cuda": _cuda_info(),
    }


def _print(d, indent=0):
    pad = "  " * indent
    for k, v in d.items():
        if isinstance(v, dict):
            print(f"{pad}{k}:")
            _print(v, indent + 1)
        elif isinstance(v, list):
            print(f"{pad}{k}: {', '.join(map(str, v)) if v else '(none)'}")
        else:
            print(f"{pad}{k}: {v}")


def _show(d, mode, op):
    if mode == "dicts":
        return d
    if mode != "stdout":
        raise ValueError(f"[{op}] mode must be 'stdout' or 'dicts', got {mode!r}")
    _print(d)
    return None


def show_config(mode="stdout"):
    """Prints what arrax was built with: arrax, Python and NumPy versions,
    the BLAS/LAPACK library (OpenBLAS's own config string), the FFT
    library, the SIMD loop sets and the CUDA plugin. ``mode="dicts"``
    returns the same as a dict instead."""
    return _show(_config(), mode, "show_config")


def show_runtime(mode="stdout"):
    """Prints what arrax found on this machine: the CPU's SIMD extensions
    and the SIMD loops in use, arrax's and BLAS's thread counts, and for
    CUDA the driver and NVRTC versions, the GPUs and the kernel cache's
    folder and size. ``mode="dicts"`` returns the same as a dict."""
    return _show(_runtime(), mode, "show_runtime")
