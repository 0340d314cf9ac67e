"""Random-number throughput, side by side in one process:

  normal   standard normal float32 samples
  uniform  uniform [0, 1) float32 samples

2^28 samples on a GPU, 2^24 on the CPU (--log2n overrides). arrax draws
with Generator.standard_normal / Generator.random (Philox4x32-10, the same
bits on both devices); beside it NumPy's default_rng (PCG64, CPU), CuPy's
default_rng (XORWOW), PyTorch's torch.randn / torch.rand (Philox) and JAX's
jax.random.normal / uniform (threefry, jitted) where they import. Times:
medians of host wall-clock per draw after a warm-up, with a device
synchronization closing each timed batch; the table gives samples/s.

    python -m benchmarks.random [--device cuda|cpu] [--log2n N] [--json FILE]
"""

import argparse
import json

from benchmarks.timing import median_time


def _timeit(fn, sync, reps=7, warm=2):
    return median_time(fn, sync, reps, warm)


def bench_arrax(device, n, out):
    import arrax as np

    sync = np.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    g = np.random.default_rng(0)
    out["normal"] = _timeit(
        lambda: g.standard_normal(n, dtype="float32", device=device), sync
    )
    out["uniform"] = _timeit(lambda: g.random(n, dtype="float32", device=device), sync)


def bench_numpy(device, n, out):
    if device != "cpu":
        raise ImportError("NumPy runs on the CPU only")
    import numpy

    g = numpy.random.default_rng(0)
    out["normal"] = _timeit(lambda: g.standard_normal(n, dtype="float32"), lambda: None)
    out["uniform"] = _timeit(lambda: g.random(n, dtype="float32"), lambda: None)


def bench_cupy(device, n, out):
    if device == "cpu":
        raise ImportError("CuPy needs a GPU")
    import cupy

    sync = cupy.cuda.Device().synchronize
    g = cupy.random.default_rng(0)
    out["normal"] = _timeit(lambda: g.standard_normal(n, dtype="float32"), sync)
    out["uniform"] = _timeit(lambda: g.random(n, dtype="float32"), sync)


def bench_torch(device, n, out):
    import torch

    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    gen = torch.Generator(device=dev).manual_seed(0)
    out["normal"] = _timeit(
        lambda: torch.randn(n, generator=gen, device=dev, dtype=torch.float32), sync
    )
    out["uniform"] = _timeit(
        lambda: torch.rand(n, generator=gen, device=dev, dtype=torch.float32), sync
    )


def bench_jax(device, n, out):
    import jax
    import jax.numpy as jnp

    dev = jax.devices("gpu" if device.startswith("cuda") else "cpu")[0]
    key = jax.device_put(jax.random.key(0), dev)
    normal = jax.jit(lambda k: jax.random.normal(k, (n,), dtype=jnp.float32))
    uniform = jax.jit(lambda k: jax.random.uniform(k, (n,), dtype=jnp.float32))
    out["normal"] = _timeit(lambda: normal(key).block_until_ready(), lambda: None)
    out["uniform"] = _timeit(lambda: uniform(key).block_until_ready(), lambda: None)


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
    ap.add_argument("--log2n", type=int, default=None)
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args(argv)
    device = args.device
    if device is None:
        import arrax

        device = "cuda" if str(arrax.default_device()).startswith("cuda") else "cpu"
    n = 1 << (args.log2n if args.log2n is not None else (28 if device != "cpu" else 24))
    results = {}
    for name, fn in LIBS.items():
        out = {}
        try:
            fn(device, n, out)
        except (ImportError, RuntimeError) as e:
            results[name] = {
                "unavailable": str(e).splitlines()[0] if str(e) else type(e).__name__
            }
            continue
        results[name] = out
    print(f"random float32, n = 2^{n.bit_length() - 1} on {device} (samples/s)")
    print(f"{'library':8} {'normal':>12} {'uniform':>12}")
    for name, r in results.items():
        if "unavailable" in r:
            print(f"{name:8} {'n/a':>12} {'n/a':>12}  ({r['unavailable']})")
        else:
            print(f"{name:8} {n / r['normal']:12.3e} {n / r['uniform']:12.3e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device, "n": n, "seconds": results}, f, indent=1)


if __name__ == "__main__":
    main()
