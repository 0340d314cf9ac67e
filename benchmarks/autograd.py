"""Autograd figures, side by side in one process (issue 12's targets):

  small   y = (x * 2.0).sum(); y.backward() on 16 float32 elements
  nograd  a + b on 16 float32 elements, no input requiring grad (the
          small-op figure that must not move)
  mlp     forward + backward of a 784-2048-2048-10 MLP, batch 512, float32
          (relu, mean squared error), parameters' grads accumulated
  memory  bytes allocated after the MLP's backward minus before its forward
          (arrax and PyTorch counters; 0 means back to baseline)
  pergrad per-example gradients, vmap(grad(loss), in_axes=(None, 0)) of
          loss(w, x) = sum(tanh(x @ w) ** 2) with w (64, 32), 256 examples
          of 64 float32 (PyTorch: torch.func.vmap(torch.func.grad))

arrax and PyTorch eager use the same algorithm (tensor.backward); JAX runs
jax.grad under jit. Times: medians of host wall-clock per iteration after a
warm-up, with a device synchronization closing each timed batch.

    python -m benchmarks.autograd [--device cuda|cpu] [--json FILE]
"""

import argparse
import json

import numpy

from benchmarks.timing import median_time


def _timeit(fn, sync, n_inner, reps=15, warm=5):
    return median_time(fn, sync, reps, warm, n_inner)


def _mlp_params(rng):
    sizes = [784, 2048, 2048, 10]
    ps = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):  # noqa: RUF007
        ps.append((rng.standard_normal((a, b)) / numpy.sqrt(a)).astype("float32"))
        ps.append(numpy.zeros(b, "float32"))
    return ps


def _pergrad_data(rng):
    w = (rng.standard_normal((64, 32)) / 8).astype("float32")
    return w, rng.standard_normal((256, 64)).astype("float32")


def bench_arrax(device, out):
    import arrax as np

    dev = device
    sync = np.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    rng = numpy.random.default_rng(0)
    x16 = np.asarray(rng.standard_normal(16).astype("float32"), device=dev)
    x16.requires_grad = True

    def small():
        y = (x16 * 2.0).sum()
        y.backward()

    out["small"] = _timeit(small, sync, 200)
    a = np.asarray(numpy.ones(16, "float32"), device=dev)
    b = np.asarray(numpy.ones(16, "float32"), device=dev)
    out["nograd"] = _timeit(lambda: a + b, sync, 1000)

    ps = [np.asarray(p, device=dev) for p in _mlp_params(rng)]
    for p in ps:
        p.requires_grad = True
    xb = np.asarray(rng.standard_normal((512, 784)).astype("float32"), device=dev)
    yb = np.asarray(rng.standard_normal((512, 10)).astype("float32"), device=dev)

    def mlp():
        h = xb
        for i in range(0, len(ps), 2):
            h = h @ ps[i] + ps[i + 1]
            if i + 2 < len(ps):
                h = np.maximum(h, 0.0)
        loss = ((h - yb) ** 2).mean()
        loss.backward()

    out["mlp"] = _timeit(mlp, sync, 10)
    w, xs = (np.asarray(v, device=dev) for v in _pergrad_data(rng))
    pg = np.vmap(np.grad(lambda w, x: (np.tanh(x @ w) ** 2).sum()), in_axes=(None, 0))
    out["pergrad"] = _timeit(lambda: pg(w, xs), sync, 20)
    if dev.startswith("cuda"):
        for p in ps:
            p.grad = None
        sync()
        base = np.cuda.memory_allocated()
        mlp()
        for p in ps:
            p.grad = None
        sync()
        out["memory"] = np.cuda.memory_allocated() - base


def bench_torch(device, out):
    import torch

    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    rng = numpy.random.default_rng(0)
    x16 = torch.tensor(
        rng.standard_normal(16).astype("float32"), device=dev, requires_grad=True
    )

    def small():
        y = (x16 * 2.0).sum()
        y.backward()

    out["small"] = _timeit(small, sync, 200)
    a = torch.ones(16, device=dev)
    b = torch.ones(16, device=dev)
    out["nograd"] = _timeit(lambda: a + b, sync, 1000)
    ps = [torch.tensor(p, device=dev, requires_grad=True) for p in _mlp_params(rng)]
    xb = torch.tensor(rng.standard_normal((512, 784)).astype("float32"), device=dev)
    yb = torch.tensor(rng.standard_normal((512, 10)).astype("float32"), device=dev)

    def mlp():
        h = xb
        for i in range(0, len(ps), 2):
            h = h @ ps[i] + ps[i + 1]
            if i + 2 < len(ps):
                h = torch.relu(h)
        loss = ((h - yb) ** 2).mean()
        loss.backward()

    out["mlp"] = _timeit(mlp, sync, 10)
    w, xs = (torch.tensor(v, device=dev) for v in _pergrad_data(rng))
    pg = torch.func.vmap(
        torch.func.grad(lambda w, x: (torch.tanh(x @ w) ** 2).sum()), in_dims=(None, 0)
    )
    out["pergrad"] = _timeit(lambda: pg(w, xs), sync, 20)
    if dev.type == "cuda":
        for p in ps:
            p.grad = None
        sync()
        base = torch.cuda.memory_allocated()
        mlp()
        for p in ps:
            p.grad = None
        sync()
        out["memory"] = torch.cuda.memory_allocated() - base


def bench_jax(device, out):
    import jax
    import jax.numpy as jnp

    dev = jax.devices("gpu" if device.startswith("cuda") else "cpu")[0]
    rng = numpy.random.default_rng(0)
    x16 = jax.device_put(rng.standard_normal(16).astype("float32"), dev)
    g = jax.jit(jax.grad(lambda x: (x * 2.0).sum()))
    out["small"] = _timeit(lambda: g(x16).block_until_ready(), lambda: None, 200)
    ps = [jax.device_put(p, dev) for p in _mlp_params(rng)]
    xb = jax.device_put(rng.standard_normal((512, 784)).astype("float32"), dev)
    yb = jax.device_put(rng.standard_normal((512, 10)).astype("float32"), dev)

    def loss(ps):
        h = xb
        for i in range(0, len(ps), 2):
            h = h @ ps[i] + ps[i + 1]
            if i + 2 < len(ps):
                h = jnp.maximum(h, 0.0)
        return ((h - yb) ** 2).mean()

    lg = jax.jit(jax.grad(loss))
    out["mlp"] = _timeit(lambda: jax.block_until_ready(lg(ps)), lambda: None, 10)
    w, xs = (jax.device_put(v, dev) for v in _pergrad_data(rng))
    pg = jax.jit(
        jax.vmap(jax.grad(lambda w, x: (jnp.tanh(x @ w) ** 2).sum()), in_axes=(None, 0))
    )
    out["pergrad"] = _timeit(lambda: pg(w, xs).block_until_ready(), lambda: None, 20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--json")
    args = ap.parse_args()
    results = {}
    for name, fn in [
        ("arrax", bench_arrax),
        ("torch", bench_torch),
        ("jax", bench_jax),
    ]:
        r = {}
        try:
            fn(args.device, r)
        except Exception as e:  # noqa: BLE001  (a peer that is missing)
            r["error"] = f"{type(e).__name__}: {e}"
        results[name] = r
    rows = [
        "| case | arrax | PyTorch | JAX (jit) | arrax / PyTorch |",
        "|---|---:|---:|---:|---:|",
    ]
    for case in ["small", "nograd", "mlp", "memory", "pergrad"]:
        vals = [results[k].get(case) for k in ("arrax", "torch", "jax")]

        def fmt(v, case=case):
            if v is None:
                return "-"
            return f"{v} B" if case == "memory" else f"{v * 1e6:.1f} us"

        ratio = "-"
        if case != "memory" and vals[0] and vals[1]:
            ratio = f"{vals[0] / vals[1]:.2f}"
        rows.append(f"| {case} | " + " | ".join(fmt(v) for v in vals) + f" | {ratio} |")
    print(f"device: {args.device}")
    print("\n".join(rows))
    for k, r in results.items():
        if "error" in r:
            print(f"{k}: {r['error']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
