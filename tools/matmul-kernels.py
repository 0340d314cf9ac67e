"""The kernels a 1024^3 product launches, in arrax and in PyTorch, for ncu:

    ncu --metrics gpu__time_duration.sum --csv python tools/matmul-kernels.py

Each library runs float32 (full), tf32 and bfloat16 products twice after
a warm-up outside the profiled range (cudaProfilerStart/Stop through
PyTorch, so run ncu with --profile-from-start off). The CSV names every
kernel with its duration: how many kernels a call launches and which
cuBLAS kernel the heuristic chose.
"""
import numpy
import torch

import arrax

x = numpy.random.default_rng(0).standard_normal((1024, 1024), numpy.float32)
a32 = arrax.asarray(x, device="cuda")
t32 = torch.from_numpy(x).cuda()
cases = []
for dt, mode in (("float32", "highest"), ("float32", "tf32"),
                 ("bfloat16", "highest")):
    m = a32.astype(dt)
    tm = t32.to(getattr(torch, dt))

    def ax(m=m, mode=mode):
        arrax.set_matmul_precision(mode)
        r = m @ m
        arrax.cuda.synchronize()
        arrax.set_matmul_precision("highest")
        return r

    def tc(tm=tm, mode=mode):
        torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
        r = tm @ tm
        torch.cuda.synchronize()
        torch.backends.cuda.matmul.allow_tf32 = False
        return r

    cases += [ax, tc]
for f in cases:  # warm-up: plans, heuristics, handles
    f()
    f()
torch.cuda.cudart().cudaProfilerStart()
for f in cases:
    f()
    f()
torch.cuda.cudart().cudaProfilerStop()
print("done")
