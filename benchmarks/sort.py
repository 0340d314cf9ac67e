"""Sorting throughput, side by side in one process:

  sort         sort of one float32 array of 2^24 elements
  argsort      argsort (stable) of the same array
  sort_rows    sort of each row of a (4096, 4096) float32 matrix
  argsort_rows argsort (stable) of each row of that matrix
  searchsorted 2^20 float32 needles into a sorted array of 2^24

arrax beside NumPy on the CPU, and CuPy, PyTorch and JAX (jitted) where they
import (on the GPU by default when arrax's default device is one). Times:
medians of host wall-clock per call after a warm-up, with a device
synchronization closing each timed call; the table gives elements/s
(needles/s for searchsorted).

    python -m benchmarks.sort [--device cuda|cpu] [--log2n N] [--rows R]
                              [--json FILE]
"""

import argparse
import json

from benchmarks.timing import median_time

CASES = ["sort", "argsort", "sort_rows", "argsort_rows", "searchsorted"]


def _timeit(fn, sync, reps=5, warm=1):
    return median_time(fn, sync, reps, warm)


def _data(n, rows):
    import numpy

    rng = numpy.random.default_rng(0)
    flat = rng.standard_normal(n, dtype=numpy.float32)
    mat = rng.standard_normal((rows, rows), dtype=numpy.float32)
    needles = rng.standard_normal(1 << 20, dtype=numpy.float32)
    return flat, mat, numpy.sort(flat), needles


def _run(m, conv, sync, data, out, stable_kw):
    flat, mat, sorted_flat, needles = (conv(x) for x in data)
    out["sort"] = _timeit(lambda: m.sort(flat), sync)
    out["argsort"] = _timeit(lambda: m.argsort(flat, **stable_kw), sync)
    out["sort_rows"] = _timeit(lambda: m.sort(mat, axis=-1), sync)
    out["argsort_rows"] = _timeit(lambda: m.argsort(mat, axis=-1, **stable_kw), sync)
    out["searchsorted"] = _timeit(lambda: m.searchsorted(sorted_flat, needles), sync)


def bench_arrax(device, data, out):
    import arrax as np

    sync = np.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    _run(
        np, lambda x: np.asarray(x, device=device), sync, data, out, {"kind": "stable"}
    )


def bench_numpy(device, data, out):
    if device != "cpu":
        raise ImportError("NumPy runs on the CPU only")
    import numpy

    _run(numpy, lambda x: x, lambda: None, data, out, {"kind": "stable"})


def bench_cupy(device, data, out):
    if device == "cpu":
        raise ImportError("CuPy needs a GPU")
    import cupy

    sync = cupy.cuda.Device().synchronize
    # CuPy's argsort has no kind=; its sorts are radix sorts (stable).
    _run(cupy, cupy.asarray, sync, data, out, {})


def bench_torch(device, data, out):
    import torch

    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

    class M:
        sort = staticmethod(lambda a, axis=-1: torch.sort(a, dim=axis).values)
        argsort = staticmethod(
            lambda a, axis=-1, stable=True: torch.argsort(a, dim=axis, stable=stable)
        )
        searchsorted = staticmethod(torch.searchsorted)

    _run(M, lambda x: torch.from_numpy(x).to(dev), sync, data, out, {"stable": True})


def bench_jax(device, data, out):
    import jax
    import jax.numpy as jnp

    dev = jax.devices("gpu" if device.startswith("cuda") else "cpu")[0]
    sort = jax.jit(lambda a: jnp.sort(a, axis=-1))
    argsort = jax.jit(lambda a: jnp.argsort(a, axis=-1, stable=True))
    search = jax.jit(jnp.searchsorted)

    class M:
        @staticmethod
        def sort(a, axis=-1):
            return sort(a).block_until_ready()

        @staticmethod
        def argsort(a, axis=-1):
            return argsort(a).block_until_ready()

        @staticmethod
        def searchsorted(a, v):
            return search(a, v).block_until_ready()

    _run(M, lambda x: jax.device_put(x, dev), lambda: None, data, out, {})


LIBS = {
    "arrax": bench_arrax,
    "numpy": bench_numpy,
    "cupy": bench_cupy,
    "torch": bench_torch,
    "jax": bench_jax,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None, help="cpu or cuda (default: arrax's)")
    ap.add_argument("--log2n", type=int, default=24)
    ap.add_argument("--rows", type=int, default=4096)
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args(argv)
    device = args.device
    if device is None:
        import arrax

        device = "cuda" if str(arrax.default_device()).startswith("cuda") else "cpu"
    n = 1 << args.log2n
    data = _data(n, args.rows)
    sizes = {
        "sort": n,
        "argsort": n,
        "sort_rows": args.rows * args.rows,
        "argsort_rows": args.rows * args.rows,
        "searchsorted": 1 << 20,
    }
    results = {}
    for name, fn in LIBS.items():
        out = {}
        try:
            fn(device, data, out)
        except (ImportError, RuntimeError) as e:
            results[name] = {
                "unavailable": str(e).splitlines()[0] if str(e) else type(e).__name__
            }
            continue
        results[name] = out
    print(
        f"sorting float32, n = 2^{args.log2n}, rows ({args.rows}, {args.rows}) "
        f"on {device} (elements/s)"
    )
    print(f"{'library':8}" + "".join(f" {c:>13}" for c in CASES))
    for name, r in results.items():
        if "unavailable" in r:
            print(
                f"{name:8}"
                + "".join(f" {'n/a':>13}" for _ in CASES)
                + f"  ({r['unavailable']})"
            )
        else:
            print(f"{name:8}" + "".join(f" {sizes[c] / r[c]:13.3e}" for c in CASES))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"device": device, "n": n, "rows": args.rows, "seconds": results},
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
