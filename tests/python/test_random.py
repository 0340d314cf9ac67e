"""arrax.random: the Philox stream (known answers, reproducibility across
processes and devices), SeedSequence against NumPy's, every distribution
against its law (moments; Kolmogorov-Smirnov or chi-square against SciPy
where it is installed), dtypes, size and broadcasting, out=, bad input,
choice and permutations, the legacy API and keys. Runs on the GPU when it is
the default device; the CPU/GPU comparisons run when a GPU is present."""

import hashlib
import math
import os
import subprocess
import sys

import arrax.random as ar
import numpy
import pytest

import arrax
from arrax import _core

N = 20000  # samples per statistical check
CUDA = arrax.cuda.is_available()


def host(x):
    return numpy.asarray(x)


# ---- the generator ---------------------------------------------------------------


def test_philox_known_answers():
    # Random123's kat_vectors for philox4x32_10.
    assert _core.random_philox4x32([0, 0, 0, 0], [0, 0]) == [
        0x6627E8D5,
        0xE169C58D,
        0xBC57AC4C,
        0x9B00DBD8,
    ]
    f = 0xFFFFFFFF
    assert _core.random_philox4x32([f, f, f, f], [f, f]) == [
        0x408F276D,
        0x41C83B0E,
        0xA20BC7C6,
        0x6D5451FD,
    ]
    assert _core.random_philox4x32(
        [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0]
    ) == [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]


@pytest.mark.parametrize(
    "entropy", [0, 1, 12345, 2**64 + 7, [1, 2, 3], 2**200 + 3, [2**40, 5]]
)
def test_seed_sequence_matches_numpy(entropy):
    for spawn_key in [(), (3,), (1, 2)]:
        ours = ar.SeedSequence(entropy, spawn_key=spawn_key)
        ref = numpy.random.SeedSequence(entropy, spawn_key=spawn_key)
        for dt in (numpy.uint32, numpy.uint64):
            numpy.testing.assert_array_equal(
                ours.generate_state(6, dt), ref.generate_state(6, dt)
            )
    kids = ar.SeedSequence(99).spawn(3)
    refs = numpy.random.SeedSequence(99).spawn(3)
    for a, b in zip(kids, refs):
        numpy.testing.assert_array_equal(a.generate_state(4), b.generate_state(4))


_GOLDEN_SCRIPT = """
import hashlib, numpy, arrax.random as ar
g = ar.default_rng(20261208)
parts = [g.random(7, dtype="float64"), g.random(5, dtype="float32"),
         g.standard_normal(6), g.integers(-5, 1000, size=9),
         g.poisson(30.0, size=5), g.gamma(0.7, size=4), g.permutation(11),
         g.binomial(1000, 0.4, size=4)]
h = hashlib.sha256()
for p in parts:
    h.update(numpy.ascontiguousarray(numpy.asarray(p)).tobytes())
print(h.hexdigest())
"""
GOLDEN = "e58a23472921f850620658d7b5da6e81c8f0da121f4e58ef4d2cb3f2d8242d01"


def test_golden_hash_across_processes():
    env = dict(os.environ)
    root = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "python")
    env["PYTHONPATH"] = os.path.abspath(root) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-c", _GOLDEN_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert out == GOLDEN


def test_draw_counter_range_is_fixed_by_the_call():
    # Element i of a draw reads sub-stream (counter + i): a prefix of a long
    # draw equals a short draw, and the next call continues after it.
    a = host(ar.default_rng(5).standard_gamma(0.5, size=1000))
    b = host(ar.default_rng(5).standard_gamma(0.5, size=10))
    numpy.testing.assert_array_equal(a[:10], b)
    g = ar.default_rng(5)
    g.random(3)
    c = host(g.random(4))
    d = host(ar.default_rng(5).random(7))
    numpy.testing.assert_array_equal(c, d[3:])


def test_spawned_and_split_streams_are_independent():
    kids = ar.default_rng(1).spawn(3)
    xs = [host(k.random(N)) for k in kids]
    for i in range(3):
        for j in range(i + 1, 3):
            assert abs(numpy.corrcoef(xs[i], xs[j])[0, 1]) < 5 / math.sqrt(N)
    assert not numpy.array_equal(host(kids[0].random(4)), host(kids[1].random(4)))
    keys = host(ar.split(ar.key(0), 4))
    assert len({tuple(k) for k in keys.tolist()}) == 4
    u = [host(ar.uniform(key=k, shape=(N,))) for k in ar.split(ar.key(0), 2)]
    assert abs(numpy.corrcoef(u[0], u[1])[0, 1]) < 5 / math.sqrt(N)
    # Functional: the same key gives the same numbers.
    numpy.testing.assert_array_equal(
        host(ar.normal(key=ar.key(3), shape=(5,))),
        host(ar.normal(key=ar.key(3), shape=(5,))),
    )


# ---- every distribution against its law ----------------------------------------

# name, args, scipy.stats law (name, args) or None, mean, variance, discrete
DISTS = [
    ("random", (), ("uniform", ()), 0.5, 1 / 12, False),
    ("uniform", (-2.0, 3.0), ("uniform", (-2.0, 5.0)), 0.5, 25 / 12, False),
    ("standard_normal", (), ("norm", ()), 0.0, 1.0, False),
    ("normal", (1.5, 2.0), ("norm", (1.5, 2.0)), 1.5, 4.0, False),
    ("standard_exponential", (), ("expon", ()), 1.0, 1.0, False),
    ("exponential", (2.0,), ("expon", (0, 2.0)), 2.0, 4.0, False),
    ("standard_gamma", (0.3,), ("gamma", (0.3,)), 0.3, 0.3, False),
    ("standard_gamma", (4.5,), ("gamma", (4.5,)), 4.5, 4.5, False),
    ("gamma", (2.0, 3.0), ("gamma", (2.0, 0, 3.0)), 6.0, 18.0, False),
    ("beta", (0.5, 0.7), ("beta", (0.5, 0.7)), 0.5 / 1.2, 0.35 / (1.44 * 2.2), False),
    ("beta", (2.0, 5.0), ("beta", (2.0, 5.0)), 2 / 7, 10 / (49 * 8), False),
    ("chisquare", (3.0,), ("chi2", (3.0,)), 3.0, 6.0, False),
    ("noncentral_chisquare", (3.0, 2.0), ("ncx2", (3.0, 2.0)), 5.0, 14.0, False),
    ("noncentral_chisquare", (0.5, 1.0), ("ncx2", (0.5, 1.0)), 1.5, 5.0, False),
    ("f", (5.0, 10.0), ("f", (5.0, 10.0)), 10 / 8, None, False),
    ("noncentral_f", (5.0, 10.0, 2.0), ("ncf", (5.0, 10.0, 2.0)), None, None, False),
    ("standard_t", (5.0,), ("t", (5.0,)), 0.0, 5 / 3, False),
    ("standard_cauchy", (), ("cauchy", ()), None, None, False),
    (
        "gumbel",
        (1.0, 2.0),
        ("gumbel_r", (1.0, 2.0)),
        1 + 2 * 0.5772156649,
        4 * math.pi**2 / 6,
        False,
    ),
    ("laplace", (1.0, 2.0), ("laplace", (1.0, 2.0)), 1.0, 8.0, False),
    ("logistic", (1.0, 2.0), ("logistic", (1.0, 2.0)), 1.0, 4 * math.pi**2 / 3, False),
    (
        "lognormal",
        (0.0, 0.5),
        ("lognorm", (0.5,)),
        math.exp(0.125),
        (math.exp(0.25) - 1) * math.exp(0.25),
        False,
    ),
    ("pareto", (3.0,), ("lomax", (3.0,)), 0.5, 0.75, False),
    ("power", (2.5,), ("powerlaw", (2.5,)), 2.5 / 3.5, 2.5 / (3.5**2 * 4.5), False),
    (
        "rayleigh",
        (2.0,),
        ("rayleigh", (0, 2.0)),
        2 * math.sqrt(math.pi / 2),
        (4 - math.pi) / 2 * 4,
        False,
    ),
    (
        "triangular",
        (0.0, 1.0, 3.0),
        ("triang", (1 / 3, 0.0, 3.0)),
        4 / 3,
        (1 + 9 - 3) / 18,
        False,
    ),
    ("vonmises", (0.5, 2.0), ("vonmises", (2.0, 0.5)), None, None, False),
    (
        "vonmises",
        (0.0, 1e-9),
        ("uniform", (-math.pi, 2 * math.pi)),
        0.0,
        math.pi**2 / 3,
        False,
    ),
    ("wald", (1.5, 2.0), ("invgauss", (0.75, 0, 2.0)), 1.5, 1.5**3 / 2.0, False),
    (
        "weibull",
        (1.5,),
        ("weibull_min", (1.5,)),
        math.gamma(1 + 1 / 1.5),
        math.gamma(1 + 2 / 1.5) - math.gamma(1 + 1 / 1.5) ** 2,
        False,
    ),
    ("poisson", (3.5,), ("poisson", (3.5,)), 3.5, 3.5, True),
    ("poisson", (250.0,), ("poisson", (250.0,)), 250.0, 250.0, True),
    ("binomial", (20, 0.3), ("binom", (20, 0.3)), 6.0, 4.2, True),
    ("binomial", (500, 0.6), ("binom", (500, 0.6)), 300.0, 120.0, True),
    ("negative_binomial", (3.0, 0.4), ("nbinom", (3.0, 0.4)), 4.5, 11.25, True),
    ("geometric", (0.3,), ("geom", (0.3,)), 1 / 0.3, 0.7 / 0.09, True),
    ("logseries", (0.6,), ("logser", (0.6,)), None, None, True),
    ("zipf", (3.0,), ("zipf", (3.0,)), None, None, True),
    (
        "hypergeometric",
        (30, 20, 12),
        ("hypergeom", (50, 30, 12)),
        7.2,
        12 * 0.6 * 0.4 * 38 / 49,
        True,
    ),
    (
        "hypergeometric",
        (3000, 5000, 4000),
        ("hypergeom", (8000, 3000, 4000)),
        1500.0,
        None,
        True,
    ),
]


def _draw(name, args, size=N, seed=7, **kw):
    return host(getattr(ar.default_rng(seed), name)(*args, size=size, **kw))


@pytest.mark.parametrize("name,args,law,mean,var,discrete", DISTS)
def test_distribution_moments(name, args, law, mean, var, discrete):
    x = _draw(name, args)
    assert x.shape == (N,)
    assert x.dtype == (numpy.int64 if discrete else numpy.float64)
    assert numpy.isfinite(x).all()
    if mean is not None:
        sd = math.sqrt(var) if var is not None else numpy.std(x)
        assert abs(x.mean() - mean) < 6 * sd / math.sqrt(N) + 1e-12
    if var is not None:
        # The variance of the sample variance needs the 4th moment: bound
        # it loosely with the sample's.
        m4 = numpy.mean((x - x.mean()) ** 4)
        se = math.sqrt(max(m4 - var**2, 1e-300) / N)
        assert abs(x.var() - var) < 6 * se + 1e-12


@pytest.mark.parametrize("name,args,law,mean,var,discrete", DISTS)
def test_distribution_against_scipy(name, args, law, mean, var, discrete):
    stats = pytest.importorskip("scipy.stats")
    x = _draw(name, args, seed=11)
    dist = getattr(stats, law[0])(*law[1])
    if not discrete:
        assert stats.kstest(x, dist.cdf).pvalue > 1e-4
        return
    # Chi-square over the values with expected counts >= 5 (the rest pooled
    # into the two tails).
    lo, hi = int(dist.ppf(1e-4)), int(dist.ppf(1 - 1e-4))
    edges = numpy.arange(lo, hi + 1)
    expected = dist.pmf(edges) * N
    keep = expected >= 5
    vals = edges[keep]
    obs = numpy.array([(x == v).sum() for v in vals], dtype=float)
    exp = expected[keep]
    rest_obs = N - obs.sum()
    rest_exp = N - exp.sum()
    if rest_exp >= 5:
        obs = numpy.append(obs, rest_obs)
        exp = numpy.append(exp, rest_exp)
    exp = exp * obs.sum() / exp.sum()
    assert stats.chisquare(obs, exp).pvalue > 1e-4


def test_keys_distributions():
    n = N
    b = host(ar.bernoulli(0.3, (n,), key=ar.key(1)))
    assert b.dtype == bool and abs(b.mean() - 0.3) < 6 * math.sqrt(0.21 / n)
    t = host(ar.truncated_normal(1.0, 2.5, (n,), dtype="float64", key=ar.key(2)))
    assert t.min() >= 1.0 and t.max() <= 2.5
    stats = None
    try:
        from scipy import stats
    except ImportError:
        pass
    if stats is not None:
        for lo, hi in [
            (1.0, 2.5),
            (-0.5, 0.5),
            (-10.0, 10.0),
            (3.0, 30.0),
            (-4.0, -3.9),
        ]:
            t = host(ar.truncated_normal(lo, hi, (n,), dtype="float64", key=ar.key(5)))
            assert stats.kstest(t, stats.truncnorm(lo, hi).cdf).pvalue > 1e-4
    logits = numpy.log(numpy.array([0.2, 0.5, 0.3]))
    c = host(ar.categorical(logits, shape=(n,), key=ar.key(4)))
    freq = numpy.bincount(c, minlength=3) / n
    assert numpy.abs(freq - [0.2, 0.5, 0.3]).max() < 6 * math.sqrt(0.25 / n)
    r = host(ar.randint(0, 10, shape=(n,), key=ar.key(6)))
    assert r.min() == 0 and r.max() == 9
    g = host(ar.gumbel(shape=(n,), key=ar.key(7)))
    assert abs(g.mean() - 0.5772) < 0.05
    lp = host(ar.laplace(shape=(n,), key=ar.key(8)))
    assert abs(lp.var() - 2.0) < 0.15
    p = host(ar.permutation(50, key=ar.key(9)))
    assert sorted(p.tolist()) == list(range(50))
    mv = host(
        ar.multivariate_normal(
            [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], shape=(5,), key=ar.key(1)
        )
    )
    assert mv.shape == (5, 2)


# ---- CPU and GPU give the same bits ---------------------------------------------


@pytest.mark.skipif(not CUDA, reason="no GPU")
@pytest.mark.parametrize("name,args,law,mean,var,discrete", DISTS)
@pytest.mark.parametrize("dtype", [None, "float32"])
def test_cpu_and_gpu_bit_identical(name, args, law, mean, var, discrete, dtype):
    kw = {}
    if dtype is not None:
        if name not in (
            "random",
            "standard_normal",
            "standard_exponential",
            "standard_gamma",
        ):
            pytest.skip("no dtype= in NumPy")
        kw["dtype"] = dtype
    c = _draw(name, args, size=4096, seed=3, device="cpu", **kw)
    g = getattr(ar.default_rng(3), name)(*args, size=4096, device="cuda", **kw)
    assert str(g.device).startswith("cuda")
    assert host(g).tobytes() == c.tobytes()


@pytest.mark.skipif(not CUDA, reason="no GPU")
def test_cpu_and_gpu_permutations_and_integers_identical():
    a = [host(ar.default_rng(4).permutation(5000, device=d)) for d in ("cpu", "cuda")]
    numpy.testing.assert_array_equal(a[0], a[1])
    for dt in ("int8", "uint16", "int64", "uint64", "bool"):
        x = [
            host(
                ar.default_rng(4).integers(
                    0, 2 if dt == "bool" else 100, size=999, dtype=dt, device=d
                )
            )
            for d in ("cpu", "cuda")
        ]
        numpy.testing.assert_array_equal(x[0], x[1])
    p = [
        host(
            ar.default_rng(8).permuted(
                arrax.asarray(numpy.arange(60).reshape(6, 10), device=d), axis=1
            )
        )
        for d in ("cpu", "cuda")
    ]
    numpy.testing.assert_array_equal(p[0], p[1])
    c = [
        host(ar.default_rng(8).choice(10, size=50, p=numpy.arange(10) / 45.0, device=d))
        for d in ("cpu", "cuda")
    ]
    numpy.testing.assert_array_equal(c[0], c[1])


# ---- dtypes, sizes, broadcasting, out= ---------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("random", ()),
        ("standard_normal", ()),
        ("standard_exponential", ()),
        ("standard_gamma", (2.0,)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_dtypes_and_out(name, args, dtype):
    g = ar.default_rng(0)
    x = getattr(g, name)(*args, size=(3, 4), dtype=dtype)
    assert x.dtype == numpy.dtype(dtype) and x.shape == (3, 4)
    out = arrax.zeros((5,), dtype=dtype)
    r = getattr(ar.default_rng(0), name)(*args, dtype=dtype, out=out)
    assert host(r).tobytes() == host(out).tobytes()
    assert (host(out) != 0).all()
    ref = getattr(ar.default_rng(0), name)(*args, size=5, dtype=dtype)
    assert host(out).tobytes() == host(ref).tobytes()
    with pytest.raises(TypeError, match=rf"^\[random\.{name}\]"):
        getattr(g, name)(*args, size=3, dtype="int32")
    with pytest.raises(ValueError, match=rf"^\[random\.{name}\]"):
        getattr(g, name)(*args, size=4, dtype=dtype, out=out)
    if name == "random":
        assert host(x).max() < 1.0 and host(x).min() >= 0.0


@pytest.mark.parametrize(
    "dtype",
    ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool"],
)
def test_integers_dtype_and_endpoint(dtype):
    g = ar.default_rng(1)
    info = numpy.iinfo(dtype) if dtype != "bool" else None
    lo, hi = (0, 1) if dtype == "bool" else (int(info.min), int(info.max))
    x = host(g.integers(lo, hi, size=5000, dtype=dtype, endpoint=True))
    assert x.dtype == numpy.dtype(dtype)
    if dtype == "bool":
        assert set(x.tolist()) == {False, True}
    else:
        assert x.min() >= lo and x.max() <= hi
        y = host(g.integers(3, 7, size=5000, dtype=dtype))
        assert set(y.tolist()) == {3, 4, 5, 6}
        z = host(g.integers(3, 7, size=5000, dtype=dtype, endpoint=True))
        assert set(z.tolist()) == {3, 4, 5, 6, 7}
        with pytest.raises(
            ValueError, match=r"^\[random\.integers\] high is out of bounds"
        ):
            g.integers(0, hi + 2, dtype=dtype)
        if lo < 0 or dtype.startswith("u"):
            with pytest.raises(
                ValueError, match=r"^\[random\.integers\] low is out of bounds"
            ):
                g.integers(lo - 1, 5, dtype=dtype)


def test_integers_arrays_and_chi_square_uniformity():
    g = ar.default_rng(2)
    x = host(g.integers([0, 10, 100], [5, 20, 1000], size=(4000, 3)))
    assert x.shape == (4000, 3)
    assert x[:, 0].min() >= 0 and x[:, 0].max() <= 4
    assert x[:, 1].min() >= 10 and x[:, 1].max() <= 19
    assert x[:, 2].min() >= 100 and x[:, 2].max() <= 999
    counts = numpy.bincount(host(g.integers(0, 7, size=70000)), minlength=7)
    chi2 = ((counts - 10000) ** 2 / 10000).sum()
    assert chi2 < 30  # 6 degrees of freedom: p ~ 4e-5
    with pytest.raises(ValueError, match=r"^\[random\.integers\] low >= high"):
        g.integers(5, 5)
    with pytest.raises(ValueError, match=r"^\[random\.integers\] low >= high"):
        g.integers([1, 5], [2, 5])
    assert isinstance(g.integers(10), int)


def test_size_and_broadcasting():
    g = ar.default_rng(3)
    loc = numpy.arange(3.0).reshape(3, 1)
    scale = numpy.array([1.0, 2.0, 3.0, 4.0])
    assert g.normal(loc, scale).shape == (3, 4)
    assert g.normal(loc, scale, size=(2, 3, 4)).shape == (2, 3, 4)
    assert g.normal(arrax.asarray(loc), 1.0).shape == (3, 1)
    assert g.exponential(size=()).shape == ()
    assert isinstance(g.normal(), float)
    assert isinstance(g.poisson(3.0), int)
    with pytest.raises(ValueError, match=r"^\[random\.normal\] shape mismatch"):
        g.normal(loc, scale, size=(3, 5))
    x = host(g.normal(numpy.array([0.0, 100.0]), 1.0, size=(2000, 2)))
    assert abs(x[:, 1].mean() - 100) < 0.2 and abs(x[:, 0].mean()) < 0.2
    assert g.random(0).shape == (0,)
    b = host(g.binomial(numpy.array([10, 1000]), [0.5, 0.1], size=(3000, 2)))
    assert abs(b[:, 0].mean() - 5) < 0.3 and abs(b[:, 1].mean() - 100) < 1.5


BAD = [
    ("normal", (0.0, -1.0), "scale < 0"),
    ("exponential", (-1.0,), "scale < 0"),
    ("gamma", (-1.0,), "shape < 0"),
    ("gamma", (1.0, -1.0), "scale < 0"),
    ("standard_gamma", (-1.0,), "shape < 0"),
    ("beta", (0.0, 1.0), "a <= 0"),
    ("beta", (1.0, -1.0), "b <= 0"),
    ("poisson", (-1.0,), "lam < 0"),
    ("poisson", (1e19,), "lam value too large"),
    ("binomial", (-1, 0.5), "n < 0"),
    ("binomial", (10, 1.5), "p < 0, p > 1 or p is NaN"),
    ("binomial", (10, float("nan")), "p < 0, p > 1 or p is NaN"),
    ("chisquare", (0.0,), "df <= 0"),
    ("noncentral_chisquare", (1.0, -1.0), "nonc < 0"),
    ("f", (0.0, 1.0), "dfnum <= 0"),
    ("noncentral_f", (1.0, 1.0, -1.0), "nonc < 0"),
    ("standard_t", (0.0,), "df <= 0"),
    ("geometric", (0.0,), "p <= 0"),
    ("negative_binomial", (0.0, 0.5), "n <= 0"),
    ("gumbel", (0.0, -1.0), "scale < 0"),
    ("laplace", (0.0, -1.0), "scale < 0"),
    ("logistic", (0.0, -1.0), "scale < 0"),
    ("lognormal", (0.0, -1.0), "sigma < 0"),
    ("logseries", (1.0,), "p < 0, p >= 1"),
    ("pareto", (0.0,), "a <= 0"),
    ("power", (-1.0,), "a <= 0"),
    ("rayleigh", (-1.0,), "scale < 0"),
    ("triangular", (1.0, 0.0, 2.0), "left > mode"),
    ("triangular", (0.0, 3.0, 2.0), "mode > right"),
    ("triangular", (1.0, 1.0, 1.0), "left == right"),
    ("vonmises", (0.0, -1.0), "kappa < 0"),
    ("wald", (0.0, 1.0), "mean <= 0"),
    ("wald", (1.0, 0.0), "scale <= 0"),
    ("weibull", (-1.0,), "a < 0"),
    ("zipf", (1.0,), "a <= 1"),
    ("hypergeometric", (-1, 5, 2), "ngood < 0"),
    ("hypergeometric", (2, 2, 5), "ngood \\+ nbad < nsample"),
]


@pytest.mark.parametrize("name,args,msg", BAD)
def test_bad_parameters(name, args, msg):
    g = ar.default_rng(0)
    with pytest.raises(ValueError, match=rf"^\[random\.{name}\] {msg}"):
        getattr(g, name)(*args)
    # NumPy raises the same type.
    with pytest.raises(ValueError):
        getattr(numpy.random.default_rng(0), name)(*args)
    # Array parameters are checked too (on the host, or on their device).
    arr_args = tuple(numpy.array([a, a]) if isinstance(a, float) else a for a in args)
    with pytest.raises(ValueError, match=rf"^\[random\.{name}\]"):
        getattr(g, name)(*arr_args)


def test_bad_input_on_device_arrays():
    g = ar.default_rng(0)
    with pytest.raises(ValueError, match=r"^\[random\.normal\] scale < 0"):
        g.normal(0.0, arrax.asarray([1.0, -1.0]))
    with pytest.raises(TypeError, match=r"^\[random\.integers\]"):
        g.integers(0, 5, dtype="float64")


# ---- choice and permutations ----------------------------------------------------------


def test_permutation_shuffle_permuted():
    g = ar.default_rng(6)
    p = host(g.permutation(1000))
    assert sorted(p.tolist()) == list(range(1000))
    a = arrax.asarray(numpy.arange(20).reshape(5, 4))
    q = host(g.permutation(a))
    assert sorted(q[:, 0].tolist()) == [0, 4, 8, 12, 16]
    assert (q[:, 1] - q[:, 0] == 1).all()
    q1 = host(g.permutation(a, axis=1))
    assert (numpy.sort(q1, axis=1) == numpy.arange(20).reshape(5, 4)).all()
    b = arrax.asarray(numpy.arange(10.0))
    assert g.shuffle(b) is None
    assert sorted(host(b).tolist()) == list(numpy.arange(10.0))
    n = numpy.arange(10)
    g.shuffle(n)
    assert sorted(n.tolist()) == list(range(10))
    lst = list(range(8))
    g.shuffle(lst)
    assert sorted(lst) == list(range(8))
    m = host(g.permuted(numpy.arange(30).reshape(3, 10), axis=1))
    assert (numpy.sort(m, axis=1) == numpy.arange(30).reshape(3, 10)).all()
    assert not (m == numpy.arange(30).reshape(3, 10)).all()
    out = arrax.zeros((3, 10), dtype="int64")
    assert g.permuted(numpy.arange(30).reshape(3, 10), axis=0, out=out) is out
    f = host(g.permuted(numpy.arange(12)))
    assert sorted(f.tolist()) == list(range(12))
    # Uniform over positions: where element 0 lands.
    pos = numpy.array([host(g.permutation(5)).tolist().index(0) for _ in range(2000)])
    counts = numpy.bincount(pos, minlength=5)
    assert (((counts - 400) ** 2) / 400).sum() < 25


def test_choice():
    g = ar.default_rng(7)
    x = host(g.choice(5, size=10000))
    assert x.min() >= 0 and x.max() <= 4
    p = numpy.array([0.1, 0.2, 0.7])
    y = host(g.choice(3, size=20000, p=p))
    assert numpy.abs(numpy.bincount(y, minlength=3) / 20000 - p).max() < 0.02
    z = host(g.choice(10, size=10, replace=False))
    assert sorted(z.tolist()) == list(range(10))
    w = host(g.choice(10, size=3, replace=False, p=numpy.full(10, 0.1)))
    assert len(set(w.tolist())) == 3
    # Without replacement, weighted: the first pick follows p.
    firsts = [int(g.choice(3, size=2, replace=False, p=p)[0]) for _ in range(1500)]
    assert numpy.abs(numpy.bincount(firsts, minlength=3) / 1500 - p).max() < 0.06
    arr = arrax.asarray(numpy.array([[1, 2], [3, 4], [5, 6]]))
    c = host(g.choice(arr, size=4))
    assert c.shape == (4, 2)
    c1 = host(g.choice(arr, size=2, axis=1))
    assert c1.shape == (3, 2)
    assert isinstance(g.choice(5), int)
    with pytest.raises(
        ValueError, match=r"^\[random\.choice\] Cannot take a larger sample"
    ):
        g.choice(3, size=4, replace=False)
    with pytest.raises(
        ValueError, match=r"^\[random\.choice\] probabilities do not sum to 1"
    ):
        g.choice(3, p=[0.5, 0.5, 0.5])
    with pytest.raises(
        ValueError, match=r"^\[random\.choice\] a and p must have same size"
    ):
        g.choice(3, p=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"^\[random\.choice\] Fewer non-zero entries"):
        g.choice(3, size=2, replace=False, p=[1.0, 0.0, 0.0])


def test_bytes_and_random_raw():
    g = ar.default_rng(1)
    b = g.bytes(13)
    assert isinstance(b, bytes) and len(b) == 13
    assert ar.default_rng(1).bytes(13) == b
    r = ar.Philox(5).random_raw(4)
    assert r.dtype == numpy.uint64 and r.shape == (4,)


# ---- multivariate ------------------------------------------------------------------------


def test_multivariate_distributions():
    g = ar.default_rng(9)
    d = host(g.dirichlet([1.0, 2.0, 3.0], size=5000))
    numpy.testing.assert_allclose(d.sum(axis=1), 1.0, rtol=1e-12)
    numpy.testing.assert_allclose(d.mean(axis=0), [1 / 6, 2 / 6, 3 / 6], atol=0.01)
    m = host(g.multinomial(20, [0.2, 0.3, 0.5], size=5000))
    assert (m.sum(axis=1) == 20).all() and m.dtype == numpy.int64
    numpy.testing.assert_allclose(m.mean(axis=0), [4, 6, 10], atol=0.15)
    mm = host(g.multinomial([5, 50], [0.5, 0.5]))
    assert mm.shape == (2, 2) and (mm.sum(axis=1) == [5, 50]).all()
    h = host(g.multivariate_hypergeometric([5, 10, 15], 12, size=4000))
    assert (h.sum(axis=1) == 12).all()
    numpy.testing.assert_allclose(h.mean(axis=0), [2, 4, 6], atol=0.12)
    cov = numpy.array([[2.0, 0.6], [0.6, 1.0]])
    for method in ("svd", "eigh", "cholesky"):
        x = host(g.multivariate_normal([1.0, -1.0], cov, size=20000, method=method))
        numpy.testing.assert_allclose(x.mean(axis=0), [1, -1], atol=0.06)
        numpy.testing.assert_allclose(numpy.cov(x.T), cov, atol=0.08)
    with pytest.raises(ValueError, match=r"^\[random\.dirichlet\] alpha <= 0"):
        g.dirichlet([1.0, 0.0])
    with pytest.raises(
        ValueError, match=r"^\[random\.multinomial\] sum\(pvals\[:-1\]\) > 1.0"
    ):
        g.multinomial(3, [0.8, 0.8, 0.1])
    with pytest.raises(
        ValueError, match=r"^\[random\.multivariate_hypergeometric\] nsample"
    ):
        g.multivariate_hypergeometric([1, 2], 5)
    with pytest.raises(
        ValueError, match=r"^\[random\.multivariate_normal\] mean and cov"
    ):
        g.multivariate_normal([0.0], cov)
    with pytest.warns(RuntimeWarning, match="positive-semidefinite"):
        g.multivariate_normal([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]])


# ---- API: default_rng, bit generators, legacy -----------------------------------------------


def test_default_rng_and_bit_generators():
    g = ar.default_rng(3)
    assert isinstance(g, ar.Generator)
    assert ar.default_rng(g) is g
    assert isinstance(g.bit_generator, ar.Philox)
    assert isinstance(ar.default_rng(ar.SeedSequence(3)), ar.Generator)
    numpy.testing.assert_array_equal(
        host(ar.default_rng(ar.SeedSequence(3)).random(3)),
        host(ar.default_rng(3).random(3)),
    )
    for cls in (ar.PCG64, ar.PCG64DXSM, ar.SFC64, ar.MT19937, ar.Philox):
        bg = cls(4)
        assert isinstance(bg, ar.BitGenerator)
        assert ar.Generator(bg).random(2).shape == (2,)
    s = g.bit_generator.state
    a = host(g.random(5))
    g.bit_generator.state = s
    numpy.testing.assert_array_equal(host(g.random(5)), a)
    j = ar.Philox(key=5, counter=0)
    assert j.jumped().state["state"]["counter"] == 1 << 48
    with pytest.raises(TypeError):
        ar.Generator(numpy.random.PCG64(1))


def test_legacy_api():
    ar.seed(123)
    a = host(ar.rand(3, 2))
    ar.seed(123)
    numpy.testing.assert_array_equal(host(ar.rand(3, 2)), a)
    assert a.shape == (3, 2)
    st = ar.get_state()
    b = host(ar.randn(4))
    ar.set_state(st)
    numpy.testing.assert_array_equal(host(ar.randn(4)), b)
    assert host(ar.randint(5, size=100)).max() <= 4
    assert host(ar.randint(2, 5, size=100)).min() >= 2
    for f in (ar.random, ar.random_sample, ar.ranf, ar.sample):
        assert f(3).shape == (3,)
    assert host(ar.choice(4, 3, replace=False)).size == 3
    x = arrax.asarray(numpy.arange(6))
    ar.shuffle(x)
    assert sorted(host(x).tolist()) == list(range(6))
    assert sorted(host(ar.permutation(6)).tolist()) == list(range(6))
    with pytest.warns(DeprecationWarning):
        ri = host(ar.random_integers(1, 3, size=200))
    assert ri.min() == 1 and ri.max() == 3
    rs = ar.RandomState(5)
    numpy.testing.assert_array_equal(
        host(rs.normal(size=3)), host(ar.RandomState(5).normal(size=3))
    )
    for name, args in [
        ("beta", (1.0, 2.0)),
        ("poisson", (2.0,)),
        ("zipf", (2.0,)),
        ("standard_t", (3.0,)),
        ("hypergeometric", (5, 5, 3)),
    ]:
        assert getattr(ar, name)(*args, size=3).shape == (3,)
    assert isinstance(ar.get_bit_generator(), ar.BitGenerator)
    ar.set_bit_generator(ar.Philox(1))
    numpy.testing.assert_array_equal(
        host(ar.random(2)), host(ar.Generator(ar.Philox(1)).random(2))
    )


def test_import_does_not_load_numpy_random():
    env = dict(os.environ)
    root = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "python")
    env["PYTHONPATH"] = os.path.abspath(root) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys, arrax\ng = arrax.random.default_rng(0)\nx = g.normal(size=3)\n"
                "print(type(x).__name__, 'numpy.random' in sys.modules)"
            ),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert out == ["ndarray", "False"]


@pytest.mark.slow
def test_large_draws_match_prefix():
    g = host(ar.default_rng(2).standard_normal(1 << 22, dtype="float32"))
    assert abs(g.mean()) < 6 / math.sqrt(1 << 22)
    h = hashlib.sha256(g[:1000].tobytes()).hexdigest()
    assert (
        h
        == hashlib.sha256(
            host(ar.default_rng(2).standard_normal(1000, dtype="float32")).tobytes()
        ).hexdigest()
    )


def test_extreme_parameters_terminate_and_stay_in_range():
    g = ar.default_rng(12)
    assert (host(g.zipf(2000.0, size=50)) == 1).all()
    assert (host(g.standard_gamma(1e-300, size=50)) >= 0).all()
    b = host(g.binomial(10**15, 0.3, size=2000))
    assert abs(b.mean() / 3e14 - 1) < 1e-5
    p = host(g.poisson(1e12, size=2000))
    assert abs(p.mean() / 1e12 - 1) < 1e-5
    h = host(g.hypergeometric(10**8, 10**8, 10**6, size=200))
    assert abs(h.mean() - 5e5) < 6 * 500 / math.sqrt(200) + 1
    be = host(g.beta(1e-3, 1e-3, size=2000))
    assert ((be >= 0) & (be <= 1)).all() and numpy.isfinite(be).all()
    assert (host(g.binomial(0, 0.5, size=5)) == 0).all()
    assert (host(g.binomial(7, 1.0, size=5)) == 7).all()
    assert (host(g.poisson(0.0, size=5)) == 0).all()
    assert (host(g.geometric(1.0, size=5)) == 1).all()
    assert (host(g.weibull(0.0, size=5)) == 0).all()
    assert (host(g.hypergeometric(5, 0, 3, size=5)) == 3).all()
    assert host(g.vonmises(1.0, 1e7, size=100)).std() < 0.01


def test_pickle_round_trip():
    import pickle

    g = ar.default_rng(3)
    g.random(5)
    h = pickle.loads(pickle.dumps(g))
    numpy.testing.assert_array_equal(host(g.random(3)), host(h.random(3)))
    rs = ar.RandomState(2)
    rs2 = pickle.loads(pickle.dumps(rs))
    numpy.testing.assert_array_equal(host(rs.rand(2)), host(rs2.rand(2)))


def _nvrtc_present():
    import ctypes.util

    return ctypes.util.find_library("nvrtc") is not None


@pytest.mark.slow
@pytest.mark.skipif(not _nvrtc_present(), reason="no NVRTC")
@pytest.mark.skipif(CUDA, reason="with a GPU the CUDA tests above run the kernels")
def test_random_kernels_compile_with_nvrtc(monkeypatch):
    # The random modules only (test_cuda.py compiles every module).
    monkeypatch.setenv("ARRAX_SELFCHECK_FILTER", "random")
    assert arrax.cuda.selfcheck(90) == len(_core.random_kind_names()) + 1
