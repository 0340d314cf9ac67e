"""Quick side-by-side timing of large contiguous ufunc loops, arrax vs NumPy
(not a test; the benchmark suite lives in benchmarks/).

    PYTHONPATH=python python tools/bench_ufuncs.py [n]
"""

import sys
import time

import numpy

import arrax

NAMES = [
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "cbrt",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arctanh",
    "add",
    "multiply",
    "maximum",
]


def best_ms(f, repeat=15):
    f()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20
    rng = numpy.random.default_rng(0)
    for dtype in ["float32", "float64"]:
        x = rng.uniform(0.05, 0.95, n).astype(dtype)
        a = arrax.asarray(x)
        out_n, out_a = numpy.empty_like(x), arrax.asarray(numpy.empty_like(x))
        for name in NAMES:
            fn, fa = getattr(numpy, name), getattr(arrax, name)
            xs, as_ = (x,) * fn.nin, (a,) * fn.nin
            tn = best_ms(lambda: fn(*xs, out=out_n))  # noqa: B023
            ta = best_ms(lambda: fa(*as_, out=out_a))  # noqa: B023
            print(
                f"{dtype:8s} {name:9s} numpy {tn:8.3f} ms  arrax {ta:8.3f} ms"
                f"  speedup {tn / ta:5.2f}"
            )


if __name__ == "__main__":
    main()
