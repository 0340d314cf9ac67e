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
