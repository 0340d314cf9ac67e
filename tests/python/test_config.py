"""arrax.show_config() and arrax.show_runtime() name the BLAS library, the
SIMD levels, the thread counts, the CUDA state and the kernel cache."""

import re

import pytest

import arrax


def test_show_config_mentions_the_build(capsys):
    assert arrax.show_config() is None
    out = capsys.readouterr().out
    assert "openblas" in out.lower()
    assert re.search(r"version: \d+\.\d+\.\d+", out)  # OpenBLAS's version
    assert "lapack" in out and "fft" in out and "SLEEF" in out
    assert arrax.__version__ in out and "NumPy" in out


def test_show_config_dicts():
    d = arrax.show_config(mode="dicts")
    blas = d["Build Dependencies"]["blas"]
    assert blas["name"] == "openblas"
    assert blas["config"].startswith("OpenBLAS ")
    assert blas["version"] == blas["config"].split()[1]


def test_show_runtime_mentions_simd_threads_cuda(capsys):
    assert arrax.show_runtime() is None
    out = capsys.readouterr().out
    assert "simd_loops" in out and "features" in out
    assert "threads" in out and "blas" in out
    assert "cuda" in out and "kernel_cache" in out


def test_show_runtime_dicts():
    d = arrax.show_runtime(mode="dicts")
    cpu = d["cpu"]
    assert cpu["simd_loops"] in ("AVX512F", "AVX2+FMA", "none", "not built")
    if cpu["simd_loops"] == "AVX512F":
        assert "avx512f" in cpu["features"]
    if cpu["simd_loops"] == "AVX2+FMA":
        assert "avx2" in cpu["features"] and "fma" in cpu["features"]
    assert d["threads"]["arrax"] >= 1 and d["threads"]["blas"] >= 1
    cuda = d["cuda"]
    assert cuda["available"] == arrax.cuda.is_available()
    cache = cuda["kernel_cache"]
    assert cache["path"] and cache["files"] >= 0 and cache["bytes"] >= 0
    if cuda["available"]:
        assert cuda["devices"] and "driver" in cuda and "nvrtc" in cuda


def test_kernel_cache_follows_the_variable(tmp_path, monkeypatch):
    (tmp_path / "0123456789abcdef.axk").write_bytes(b"x" * 10)
    monkeypatch.setenv("ARRAX_CACHE_DIR", str(tmp_path))
    cache = arrax.show_runtime(mode="dicts")["cuda"]["kernel_cache"]
    assert cache == {"path": str(tmp_path), "files": 1, "bytes": 10}


def test_bad_mode():
    with pytest.raises(ValueError, match=r"^\[show_runtime\] mode"):
        arrax.show_runtime(mode="json")
