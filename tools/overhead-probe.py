"""Where the time of a small GPU op goes: per-call host time of a ladder of
operations, each adding one piece of the path (binding, allocation, kernel
launch), on 16-element float32 arrays. tools/gpu-check runs it; compare the
rungs to see what to shave (Note [Small-op overhead], arrax/dispatch.cpp).

    python tools/overhead-probe.py [--with-peers] [--matmul-only]

--with-peers then imports PyTorch, CuPy and JAX, runs an op in each on the
GPU (as the benchmark process has them) and times the small ops again, to
see whether their presence changes arrax's small-op times.
"""
import sys
import time

import numpy

import arrax


def per_call(fn, n=20000, sync=None, wait=True):
    """Best per-call time of n calls (us); with `wait` the timing includes
    synchronizing after them, without it only the calls (after a sync)."""
    for _ in range(200):
        fn()
    if sync:
        sync()
    best = float("inf")
    for _ in range(5):
        if sync and not wait:
            sync()
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if sync and wait:
            sync()
        best = min(best, (time.perf_counter() - t) / n)
    if sync:
        sync()
    return best * 1e6


def _warm_peers():
    import importlib

    for name, run in (
        ("torch", lambda m: (m.ones(16, device="cuda") + 1).sum().item()),
        ("cupy", lambda m: float((m.ones(16) + 1).sum())),
        ("jax.numpy", lambda m: float((m.ones(16) + 1).sum())),
    ):
        try:
            run(importlib.import_module(name))
            print(f"peer: {name} loaded and run")
        except Exception as e:  # a peer that is missing is left out
            print(f"peer: {name} unavailable ({type(e).__name__})")


def matmul_rungs():
    """1024^3 products: is a call bound by the host (allocation, descriptor
    set-up, heuristics) or by the kernel? 50 calls fit in the launch queue.
    The out= rung leaves the 4 MiB allocation out; the empty() rung is that
    allocation (and its free) alone."""
    sync = arrax.cuda.synchronize
    print(f"{'cuda: empty((1024, 1024), float32)':40s} "
          f"{per_call(lambda: arrax.empty((1024, 1024), dtype=numpy.float32, device='cuda'), sync=sync):7.2f} us")
    for dt, mode in (("float32", "highest"), ("float32", "tf32"),
                     ("bfloat16", "highest")):
        m = arrax.asarray(numpy.ones((1024, 1024), numpy.float32),
                          device="cuda").astype(dt)
        c = arrax.empty_like(m)
        old = arrax.get_matmul_precision()
        arrax.set_matmul_precision(mode)
        try:
            tag = f"matmul 1024 {dt} {mode}"
            host = per_call(lambda: m @ m, n=50, sync=sync, wait=False)
            into = per_call(lambda: arrax.matmul(m, m, out=c), n=50,
                            sync=sync, wait=False)
            full = per_call(lambda: m @ m, n=200, sync=sync)
            print(f"{'cuda: ' + tag + ', host side':40s} {host:7.2f} us")
            print(f"{'cuda: ' + tag + ', out=, host side':40s} {into:7.2f} us")
            print(f"{'cuda: ' + tag:40s} {full:7.2f} us")
        finally:
            arrax.set_matmul_precision(old)


def main():
    if "--matmul-only" in sys.argv:
        if arrax.cuda.is_available():
            matmul_rungs()
        return
    x = numpy.arange(16, dtype=numpy.float32)
    ac, bc = arrax.asarray(x, device="cpu"), arrax.asarray(x + 1, device="cpu")
    rows = [
        ("cpu: a.shape (binding only)", lambda: ac.shape, None),
        ("cpu: a.T (a view, no kernel)", lambda: ac.T, None),
        ("cpu: a + b", lambda: ac + bc, None),
    ]
    if arrax.cuda.is_available():
        print("launch thread (Note [Launch thread]):",
              "on" if arrax._core.cuda._async_launch() else "off")
        a, b = arrax.asarray(x, device="cuda"), arrax.asarray(x + 1, device="cuda")
        sync = arrax.cuda.synchronize
        rows += [
            ("cuda: a.T (a view, no kernel)", lambda: a.T, None),
            ("cuda: empty((16,), float32)",
             lambda: arrax.empty((16,), dtype=numpy.float32, device="cuda"),
             None),
            ("cuda: synchronize (idle stream)", sync, None),
            ("cuda: a + b", lambda: a + b, sync),
            ("cuda: a + 1.0 (scalar by value)", lambda: a + 1.0, sync),
            ("cuda: -a", lambda: -a, sync),
            ("cuda: a.sum()", lambda: a.sum(), sync),
            ("cuda: arrax.sum(a)", lambda: arrax.sum(a), sync),
            ("cuda: a + b, then synchronize", lambda: (a + b, sync()), None),
        ]
    for name, fn, after in rows:
        print(f"{name:40s} {per_call(fn, sync=after):7.2f} us")
    if arrax.cuda.is_available():
        # Host side only: 200 launches fit in the launch queue, so the loop
        # does not wait for the GPU; with the rows above (which wait) this
        # tells whether a small op is bound by the host or by the GPU.
        print(f"{'cuda: a + b, host side only (200 calls)':40s} "
              f"{per_call(lambda: a + b, n=200, sync=sync, wait=False):7.2f} us")
        print(f"{'cuda: -a, host side only (200 calls)':40s} "
              f"{per_call(lambda: -a, n=200, sync=sync, wait=False):7.2f} us")
        print(f"{'cuda: a.sum(), host side only (200 calls)':40s} "
              f"{per_call(lambda: a.sum(), n=200, sync=sync, wait=False):7.2f} us")
        # The floor under every op: cuLaunchKernel of an empty kernel in a
        # C++ loop (no Python, no allocation), best of 5 (through the launch
        # thread when it is on, except on the NULL stream).
        probe = arrax._core.cuda._launch_probe
        for variant, tag in ((0, "empty kernel launch"),
                             (1, "launch, ewv's 6 parameters"),
                             (2, "launch, 6 parameters in one buffer"),
                             (3, "empty kernel launch, NULL stream")):
            runs = [probe(None, 200, variant) for _ in range(5)]
            print(f"{'cuda: ' + tag + ', host side':40s} "
                  f"{min(r[0] for r in runs):7.2f} us")
            print(f"{'cuda: ' + tag + ', with the GPU':40s} "
                  f"{min(r[1] for r in runs):7.2f} us")
        # a + b without Python: dispatch, allocation and launch only.
        runs = [arrax._core.cuda._op_probe(a, b, 200) for _ in range(5)]
        print(f"{'cuda: add(a, b) from C++, host side':40s} "
              f"{min(r[0] for r in runs):7.2f} us")
        matmul_rungs()
    if arrax.cuda.is_available() and "--with-peers" in sys.argv:
        _warm_peers()
        for name, fn in (("cuda: a + b", lambda: a + b),
                         ("cuda: a.sum()", lambda: a.sum()),
                         ("cuda: arrax.sum(a)", lambda: arrax.sum(a))):
            print(f"{name + ', peers loaded':40s} "
                  f"{per_call(fn, sync=arrax.cuda.synchronize):7.2f} us")


if __name__ == "__main__":
    main()
