"""``import arrax`` stays light: ml_dtypes and numpy.random are imported on
first use, not by the import (benchmarks/: startup.import times it). Each
check runs in a fresh interpreter, since the test process has loaded both."""

import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))


def run_fresh(code):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(ROOT, "python")]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    p = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout


def test_import_leaves_heavy_modules_unloaded():
    out = run_fresh(
        "import sys, arrax\n"
        "a = arrax.asarray([1.0, 2.0]) + 1\n"
        "print(a.sum())\n"
        "print(sorted(m for m in ('ml_dtypes', 'numpy.random', 'matplotlib')"
        " if m in sys.modules))\n"
    )
    assert out.split("\n")[:2] == ["5.0", "[]"]


def test_bfloat16_by_name_without_ml_dtypes_loaded():
    # numpy.dtype("bfloat16") only works once ml_dtypes is imported: the
    # conversion imports it on first use.
    out = run_fresh(
        "import arrax\n"
        "a = arrax.asarray([1, 2], dtype='bfloat16')\n"
        "print(a.dtype, a.tolist())\n"
    )
    assert out.strip() == "bfloat16 [1.0, 2.0]"


def test_bfloat16_attribute_is_ml_dtypes():
    out = run_fresh(
        "import arrax, ml_dtypes\n"
        "from arrax import bfloat16\n"
        "print(arrax.bfloat16 is ml_dtypes.bfloat16, bfloat16 is ml_dtypes.bfloat16,"
        " 'bfloat16' in dir(arrax))\n"
        "print(arrax.zeros(2, dtype=arrax.bfloat16).dtype)\n"
    )
    assert out.split() == ["True", "True", "True", "bfloat16"]


def test_native_random_leaves_numpy_random_unloaded():
    out = run_fresh(
        "import sys, arrax\n"
        "g = arrax.random.default_rng(0)\n"
        "x = g.random(3)\n"
        "print(isinstance(x, arrax.ndarray), 'numpy.random' in sys.modules,"
        " 'default_rng' in dir(arrax.random))\n"
    )
    assert out.split() == ["True", "False", "True"]
