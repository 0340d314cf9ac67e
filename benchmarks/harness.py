"""Runs the cases: inputs, correctness check, warm-up, timed repeats.

For each case and each library, in order:
  1. the inputs are drawn at random with NumPy (a fixed seed; never zeros)
     and moved to the library's device, outside any timing;
  2. one call is made and its result checked against the reference (the
     first library of the suite that ran the case: NumPy on the CPU, the
     first GPU peer on the GPU); a library whose result disagrees is
     reported "wrong" and is not timed;
  3. warm-up calls (compilation, caches, memory pools) until `warmup`
     calls and at least `warmup_s` seconds are done;
  4. timed samples: each sample runs the call `inner` times back to back
     (inner chosen so a sample lasts about `sample_s`, which keeps timer
     resolution and launch jitter out of small ops) and records seconds per
     call; samples are taken until `max_repeats` or the time budget, at
     least `min_repeats`. The median is reported with the quartiles, the
     minimum and the maximum.
"""

import math
import statistics
import sys
import time
import traceback

import numpy

from benchmarks.cases import TOL
from benchmarks.libs import Unavailable


class Settings:
    def __init__(self, quick=False, budget=None, repeats=None, suite="cpu"):
        if quick:
            self.warmup, self.warmup_s = 1, 0.0
            self.min_repeats, self.max_repeats = 3, 3
            self.sample_s, self.budget_s = 1e-4, 0.05
        elif suite == "gpu":
            # CUDA events resolve microseconds: shorter samples, more of
            # them, in less time per case (the GPU run has a time limit).
            self.warmup, self.warmup_s = 3, 0.05
            self.min_repeats, self.max_repeats = 10, 100
            self.sample_s, self.budget_s = 2e-3, 0.3
        else:
            self.warmup, self.warmup_s = 2, 0.05
            self.min_repeats, self.max_repeats = 7, 50
            self.sample_s, self.budget_s = 5e-3, 0.6
        if budget is not None:
            self.budget_s = budget
        if repeats is not None:
            self.min_repeats = min(self.min_repeats, repeats)
            self.max_repeats = repeats

    def as_dict(self):
        return dict(self.__dict__)


def _to_host(L, res):
    if isinstance(res, (tuple, list)):
        return tuple(_to_host(L, r) for r in res)
    return numpy.asarray(L.to_numpy(res))


def _is_numpy_result(res):
    if isinstance(res, (tuple, list)):
        return any(_is_numpy_result(r) for r in res)
    return isinstance(res, numpy.ndarray)


_SAMPLE = 1 << 22


def relative_error(res, ref, exact):
    """Normwise relative error of res against ref (inf on a shape or kind
    mismatch). Exact comparison for integers, bools and exact cases."""
    if isinstance(ref, tuple) != isinstance(res, tuple):
        return math.inf
    if isinstance(ref, tuple):
        if len(ref) != len(res):
            return math.inf
        return max((relative_error(a, b, exact) for a, b in zip(res, ref)), default=0.0)
    res, ref = numpy.asarray(res), numpy.asarray(ref)
    if res.shape != ref.shape:
        return math.inf
    if ref.dtype.kind in "biu" or exact:
        if ref.dtype.kind in "biu" and res.dtype.kind not in "biu":
            return math.inf
        return 0.0 if numpy.array_equal(res.astype(ref.dtype), ref) else math.inf
    if not numpy.isfinite(res).all():
        return math.inf
    if ref.size > _SAMPLE:
        # A fixed random sample of 4M elements estimates the normwise error
        # well and keeps the check of 64M-element GPU results quick.
        pick = numpy.random.default_rng(0).integers(0, ref.size, _SAMPLE)
        res, ref = res.reshape(-1)[pick], ref.reshape(-1)[pick]
    to = numpy.complex128 if ref.dtype.kind == "c" else numpy.float64
    a, b = res.astype(to), ref.astype(to)
    den = numpy.linalg.norm(b.ravel())
    num = numpy.linalg.norm((a - b).ravel())
    return float(num / den) if den else float(num)


def _summary(samples):
    s = sorted(samples)
    q = statistics.quantiles(s, n=4) if len(s) >= 2 else [s[0]] * 3
    return dict(
        median_s=statistics.median(s),
        p25_s=q[0],
        p75_s=q[2],
        min_s=s[0],
        max_s=s[-1],
        n=len(s),
        samples_s=[float(f"{x:.6g}") for x in samples],  # in the order taken
    )


def _wall_loop(call, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        call()
    return time.perf_counter() - t0


def measure(L, call, st, wall_clock=False):
    """Warm up, then time `call`; returns the summary dict. wall_clock: time
    with time.perf_counter alone, not the library's own (GPU) timer, for
    work done outside the library (a subprocess)."""
    time_loop = _wall_loop if wall_clock else L.time_loop
    t0 = time.perf_counter()
    per_call = None
    done = 0
    while done < st.warmup or time.perf_counter() - t0 < st.warmup_s:
        per_call = time_loop(call, 1)
        done += 1
        # The checked call was the first warm-up; a call that takes a
        # second is warm after one more.
        if done >= 100 or per_call > 1.0:
            break
    inner = max(1, min(100000, math.ceil(st.sample_s / max(per_call, 1e-9))))
    # Calls much longer than the budget: 5 samples are enough for a median.
    min_repeats = st.min_repeats
    if per_call * min_repeats > 4 * st.budget_s:
        min_repeats = min(min_repeats, 5)
    samples = []
    start = time.perf_counter()
    while len(samples) < st.max_repeats and (
        len(samples) < min_repeats or time.perf_counter() - start < st.budget_s
    ):
        samples.append(time_loop(call, inner) / inner)
    out = _summary(samples)
    out["inner"] = inner
    out["warmup_calls"] = done
    return out


def _status_for_exception(L, e):
    """n/a: the library lacks the function, method or operator (Python
    raises AttributeError or TypeError for those). Anything else is an
    error of the library, reported with its message."""
    if isinstance(e, (Unavailable, AttributeError, NotImplementedError)):
        return "n/a"
    if L.is_arrax and isinstance(e, TypeError):
        return "n/a"
    return "error"


def run_case(case, libs, st, log=print):
    """Run one case in every library; returns the case's JSON record."""
    rng = numpy.random.default_rng(20261123)
    inputs = case.make(rng)
    tol = case.tol if case.tol is not None else TOL.get(case.dtype, 1e-6)
    rec = dict(
        id=case.id,
        group=case.group,
        workload=case.workload,
        shapes=case.shapes,
        dtype=case.dtype,
        metric=case.metric,
        work=case.work,
        tolerance=tol,
        note=case.note,
        ceiling=case.ceiling,
        results={},
    )
    ref = None
    ref_lib = None
    for L in libs:
        r = rec["results"][L.name] = {}
        try:
            with L.context(case):
                args = [L.asarray(x) for x in inputs]

                def body(*a, L=L):
                    return case.run(L, *a)

                if case.compiled:
                    fn = L.compile(body) if L.name != "numpy" else body
                else:
                    fn = L.prepare(body, case)
                call = lambda fn=fn, args=args: fn(*args)
                fb0 = L.fallback_count() if L.is_arrax else 0
                res = call()
                L.sync(res)
                if L.is_arrax and (L.fallback_count() != fb0 or _is_numpy_result(res)):
                    r.update(
                        status="n/a",
                        reason="runs through the NumPy fallback, not arrax",
                    )
                    continue
                host = _to_host(L, res)
                del res
                if ref is None:
                    ref, ref_lib = host, L.name
                    r["check"] = "reference"
                    if case.check is not None:
                        err = case.check(host, host, inputs)
                        if not err <= tol:
                            r.update(
                                status="wrong",
                                check_error=float(err),
                                reason=f"self-check error {err:.3g} > {tol:g}",
                            )
                            ref = None
                            continue
                else:
                    if case.check is not None:
                        err = case.check(host, ref, inputs)
                    else:
                        err = relative_error(host, ref, tol == 0)
                    r["check_error"] = float(err)
                    r["check"] = f"vs {ref_lib}"
                    if not err <= tol:
                        r.update(
                            status="wrong",
                            reason=f"relative error {err:.3g} > {tol:g} "
                            f"against {ref_lib}",
                        )
                        continue
                del host
                r.update(measure(L, call, st, case.wall_clock))
                r["status"] = "ok"
                if case.metric != "time":
                    r["throughput"] = case.work / r["median_s"]
        except Exception as e:  # reported, never fatal
            r["status"] = _status_for_exception(L, e)
            r["reason"] = f"{type(e).__name__}: {e}"[:300]
            if r["status"] == "error" and "--trace" in sys.argv:
                traceback.print_exc()
        finally:
            args = None
            call = fn = None
            L.cleanup()
        _log_result(log, case, L, r)
    return rec


def _log_result(log, case, L, r):
    if r.get("status") == "ok":
        log(
            f"  {case.id:<34} {L.name:<6} {r['median_s'] * 1e3:10.4f} ms"
            f"  (n={r['n']}, inner={r['inner']})"
        )
    else:
        log(f"  {case.id:<34} {L.name:<6} {r['status']}: {r.get('reason', '')[:90]}")


def finish_suite(records, peers):
    """Best peer, arrax's ratio and roofline fractions, in place."""
    ceilings = {}
    for rec in records:
        for name, r in rec["results"].items():
            if r.get("status") != "ok" or rec["metric"] == "time":
                continue
            key = None
            if rec["id"].startswith("roofline.copy"):
                key = "copy"
            elif rec["group"] == "matmul":
                key = f"matmul:{rec['dtype']}"
            if key:
                ceilings[key] = max(ceilings.get(key, 0.0), r["throughput"])
    for rec in records:
        res = rec["results"]
        best = None
        for name in peers:
            r = res.get(name, {})
            if r.get("status") == "ok" and (
                best is None or r["median_s"] < res[best]["median_s"]
            ):
                best = name
        rec["best_peer"] = best
        a = res.get("arrax", {})
        rec["ratio"] = None
        if best and a.get("status") == "ok":
            # arrax's speed over the best peer's: < 1 means arrax is behind.
            rec["ratio"] = res[best]["median_s"] / a["median_s"]
        key = rec["ceiling"]
        for r in res.values():
            if r.get("status") == "ok" and key in ceilings and "throughput" in r:
                r["fraction_of_ceiling"] = r["throughput"] / ceilings[key]
    return ceilings
