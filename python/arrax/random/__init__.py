"""arrax.random: numpy.random on a counter-based Philox4x32-10 generator,
native on every device with the same numbers on the CPU and the GPU (see
docs/numpy.md and Note [Bit-identical sampling] in
arrax/backend/cuda/device/rng.cuh).

Three ways in:
 - NumPy's Generator API: default_rng, Generator, SeedSequence, Philox;
 - the legacy functions (seed, rand, randn, randint, ...) and RandomState;
 - MLX-style explicit keys: key(seed), split(key, num), and key= on
   uniform, normal, randint, bernoulli, categorical, gumbel, laplace,
   truncated_normal, multivariate_normal and permutation (functional: the
   same key gives the same numbers, no hidden state)."""

import numpy as _numpy

import arrax as _ax
from arrax import _core
from arrax import fallbacks as _fallbacks
from arrax.random._generator import Generator, default_rng
from arrax.random._legacy import (
    RandomState,
    _rs,
    get_bit_generator,
    get_state,
    seed,
    set_bit_generator,
    set_state,
)
from arrax.random._seed import (
    MT19937,
    PCG64,
    PCG64DXSM,
    SFC64,
    BitGenerator,
    Philox,
    SeedSequence,
)

# ---- keys ---------------------------------------------------------------------


def key(seed):
    """A key (uint32 array of shape (2,), on the CPU) for a seed in
    [0, 2**64)."""
    s = int(seed)
    if not 0 <= s < 1 << 64:
        raise ValueError(f"[random.key] seed must be in [0, 2**64), got {seed}")
    return _ax.asarray(
        _numpy.array([s & 0xFFFFFFFF, s >> 32], dtype=_numpy.uint32), device="cpu"
    )


def _key64(k):
    w = _numpy.asarray(
        k.tolist() if isinstance(k, _ax.ndarray) else k, dtype=_numpy.uint64
    )
    if w.shape != (2,):
        raise ValueError(
            f"[random.key] a key is a uint32 array of shape (2,), got shape {w.shape}"
        )
    return int(w[0]) | (int(w[1]) << 32)


def split(key, num=2):
    """`num` new keys (uint32, shape (num, 2)) derived from `key`: Philox
    blocks of the key at counters (i, 0, 0, 'splt')."""
    k = _key64(key)
    kw = [k & 0xFFFFFFFF, k >> 32]
    out = _numpy.empty((int(num), 2), dtype=_numpy.uint32)
    for i in range(int(num)):
        b = _core.random_philox4x32([i & 0xFFFFFFFF, i >> 32, 0, 0x73706C74], kw)
        out[i] = b[:2]
    return _ax.asarray(out, device="cpu")


def _gen(k):
    """The generator of a draw: the key's own stream (counter 0) or, without
    a key, the global one."""
    if k is None:
        return _rs()._gen
    return Generator(Philox(key=_key64(k), counter=0))


def _keyed(key, shape, dtype):
    return key is not None or shape is not None or dtype is not None


def _typed(g, kind, op, params, size, dtype, device):
    from arrax.random._generator import _float_dtype, _Param

    dt = _float_dtype(_numpy.float32 if dtype is None else dtype, op)
    return g._draw(kind, op, [_Param(p, "", op) for p in params], size, dt, device)


# ---- legacy functions (with key= where MLX has it) ------------------------------


def uniform(
    low=0.0, high=1.0, size=None, *, shape=None, dtype=None, key=None, device=None
):
    if not _keyed(key, shape, dtype):
        return _rs()._gen.uniform(low, high, size, device=device)
    if not _numpy.isfinite(float(_numpy.max(high)) - float(_numpy.min(low))):
        raise OverflowError("[random.uniform] Range exceeds valid bounds")
    return _typed(
        _gen(key), "uniform", "uniform", [low, high], shape or size, dtype, device
    )


def normal(
    loc=0.0, scale=1.0, size=None, *, shape=None, dtype=None, key=None, device=None
):
    if not _keyed(key, shape, dtype):
        return _rs()._gen.normal(loc, scale, size, device=device)
    if (
        _numpy.min(
            _numpy.asarray(scale.tolist() if isinstance(scale, _ax.ndarray) else scale)
        )
        < 0
    ):
        raise ValueError("[random.normal] scale < 0")
    return _typed(
        _gen(key), "normal", "normal", [loc, scale], shape or size, dtype, device
    )


def gumbel(
    loc=0.0, scale=1.0, size=None, *, shape=None, dtype=None, key=None, device=None
):
    if not _keyed(key, shape, dtype):
        return _rs()._gen.gumbel(loc, scale, size, device=device)
    return _typed(
        _gen(key), "gumbel", "gumbel", [loc, scale], shape or size, dtype, device
    )


def laplace(
    loc=0.0, scale=1.0, size=None, *, shape=None, dtype=None, key=None, device=None
):
    if not _keyed(key, shape, dtype):
        return _rs()._gen.laplace(loc, scale, size, device=device)
    return _typed(
        _gen(key), "laplace", "laplace", [loc, scale], shape or size, dtype, device
    )


def randint(low, high=None, size=None, dtype=int, *, shape=None, key=None, device=None):
    return _gen(key).integers(
        low, high, shape or size, dtype=_numpy.dtype(dtype), device=device
    )


def permutation(x, axis=0, *, key=None, device=None):
    return _gen(key).permutation(x, axis, device=device)


def multivariate_normal(
    mean,
    cov,
    size=None,
    check_valid="warn",
    tol=1e-8,
    *,
    shape=None,
    key=None,
    device=None,
    method="svd",
):
    return _gen(key).multivariate_normal(
        mean, cov, shape or size, check_valid, tol, method=method, device=device
    )


def _isnan(x):
    return x != x  # noqa: PLR0124 (scalars and arrays alike)


def bernoulli(p=0.5, shape=None, *, key=None, device=None):
    """True with probability p (bool array, shape `shape` or p's)."""
    from arrax.random._generator import _Param

    pp = _Param(p, "p", "bernoulli")
    if pp.any(lambda x: (x < 0) | (x > 1) | _isnan(x)):
        raise ValueError("[random.bernoulli] p < 0, p > 1 or p is NaN")
    return _gen(key)._draw(
        "bernoulli", "bernoulli", [pp], shape, _numpy.dtype(bool), device
    )


def truncated_normal(lower, upper, shape=None, dtype=None, *, key=None, device=None):
    """Standard normal samples truncated to [lower, upper] (Robert's 1995
    rejection samplers, exact in the tails)."""
    from arrax.random._generator import _Param

    lo, hi = (
        _Param(lower, "lower", "truncated_normal"),
        _Param(upper, "upper", "truncated_normal"),
    )
    if lo.scalar and hi.scalar and lo.value > hi.value:
        raise ValueError("[random.truncated_normal] lower > upper")
    from arrax.random._generator import _float_dtype

    dt = _float_dtype(_numpy.float32 if dtype is None else dtype, "truncated_normal")
    return _gen(key)._draw(
        "truncated_normal", "truncated_normal", [lo, hi], shape, dt, device
    )


def categorical(
    logits, axis=-1, shape=None, num_samples=None, *, key=None, device=None
):
    """Indices drawn with probabilities softmax(logits) along `axis`
    (Gumbel-max: argmax(logits + Gumbel noise))."""
    lg = (
        logits
        if isinstance(logits, _ax.ndarray)
        else _ax.asarray(logits, device=device)
    )
    lg = _ax.moveaxis(lg, axis, -1)
    batch = tuple(lg.shape[:-1])
    if shape is not None and num_samples is not None:
        raise ValueError("[random.categorical] at most one of shape or num_samples")
    if num_samples is not None:
        out_shape = batch + (int(num_samples),)
        lg = _ax.expand_dims(lg, -2)
    else:
        out_shape = tuple(shape) if shape is not None else batch
    noise_shape = out_shape + (lg.shape[-1],)
    g = _gen(key)
    noise = g.gumbel(size=noise_shape, device=lg.device)
    return _ax.argmax(lg + noise, axis=-1)


# The legacy module functions, on the global RandomState (looked up at each
# call, so seed() and set_state() take effect).
def _legacy(name):
    def f(*args, **kwargs):
        return getattr(_rs(), name)(*args, **kwargs)

    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = (
        f"numpy.random.{name} on the global RandomState (arrax's Philox stream)."
    )
    return f


for _name in [
    "beta",
    "binomial",
    "bytes",
    "chisquare",
    "choice",
    "dirichlet",
    "exponential",
    "f",
    "gamma",
    "geometric",
    "hypergeometric",
    "logistic",
    "lognormal",
    "logseries",
    "multinomial",
    "negative_binomial",
    "noncentral_chisquare",
    "noncentral_f",
    "pareto",
    "poisson",
    "power",
    "rand",
    "randn",
    "random",
    "random_integers",
    "random_sample",
    "rayleigh",
    "shuffle",
    "standard_cauchy",
    "standard_exponential",
    "standard_gamma",
    "standard_normal",
    "standard_t",
    "triangular",
    "vonmises",
    "wald",
    "weibull",
    "zipf",
]:
    globals()[_name] = _legacy(_name)
ranf = _legacy("random_sample")
ranf.__name__ = "ranf"
sample = _legacy("random_sample")
sample.__name__ = "sample"
del _name

__all__ = [
    "MT19937",
    "PCG64",
    "PCG64DXSM",
    "SFC64",
    "BitGenerator",
    "Generator",
    "Philox",
    "RandomState",
    "SeedSequence",
    "bernoulli",
    "categorical",
    "default_rng",
    "get_bit_generator",
    "get_state",
    "key",
    "seed",
    "set_bit_generator",
    "set_state",
    "split",
    "truncated_normal",
]

# numpy.random's remaining names (its `test` runner) fall back, counted as
# "random.NAME" in arrax.fallbacks.
__getattr__ = _fallbacks.module_getattr("arrax.random", "numpy.random", "random.")
__dir__ = _fallbacks.module_dir(globals(), "numpy.random")
