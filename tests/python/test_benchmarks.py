"""The benchmark suite runs end to end at tiny sizes, so it cannot rot.
Timings are never asserted: only that the suite produced its table, JSON and
plot, that each case ran in NumPy and passed its correctness checks, and that
a missing arrax function is reported as "n/a" rather than failing."""

import json
import os
import subprocess
import sys

import numpy
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
sys.path.insert(0, ROOT)

from benchmarks import cases, harness, libs


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "out.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [ROOT, os.path.join(ROOT, "python")]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "run",
            "--suite",
            "cpu",
            "--quick",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr[-4000:]
    return out, p.stdout


def test_outputs_written(quick_run):
    out, stdout = quick_run
    base = str(out)[: -len(".json")]
    for ext in (".json", ".txt", ".md", ".png"):
        assert os.path.getsize(base + ext) > 0, ext
    with open(base + ".png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "arrax/best" in stdout and "numpy" in stdout


def test_json_contents(quick_run):
    out, _ = quick_run
    run = json.loads(out.read_text())
    cpu = run["suites"]["cpu"]
    assert cpu["libraries"][:2] == ["numpy", "arrax"]
    ids = [c["id"] for c in cpu["cases"]]
    assert ids == [c.id for c in cases.build("cpu", quick=True)]
    for c in cpu["cases"]:
        assert c["metric"] in ("time", "bytes", "flops")
        np_res = c["results"]["numpy"]
        # NumPy is the reference on the CPU: it always runs.
        assert np_res["status"] == "ok", (c["id"], np_res)
        assert np_res["n"] >= 1 and np_res["min_s"] <= np_res["median_s"]
        # arrax may lack the op (n/a), or, while ops land, disagree with
        # NumPy (wrong) or raise (error): the suite reports it and goes on.
        # Its op tests, not this one, judge arrax's results.
        ax = c["results"]["arrax"]
        assert ax["status"] in ("ok", "n/a", "wrong", "error"), (c["id"], ax)
        if ax["status"] == "ok":
            assert ax["check_error"] <= c["tolerance"]
            assert c["ratio"] is not None
            assert "median_s" in ax
        else:
            assert ax["reason"] and "median_s" not in ax
    assert "copy" in cpu["ceilings"]
    with open(str(out)[: -len(".json")] + ".md") as f:
        md = f.read()
    assert md.count("\n| `") == len(ids)


def test_table_command(quick_run):
    out, _ = quick_run
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [ROOT] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    p = subprocess.run(
        [sys.executable, "-m", "benchmarks", "table", str(out), "--markdown"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert "| case |" in p.stdout


def test_gpu_suite_skips_without_gpu_libraries(tmp_path):
    # Here (no torch, cupy or jax with a GPU) the GPU suite records why it
    # did not run instead of failing.
    loaded, skipped = [], {}
    for make in libs.GPU_LIBS:
        L = make()
        why = L.load()
        (skipped.__setitem__(L.name, why) if why else loaded.append(L))
    if any(not L.is_arrax for L in loaded):
        pytest.skip("a GPU library runs here")
    from benchmarks import cli

    out = tmp_path / "gpu.json"
    assert (
        cli.main(["run", "--suite", "gpu", "--quick", "--json", str(out), "--silent"])
        == 0
    )
    gpu = json.loads(out.read_text())["suites"]["gpu"]
    assert gpu["cases"] == [] and "no peer" in gpu["skipped"]


def test_check_rejects_a_wrong_result():
    class Bad(libs.NumpyLib):
        name = "bad"

    case = cases.Case(
        "t.add",
        "t",
        "a + b",
        "(8,)",
        "float32",
        "bytes",
        96,
        lambda rng: [numpy.arange(1, 9, dtype=numpy.float32)] * 2,
        lambda L, a, b: a + b if L.name == "numpy" else a - b,
    )
    good, bad = libs.NumpyLib(), Bad()
    good.load(), bad.load()
    st = harness.Settings(quick=True)
    rec = harness.run_case(case, [good, bad], st, log=lambda *a: None)
    assert rec["results"]["numpy"]["status"] == "ok"
    assert rec["results"]["bad"]["status"] == "wrong"
    assert "median_s" not in rec["results"]["bad"]


def test_missing_function_is_na():
    class NoExp(libs.NumpyLib):
        name = "arrax"
        is_arrax = True

        def fallback_count(self):
            return 0

        def load(self):
            self.xp = type("NS", (), {})()  # a namespace without exp

    case = cases.Case(
        "t.exp",
        "t",
        "exp(a)",
        "(8,)",
        "float32",
        "bytes",
        64,
        lambda rng: [numpy.ones(8, numpy.float32)],
        lambda L, a: L.xp.exp(a),
    )
    ref, ax = libs.NumpyLib(), NoExp()
    ref.load(), ax.load()
    rec = harness.run_case(
        case, [ref, ax], harness.Settings(quick=True), log=lambda *a: None
    )
    assert rec["results"]["arrax"]["status"] == "n/a"
    harness.finish_suite([rec], ["numpy"])
    assert rec["ratio"] is None and rec["best_peer"] == "numpy"


def test_relative_error():
    a = numpy.array([1.0, 2.0, 3.0])
    assert harness.relative_error(a, a, False) == 0.0
    assert harness.relative_error(a[:2], a, False) == float("inf")
    assert (
        harness.relative_error(a.astype(numpy.int64), a.astype(numpy.int64), False)
        == 0.0
    )
    assert harness.relative_error(a + 1e-3, a, False) > 1e-4


def test_fallback_counter():
    class FB:
        n = 0

        @classmethod
        def counts(cls):
            return {"exp": cls.n}

    mod = type("M", (), {"fallbacks": FB})()
    assert libs._arrax_fallbacks(mod) == 0
    FB.n = 3
    assert libs._arrax_fallbacks(mod) == 3
    assert libs._arrax_fallbacks(object()) == 0


def test_ratio_and_ceilings():
    from benchmarks import report

    def rec(id_, group, metric, dtype, work, times, ceiling):
        return {
            "id": id_,
            "group": group,
            "metric": metric,
            "dtype": dtype,
            "work": work,
            "ceiling": ceiling,
            "results": {
                k: {"status": "ok", "median_s": t, "throughput": work / t}
                for k, t in times.items()
            },
        }

    recs = [
        rec(
            "roofline.copy.f32",
            "roofline",
            "bytes",
            "float32",
            8e9,
            {"numpy": 1.0, "arrax": 2.0},
            "copy",
        ),
        rec(
            "matmul.1.f32",
            "matmul",
            "flops",
            "float32",
            1e12,
            {"numpy": 2.0, "arrax": 1.0},
            "matmul:float32",
        ),
        rec(
            "add",
            "elementwise",
            "bytes",
            "float32",
            4e9,
            {"numpy": 1.0, "arrax": 4.0},
            "copy",
        ),
    ]
    ceilings = harness.finish_suite(recs, ["numpy"])
    assert ceilings == {"copy": 8e9, "matmul:float32": 1e12}
    copy, mm, add = recs
    assert copy["ratio"] == 0.5 and mm["ratio"] == 2.0 and add["ratio"] == 0.25
    assert add["results"]["numpy"]["fraction_of_ceiling"] == 0.5
    assert mm["results"]["arrax"]["fraction_of_ceiling"] == 1.0
    assert report.fmt_ratio(add) == "0.25x *" and report.fmt_ratio(mm) == "2.00x"
    assert report.fmt_value(add, add["results"]["numpy"]) == "4.0 GB/s"
    assert report.fmt_value(mm, mm["results"]["arrax"]) == "1.0 TFLOP/s"
    assert report.fmt_value(add, {"status": "n/a"}) == "n/a"
    assert report.fmt_time(2.5e-6) == "2.5 us" and report.fmt_time(0.25) == "250.00 ms"


def test_readme_command(quick_run, tmp_path):
    from benchmarks import cli

    out, _ = quick_run
    readme = tmp_path / "README.md"
    readme.write_text(
        "intro\n<!-- latest-cpu-table -->\nold\n<!-- /latest-cpu-table -->\nend\n"
    )
    assert cli.main(["readme", str(out), "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "old" not in text and text.startswith("intro") and text.endswith("end\n")
    assert "| `overhead.add16` |" in text
