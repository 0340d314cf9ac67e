"""Where the time of a small GPU op goes: per-call host time of a ladder of
operations, each adding one piece of the path (binding, allocation, kernel
launch), on 16-element float32 arrays. tools/gpu-check runs it; compare the
rungs to see what to shave (Note [Small-op overhead], arrax/dispatch.cpp).

    python tools/overhead-probe.py
"""
import time

import numpy

import arrax


def per_call(fn, n=20000, sync=None):
    for _ in range(200):
        fn()
    if sync:
        sync()
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if sync:
            sync()
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


def main():
    x = numpy.arange(16, dtype=numpy.float32)
    ac, bc = arrax.asarray(x, device="cpu"), arrax.asarray(x + 1, device="cpu")
    rows = [
        ("cpu: a.shape (binding only)", lambda: ac.shape, None),
        ("cpu: a.T (a view, no kernel)", lambda: ac.T, None),
        ("cpu: a + b", lambda: ac + bc, None),
    ]
    if arrax.cuda.is_available():
        a, b = arrax.asarray(x, device="cuda"), arrax.asarray(x + 1, device="cuda")
        sync = arrax.cuda.synchronize
        rows += [
            ("cuda: a.T (a view, no kernel)", lambda: a.T, None),
            ("cuda: empty((16,)) (allocation)",
             lambda: arrax.empty((16,), dtype="float32", device="cuda"), None),
            ("cuda: synchronize (idle stream)", sync, None),
            ("cuda: a + b", lambda: a + b, sync),
            ("cuda: a + 1.0 (scalar by value)", lambda: a + 1.0, sync),
            ("cuda: -a", lambda: -a, sync),
            ("cuda: a.sum()", lambda: a.sum(), sync),
            ("cuda: a + b, then synchronize", lambda: (a + b, sync()), None),
        ]
    for name, fn, sync in rows:
        print(f"{name:40s} {per_call(fn, sync=sync):7.2f} us")


if __name__ == "__main__":
    main()
