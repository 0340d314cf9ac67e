"""numpy.fft against NumPy through the shared helper (xp.check): every name,
dtypes, odd and prime lengths, n/s/axes/norm, out=, batched and strided
inputs, and bad input. Runs on the GPU when it is the default device."""

import numpy
import pytest
import xp

import arrax

C1 = ["fft", "ifft"]
R2C1 = ["rfft", "ihfft"]
C2R1 = ["irfft", "hfft"]
ALL1 = C1 + R2C1 + C2R1
CN = ["fftn", "ifftn", "fft2", "ifft2"]
RN = ["rfftn", "rfft2"]
IRN = ["irfftn", "irfft2"]
ALLN = CN + RN + IRN
NORMS = [None, "backward", "ortho", "forward"]
LENGTHS = [1, 2, 7, 17, 97, 128, 1000, 1009]
DTYPES = ["bool", "int8", "uint8", "int32", "int64"] + [
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
]

# Relative accuracy per result dtype, against the largest magnitude of the
# result (FFT errors grow with the whole signal, not with each bin).
_TOL = {
    "float16": 4e-3,
    "float32": 2e-5,
    "complex64": 2e-5,
    "float64": 1e-12,
    "complex128": 1e-12,
}


def signal(shape, dtype, seed=0):
    if dtype in ("complex64", "complex128"):
        return xp.rand(shape, dtype, seed=seed)
    return xp.rand(shape, dtype, seed=seed)


def check_fft(fn, *args, **kwargs):
    """xp.check with a tolerance scaled by the result's magnitude."""
    try:
        expected = fn(numpy, *args, **kwargs)
    except Exception:  # noqa: BLE001 - xp.check mirrors the exception
        return xp.check(fn, *args, **kwargs)
    if isinstance(expected, numpy.ndarray) and expected.dtype.kind in "fc":
        tol = _TOL[expected.dtype.name]
        scale = float(numpy.max(numpy.abs(expected))) if expected.size else 1.0
        return xp.check(fn, *args, rtol=tol, atol=tol * max(scale, 1.0), **kwargs)
    return xp.check(fn, *args, **kwargs)


def call(name, m, a, **kw):
    return getattr(m.fft, name)(a, **kw)


def input_for(name, shape, dtype="complex128", seed=0):
    """A real signal for the real-input transforms, else `dtype`."""
    if name in R2C1 + RN and dtype.startswith("complex"):
        dtype = "float64" if dtype == "complex128" else "float32"
    return signal(shape, dtype, seed)


# ---- one axis ----------------------------------------------------------------


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("name", ALL1)
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_lengths(name, n, dtype):
    a = input_for(name, (n,), dtype)
    check_fft(lambda m, a: call(name, m, a), a)
    if name in C2R1:
        # An odd output length too.
        check_fft(lambda m, a: call(name, m, a, n=2 * n - 1), a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ALL1 + ["fftn", "rfftn", "irfftn"])
def test_dtypes(name, dtype):
    a = signal((3, 10), dtype)
    # NumPy raises TypeError for complex input to the real transforms; the
    # helper checks arrax raises it too.
    check_fft(lambda m, a: call(name, m, a), a)


def test_bfloat16():
    a = xp.rand((4, 8), "bfloat16")
    r = arrax.fft.fft(arrax.asarray(a))
    assert numpy.dtype(r.dtype) == numpy.complex64
    e = numpy.fft.fft(a.astype(numpy.float32))
    numpy.testing.assert_allclose(numpy.asarray(r), e, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", ALL1)
@pytest.mark.parametrize("n", [1, 5, 16, 33])
def test_n_pads_and_crops(name, n):
    a = input_for(name, (4, 16))
    check_fft(lambda m, a: call(name, m, a, n=n), a)


@pytest.mark.parametrize("name", ALL1)
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_axis(name, axis):
    a = input_for(name, (5, 6, 7))
    check_fft(lambda m, a: call(name, m, a, axis=axis), a)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ALL1)
def test_norm(name, norm):
    a = input_for(name, (3, 12))
    check_fft(lambda m, a: call(name, m, a, norm=norm, n=10), a)


@pytest.mark.parametrize("name", ALL1)
def test_strided_input(name):
    base = input_for(name, (12, 20))
    for view in (lambda x: x.T, lambda x: x[::2, 1::3], lambda x: x[::-1]):
        check_fft(lambda m, a: call(name, m, view(a), axis=0), base)
        check_fft(lambda m, a: call(name, m, view(a)), base)


@pytest.mark.parametrize("name", ALL1)
def test_batched(name):
    a = input_for(name, (2, 3, 4, 30))
    check_fft(lambda m, a: call(name, m, a), a)
    check_fft(lambda m, a: call(name, m, a, axis=1), a)


def test_roundtrips():
    a = xp.rand((6, 50), "float64")
    x = arrax.asarray(a)
    for n in (49, 50, 51):
        r = arrax.fft.irfft(arrax.fft.rfft(x, n=n), n=n)
        padded = numpy.pad(a, ((0, 0), (0, 1)))[:, :n]
        numpy.testing.assert_allclose(numpy.asarray(r), padded, atol=1e-12)
    r = arrax.fft.ifft(arrax.fft.fft(x))
    numpy.testing.assert_allclose(numpy.asarray(r), a, atol=1e-12)
    r = arrax.fft.ihfft(arrax.fft.hfft(x, n=98))
    numpy.testing.assert_allclose(
        numpy.asarray(r), numpy.fft.ihfft(numpy.fft.hfft(a, n=98)), atol=1e-12
    )


def test_nonzero_dc_imaginary_part_is_ignored():
    # NumPy's C2R drops the imaginary parts of bin 0 and the Nyquist bin.
    a = xp.rand((9,), "complex128")
    check_fft(lambda m, a: m.fft.irfft(a), a)
    check_fft(lambda m, a: m.fft.irfft(a, n=17), a)
    check_fft(lambda m, a: m.fft.hfft(a), a)


# ---- several axes ------------------------------------------------------------

ND_CASES = [
    dict(),
    dict(axes=(0,)),
    dict(axes=(-1, 0)),
    dict(axes=(2, 0, 1)),
    dict(s=(4, 5), axes=(0, 2)),
    dict(s=(3, 9, 11), axes=(0, 1, 2)),
    dict(s=(-1, 6), axes=(1, 2)),
    dict(axes=(1, 1)),
    dict(axes=(0, 2, 0)),
    dict(norm="ortho", axes=(0, 1)),
    dict(norm="forward", s=(7, 8), axes=(2, 1)),
]


@pytest.mark.parametrize("case", range(len(ND_CASES)))
@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn"])
def test_nd(name, case):
    kw = ND_CASES[case]
    a = input_for(name, (6, 5, 8))
    check_fft(lambda m, a: call(name, m, a, **kw), a)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", CN + RN + IRN)
def test_2d(name):
    a = input_for(name, (3, 10, 12))
    check_fft(lambda m, a: call(name, m, a), a)
    check_fft(lambda m, a: call(name, m, a, s=(6, 7)), a)
    check_fft(lambda m, a: call(name, m, a, axes=(0, 2), norm="ortho"), a)


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn"])
def test_many_axes(name):
    # More than three axes: cuFFT's plans do at most three at a time.
    a = input_for(name, (3, 4, 5, 6, 2))
    check_fft(lambda m, a: call(name, m, a), a)
    check_fft(lambda m, a: call(name, m, a, axes=(4, 0, 3, 1)), a)


def test_nd_deprecated_s_without_axes():
    a = xp.rand((4, 6), "complex128")
    with pytest.warns(DeprecationWarning):
        r = arrax.fft.fftn(arrax.asarray(a), s=(3, 5))
    with pytest.warns(DeprecationWarning):
        e = numpy.fft.fftn(a, s=(3, 5))
    xp.assert_close(xp.to_numpy(r), e, atol=1e-12)
    with pytest.warns(DeprecationWarning):
        r = arrax.fft.irfftn(arrax.asarray(a), s=(4, None), axes=(0, 1))
    with pytest.warns(DeprecationWarning):
        e = numpy.fft.irfftn(a, s=(4, None), axes=(0, 1))
    xp.assert_close(xp.to_numpy(r), e, atol=1e-12)


def test_empty_axes():
    a = xp.rand((3, 4), "float64")
    check_fft(lambda m, a: m.fft.fftn(a, axes=()), a)
    check_fft(lambda m, a: m.fft.rfftn(a, axes=()), a)


# ---- out= ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL1 + ["fftn", "rfftn", "irfftn", "fft2"])
def test_out(name):
    a = input_for(name, (4, 10))
    e = call(name, numpy, a)
    for dt in (e.dtype, "complex64" if e.dtype.kind == "c" else "float32"):
        out = arrax.empty(e.shape, dtype=dt)
        r = call(name, arrax, arrax.asarray(a), out=out)
        assert r is out
        tol = 2e-5 * max(1.0, float(numpy.max(numpy.abs(e))))
        numpy.testing.assert_allclose(numpy.asarray(out), e.astype(dt), atol=tol)


def test_out_strided_and_errors():
    a = xp.rand((4, 10), "complex128")
    big = arrax.zeros((10, 4), dtype="complex128")
    r = arrax.fft.fft(arrax.asarray(a), out=big.T)
    numpy.testing.assert_allclose(numpy.asarray(r), numpy.fft.fft(a), atol=1e-12)
    assert numpy.asarray(big).T.tolist() == numpy.asarray(r).tolist()
    x = arrax.asarray(a)
    xp.check_raises(ValueError, arrax.fft.fft, x, out=arrax.empty((4, 9), "complex128"))
    xp.check_raises(TypeError, arrax.fft.fft, x, out=arrax.empty((4, 10), "float64"))
    xp.check_raises(TypeError, arrax.fft.fft, x, out=numpy.empty((4, 10), complex))
    # Writing over the input.
    y = arrax.asarray(a)
    arrax.fft.fft(y, out=y)
    numpy.testing.assert_allclose(numpy.asarray(y), numpy.fft.fft(a), atol=1e-12)


# ---- bad input ---------------------------------------------------------------


@pytest.mark.parametrize("name", ALL1)
def test_bad_n(name):
    a = input_for(name, (8,))
    for n in (0, -1):
        e, r = check_fft(lambda m, a: call(name, m, a, n=n), a)
        assert str(r).startswith(f"[{name}] Invalid number of FFT data points")
    check_fft(lambda m, a: call(name, m, a, n=4.0), a)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_bad_input():
    c = xp.rand((4, 6), "complex128")
    r = xp.rand((4, 6), "float64")
    check_fft(lambda m, a: m.fft.fft(a), numpy.ones((0,)))
    check_fft(lambda m, a: m.fft.fft(a), numpy.ones((4, 0)))
    check_fft(lambda m, a: m.fft.irfft(a), numpy.ones((3, 1), complex))
    check_fft(lambda m, a: m.fft.fft(a, axis=2), c)
    check_fft(lambda m, a: m.fft.fft(a, axis=-3), c)
    check_fft(lambda m, a: m.fft.fft(a, norm="bad"), c)
    check_fft(lambda m, a: m.fft.fftn(a, norm="Ortho"), c)
    check_fft(lambda m, a: m.fft.fftn(a, s=(4,), axes=(0, 1)), c)
    check_fft(lambda m, a: m.fft.fftn(a, s=(4, 4, 4)), c)
    check_fft(lambda m, a: m.fft.fftn(a, s=(0, 4), axes=(0, 1)), c)
    check_fft(lambda m, a: m.fft.fft2(a), numpy.ones(4))
    check_fft(lambda m, a: m.fft.rfft(a), c)
    check_fft(lambda m, a: m.fft.rfftn(a), c)
    check_fft(lambda m, a: m.fft.ihfft(a), c)
    check_fft(lambda m, a: m.fft.rfftn(a, axes=()), r)
    e = xp.check_raises(ValueError, arrax.fft.fft, arrax.asarray(c), norm="bad")
    assert str(e).startswith("[fft] Invalid norm value bad")


def test_zero_dim():
    with pytest.raises(IndexError) as info:
        arrax.fft.fft(arrax.asarray(numpy.float64(1.0)))
    assert str(info.value).startswith("[fft]")
    with pytest.raises(IndexError):
        numpy.fft.fft(numpy.float64(1.0))


def test_empty_batch():
    check_fft(lambda m, a: m.fft.fft(a), numpy.ones((0, 4)))
    check_fft(lambda m, a: m.fft.rfft(a), numpy.ones((2, 0, 6)))
    check_fft(lambda m, a: m.fft.irfftn(a, axes=(1, 2)), numpy.ones((0, 3, 4), complex))


# ---- frequencies and shifts ----------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 8, 101])
@pytest.mark.parametrize("d", [1.0, 0.25, 3])
def test_freqs(n, d):
    xp.check(lambda m: m.fft.fftfreq(n, d))
    xp.check(lambda m: m.fft.rfftfreq(n, d=d))
    xp.check(lambda m: m.fft.fftfreq(numpy.int32(n)))


def test_freq_errors():
    xp.check(lambda m: m.fft.fftfreq(0))
    xp.check(lambda m: m.fft.rfftfreq(0))
    xp.check(lambda m: m.fft.fftfreq(4.5))
    xp.check(lambda m: m.fft.rfftfreq(4.0))


def test_freq_device():
    r = arrax.fft.fftfreq(8, device=arrax.default_device())
    assert str(r.device) == str(arrax.default_device())


@pytest.mark.parametrize("dtype", ["int64", "float32", "complex128", "bool"])
def test_shifts(dtype):
    a = xp.rand((5, 6, 7), dtype)
    for axes in (None, 0, -1, (0, 2), [1]):
        xp.check(lambda m, a: m.fft.fftshift(a, axes=axes), a)
        xp.check(lambda m, a: m.fft.ifftshift(a, axes=axes), a)
    xp.check(lambda m, a: m.fft.fftshift(a), numpy.arange(10))
    xp.check(lambda m, a: m.fft.ifftshift(m.fft.fftshift(a)), numpy.arange(9))


# ---- larger cases and the plans behind them ------------------------------------


@pytest.mark.parametrize("n", [3 * 2**17, 2**18, 100003])
def test_large_lengths(n):
    # Four-step plans (2-3-5 smooth, >= 2^17) and Bluestein (a large prime).
    a = xp.rand((n,), "complex128")
    check_fft(lambda m, a: m.fft.fft(a), a)
    b = xp.rand((n,), "float32")
    check_fft(lambda m, a: m.fft.rfft(a), b)
    check_fft(lambda m, a: m.fft.irfft(a, n=n), a.astype("complex64"))


@pytest.mark.slow
def test_large_2d():
    a = xp.rand((1024, 1024), "complex64")
    check_fft(lambda m, a: m.fft.fft2(a), a)
    check_fft(lambda m, a: m.fft.rfft2(a.real.copy()), a)


def test_every_name_is_native():
    for name in (
        "fft ifft rfft irfft hfft ihfft fftn ifftn rfftn irfftn fft2 ifft2 "
        "rfft2 irfft2 fftfreq rfftfreq fftshift ifftshift"
    ).split():
        assert name in vars(arrax.fft), name
        assert not arrax.fallbacks.is_fallback(vars(arrax.fft)[name])


def test_runs_on_the_default_device():
    a = arrax.asarray(xp.rand((4, 8), "complex64"))
    for r in (
        arrax.fft.fft(a),
        arrax.fft.rfft(a.real),
        arrax.fft.irfftn(a),
        arrax.fft.fftfreq(5),
    ):
        assert str(r.device) == str(arrax.default_device())


@pytest.mark.skipif(not xp.on_gpu(), reason="needs the GPU as default device")
def test_gpu_matches_cpu():
    a = xp.rand((3, 64, 48), "complex64")
    g = arrax.asarray(a, device="cuda")
    c = arrax.asarray(a, device="cpu")
    for f in (
        lambda m, x: m.fft.fftn(x),
        lambda m, x: m.fft.fftn(x[:, ::2, 1:], axes=(2, 0)),
        lambda m, x: m.fft.rfftn(m.real(x), axes=(2, 0)),
        lambda m, x: m.fft.irfft2(x, s=(63, 47)),
        lambda m, x: m.fft.hfft(x, axis=1),
        lambda m, x: m.fft.ihfft(m.real(x), norm="ortho"),
        lambda m, x: m.fft.fftn(m.reshape(x, (3, 4, 16, 6, 8))),
        lambda m, x: m.fft.irfftn(m.reshape(x, (3, 4, 16, 6, 8)), axes=(0, 2, 1, 4)),
        lambda m, x: m.fft.rfft(m.real(x)[..., :1]),
        lambda m, x: m.fft.irfft(x[..., :1], n=1),
    ):
        rg, rc = f(arrax, g), f(arrax, c)
        assert str(rg.device).startswith("cuda")
        numpy.testing.assert_allclose(
            numpy.asarray(rg), numpy.asarray(rc), rtol=1e-4, atol=1e-3
        )


# ---- gradients (the Fft primitive's vjp through the autograd engine) ----------

_G = numpy.random.default_rng(5)
GRADS = {
    "fft": lambda m, a: m.real(m.fft.fft(a) * (0.3 + 0.7j)),
    "ifft_ortho": lambda m, a: m.imag(m.fft.ifft(a, axis=0, norm="ortho")),
    "fft_n": lambda m, a: m.real(m.fft.fft(a * (1 - 1j), n=11) * (2 + 1j)),
    "rfft": lambda m, a: m.real(m.fft.rfft(a, n=10) * (1 - 2j)),
    "rfft_odd": lambda m, a: m.imag(m.fft.rfft(a, n=7, norm="forward")),
    "irfft": lambda m, a: m.fft.irfft(m.fft.fft(a) * (0.5 + 1j), n=9),
    "irfft_even": lambda m, a: m.fft.irfft(a * (1 + 1j)),
    "hfft": lambda m, a: m.fft.hfft(a * (1 - 0.5j), n=9),
    "ihfft": lambda m, a: m.imag(m.fft.ihfft(a)),
    "fftn": lambda m, a: m.real(m.fft.fftn(a * (1 + 1j), axes=(0, 1))),
    "rfftn_irfftn": lambda m, a: m.fft.irfftn(
        m.fft.rfftn(a, s=(4, 6), axes=(0, 1)) * (1 + 0.5j), s=(3, 5), axes=(0, 1)
    ),
}


def _fd_grad(f, x, w, eps=1e-6):
    g = numpy.zeros_like(x)
    for idx in numpy.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = (numpy.asarray(f(numpy, x)) * w).sum()
        x[idx] = old - eps
        lo = (numpy.asarray(f(numpy, x)) * w).sum()
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradient(name):
    f = GRADS[name]
    x = _G.uniform(-1, 1, size=(3, 8))
    w = _G.uniform(0.5, 1.5, size=numpy.shape(f(numpy, x)))
    a = arrax.asarray(x)
    a.requires_grad = True
    (f(arrax, a) * arrax.asarray(w)).sum().backward()
    numpy.testing.assert_allclose(
        numpy.asarray(a.grad), _fd_grad(f, x.copy(), w), rtol=1e-6, atol=1e-7
    )
