"""arrax's benchmark suite: the same workloads in arrax and in the array
libraries a user would pick instead (NumPy on the CPU; CuPy, PyTorch and JAX
on the GPU), in one process, on one machine, in one run.

    python -m benchmarks run --suite cpu            # table + JSON + PNG
    python -m benchmarks run --suite all --json out.json
    python -m benchmarks list

See benchmarks/README.md for the method and the latest results.
"""
