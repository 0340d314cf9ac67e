"""The benchmark cases that were behind the peers in the last GPU run, once
each after a warm-up, for a kernel profiler:

    ncu --section SpeedOfLight --section Occupancy --section LaunchStats \\
        -k 'regex:arg_|reduce_|transpose|put_|check_rows' \\
        python tools/profile-cases.py

(registers, occupancy, achieved bandwidth of each kernel; see
docs/gpu-status.md for what was found)."""
import numpy

import arrax


def main():
    rng = numpy.random.default_rng(0)
    a = arrax.asarray(rng.uniform(0.5, 1.5, (8192, 8192)).astype(numpy.float32),
                      device="cuda")
    n = 1 << 26
    v = arrax.asarray(rng.uniform(-2, 2, n).astype(numpy.float32), device="cuda")
    idx = arrax.asarray(rng.permutation(1 << 24).astype(numpy.int64) * 4,
                        device="cuda")
    vals = arrax.asarray(rng.uniform(-2, 2, 1 << 24).astype(numpy.float32),
                         device="cuda")
    cases = [
        ("argmax all", lambda: arrax.argmax(a)),
        ("argmax axis1", lambda: arrax.argmax(a, axis=1)),
        ("sum all", lambda: arrax.sum(a)),
        ("transpose copy", lambda: a.T.copy()),
        ("scatter", lambda: v.__setitem__(idx, vals)),
    ]
    for name, fn in cases:  # warm-up: JIT, allocator
        fn()
    arrax.cuda.synchronize()
    for name, fn in cases:
        print("==", name, flush=True)
        fn()
        arrax.cuda.synchronize()


if __name__ == "__main__":
    main()
