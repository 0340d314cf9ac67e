"""Quick speed report for indexing against NumPy (not a test).

    PYTHONPATH=python python tools/indexing_speed.py

Prints the median time of each operation for NumPy and arrax on the CPU.
"""

import time

import numpy

import arrax


def median_time(fn, repeat=15):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def main():
    rng = numpy.random.default_rng(0)
    n, k = 10_000_000, 1_000_000
    a_np = rng.random(n)
    idx_np = rng.integers(0, n, size=k)
    mask_np = rng.random(n) < 0.5
    v_np = rng.random(k)
    a = arrax.asarray(a_np)
    idx = arrax.asarray(idx_np)
    mask = arrax.asarray(mask_np)
    v = arrax.asarray(v_np)
    b_np = a_np.copy()
    b = arrax.asarray(b_np.copy())
    rows_np = rng.random((100_000, 64))
    rows = arrax.asarray(rows_np)
    ridx_np = rng.integers(0, 100_000, size=50_000)
    ridx = arrax.asarray(ridx_np)

    cases = [
        ("gather a[idx] (1M of 10M float64)", lambda: a_np[idx_np], lambda: a[idx]),
        ("take(a, idx)", lambda: numpy.take(a_np, idx_np), lambda: arrax.take(a, idx)),
        (
            "row gather x[idx] (50k rows of 64)",
            lambda: rows_np[ridx_np],
            lambda: rows[ridx],
        ),
        ("mask select a[mask] (10M, 50%)", lambda: a_np[mask_np], lambda: a[mask]),
        (
            "scatter a[idx] = v (1M)",
            lambda: b_np.__setitem__(idx_np, v_np),
            lambda: b.__setitem__(idx, v),
        ),
        (
            "scatter a[idx] = 0.0",
            lambda: b_np.__setitem__(idx_np, 0.0),
            lambda: b.__setitem__(idx, 0.0),
        ),
        (
            "mask assign a[mask] = 0.0",
            lambda: b_np.__setitem__(mask_np, 0.0),
            lambda: b.__setitem__(mask, 0.0),
        ),
        (
            "nonzero(mask) (10M)",
            lambda: numpy.nonzero(mask_np),
            lambda: arrax.nonzero(mask),
        ),
        ("small a[3] (scalar)", lambda: a_np[3], lambda: a[3]),
        ("small a[1:5]", lambda: a_np[1:5], lambda: a[1:5]),
    ]
    print(
        f"threads: arrax uses ARRAX_NUM_THREADS or all cores; NumPy {numpy.__version__}"
    )
    print(f"{'operation':40s} {'numpy':>12s} {'arrax':>12s} {'speedup':>8s}")
    for name, f_np, f_ax in cases:
        t_np = median_time(f_np)
        t_ax = median_time(f_ax)
        unit, s = ("ms", 1e3) if t_np > 1e-4 else ("us", 1e6)
        print(
            f"{name:40s} {t_np * s:10.3f}{unit} {t_ax * s:10.3f}{unit} "
            f"{t_np / t_ax:7.2f}x"
        )


if __name__ == "__main__":
    main()
