"""Registers, spills and shared memory of device kernels, without a GPU:
NVRTC compiles the instantiations to PTX for compute_90 and ptxas -v
reports each kernel (what ncu's Occupancy section starts from).

    python tools/kernel-resources.py reduce.cuh '&ax::red::arg_row<0, float>'
"""
import ctypes
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEVICE = os.path.join(HERE, os.pardir, "arrax", "backend", "cuda", "device")
CUDA = os.environ.get("CUDA_HOME", "/usr/local/cuda")


def ptx_of(header, exprs, arch="90"):
    nvrtc = ctypes.CDLL(os.path.join(CUDA, "lib64", "libnvrtc.so"))
    prog = ctypes.c_void_p()
    src = f'#include "{header}"\n'.encode()
    assert nvrtc.nvrtcCreateProgram(ctypes.byref(prog), src, b"k.cu", 0,
                                    None, None) == 0
    for e in exprs:
        assert nvrtc.nvrtcAddNameExpression(prog, e.encode()) == 0
    opts = [f"--gpu-architecture=compute_{arch}", "-std=c++17",
            "-default-device", f"--include-path={DEVICE}"]
    arr = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
    rc = nvrtc.nvrtcCompileProgram(prog, len(opts), arr)
    size = ctypes.c_size_t()
    nvrtc.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    nvrtc.nvrtcGetProgramLog(prog, log)
    if rc != 0:
        sys.exit(log.value.decode())
    nvrtc.nvrtcGetPTXSize(prog, ctypes.byref(size))
    ptx = ctypes.create_string_buffer(size.value)
    nvrtc.nvrtcGetPTX(prog, ptx)
    names = {}
    for e in exprs:
        p = ctypes.c_char_p()
        nvrtc.nvrtcGetLoweredName(prog, e.encode(), ctypes.byref(p))
        names[p.value.decode()] = e
    return ptx.value.decode(), names


def main():
    header, exprs = sys.argv[1], sys.argv[2:]
    ptx, names = ptx_of(header, exprs)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "k.ptx")
        with open(path, "w") as f:
            f.write(ptx)
        out = subprocess.run([os.path.join(CUDA, "bin", "ptxas"), "-arch=sm_90",
                              "-v", path, "-o", os.path.join(d, "k.cubin")],
                             capture_output=True, text=True)
    fn = None
    for line in out.stderr.splitlines():
        m = re.search(r"Compiling entry function '(\S+)'", line)
        if m:
            fn = names.get(m.group(1), m.group(1))
        elif fn and ("registers" in line or "spill" in line):
            print(f"{fn}: {line.split('info    : ')[-1].strip()}")


if __name__ == "__main__":
    main()
