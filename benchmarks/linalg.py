"""numpy.linalg figures, side by side in one process: arrax against NumPy on
the CPU, and against CuPy, PyTorch (torch.linalg) and JAX (jax.numpy.linalg
under jit) on a GPU, each where it is importable.

  solve.f32 / solve.f64   solve (4096, 4096) with a (4096, 1) right side
  solve.batched           solve 256 x (64, 64) float64, (64, 1) right sides
  svd                     svd (1024, 1024) float32, full_matrices=False
  eigh / eigh.batched     eigh (2048, 2048) and 512 x (32, 32) float32
  cholesky                cholesky (4096, 4096) float32
  qr                      qr (2048, 2048) float32, reduced
  inv                     inv (4096, 4096) float32

Inputs are well conditioned (random plus n * I; symmetric positive definite
for eigh and cholesky). Times: medians of host wall-clock per call after a
warm-up, a device synchronization closing each call. --quick divides every
matrix size by 4 (a smoke test).

    python -m benchmarks.linalg [--device cuda|cpu] [--json FILE] [--quick]
"""

import argparse
import json

import numpy

from benchmarks.timing import median_time

CASES = {
    # name: (function name, batch, n, dtype)
    "solve.f32": ("solve", (), 4096, "float32"),
    "solve.f64": ("solve", (), 4096, "float64"),
    "solve.batched": ("solve", (256,), 64, "float64"),
    "svd": ("svd", (), 1024, "float32"),
    "eigh": ("eigh", (), 2048, "float32"),
    "eigh.batched": ("eigh", (512,), 32, "float32"),
    "cholesky": ("cholesky", (), 4096, "float32"),
    "qr": ("qr", (), 2048, "float32"),
    "inv": ("inv", (), 4096, "float32"),
}


def _inputs(fn, batch, n, dtype):
    rng = numpy.random.default_rng(0)
    a = rng.standard_normal(batch + (n, n)) / numpy.sqrt(n)
    if fn in ("eigh", "cholesky"):
        a = a @ numpy.swapaxes(a, -1, -2) + numpy.eye(n)
    else:
        a = a + 2 * numpy.eye(n)
    b = rng.standard_normal(batch + (n, 1))
    return a.astype(dtype), b.astype(dtype)


def _timeit(fn, sync, reps):
    return median_time(fn, sync, reps)


def _call(la, fn, a, b):
    if fn == "solve":
        return lambda: la.solve(a, b)
    if fn == "svd":
        return lambda: la.svd(a, full_matrices=False)
    return lambda: getattr(la, fn)(a)


def _libraries(device):
    """(name, linalg module, asarray, sync) for each importable library."""
    libs = []
    import arrax

    sync = arrax.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    libs.append(
        ("arrax", arrax.linalg, lambda x: arrax.asarray(x, device=device), sync)
    )
    if not device.startswith("cuda"):
        libs.append(("numpy", numpy.linalg, lambda x: x, lambda: None))
        return libs
    try:
        import cupy

        libs.append(
            (
                "cupy",
                cupy.linalg,
                cupy.asarray,
                cupy.cuda.Device().synchronize,
            )
        )
    except Exception as exc:  # noqa: BLE001 - not installed or no GPU for it
        print(f"cupy skipped: {type(exc).__name__}")
    try:
        import torch

        libs.append(
            (
                "torch",
                torch.linalg,
                lambda x: torch.as_tensor(x, device="cuda"),
                torch.cuda.synchronize,
            )
        )
    except Exception as exc:  # noqa: BLE001
        print(f"torch skipped: {type(exc).__name__}")
    try:
        import jax

        jax.config.update("jax_enable_x64", True)  # the float64 cases
        import jax.numpy as jnp

        class _JitLinalg:
            # One jitted function per name, compiled on the warm-up call.
            def __init__(self):
                self.fns = {}

            def __getattr__(self, name):
                if name not in self.fns:
                    f = jax.jit(
                        getattr(jnp.linalg, name),
                        static_argnames=("full_matrices",) if name == "svd" else (),
                    )
                    self.fns[name] = lambda *a, **k: jax.block_until_ready(f(*a, **k))
                return self.fns[name]

        libs.append(("jax", _JitLinalg(), jnp.asarray, lambda: None))
    except Exception as exc:  # noqa: BLE001
        print(f"jax skipped: {type(exc).__name__}")
    return libs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", default=None)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--filter", nargs="*", default=None)
    args = p.parse_args(argv)
    libs = _libraries(args.device)
    results = {}
    names = [n for n in CASES if not args.filter or any(f in n for f in args.filter)]
    print(f"{'case':16s}" + "".join(f"{lib[0]:>12s}" for lib in libs))
    for name in names:
        fn, batch, n, dtype = CASES[name]
        if args.quick:
            n = max(8, n // 4)
        a_np, b_np = _inputs(fn, batch, n, dtype)
        row = {"shape": list(batch) + [n, n], "dtype": dtype}
        for lib, la, conv, sync in libs:
            try:
                a, b = conv(a_np), conv(b_np)
                row[lib] = _timeit(_call(la, fn, a, b), sync, args.reps)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                row[lib] = f"error: {type(exc).__name__}: {exc}"[:120]
        results[name] = row
        cells = []
        for lib, *_ in libs:
            v = row[lib]
            cells.append(
                f"{v * 1e3:10.2f}ms" if isinstance(v, float) else f"{'error':>12s}"
            )
        print(f"{name:16s}" + "".join(cells), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": args.device, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
