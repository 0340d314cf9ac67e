"""The workloads. Each case is written once against the NumPy spelling and
an adapter ``L`` (benchmarks/libs.py); it names its shapes and dtypes, what
it counts (seconds, GB/s of the bytes that must move, FLOP/s), and how its
result is checked against the reference library before anything is timed.

Sizes come in three sets: "cpu" (a developer's machine: a few minutes on two
cores), "gpu" (an H100/H200: arrays well past the 50-60 MB L2), and "quick"
(tiny, for CI). Arrays whose bandwidth is measured are larger than the last
level cache of the machine they are meant for (32 MB L3 here, 50 MB L2 on an
H100).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy

from benchmarks.libs import BFLOAT16

# Relative normwise tolerances of the correctness check, by precision.
TOL = {
    "float64": 1e-9,
    "float32": 1e-4,
    "complex64": 1e-4,
    "complex128": 1e-9,
    "tf32": 5e-3,
    "bfloat16": 2e-2,
}


@dataclass
class Case:
    id: str
    group: str
    workload: str  # what is computed, in NumPy spelling
    shapes: str
    dtype: str
    metric: str  # "time" | "bytes" | "flops"
    work: float  # bytes or FLOPs per call (0 for "time")
    make: Callable  # rng -> list of NumPy inputs
    run: Callable  # (L, *inputs) -> result
    tol: float | None = None  # None: TOL[dtype]; 0: exact
    check: Callable | None = None  # (res, ref, inputs) -> error or None
    precision: str | None = None  # "tf32" switches matmul precision
    jit: bool = True  # JAX: run under jax.jit
    compiled: bool = False  # run through each library's compiler
    wall_clock: bool = False  # time with perf_counter only (see harness)
    ceiling: str | None = None  # roofline ceiling key
    note: str = ""
    extra: dict = field(default_factory=dict)


def _np_dtype(name):
    if name == "bfloat16":
        return BFLOAT16
    return numpy.dtype(name)


def _uniform(rng, shape, dtype, lo=-2.0, hi=2.0):
    dt = _np_dtype(dtype)
    if dt.kind == "c":
        re = rng.uniform(lo, hi, shape).astype(numpy.float64)
        im = rng.uniform(lo, hi, shape).astype(numpy.float64)
        return (re + 1j * im).astype(dt)
    if dt in (numpy.float32, numpy.float64):
        return (rng.random(shape, dtype=dt) * (hi - lo) + lo).astype(dt)
    return rng.uniform(lo, hi, shape).astype(numpy.float32).astype(dt)


def _sz(dtype):
    return _np_dtype(dtype).itemsize


def _short(dtype):
    return {
        "float32": "f32",
        "float64": "f64",
        "bfloat16": "bf16",
        "complex64": "c64",
        "complex128": "c128",
    }.get(dtype, dtype)


# -------------------------------------------------------------- checks


def _leaves(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def check_argmax(res, ref, inputs, axis):
    """Ties may resolve to another index: compare the values picked."""
    a = inputs[0]
    res = numpy.asarray(res).astype(numpy.int64)
    if axis is None:
        picked = a.reshape(-1)[res]
        want = a.max()
    else:
        picked = numpy.take_along_axis(a, numpy.expand_dims(res, axis), axis)
        want = a.max(axis=axis, keepdims=True)
    return 0.0 if numpy.array_equal(picked, want) else 1.0


def check_normal(res, ref, inputs):
    """Random numbers differ between libraries: check the moments."""
    x = numpy.asarray(res, dtype=numpy.float64)
    n = x.size
    m, s = x.mean(), x.std()
    return max(abs(m) / (6 / math.sqrt(n)), abs(s - 1) / (6 / math.sqrt(n) + 1e-3))


def check_svd(res, ref, inputs):
    """Singular vectors are defined up to sign: compare singular values and
    the reconstruction U diag(s) Vh against A."""
    u, s, vh = (numpy.asarray(x, dtype=numpy.float64) for x in res)
    a = numpy.asarray(inputs[0], dtype=numpy.float64)
    s_ref = numpy.asarray(ref[1], dtype=numpy.float64)
    e1 = numpy.linalg.norm(s - s_ref) / numpy.linalg.norm(s_ref)
    e2 = numpy.linalg.norm((u * s) @ vh - a) / numpy.linalg.norm(a)
    return max(e1, e2)


# --------------------------------------------------------------- sizes

SIZES = {
    "cpu": dict(
        elem=1 << 24,
        red=(4096, 4096),
        softmax=(8192, 4096),
        mm=[256, 1024, 2048],
        mm_dtypes=["float64", "float32"],
        bmm=(64, 256),
        bmm_dtypes=["float32"],
        tr=(4096, 4096),
        strided=(8192, 4096),
        gather=(1 << 24, 1 << 22),
        rows=(1 << 16, 256, 1 << 14),
        concat=(2048, 4096),
        sort=1 << 22,
        fft=1 << 24,
        fft2=(4096, 4096),
        solve=1024,
        svd=512,
        normal=1 << 24,
        mlp=(512, 1024, 1024, 256),
    ),
    "gpu": dict(
        elem=1 << 26,
        red=(8192, 8192),
        softmax=(8192, 4096),
        mm=[1024, 4096, 8192],
        mm_dtypes=["float64", "float32", "tf32", "bfloat16"],
        bmm=(128, 512),
        bmm_dtypes=["float32", "bfloat16"],
        tr=(8192, 8192),
        strided=(16384, 8192),
        gather=(1 << 26, 1 << 24),
        rows=(1 << 20, 256, 1 << 18),
        concat=(4096, 8192),
        sort=1 << 24,
        fft=1 << 24,
        fft2=(4096, 4096),
        solve=8192,
        svd=1024,
        normal=1 << 26,
        mlp=(8192, 4096, 4096, 1024),
    ),
    "quick": dict(
        elem=1 << 12,
        red=(64, 48),
        softmax=(64, 32),
        mm=[32],
        mm_dtypes=["float64", "float32"],
        bmm=(4, 16),
        bmm_dtypes=["float32"],
        tr=(64, 48),
        strided=(64, 48),
        gather=(1 << 12, 1 << 10),
        rows=(256, 16, 64),
        concat=(32, 48),
        sort=1 << 12,
        fft=1 << 10,
        fft2=(64, 48),
        solve=32,
        svd=16,
        normal=1 << 12,
        mlp=(16, 32, 32, 8),
    ),
}


# --------------------------------------------------------------- cases


def build(suite, quick=False):
    """The cases of `suite` ("cpu" or "gpu"), at tiny sizes when quick."""
    S = SIZES["quick" if quick else suite]
    cases = []
    add = cases.append

    # Roofline: the copy bandwidth every bandwidth-bound case is held
    # against (bytes read + bytes written). The matmul peak is the best
    # matmul of the same precision in this run.
    n = S["elem"]

    def copy_case(tag):
        # Measured first and last: the ceiling is the better of the two, and
        # a difference shows the machine changed during the run.
        return Case(
            f"roofline.copy{tag}.f32",
            "roofline",
            "out[...] = a",
            f"({n},)",
            "float32",
            "bytes",
            2 * n * 4,
            lambda rng: [_uniform(rng, n, "float32"), _uniform(rng, n, "float32")],
            lambda L, a, out: L.copy_into(out, a),
            ceiling="copy",
            note="JAX has immutable arrays: it makes a new copy",
        )

    add(copy_case(""))

    # Python overhead of one small op: what a loop of small ops costs.
    add(
        Case(
            "overhead.add16",
            "overhead",
            "a + b",
            "(16,) + (16,)",
            "float32",
            "time",
            0,
            lambda rng: [_uniform(rng, 16, "float32"), _uniform(rng, 16, "float32")],
            lambda L, a, b: a + b,
            jit=False,
            note="JAX runs it eagerly (op by op)",
        )
    )
    add(
        Case(
            "overhead.sum16",
            "overhead",
            "xp.sum(a)",
            "(16,)",
            "float32",
            "time",
            0,
            lambda rng: [_uniform(rng, 16, "float32", 0.5, 1.5)],
            lambda L, a: L.xp.sum(a),
            jit=False,
            note="JAX runs it eagerly (op by op)",
        )
    )

    # Large elementwise ops.
    for dt in ("float32", "float64"):
        s, nb = _short(dt), _sz(dt)
        two = lambda rng, dt=dt: [_uniform(rng, n, dt), _uniform(rng, n, dt)]
        add(
            Case(
                f"elementwise.add.{s}",
                "elementwise",
                "a + b",
                f"({n},)",
                dt,
                "bytes",
                3 * n * nb,
                two,
                lambda L, a, b: a + b,
                ceiling="copy",
            )
        )
        add(
            Case(
                f"elementwise.multiply.{s}",
                "elementwise",
                "a * b",
                f"({n},)",
                dt,
                "bytes",
                3 * n * nb,
                two,
                lambda L, a, b: a * b,
                ceiling="copy",
            )
        )
        add(
            Case(
                f"elementwise.exp.{s}",
                "elementwise",
                "xp.exp(a)",
                f"({n},)",
                dt,
                "bytes",
                2 * n * nb,
                lambda rng, dt=dt: [_uniform(rng, n, dt, -4, 4)],
                lambda L, a: L.xp.exp(a),
                ceiling="copy",
            )
        )

    def chain(L, a, b, c):
        return L.xp.exp(a) * b + c

    three = lambda rng: [
        _uniform(rng, n, "float32", -4, 4),
        _uniform(rng, n, "float32"),
        _uniform(rng, n, "float32"),
    ]
    add(
        Case(
            "chain.eager.f32",
            "chain",
            "xp.exp(a) * b + c (eager)",
            f"3 x ({n},)",
            "float32",
            "bytes",
            4 * n * 4,
            three,
            chain,
            jit=False,
            ceiling="copy",
            note="bytes: 3 inputs read + 1 output written; JAX op by op",
        )
    )
    add(
        Case(
            "chain.compiled.f32",
            "chain",
            "compile(xp.exp(a) * b + c)",
            f"3 x ({n},)",
            "float32",
            "bytes",
            4 * n * 4,
            three,
            chain,
            compiled=True,
            ceiling="copy",
            note="arrax.compile, torch.compile, cupy.fuse, jax.jit; "
            "NumPy has no compiler and runs it eagerly",
        )
    )

    # Reductions: full and per-axis, over positive data (no cancellation,
    # so every library's summation order passes the same tolerance).
    r0, r1 = S["red"]
    red_in = lambda rng: [_uniform(rng, (r0, r1), "float32", 0.5, 1.5)]
    for op in ("sum", "mean", "max", "argmax"):
        for axis in (None, 0, 1):
            tag = "all" if axis is None else f"axis{axis}"
            chk = None
            if op == "argmax":
                chk = lambda r, ref, i, axis=axis: check_argmax(r, ref, i, axis)
            if op == "argmax":
                fn = lambda L, a, op=op, axis=axis: L.xp.argmax(a, axis=axis)
            else:
                fn = lambda L, a, op=op, axis=axis: getattr(L.xp, op)(a, axis=axis)
            add(
                Case(
                    f"reduction.{op}.{tag}.f32",
                    "reduction",
                    f"xp.{op}(a, axis={axis})",
                    f"({r0}, {r1})",
                    "float32",
                    "bytes",
                    r0 * r1 * 4,
                    red_in,
                    fn,
                    check=chk,
                    ceiling="copy",
                    note="bytes: the input read once",
                )
            )

    sm0, sm1 = S["softmax"]
    add(
        Case(
            "softmax.rows.f32",
            "softmax",
            "softmax(x, axis=1) = exp(x - max) / sum",
            f"({sm0}, {sm1})",
            "float32",
            "bytes",
            2 * sm0 * sm1 * 4,
            lambda rng: [_uniform(rng, (sm0, sm1), "float32", -8, 8)],
            lambda L, x: L.softmax(x, 1),
            ceiling="copy",
            note="torch.softmax, jax.nn.softmax; the others as written",
        )
    )

    # Matrix products: 2 n^3 FLOPs.
    for dt in S["mm_dtypes"]:
        store = "float32" if dt == "tf32" else dt
        for m in S["mm"]:
            add(
                Case(
                    f"matmul.{m}.{_short(dt)}",
                    "matmul",
                    "a @ b",
                    f"({m}, {m}) @ ({m}, {m})",
                    dt,
                    "flops",
                    2 * m**3,
                    lambda rng, m=m, st=store: [
                        _uniform(rng, (m, m), st, -1, 1),
                        _uniform(rng, (m, m), st, -1, 1),
                    ],
                    lambda L, a, b: a @ b,
                    precision="tf32" if dt == "tf32" else None,
                    tol=TOL["tf32"] if dt == "tf32" else None,
                    ceiling=f"matmul:{dt}",
                )
            )
    bb, bm = S["bmm"]
    for dt in S["bmm_dtypes"]:
        add(
            Case(
                f"matmul.batched.{bb}x{bm}.{_short(dt)}",
                "matmul",
                "a @ b",
                f"({bb}, {bm}, {bm}) @ ({bb}, {bm}, {bm})",
                dt,
                "flops",
                2 * bb * bm**3,
                lambda rng, dt=dt: [
                    _uniform(rng, (bb, bm, bm), dt, -1, 1),
                    _uniform(rng, (bb, bm, bm), dt, -1, 1),
                ],
                lambda L, a, b: a @ b,
                ceiling=f"matmul:{dt}",
            )
        )

    # Copies that change the layout.
    t0, t1 = S["tr"]
    add(
        Case(
            "copy.transpose.f32",
            "copy",
            "a.T.copy()",
            f"({t0}, {t1})",
            "float32",
            "bytes",
            2 * t0 * t1 * 4,
            lambda rng: [_uniform(rng, (t0, t1), "float32")],
            lambda L, a: L.copy(a.T),
            ceiling="copy",
        )
    )
    s0, s1 = S["strided"]
    add(
        Case(
            "copy.strided_cols.f32",
            "copy",
            "a[:, ::2].copy()",
            f"({s0}, {s1})",
            "float32",
            "bytes",
            2 * s0 * (s1 // 2) * 4,
            lambda rng: [_uniform(rng, (s0, s1), "float32")],
            lambda L, a: L.copy(a[:, ::2]),
            ceiling="copy",
            note="bytes: the elements copied, read + written",
        )
    )
    add(
        Case(
            "copy.strided_2d.f32",
            "copy",
            "a[::2, ::2].copy()",
            f"({s0}, {s1})",
            "float32",
            "bytes",
            2 * (s0 // 2) * (s1 // 2) * 4,
            lambda rng: [_uniform(rng, (s0, s1), "float32")],
            lambda L, a: L.copy(a[::2, ::2]),
            ceiling="copy",
            note="bytes: the elements copied, read + written",
        )
    )

    # Indexing.
    gn, gm = S["gather"]

    def unique_idx(rng, n, m):
        # m distinct indices in random order, fast for large n.
        k = n // m
        return (rng.permutation(m) * k + rng.integers(0, k, m)).astype(numpy.int64)

    add(
        Case(
            "indexing.gather.f32",
            "indexing",
            "a[idx]",
            f"a ({gn},), idx ({gm},) int64",
            "float32",
            "bytes",
            gm * (8 + 4 + 4),
            lambda rng: [
                _uniform(rng, gn, "float32"),
                rng.integers(0, gn, gm, dtype=numpy.int64),
            ],
            lambda L, a, i: a[i],
            tol=0,
            ceiling="copy",
            note="bytes: indices read, elements read and written",
        )
    )
    rn, rd, rk = S["rows"]
    add(
        Case(
            "indexing.gather_rows.f32",
            "indexing",
            "table[idx]",
            f"table ({rn}, {rd}), idx ({rk},) int64",
            "float32",
            "bytes",
            rk * 8 + 2 * rk * rd * 4,
            lambda rng: [
                _uniform(rng, (rn, rd), "float32"),
                rng.integers(0, rn, rk, dtype=numpy.int64),
            ],
            lambda L, a, i: a[i],
            tol=0,
            ceiling="copy",
            note="an embedding lookup",
        )
    )
    add(
        Case(
            "indexing.scatter.f32",
            "indexing",
            "a[idx] = v",
            f"a ({gn},), idx ({gm},) unique int64",
            "float32",
            "bytes",
            gm * (8 + 4 + 4),
            lambda rng: [
                _uniform(rng, gn, "float32"),
                unique_idx(rng, gn, gm),
                _uniform(rng, gm, "float32"),
            ],
            lambda L, a, i, v: L.scatter(a, i, v),
            tol=0,
            ceiling="copy",
            note="in place; JAX: a.at[idx].set(v), which also copies a",
        )
    )
    add(
        Case(
            "indexing.mask.f32",
            "indexing",
            "a[mask]",
            f"a ({n},), mask ~50% True",
            "float32",
            "bytes",
            n * (4 + 1) + (n // 2) * 4,
            lambda rng: [_uniform(rng, n, "float32"), rng.random(n) < 0.5],
            lambda L, a, m: L.mask_select(a, m),
            tol=0,
            jit=False,
            ceiling="copy",
            note="the output size depends on the data: JAX runs it eagerly",
        )
    )
    c0, c1 = S["concat"]
    add(
        Case(
            "manipulation.concatenate.f32",
            "manipulation",
            "xp.concatenate([a, b, c], axis=0)",
            f"3 x ({c0}, {c1})",
            "float32",
            "bytes",
            2 * 3 * c0 * c1 * 4,
            lambda rng: [_uniform(rng, (c0, c1), "float32") for _ in range(3)],
            lambda L, a, b, c: L.concatenate([a, b, c], 0),
            tol=0,
            ceiling="copy",
        )
    )

    # Algorithms that land later; n/a for arrax until they do.
    ns = S["sort"]
    add(
        Case(
            "sort.f32",
            "sort",
            "xp.sort(a)",
            f"({ns},)",
            "float32",
            "time",
            0,
            lambda rng: [_uniform(rng, ns, "float32")],
            lambda L, a: L.sort(a),
            tol=0,
        )
    )
    nf = S["fft"]
    add(
        Case(
            "fft.c64",
            "fft",
            "xp.fft.fft(a)",
            f"({nf},)",
            "complex64",
            "flops",
            5 * nf * math.log2(nf),
            lambda rng: [_uniform(rng, nf, "complex64")],
            lambda L, a: L.fft(a),
            ceiling="matmul:float32",
            note="FLOPs: the 5 n log2 n convention",
        )
    )
    add(
        Case(
            "fft.rfft.f32",
            "fft",
            "xp.fft.rfft(a)",
            f"({nf},)",
            "float32",
            "flops",
            2.5 * nf * math.log2(nf),
            lambda rng: [_uniform(rng, nf, "float32")],
            lambda L, a: L.rfft(a),
            ceiling="matmul:float32",
            note="FLOPs: 2.5 n log2 n (half a complex transform)",
        )
    )
    r2, c2 = S["fft2"]
    add(
        Case(
            "fft.fft2.c64",
            "fft",
            "xp.fft.fft2(a)",
            f"({r2}, {c2})",
            "complex64",
            "flops",
            5 * r2 * c2 * math.log2(r2 * c2),
            lambda rng: [_uniform(rng, (r2, c2), "complex64")],
            lambda L, a: L.fft2(a),
            ceiling="matmul:float32",
            note="FLOPs: the 5 n log2 n convention, n = rows x columns",
        )
    )
    nsv = S["solve"]

    def well_conditioned(rng, m, dt):
        a = _uniform(rng, (m, m), dt, -1, 1)
        a[numpy.diag_indices(m)] += m
        return a

    add(
        Case(
            "linalg.solve.f64",
            "linalg",
            "xp.linalg.solve(a, b)",
            f"({nsv}, {nsv}) \\ ({nsv}, 16)",
            "float64",
            "flops",
            2 / 3 * nsv**3 + 2 * 16 * nsv**2,
            lambda rng: [
                well_conditioned(rng, nsv, "float64"),
                _uniform(rng, (nsv, 16), "float64"),
            ],
            lambda L, a, b: L.solve(a, b),
            ceiling="matmul:float64",
            note="LU: 2/3 n^3 + 2 n^2 k FLOPs",
        )
    )
    nd = S["svd"]
    add(
        Case(
            "linalg.svd.f64",
            "linalg",
            "xp.linalg.svd(a, full_matrices=False)",
            f"({nd}, {nd})",
            "float64",
            "time",
            0,
            lambda rng: [_uniform(rng, (nd, nd), "float64")],
            lambda L, a: L.svd(a),
            check=check_svd,
            tol=1e-8,
        )
    )
    nn = S["normal"]
    add(
        Case(
            "random.normal.f32",
            "random",
            "standard_normal(n)",
            f"({nn},)",
            "float32",
            "bytes",
            nn * 4,
            lambda rng: [numpy.array(1234, dtype=numpy.int64)],
            lambda L, seed: L.normal(nn, "float32", seed),
            check=check_normal,
            tol=1.0,
            ceiling="copy",
            note="checked by mean and standard deviation; bytes written",
        )
    )

    # A training step of a two-layer MLP, forward and hand-written
    # backward, with an SGD update: the same math in every library.
    B, D, H, O = S["mlp"]

    def mlp_step(L, x, y, w1, b1, w2, b2):
        xp = L.xp
        h = x @ w1 + b1
        a = xp.maximum(h, 0.0)
        d = (a @ w2 + b2 - y) * (1.0 / B)
        gw2 = a.T @ d
        gb2 = xp.sum(d, axis=0)
        dh = (d @ w2.T) * (h > 0)
        gw1 = x.T @ dh
        gb1 = xp.sum(dh, axis=0)
        lr = 0.01
        return (w1 - lr * gw1, b1 - lr * gb1, w2 - lr * gw2, b2 - lr * gb2)

    add(
        Case(
            "mlp.train_step.f32",
            "mlp",
            "relu MLP forward + backward + SGD update",
            f"x ({B}, {D}), W1 ({D}, {H}), W2 ({H}, {O})",
            "float32",
            "flops",
            6 * B * (D * H + H * O),
            lambda rng: [
                _uniform(rng, (B, D), "float32", -1, 1),
                _uniform(rng, (B, O), "float32", -1, 1),
                _uniform(rng, (D, H), "float32", -0.05, 0.05),
                _uniform(rng, H, "float32", -0.05, 0.05),
                _uniform(rng, (H, O), "float32", -0.05, 0.05),
                _uniform(rng, O, "float32", -0.05, 0.05),
            ],
            mlp_step,
            ceiling="matmul:float32",
            note="FLOPs: the six matrix products",
        )
    )
    # Start-up: `python -c "import numpy"` (or arrax, torch, cupy, jax) in a
    # fresh interpreter each call, with the library found where this
    # process found it. The first call (the warm-up) writes the bytecode
    # caches and warms the page cache: the samples are a user's second and
    # later imports.
    add(
        Case(
            "startup.import",
            "startup",
            'python -c "import xp"',
            "fresh process",
            "none",
            "time",
            0,
            lambda rng: [],
            lambda L: L.cold_import(),
            tol=0,
            jit=False,
            wall_clock=True,
            note="median wall time of a fresh interpreter that imports the "
            "library and exits (the interpreter's own start included)",
        )
    )

    add(copy_case("_end"))
    return cases
