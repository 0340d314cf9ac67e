"""python -m benchmarks run|list|table ..."""

import argparse
import fnmatch
import json
import os
import sys
import time

from benchmarks import cases as cases_mod
from benchmarks import harness, report
from benchmarks import libs as libs_mod

DEFAULT_DIR = os.path.join(os.path.dirname(__file__), "results", "tmp")


def _load_libs(suite, only):
    makers = libs_mod.CPU_LIBS if suite == "cpu" else libs_mod.GPU_LIBS
    loaded, skipped = [], {}
    for make in makers:
        L = make()
        if only and L.name not in only:
            continue
        why = L.load()
        if why:
            skipped[L.name] = why
        else:
            loaded.append(L)
    return loaded, skipped


def _select(cases, patterns):
    if not patterns:
        return cases
    return [
        c for c in cases if any(fnmatch.fnmatch(c.id, p) or p in c.id for p in patterns)
    ]


def run_suite(suite, args, log):
    libs, skipped = _load_libs(suite, args.libs)
    peers = [L.name for L in libs if not L.is_arrax]
    srec = dict(
        libraries=[L.name for L in libs],
        peers=peers,
        skipped_libraries=skipped,
        versions={L.name: L.version for L in libs},
        timing={L.name: L.timing for L in libs},
        cases=[],
    )
    for name, why in skipped.items():
        log(f"[{suite}] {name}: not run ({why})")
    if not peers:
        srec["skipped"] = "no peer library runs here: " + "; ".join(
            f"{k}: {v}" for k, v in skipped.items()
        )
        log(f"[{suite}] skipped: {srec['skipped']}")
        return srec, libs
    cases = _select(cases_mod.build(suite, args.quick), args.filter)
    st = harness.Settings(args.quick, args.budget, args.repeats, suite)
    srec["settings"] = st.as_dict()
    log(
        f"[{suite}] {len(cases)} cases x {len(libs)} libraries "
        f"({', '.join(srec['libraries'])})"
    )
    t0 = time.perf_counter()
    for i, c in enumerate(cases):
        if args.deadline and time.perf_counter() - args.t_start > args.deadline:
            srec["truncated"] = (
                f"--deadline {args.deadline:g}s reached: "
                f"{len(cases) - i} of {len(cases)} cases not run"
            )
            log(f"[{suite}] {srec['truncated']}")
            break
        srec["cases"].append(harness.run_case(c, libs, st, log))
    srec["ceilings"] = harness.finish_suite(srec["cases"], peers)
    srec["seconds"] = time.perf_counter() - t0
    return srec, libs


def _loadavg():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def cmd_run(args):
    args.t_start = time.perf_counter()
    # The GPU suite first: on the GPU machine it is what the time is for.
    suites = ["gpu", "cpu"] if args.suite == "all" else [args.suite]
    stamp = report.now_utc()
    out_json = args.json or os.path.join(
        DEFAULT_DIR, f"{'-'.join(suites)}_{stamp:%Y-%m-%d_%H%M}.json"
    )
    os.makedirs(os.path.dirname(os.path.abspath(out_json)), exist_ok=True)
    log = (
        (lambda *a: None)
        if args.silent
        else (lambda *a: print(*a, file=sys.stderr, flush=True))
    )
    run = dict(
        schema=1,
        date=stamp.isoformat(timespec="seconds"),
        # As typed from the checkout (sys.argv[0] is this machine's path).
        command=" ".join(["python -m benchmarks", *sys.argv[1:]]),
        quick=args.quick,
        suites={},
    )
    load0 = _loadavg()
    gpu_libs = []
    for s in suites:
        srec, libs = run_suite(s, args, log)
        run["suites"][s] = srec
        if s == "gpu":
            gpu_libs = libs
    run["machine"] = report.machine_info(gpu_libs)
    # Other work on the machine distorts timings: say how busy it was.
    run["machine"]["loadavg_1min"] = {"start": load0, "end": _loadavg()}
    base = os.path.splitext(out_json)[0]
    # Whole or not at all: a run stopped while writing leaves no torn file.
    with open(out_json + ".tmp", "w") as f:
        f.write(json.dumps(run, indent=1, default=float))
    os.replace(out_json + ".tmp", out_json)
    text = report.text_table(run)
    with open(base + ".txt", "w") as f:
        f.write(text + "\n")
    with open(base + ".md", "w") as f:
        f.write(report.markdown_table(run) + "\n")
    png = None
    if not args.no_plot:
        try:
            png = report.plot(run, base + ".png")
        except ImportError as e:
            log(f"no plot: {e}")
    print(text)
    print(f"wrote {out_json}, {base}.txt, {base}.md" + (f", {png}" if png else ""))
    return 0


def cmd_list(args):
    for c in _select(cases_mod.build(args.suite, args.quick), args.filter):
        print(f"{c.id:<36} {c.metric:<6} {c.dtype:<9} {c.workload} {c.shapes}")
    return 0


def cmd_table(args):
    with open(args.json) as f:
        run = json.load(f)
    if args.suite:
        run["suites"] = {k: v for k, v in run["suites"].items() if k == args.suite}
    if args.markdown:
        print(report.markdown_table(run, brief=args.brief))
    else:
        print(report.text_table(run, brief=args.brief))
    return 0


README = os.path.join(os.path.dirname(__file__), "README.md")


def cmd_readme(args):
    """Replace the README's latest-table blocks with the JSON's tables."""
    with open(args.json) as f:
        run = json.load(f)
    readme = args.readme or README
    with open(readme) as f:
        text = f.read()
    rel = os.path.relpath(os.path.abspath(args.json), os.path.dirname(readme))
    for name, srec in run["suites"].items():
        if not srec.get("cases"):
            continue
        start, end = f"<!-- latest-{name}-table -->", f"<!-- /latest-{name}-table -->"
        i, j = text.find(start), text.find(end)
        if i < 0 or j < 0:
            print(f"README has no {start} block", file=sys.stderr)
            return 1
        one = dict(run, suites={name: srec})
        table = report.markdown_table(one, brief=True).strip()
        block = f"{start}\nFrom `{rel}`.\n\n{table}\n"
        text = text[:i] + block + text[j:]
        print(f"updated the {name} table from {args.json}")
    with open(readme, "w") as f:
        f.write(text)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a suite; write table, JSON and PNG")
    r.add_argument("--suite", choices=["cpu", "gpu", "all"], default="cpu")
    r.add_argument(
        "--json",
        help="output JSON path (the .txt, .md and .png "
        "go next to it); default benchmarks/results/tmp/",
    )
    r.add_argument(
        "--quick", action="store_true", help="tiny sizes and few repeats (CI)"
    )
    r.add_argument("--filter", nargs="*", help="case ids or globs")
    r.add_argument("--libs", nargs="*", help="only these libraries")
    r.add_argument(
        "--budget", type=float, help="seconds of timed samples per case and library"
    )
    r.add_argument("--repeats", type=int, help="at most this many samples")
    r.add_argument(
        "--deadline",
        type=float,
        help="start no case after this many seconds (the outputs are still written)",
    )
    r.add_argument("--no-plot", action="store_true")
    r.add_argument("--silent", action="store_true", help="no progress log")
    r.add_argument("--trace", action="store_true", help="print tracebacks of errors")
    r.set_defaults(fn=cmd_run)
    ls = sub.add_parser("list", help="list the cases")
    ls.add_argument("--suite", choices=["cpu", "gpu"], default="cpu")
    ls.add_argument("--quick", action="store_true")
    ls.add_argument("--filter", nargs="*")
    ls.set_defaults(fn=cmd_list)
    t = sub.add_parser("table", help="print the table of a JSON result")
    t.add_argument("json")
    t.add_argument("--markdown", action="store_true")
    t.add_argument("--suite", choices=["cpu", "gpu"])
    t.add_argument("--brief", action="store_true", help="leave out the workload column")
    t.set_defaults(fn=cmd_table)
    rd = sub.add_parser("readme", help="put a JSON's tables in README.md")
    rd.add_argument("json")
    rd.add_argument("--readme", help="the file to update (default: ours)")
    rd.set_defaults(fn=cmd_readme)
    args = p.parse_args(argv)
    return args.fn(args)
