"""Autograd transforms over the core's reverse-mode engine (docs/autograd.md).

``grad``, ``value_and_grad``, ``vjp``, ``jvp`` and ``vmap`` take JAX's signatures;
``custom_vjp`` is JAX's, ``custom_function`` MLX's; ``no_grad``,
``enable_grad`` and ``set_grad_enabled`` are PyTorch's context managers
(and decorators). Arguments and results may be pytrees: nested tuples,
lists and dicts with arrays (or Python numbers) at the leaves.
"""

import functools

import numpy

from arrax import _core

__all__ = [
    "checkpoint",
    "custom_function",
    "custom_vjp",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "jvp",
    "no_grad",
    "set_grad_enabled",
    "stop_gradient",
    "value_and_grad",
    "vjp",
    "vmap",
]

ndarray = _core.ndarray
is_grad_enabled = _core.is_grad_enabled


# ---- pytrees -------------------------------------------------------------------


def _flatten(tree):
    """(leaves, rebuild): the leaves of nested tuples, lists and dicts in
    order, and a function that rebuilds the same structure from new leaves."""
    leaves = []

    def walk(t):
        if isinstance(t, (tuple, list)):
            kids = [walk(x) for x in t]
            typ = type(t)
            if typ is tuple or typ is list:
                return lambda it: typ(k(it) for k in kids)
            # namedtuple
            return lambda it: typ(*[k(it) for k in kids])
        if isinstance(t, dict):
            keys = list(t.keys())
            kids = [walk(t[k]) for k in keys]
            return lambda it: {k: f(it) for k, f in zip(keys, kids)}
        if t is None:
            return lambda it: None
        leaves.append(t)
        return lambda it: next(it)

    build = walk(tree)
    return leaves, lambda new: build(iter(new))


def _tree_map(f, tree):
    leaves, build = _flatten(tree)
    return build([f(x) for x in leaves])


# ---- grad mode -----------------------------------------------------------------


class _GradMode:
    _mode = None

    def __enter__(self):
        self._prev = _core.is_grad_enabled()
        _core.set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _core.set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _core.is_grad_enabled()
            _core.set_grad_enabled(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _core.set_grad_enabled(prev)

        return wrapper


class no_grad(_GradMode):
    """Nothing is recorded inside (a context manager and a decorator)."""

    _mode = False


class enable_grad(_GradMode):
    """Recording is on inside, even within ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` as a call, a context manager or a
    decorator, as PyTorch's."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = _core.is_grad_enabled()
        _core.set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _core.set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        _core.set_grad_enabled(self._prev)  # as a decorator: no effect now
        return super().__call__(fn)


# ---- helpers ---------------------------------------------------------------------


def _arrax():
    import arrax

    return arrax


def _as_input(x, op):
    """A differentiable copy-free handle of `x`: a fresh leaf, or (inside an
    outer transform, when `x` already requires grad) an alias that stays
    connected to the outer graph."""
    if not isinstance(x, ndarray):
        x = _arrax().asarray(x)
    if numpy.dtype(x.dtype).kind not in "fc" and str(x.dtype) != "bfloat16":
        raise TypeError(
            f"[{op}] {op} requires real- or complex-valued inputs (input dtype "
            f"that is a sub-dtype of np.inexact), but got {x.dtype}"
        )
    if x.requires_grad and _core.is_grad_enabled():
        return _core._alias(x), True
    leaf = x.detach()
    leaf.requires_grad_(True)
    return leaf, False


def _argnums_tuple(argnums, nargs, op):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(
                f"[{op}] argnums={a} is out of range for a function of {nargs} "
                "positional arguments"
            )
    return single, tuple(a % nargs for a in nums)


def _zeros_like(x):
    return _arrax().zeros_like(x)


def _prepare(args, argnums, op):
    """Replaces the differentiated arguments by inputs; returns the new
    args, the flat leaves per argnum, their rebuilders and whether an outer
    transform is tracking them."""
    args = list(args)
    leaves_per, builds, nested = [], [], False
    for a in argnums:
        leaves, build = _flatten(args[a])
        new = []
        for x in leaves:
            y, n = _as_input(x, op)
            nested = nested or n
            new.append(y)
        args[a] = build(new)
        leaves_per.append(new)
        builds.append(build)
    return args, leaves_per, builds, nested


def _grads(outputs, cotangents, inputs, nested, retain=False):
    gs = _core._grad(
        outputs,
        cotangents,
        inputs,
        retain_graph=retain or nested,
        create_graph=nested,
        allow_unused=True,
    )
    return [_zeros_like(x) if g is None else g for g, x in zip(gs, inputs)]


def _pull_back(outs, cts, flat, leaves_per, builds, nested, retain):
    """The gradients of `outs` (tracked arrays; none: zeros) with respect to
    `flat`, rebuilt into one pytree per differentiated argument."""
    outs_cts = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
    if outs_cts:
        gs = _grads(
            [o for o, _ in outs_cts], [c for _, c in outs_cts], flat, nested, retain
        )
    else:
        gs = [_zeros_like(x) for x in flat]
    res, k = [], 0
    for leaves, build in zip(leaves_per, builds):
        res.append(build(gs[k : k + len(leaves)]))
        k += len(leaves)
    return res


def _scalar_output(out, op):
    if not isinstance(out, ndarray):
        out = _arrax().asarray(out)
    if out.size != 1 or out.ndim != 0:
        raise TypeError(
            f"[{op}] Gradient only defined for scalar-output functions. Output "
            f"had shape: {out.shape}"
        )
    if numpy.dtype(out.dtype).kind not in "f" and str(out.dtype) != "bfloat16":
        raise TypeError(
            f"[{op}] grad requires real-valued outputs (output dtype that is a "
            f"sub-dtype of np.floating), but got {out.dtype}. For holomorphic "
            "or complex outputs use vjp."
        )
    return out


def _result(x, nested):
    return x if nested or not isinstance(x, ndarray) else x.detach()


# ---- transforms ------------------------------------------------------------------


def value_and_grad(fun, argnums=0, has_aux=False):
    """``(value, gradient)`` of a scalar function with respect to the
    arguments in `argnums` (JAX's signature; with `has_aux`, `fun` returns
    ``(value, aux)`` and the result is ``((value, aux), gradient)``)."""

    @functools.wraps(fun)
    def wrapper(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args), "grad")
        new_args, leaves_per, builds, nested = _prepare(args, nums, "grad")
        with enable_grad():
            out = fun(*new_args, **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(
                    "[grad] has_aux=True requires the function to return a "
                    "pair (output, auxiliary data)"
                )
            out, aux = out
        out = _scalar_output(out, "grad")
        flat = [x for leaves in leaves_per for x in leaves]
        res = _pull_back([out], [None], flat, leaves_per, builds, nested, False)
        g = res[0] if single else tuple(res)
        value = _result(out, nested)
        if has_aux:
            aux = _tree_map(lambda x: _result(x, nested), aux)
            return (value, aux), g
        return value, g

    return wrapper


def grad(fun, argnums=0, has_aux=False):
    """The gradient of a scalar function (JAX's ``jax.grad``)."""
    vg = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def wrapper(*args, **kwargs):
        (value, g) = vg(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return wrapper


def vjp(fun, *primals, has_aux=False):
    """``(out, vjp_fn)``: ``vjp_fn(cotangent)`` is the tuple of the
    cotangent pulled back to each primal (JAX's ``jax.vjp``). `vjp_fn` may
    be called more than once."""
    nums = tuple(range(len(primals)))
    new_args, leaves_per, builds, nested = _prepare(primals, nums, "vjp")
    with enable_grad():
        out = fun(*new_args)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, _ = _flatten(out)
    flat = [x for leaves in leaves_per for x in leaves]

    def vjp_fn(cotangent):
        ct_leaves, _ = _flatten(cotangent)
        if len(ct_leaves) != len(out_leaves):
            raise ValueError(
                f"[vjp] the cotangent has {len(ct_leaves)} leaves but the "
                f"output has {len(out_leaves)}"
            )
        outs, cts = [], []
        for o, c in zip(out_leaves, ct_leaves):
            c = _arrax().asarray(c)
            if tuple(c.shape) != tuple(o.shape):
                raise ValueError(
                    f"[vjp] cotangent of shape {c.shape} for an output of "
                    f"shape {o.shape}"
                )
            if isinstance(o, ndarray) and o.requires_grad:
                outs.append(o)
                cts.append(c)
        return tuple(_pull_back(outs, cts, flat, leaves_per, builds, nested, True))

    out_v = _tree_map(lambda x: _result(x, nested), out)
    if has_aux:
        return out_v, vjp_fn, aux
    return out_v, vjp_fn


def jvp(fun, primals, tangents, has_aux=False):
    """``(out, tangent_out)``: forward-mode derivative of `fun` at `primals`
    along `tangents` (JAX's ``jax.jvp``). Computed as the transpose of the
    vjp, which is linear in its cotangent: vjp_fn is differentiated again
    with respect to that cotangent."""
    if not isinstance(primals, (tuple, list)) or not isinstance(
        tangents, (tuple, list)
    ):
        raise TypeError("[jvp] primals and tangents must be tuples or lists")
    if len(primals) != len(tangents):
        raise ValueError(
            f"[jvp] got {len(primals)} primals and {len(tangents)} tangents"
        )
    nums = tuple(range(len(primals)))
    new_args, leaves_per, _, nested = _prepare(primals, nums, "jvp")
    flat = [x for leaves in leaves_per for x in leaves]
    t_flat = []
    for t in tangents:
        t_flat.extend(_flatten(t)[0])
    if len(t_flat) != len(flat):
        raise ValueError("[jvp] primals and tangents have different structures")
    t_flat = [_arrax().asarray(t) for t in t_flat]
    for x, t in zip(flat, t_flat):
        if tuple(x.shape) != tuple(t.shape):
            raise ValueError(
                f"[jvp] primal and tangent shapes differ: {x.shape} and {t.shape}"
            )
    with enable_grad():
        out = fun(*new_args)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, build_out = _flatten(out)
    tracked = [
        i
        for i, o in enumerate(out_leaves)
        if isinstance(o, ndarray) and o.requires_grad
    ]
    tan_out = [None] * len(out_leaves)
    if tracked:
        us = []
        with enable_grad():
            for i in tracked:
                u = _zeros_like(out_leaves[i])
                u.requires_grad_(True)
                us.append(u)
            gs = _core._grad(
                [out_leaves[i] for i in tracked],
                us,
                flat,
                retain_graph=True,
                create_graph=True,
                allow_unused=True,
            )
        pairs = [
            (g, t) for g, t in zip(gs, t_flat) if g is not None and g.requires_grad
        ]
        if pairs:
            jv = _core._grad(
                [g for g, _ in pairs],
                [t.astype(g.dtype) for g, t in pairs],
                us,
                retain_graph=nested,
                create_graph=nested,
                allow_unused=True,
            )
        else:
            jv = [None] * len(us)
        for i, j in zip(tracked, jv):
            tan_out[i] = j
    for i, o in enumerate(out_leaves):
        if tan_out[i] is None:
            tan_out[i] = _zeros_like(o)
        elif not nested:
            tan_out[i] = tan_out[i].detach()
    out_v = build_out([_result(o, nested) for o in out_leaves])
    t_v = build_out(tan_out)
    if has_aux:
        return out_v, t_v, aux
    return out_v, t_v


def stop_gradient(x):
    """`x` with no autograd history (every leaf of a pytree)."""
    return _tree_map(lambda a: a.detach() if isinstance(a, ndarray) else a, x)


def _tracked_inputs(args):
    leaves, _ = _flatten(list(args))
    return [x for x in leaves if isinstance(x, ndarray) and x.requires_grad]


def _record(name, inputs, out, backward):
    """Records one node for `out` (a pytree computed without recording)
    whose vjp is `backward(cotangent_leaves) -> one gradient per input`."""
    out_leaves, build = _flatten(out)
    fresh = [_core._alias(o) if isinstance(o, ndarray) else o for o in out_leaves]
    arrays = [o for o in fresh if isinstance(o, ndarray)]
    if _core.is_grad_enabled() and inputs:
        _core._record_function(inputs, arrays, backward, name)
    return build(fresh)


class custom_vjp:
    """JAX's ``jax.custom_vjp``: ``f.defvjp(fwd, bwd)`` where ``fwd(*args)``
    returns ``(out, residuals)`` and ``bwd(residuals, cotangent)`` returns a
    tuple with one gradient (pytree) per argument."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd = None
        self.bwd = None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd
        return self

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(
                f"[custom_vjp] no VJP defined for {self.fun.__name__}: call "
                "defvjp(fwd, bwd) first"
            )
        inputs = _tracked_inputs(args)
        if not inputs or not _core.is_grad_enabled():
            return self.fun(*args)
        with no_grad():
            out, res = self.fwd(*args)
        _, build_out = _flatten(out)
        arg_leaves, _ = _flatten(list(args))
        positions = [
            i
            for i, x in enumerate(arg_leaves)
            if isinstance(x, ndarray) and x.requires_grad
        ]
        bwd, name = self.bwd, getattr(self.fun, "__name__", "custom_vjp")

        def backward(cts):
            g = bwd(res, build_out(list(cts)))
            if not isinstance(g, tuple) or len(g) != len(args):
                raise TypeError(
                    f"[custom_vjp] the bwd of {name} must return a tuple of "
                    f"length {len(args)} (one entry per argument)"
                )
            flat_g, _ = _flatten(list(g))
            return [flat_g[i] for i in positions]

        return _record(name, inputs, out, backward)


class custom_function:
    """MLX's ``mx.custom_function``: decorate the forward function, then its
    ``vjp`` with ``@f.vjp`` taking ``(primals, cotangents, outputs)`` and
    returning one gradient per primal."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self._vjp = None

    def vjp(self, fn):
        self._vjp = fn
        return fn

    def __call__(self, *args):
        inputs = _tracked_inputs(args)
        if self._vjp is None or not inputs or not _core.is_grad_enabled():
            return self.fun(*args)
        with no_grad():
            out = self.fun(*args)
        _, build_out = _flatten(out)
        arg_leaves, _ = _flatten(list(args))
        positions = [
            i
            for i, x in enumerate(arg_leaves)
            if isinstance(x, ndarray) and x.requires_grad
        ]
        primals = tuple(a.detach() if isinstance(a, ndarray) else a for a in args)
        out_d = stop_gradient(out)
        vjp_fn = self._vjp

        def backward(cts):
            g = vjp_fn(primals, build_out(list(cts)), out_d)
            if not isinstance(g, (tuple, list)):
                g = (g,)
            flat_g, _ = _flatten(list(g))
            return [flat_g[i] for i in positions]

        return _record(
            getattr(self.fun, "__name__", "custom_function"), inputs, out, backward
        )


def checkpoint(fun):
    """``fun`` recomputed in the backward pass instead of keeping its
    intermediate values (JAX's ``jax.checkpoint``)."""

    @functools.wraps(fun)
    def wrapper(*args):
        inputs = _tracked_inputs(args)
        if not inputs or not _core.is_grad_enabled():
            return fun(*args)
        with no_grad():
            out = fun(*args)

        def backward(cts):
            leaves, build = _flatten(list(args))
            fresh = []
            for x in leaves:
                if isinstance(x, ndarray) and x.requires_grad:
                    y = x.detach()
                    y.requires_grad_(True)
                    fresh.append(y)
                else:
                    fresh.append(x)
            with enable_grad():
                o = fun(*build(fresh))
            o_leaves, _ = _flatten(o)
            pairs = [
                (a, c)
                for a, c in zip(o_leaves, cts)
                if isinstance(a, ndarray) and a.requires_grad
            ]
            xs = [
                y
                for y, x in zip(fresh, leaves)
                if isinstance(x, ndarray) and x.requires_grad
            ]
            if not pairs:
                return [None] * len(xs)
            return _core._grad(
                [a for a, _ in pairs],
                [c for _, c in pairs],
                xs,
                create_graph=_core.is_grad_enabled(),
                allow_unused=True,
            )

        return _record(getattr(fun, "__name__", "checkpoint"), inputs, out, backward)

    return wrapper


# ---- ndarray.backward ------------------------------------------------------------


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """PyTorch's ``Tensor.backward``: accumulates into the ``.grad`` of the
    leaves (or only of `inputs`)."""
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        _core._backward([self], [gradient], retain_graph, create_graph)
        return
    if isinstance(inputs, ndarray):
        inputs = [inputs]
    gs = _core._grad([self], [gradient], list(inputs), retain_graph, create_graph, True)
    for x, g in zip(inputs, gs):
        if g is None:
            continue
        x.grad = g if x.grad is None else x.grad + g


ndarray.backward = _backward


# ---- vmap --------------------------------------------------------------------


def _axis_leaves(spec, tree, what):
    """The axis of each leaf of `tree` (in _flatten's order) from `spec`, a
    prefix of the tree (JAX's in_axes/out_axes rule): an int or None
    applies to a whole subtree."""
    if spec is None or isinstance(spec, int):
        if isinstance(spec, bool):
            raise TypeError(f"[vmap] {what} must be ints or None, got {spec!r}")
        return [spec] * len(_flatten(tree)[0])
    if isinstance(spec, (tuple, list)):
        if not isinstance(tree, (tuple, list)) or len(tree) != len(spec):
            raise ValueError(
                f"[vmap] {what} specification {spec!r} does not match the "
                f"structure of the value it applies to"
            )
        out = []
        for s, t in zip(spec, tree):
            out += _axis_leaves(s, t, what)
        return out
    if isinstance(spec, dict):
        if not isinstance(tree, dict) or set(spec) != set(tree):
            raise ValueError(
                f"[vmap] {what} specification {spec!r} does not match the "
                f"structure of the value it applies to"
            )
        out = []
        for k in tree:
            out += _axis_leaves(spec[k], tree[k], what)
        return out
    raise TypeError(
        f"[vmap] {what} must be ints, None or pytrees of them, got {spec!r}"
    )


def vmap(fun, in_axes=0, out_axes=0, axis_size=None):
    """Vectorizing map (JAX's signature): ``vmap(f)(xs)`` is
    ``stack([f(x) for x in xs])`` computed in one call of `f` on arrays
    with a batch dimension, through each primitive's batching rule (Note
    [Batching] in arrax/batching.cpp). ``in_axes`` gives the mapped axis of
    each positional argument (an int, None for an unmapped argument, or a
    pytree prefix of the arguments); keyword arguments are mapped along axis
    0. ``out_axes`` places the batch axis in each output. Composes with
    ``grad``, ``vjp``, ``jvp`` and itself."""
    if not callable(fun):
        raise TypeError(f"[vmap] the function to map must be callable, got {fun!r}")

    @functools.wraps(fun)
    def wrapper(*args, **kwargs):
        ar = _arrax()
        if isinstance(in_axes, (tuple, list)):
            if len(in_axes) != len(args):
                raise ValueError(
                    f"[vmap] in_axes has {len(in_axes)} entries but the "
                    f"function was called with {len(args)} positional arguments"
                )
            spec = tuple(in_axes)
        else:
            spec = (in_axes,) * len(args)
        arg_leaves, arg_build = _flatten(tuple(args))
        kw_leaves, kw_build = _flatten(kwargs)
        axes = _axis_leaves(spec, tuple(args), "in_axes") + [0] * len(kw_leaves)
        leaves = arg_leaves + kw_leaves
        size = axis_size
        first = None
        prepared = []
        for i, (x, ax) in enumerate(zip(leaves, axes)):
            if ax is None:
                prepared.append(x)
                continue
            if not isinstance(x, ndarray):
                x = ar.asarray(x)
            if x.ndim == 0 or not -x.ndim <= ax < x.ndim:
                raise ValueError(
                    f"[vmap] was asked to map input {i} along axis {ax}, but it "
                    f"has only {x.ndim} dimensions"
                )
            n = x.shape[ax]
            if size is None:
                size, first = n, (i, ax)
            elif n != size:
                where = (
                    f"input {first[0]} has size {size} along axis {first[1]}"
                    if first
                    else f"axis_size is {size}"
                )
                raise ValueError(
                    f"[vmap] got inconsistent sizes for the mapped axes: "
                    f"{where}, input {i} has size {n} along axis {ax}"
                )
            prepared.append((x, ax))
        if size is None:
            raise ValueError(
                "[vmap] needs at least one mapped input (an in_axes entry that "
                "is not None) or axis_size"
            )
        level = _core._vmap_level()
        mapped = [
            _core._make_batched(p[0], p[1], level) if a is not None else p
            for p, a in zip(prepared, axes)
        ]
        na = len(arg_leaves)
        _core._vmap_push(level)
        try:
            out = fun(*arg_build(mapped[:na]), **kw_build(mapped[na:]))
        finally:
            _core._vmap_pop()
        out_leaves, out_build = _flatten(out)
        oaxes = _axis_leaves(out_axes, out, "out_axes")
        result = []
        for y, ax in zip(out_leaves, oaxes):
            if not isinstance(y, ndarray):
                y = ar.asarray(y)
            if ax is None:
                if _core._batch_size(y, level) >= 0:
                    raise ValueError(
                        "[vmap] out_axes is None for an output that depends "
                        "on the mapped inputs"
                    )
                result.append(y)
            else:
                result.append(_core._unbatch(y, level, ax, size))
        return out_build(result)

    return wrapper
