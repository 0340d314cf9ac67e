"""The wall-clock timer of the stand-alone benchmark scripts (autograd,
linalg, random, sort): the median over `reps` timed batches, after `warm`
untimed calls, each batch of `inner` calls closed by `sync()` (a device
synchronization, or nothing on the CPU), per call."""

import statistics
import time


def median_time(fn, sync, reps, warm=1, inner=1):
    for _ in range(warm):
        fn()
    sync()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples)
