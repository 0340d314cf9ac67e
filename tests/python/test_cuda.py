"""The CUDA backend. Device code is compiled with NVRTC here (CI has no GPU,
but has the CUDA toolkit); the rest runs where a GPU is present
(tools/gpu-check)."""

import numpy
import pytest

import arrax
import xp

cuda = pytest.mark.skipif(not arrax.cuda.is_available(), reason="no GPU")


def _nvrtc_present():
    import ctypes.util

    return ctypes.util.find_library("nvrtc") is not None


@pytest.mark.skipif(not _nvrtc_present(), reason="no NVRTC")
@pytest.mark.skipif(arrax.cuda.is_available(),
                    reason="with a GPU, arrax.cuda.precompile() (gpu-check) "
                           "compiles every module")
def test_device_code_compiles_with_nvrtc():
    assert arrax.cuda.selfcheck(90) >= 16


def test_unavailable_is_clean():
    if arrax.cuda.is_available():
        pytest.skip("a GPU is present")
    assert arrax.cuda.device_count() == 0
    with pytest.raises(ValueError, match=r"^\[device\]"):
        arrax.asarray([1.0], device="cuda")


@cuda
@pytest.mark.parametrize("dtype", xp.ALL)
def test_roundtrip_and_add(dtype):
    a = xp.rand((33, 17), dtype)
    b = xp.rand((17,), dtype, seed=1)
    ga = arrax.asarray(a, device="cuda")
    gb = arrax.asarray(b, device="cuda")
    assert str(ga.device).startswith("cuda")
    xp.assert_close(numpy.asarray(ga), a)
    xp.assert_close(numpy.asarray(ga + gb), a + b)


@cuda
def test_strided_and_cast_copies():
    a = xp.rand((64, 48), "float32")
    g = arrax.asarray(a, device="cuda")
    xp.assert_close(numpy.asarray(g.T.astype("float64")), a.T.astype("float64"))
    xp.assert_close(numpy.asarray(g[::3, ::-2] * 2), a[::3, ::-2] * 2)


@cuda
def test_mixing_devices_names_both():
    g = arrax.asarray(numpy.ones(3), device="cuda")
    c = arrax.asarray(numpy.ones(3), device="cpu")
    with pytest.raises(ValueError, match="cuda:0.*cpu|cpu.*cuda:0"):
        g + c


@cuda
def test_allocator_counters_and_oom_recovery():
    arrax.cuda.synchronize()
    before = arrax.cuda.memory_allocated()
    g = arrax.asarray(numpy.ones(1 << 20, numpy.float32), device="cuda")
    assert arrax.cuda.memory_allocated() >= before + (4 << 20)
    assert arrax.cuda.max_memory_allocated() >= arrax.cuda.memory_allocated()
    del g
    arrax.cuda.empty_cache()
    with pytest.raises(MemoryError, match=r"^\[cuda\]"):
        arrax.empty((1 << 46,), dtype="float32", device="cuda")
    # The process keeps working.
    g = arrax.asarray(numpy.arange(4.0), device="cuda")
    assert float((g * 2).sum()) == 12.0


def test_device_context_manager_restores():
    before = arrax.default_device()
    with arrax.device("cpu"):
        assert arrax.default_device() == "cpu"
        assert str(arrax.zeros(3).device) == "cpu"
    assert arrax.default_device() == before


def test_cpu_array_has_no_cuda_array_interface():
    a = arrax.ones(3, device="cpu")
    assert not hasattr(a, "__cuda_array_interface__")


@cuda
def test_scalar_operands_by_value_and_unaligned_views():
    for dt in ("float32", "float64", "int8", "float16", "complex64", "bool"):
        a = xp.rand((1001,), dt)
        g = arrax.asarray(a, device="cuda")
        # Offset views are not 16-byte aligned: the scalar path runs.
        for sl in (slice(None), slice(1, None), slice(3, 1000)):
            if dt == "bool":
                xp.assert_close(numpy.asarray(g[sl] | True), a[sl] | True)
            else:
                xp.assert_close(numpy.asarray(g[sl] * 2), a[sl] * 2)
                xp.assert_close(numpy.asarray(3 - g[sl]), 3 - a[sl])
                xp.assert_close(numpy.asarray(g[sl] + g[sl]), a[sl] + a[sl])
    # a one-element device array broadcast
    a = xp.rand((1000,), "float32")
    one = arrax.asarray(numpy.float32([2.5]), device="cuda")
    xp.assert_close(numpy.asarray(arrax.asarray(a, device="cuda") * one), a * 2.5)
    xp.assert_close(
        numpy.asarray(arrax.clip(arrax.asarray(a, device="cuda"), 0.2, 0.7)),
        numpy.clip(a, 0.2, 0.7),
    )


@cuda
def test_streams_and_events():
    s = arrax.cuda.Stream()
    assert arrax.cuda.current_stream() == arrax.cuda.default_stream()
    a = arrax.asarray(numpy.arange(1 << 20, dtype=numpy.float32), device="cuda")
    start = arrax.cuda.Event(enable_timing=True)
    end = arrax.cuda.Event(enable_timing=True)
    with arrax.cuda.stream(s):
        assert arrax.cuda.current_stream() == s
        start.record()
        b = a * 2 + 1
        end.record()
    assert arrax.cuda.current_stream() == arrax.cuda.default_stream()
    end.synchronize()
    assert end.query() and s.query()
    assert start.elapsed_time(end) >= 0.0
    s.synchronize()
    # Work on the default stream after the block sees b complete.
    assert float(b[-1]) == float((1 << 20) - 1) * 2 + 1
    s2 = arrax.cuda.Stream()
    s2.wait_stream(s)
    with s2:
        c = b - 1
    del b
    s2.synchronize()
    xp.assert_close(numpy.asarray(c), numpy.arange(1 << 20, dtype=numpy.float32) * 2)


@cuda
def test_arrays_outlive_their_stream():
    # Memory allocated under a stream is freed on it; a stream dropped
    # before its arrays hands them to the default stream.
    a = arrax.asarray(numpy.arange(1 << 20, dtype=numpy.float32), device="cuda")
    s = arrax.cuda.Stream()
    with s:
        b = a * 3
        small = a[:4] + 1
    del s
    import gc
    gc.collect()
    assert float(b[5]) == 15.0 and float(small[0]) == 1.0
    del b, small
    c = a + 1  # the freed blocks are reused safely
    assert float(c[-1]) == float(1 << 20)
    arrax.cuda.synchronize()


@cuda
def test_in_place_and_out_with_python_scalars():
    n = numpy.arange(6.0).reshape(2, 3)
    a = arrax.asarray(n, device="cuda")
    a += 1
    a %= 4
    a *= 2.5
    out = arrax.empty((2, 3), device="cuda")
    arrax.multiply(arrax.asarray(n[0], device="cuda"), 2, out=out)
    xp.assert_close(numpy.asarray(a), ((n + 1) % 4) * 2.5)
    xp.assert_close(numpy.asarray(out), numpy.broadcast_to(n[0] * 2, (2, 3)))
    assert str(out.device) == "cuda:0"


@cuda
@pytest.mark.parametrize("dtype", xp.ALL)
def test_scalar_fills(dtype):
    # Note [Scalar fills]: host scalars ride in the launch, any layout.
    n = xp.rand((6, 8), dtype)
    value = 3 if dtype != "bool" else True

    def body(m, a):
        a = a.copy()
        a[...] = value
        a[::2, 1::3] = 0
        a[:, -1] = 1.5 if m.dtype(a.dtype).kind in "fc" else 2
        b = m.full((3, 5), value, dtype=a.dtype)
        return a, b, m.zeros((4,), dtype=a.dtype), m.ones((2, 3), dtype=a.dtype)

    xp.check(body, n)


@cuda
def test_more_than_8_dimensions():
    # Note [More than 8 dimensions]: transposed 10-d views do not merge to 8
    # dimensions; the ops still run (on host copies) and match NumPy.
    n = numpy.arange(2 ** 10, dtype=numpy.float32).reshape((2,) * 10)
    perm = (1, 0, 3, 2, 5, 4, 7, 6, 9, 8)
    t = lambda m, a: a.transpose(perm)
    xp.check(lambda m, a: t(m, a).copy(), n)
    xp.check(lambda m, a: t(m, a) * 2 + 1, n)
    xp.check(lambda m, a: t(m, a).sum(axis=(0, 2, 4)), n)
    xp.check(lambda m, a: m.cumsum(t(m, a), axis=3), n)
    xp.check(lambda m, a: t(m, a) @ t(m, a), n)

    def inplace(m, a):
        a = a.copy()  # NumPy's run must not change the input of arrax's
        v = t(m, a)
        v += 1  # in place through the view: a changes too
        v[0, 1] = 7
        return a

    xp.check(inplace, n)


@cuda
def test_precompile_and_cache_hits_across_processes(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, ARRAX_CACHE_DIR=str(tmp_path))
    code = (
        "import arrax, numpy; g = arrax.asarray(numpy.ones(4), device='cuda');"
        "float((g + 1)[0]); print(arrax.cuda.compiled_modules())"
    )
    first = subprocess.run([sys.executable, "-c", code], env=env,
                           capture_output=True, text=True, check=True)
    assert int(first.stdout.split()[-1]) >= 1
    second = subprocess.run([sys.executable, "-c", code], env=env,
                            capture_output=True, text=True, check=True)
    assert int(second.stdout.split()[-1]) == 0  # compiled nothing
    assert "compiling" not in second.stderr


@cuda
def test_dlpack_and_cuda_array_interface_with_torch():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch without CUDA")
    t = torch.arange(12, dtype=torch.float32, device="cuda").reshape(3, 4)
    a = arrax.from_dlpack(t)
    assert str(a.device) == "cuda:0" and a.shape == (3, 4)
    a[0, 0] = 42.0  # zero-copy: torch sees the write
    arrax.cuda.synchronize()
    assert float(t[0, 0]) == 42.0
    b = arrax.asarray(t.T)  # a GPU object converts without a host copy
    assert b._data_ptr == t.data_ptr()
    back = torch.from_dlpack(a * 2)
    assert back.device.type == "cuda"
    assert torch.equal(back.cpu(), (t * 2).cpu())
    cai = (a + 1).__cuda_array_interface__
    assert cai["version"] == 3 and cai["shape"] == (3, 4)
    assert cai["typestr"] == "<f4" and cai["stream"] not in (None, 0)
    ts = torch.as_tensor(a, device="cuda")
    assert ts.data_ptr() == a._data_ptr


@cuda
def test_dlpack_and_cuda_array_interface_with_cupy():
    cp = pytest.importorskip("cupy")
    c = cp.arange(10, dtype=cp.float64)
    a = arrax.from_dlpack(c)
    assert a._data_ptr == c.data.ptr
    a += 1
    arrax.cuda.synchronize()
    assert float(c[0]) == 1.0
    g = arrax.asarray(numpy.arange(6.0).reshape(2, 3), device="cuda")[:, ::2]
    v = cp.asarray(g)  # through __cuda_array_interface__, strided
    assert v.data.ptr == g._data_ptr
    numpy.testing.assert_array_equal(cp.asnumpy(v), numpy.arange(6.0).reshape(2, 3)[:, ::2])
    w = cp.from_dlpack(g)
    numpy.testing.assert_array_equal(cp.asnumpy(w), numpy.arange(6.0).reshape(2, 3)[:, ::2])


def test_to_moves_and_casts():
    a = arrax.arange(4.0, device="cpu")
    assert a.to("cpu") is a
    b = a.to("float32")
    assert b.dtype == numpy.float32 and str(b.device) == "cpu"
    c = a.to("cpu", copy=True)
    assert c is not a and not c._shares_storage(a)
    if arrax.cuda.is_available():
        g = a.to("cuda", arrax.float32)
        assert str(g.device) == "cuda:0" and g.dtype == numpy.float32
        xp.assert_close(numpy.asarray(g.to("cpu")), numpy.arange(4.0, dtype="float32"))
