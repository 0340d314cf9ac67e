"""The repository documents itself: docs/architecture.md indexes every
``Note [...]`` block of the code, and no file sends readers to a document
outside the repository."""

import os
import re
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
ARCH = os.path.join(ROOT, "docs", "architecture.md")

# A Note is defined where a comment line starts with it; citations say
# "See Note [...]" or sit inside a sentence.
_DEFINITION = re.compile(r"^\s*(?://|#)?\s*Note \[([^\]]+)\]")

# Lines in files that another change is rewriting at the same time (the
# autograd work owns them); each is replaced by a reference to
# docs/architecture.md when that work lands, and removed from here.
_PENDING = {}


def _tracked(*pathspecs):
    try:
        out = subprocess.run(
            ["git", "ls-files", "--", *pathspecs],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [p for p in out.splitlines() if os.path.isfile(os.path.join(ROOT, p))]


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def test_every_note_is_indexed():
    defined = {}
    for path in _tracked("arrax", "python", "tools"):
        for line in _read(path).splitlines():
            m = _DEFINITION.match(line)
            if m and "See Note" not in line:
                defined.setdefault(m.group(1), path)
    assert len(defined) > 20
    with open(ARCH, encoding="utf-8") as f:
        index = f.read().split("## Index of Notes", 1)[1]
    missing = sorted(
        f"{title} ({path})"
        for title, path in defined.items()
        if f"| {title} |" not in index
    )
    assert not missing, "docs/architecture.md does not index: " + ", ".join(missing)


def test_no_reference_outside_the_repository():
    outside = re.compile(r"DESIGN\.md|STYLE\.md|\.\./shared|/work/shared")
    found = []
    for path in _tracked(
        "README.md",
        "docs",
        "arrax",
        "python",
        "tools",
        "benchmarks",
        "tests",
        "examples",
        "CMakeLists.txt",
        "Makefile",
    ):
        if path == "tests/python/test_docs.py":
            continue
        for n, line in enumerate(_read(path).splitlines(), 1):
            if outside.search(line) and _PENDING.get(path, "\0") not in line:
                found.append(f"{path}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
