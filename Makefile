# The two commands of the README: `make demo` and `make test`. Each installs
# what it needs (Debian packages, a virtualenv, the build) and is quick when
# nothing changed.
PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
BUILD ?= $(CURDIR)/build
PY := $(VENV)/bin/python
JOBS ?= $(shell nproc)
APT_PACKAGES := libopenblas-dev liblapacke-dev libsleef-dev ccache ninja-build \
                cmake g++ libgtest-dev pkg-config libkissfft-dev libhwy-dev
export PYTHONPATH := $(CURDIR)/python
export PYTHONUNBUFFERED := 1
# Paths relative to the checkout in ccache's keys, so that worktrees and
# fresh clones share cached objects.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps venv build test test-cpp test-python test-sanitize demo bench \
        coverage clean format

all: build

# Debian packages, installed only when one is missing.
.stamp-apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@touch $@
deps: .stamp-apt

$(VENV)/.stamp: requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@
venv: $(VENV)/.stamp

$(BUILD)/build.ninja: .stamp-apt $(VENV)/.stamp CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DPython_EXECUTABLE=$(PY) \
	  -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test-cpp: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) | tail -n 20

test-python: build
	$(PY) -m pytest tests/python -q -n $(JOBS) -p no:cacheprovider

# C++ tests and a pytest subset under AddressSanitizer + UBSan. The
# extension is built into its own copy of the package; Python itself is not
# instrumented, so libasan is preloaded.
ASAN_PKG := $(BUILD)-asan/pkg
# Bad input, bounds checks and integer edge cases are where memory errors and
# undefined behaviour would hide.
SANITIZE_TESTS ?= tests/python/test_core.py tests/python/test_indexing.py \
  "tests/python/test_ufuncs.py::test_integer_edge_values" \
  "tests/python/test_reductions.py" tests/python/test_autograd.py tests/python/test_vmap.py \
  $(wildcard tests/python/test_sanitize_*.py)
test-sanitize: .stamp-apt $(VENV)/.stamp
	cmake -S . -B $(BUILD)-asan -G Ninja -DPython_EXECUTABLE=$(PY) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARRAX_SANITIZE=ON \
	  -DARRAX_BUILD_EXAMPLES=OFF -DARRAX_PY_OUTPUT_DIR=$(ASAN_PKG)/arrax
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -j $(JOBS) | tail -n 5
	cd python && find arrax -name '*.py' -exec install -D -m 644 {} $(ASAN_PKG)/{} \;
	PYTHONPATH=$(ASAN_PKG) ARRAX_PYROOT=$(ASAN_PKG) \
	  ASAN_OPTIONS=detect_leaks=0:handle_segv=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  LD_PRELOAD="$$($(CXX) -print-file-name=libasan.so) $$($(CXX) -print-file-name=libstdc++.so)" \
	  $(PY) -m pytest $(SANITIZE_TESTS) -q -p no:cacheprovider -x

test: test-cpp test-python test-sanitize coverage-check

demo: build
	$(PY) examples/demo.py

bench: build
	$(PY) -m benchmarks run --suite cpu

coverage: build
	$(PY) tools/api_coverage.py --write

coverage-check: build
	$(PY) tools/api_coverage.py --check

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp' '*.cuh')
	$(VENV)/bin/ruff format python tests benchmarks tools examples

clean:
	rm -rf $(BUILD) $(BUILD)-asan python/arrax/*.so
