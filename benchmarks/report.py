"""The table (plain text and Markdown), the ratio plot, and machine info."""

import datetime
import os
import platform
import re
import subprocess


def machine_info(gpu_libs=()):
    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(
            ["lscpu"], capture_output=True, text=True, timeout=10
        ).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.MULTILINE)
        if m:
            cpu = m.group(1).strip()
    except (OSError, subprocess.SubprocessError):
        pass
    info = dict(
        cpu=cpu,
        cores=os.cpu_count(),
        platform=platform.platform(),
        python=platform.python_version(),
    )
    for L in gpu_libs:
        try:
            if L.name == "torch":
                info["gpu"] = L.torch.cuda.get_device_name(0)
            elif L.name == "cupy":
                name = L.cp.cuda.runtime.getDeviceProperties(0)["name"]
                info["gpu"] = name.decode() if isinstance(name, bytes) else name
            if "gpu" in info:
                break
        except Exception:
            continue
    try:
        git = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            cwd=os.path.dirname(os.path.abspath(__file__)),
        )
        if git.returncode == 0:
            info["arrax_commit"] = git.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith(("OPENBLAS", "OMP_", "MKL_", "XLA_", "ARRAX"))
    }
    if env:
        info["env"] = env
    return info


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


# ---------------------------------------------------------------- cells


def fmt_time(s):
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_value(rec, r):
    st = r.get("status")
    if st is None:
        return "-"
    if st != "ok":
        return st
    if rec["metric"] == "time":
        return fmt_time(r["median_s"])
    v = r["throughput"]
    if rec["metric"] == "bytes":
        return f"{v / 1e9:.1f} GB/s"
    if v >= 1e12:
        return f"{v / 1e12:.1f} TFLOP/s"
    return f"{v / 1e9:.1f} GFLOP/s"


def fmt_ratio(rec):
    r = rec.get("ratio")
    if r is None:
        return "n/a"
    return f"{r:.2f}x" + (" *" if r < 1 else "")


def fmt_frac(r):
    f = r.get("fraction_of_ceiling") if r else None
    return "" if f is None else f"{100 * f:.0f}%"


def rows(suite_rec, brief=False):
    libs = suite_rec["libraries"]
    head = ["case", "workload"] + libs + ["arrax/best", "roof arrax", "roof best"]
    out = []
    for rec in suite_rec["cases"]:
        res = rec["results"]
        best = rec.get("best_peer")
        cells = [rec["id"], f"{rec['workload']} {rec['shapes']}"]
        cells += [fmt_value(rec, res.get(n, {})) for n in libs]
        cells += [
            fmt_ratio(rec),
            fmt_frac(res.get("arrax")),
            fmt_frac(res.get(best)) if best else "",
        ]
        out.append(cells)
    if brief:
        head = head[:1] + head[2:]
        out = [r[:1] + r[2:] for r in out]
    return head, out


def _clip(s, w):
    return s if len(s) <= w else s[: w - 1] + "~"


def text_table(run, brief=False):
    lines = []
    for name, srec in run["suites"].items():
        if not srec.get("cases"):
            lines.append(f"[{name}] {srec.get('skipped', 'no cases')}")
            continue
        head, body = rows(srec, brief)
        nl = 1 if brief else 2  # left-aligned columns
        if not brief:
            body = [[c[0], _clip(c[1], 44)] + c[2:] for c in body]
        w = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
        lines.append(f"[{name}] {_title(run, name)}")

        def fmt(r, w=w, nl=nl):
            return "  ".join(
                c.ljust(w[i]) if i < nl else c.rjust(w[i]) for i, c in enumerate(r)
            )

        lines.append(fmt(head))
        lines.append("  ".join("-" * x for x in w))
        lines += [fmt(r) for r in body]
        lines.append(_legend(srec))
        if srec.get("truncated"):
            lines.append(f"Truncated: {srec['truncated']}.")
        lines.append("")
    return "\n".join(lines)


def markdown_table(run, brief=False):
    lines = []
    for name, srec in run["suites"].items():
        if not srec.get("cases"):
            lines.append(f"**{name}**: {srec.get('skipped', 'no cases')}\n")
            continue
        head, body = rows(srec, brief)
        nl = 1 if brief else 2
        lines.append(f"**{name}** — {_title(run, name)}\n")
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join(["---"] * nl + ["---:"] * (len(head) - nl)) + "|")
        for r in body:
            r = [c.replace("|", "\\|") for c in r]
            r[0] = f"`{r[0]}`"
            lines.append("| " + " | ".join(r) + " |")
        lines.append("")
        lines.append(_legend(srec))
        if srec.get("truncated"):
            lines.append(f"\nTruncated: {srec['truncated']}.")
        lines.append("")
    return "\n".join(lines)


def _title(run, name):
    m = run["machine"]
    where = (
        m.get("gpu")
        if name == "gpu" and m.get("gpu")
        else (f"{m['cpu']}, {m['cores']} cores")
    )
    load = m.get("loadavg_1min") or {}
    busy = ""
    if name == "cpu" and load.get("start") is not None:
        busy = f", load average {load['start']:g} -> {load['end']:g}"
    return f"{run['date'][:16].replace('T', ' ')} UTC, {where}{busy}"


def _legend(srec):
    c = srec.get("ceilings", {})
    parts = []
    if "copy" in c:
        parts.append(f"copy {c['copy'] / 1e9:.1f} GB/s")
    for k, v in sorted(c.items()):
        if k.startswith("matmul:"):
            parts.append(f"{k} {v / 1e12:.2f} TFLOP/s")
    return (
        "Cells: median (seconds, or GB/s / FLOP/s of the work named in the "
        "JSON). arrax/best: arrax's speed over the fastest peer's (best "
        "median time / arrax median time); * marks arrax behind. "
        "roof: fraction of the ceiling measured in this run (" + "; ".join(parts) + ")."
    )


# ------------------------------------------------------------------ plot


def plot(run, path):
    """Horizontal bars: each library's speed relative to the fastest peer,
    per case, log scale; arrax in colour, peers in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = [(n, s) for n, s in run["suites"].items() if s.get("cases")]
    if not suites:
        return None
    heights = [max(2.0, 0.28 * len(s["cases"]) + 1.2) for _, s in suites]
    fig, axes = plt.subplots(
        len(suites),
        1,
        figsize=(10, sum(heights)),
        gridspec_kw=dict(height_ratios=heights),
        squeeze=False,
    )
    greys = ["#4c72b0", "#8c8c8c", "#b0b0b0", "#d0d0d0"]
    for ax, (name, srec) in zip(axes[:, 0], suites):
        libs = srec["libraries"]
        peers = [n for n in libs if n != "arrax"]
        cases = srec["cases"]
        k = len(libs)
        bh = 0.8 / k
        lo, hi = 1.0, 1.0
        for j, lib in enumerate(libs):
            ys, xs, cols = [], [], []
            for i, rec in enumerate(cases):
                r = rec["results"].get(lib, {})
                best = rec.get("best_peer")
                if r.get("status") != "ok" or not best:
                    continue
                v = rec["results"][best]["median_s"] / r["median_s"]
                ys.append(i + (j - (k - 1) / 2) * bh)
                xs.append(v)
                if lib == "arrax":
                    cols.append("#2ca02c" if v >= 1 else "#d62728")
                else:
                    cols.append(greys[peers.index(lib) % len(greys)])
                lo, hi = min(lo, v), max(hi, v)
            if xs:
                # Bars grow from 1 (as fast as the best peer) to the value.
                ax.barh(
                    ys, [x - 1 for x in xs], height=bh, color=cols, label=lib, left=1
                )
                ax.scatter(xs, ys, s=6, color=cols, zorder=3)
        for i, rec in enumerate(cases):
            if rec["results"].get("arrax", {}).get("status") != "ok":
                ax.text(
                    1.0,
                    i,
                    "  arrax " + rec["results"].get("arrax", {}).get("status", "-"),
                    va="center",
                    fontsize=6,
                    color="#d62728",
                )
        ax.set_xscale("log")
        ax.set_xlim(min(lo, 0.5) / 1.5, max(hi, 2) * 1.5)
        ticks = [
            t
            for t in (0.01, 0.03, 0.1, 0.25, 0.5, 1, 2, 4, 10, 30, 100)
            if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]
        ]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}x" for t in ticks])
        ax.minorticks_off()
        ax.axvline(1.0, color="black", lw=0.8)
        ax.set_yticks(range(len(cases)))
        ax.set_yticklabels([c["id"] for c in cases], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("speed relative to the fastest peer (>1 is faster)")
        ax.set_title(f"[{name}] {_title(run, name)}", fontsize=9)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
