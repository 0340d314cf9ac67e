"""The launch thread (Note [Launch thread] in backend/cuda/launch_queue.cpp):
queued launches, frees and memsets keep program order on every stream,
every synchronizing call and host read issues the queue first, streams of
other libraries are never queued, and ARRAX_CUDA_ASYNC_LAUNCH=0 turns the
thread off. Skipped without a GPU."""

import os
import subprocess
import sys

import numpy
import pytest

import arrax
import xp

pytestmark = pytest.mark.skipif(not arrax.cuda.is_available(), reason="no GPU")


def test_on_by_default_and_switched_off_by_the_environment():
    assert arrax._core.cuda._async_launch()
    code = ("import arrax, numpy\n"
            "a = arrax.asarray(numpy.arange(8.0), device='cuda')\n"
            "for _ in range(50): a = a + 1\n"
            "print(arrax._core.cuda._async_launch(), float(a[7]))\n")
    env = dict(os.environ, ARRAX_CUDA_ASYNC_LAUNCH="0")
    out = subprocess.run([sys.executable, "-c", code], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "57.0"]


def test_long_chains_keep_program_order():
    a = arrax.zeros(1024, dtype=numpy.float32, device="cuda")
    for _ in range(3000):  # in place: each kernel reads the last one's output
        a += 1
    assert float(a[7]) == 3000.0
    # Allocations, frees (small bins and the pool), fills and reductions in
    # one long queue.
    x = arrax.asarray(numpy.arange(4096, dtype=numpy.float64), device="cuda")
    total = arrax.zeros((), dtype=numpy.float64, device="cuda")
    for i in range(400):
        y = x * 2 if i % 2 else arrax.ones(1 << 18, device="cuda")[:4096] * x * 2
        total = total + y.sum()
        del y
    assert float(total) == 400 * 2 * float(numpy.arange(4096.0).sum())


def test_host_reads_see_queued_work():
    a = arrax.asarray(numpy.ones((64, 64), numpy.float32), device="cuda")
    for _ in range(500):
        a = a * 1.0 + 1.0
    assert a[3, 4].item() == 501.0
    xp.assert_close(numpy.asarray(a), numpy.full((64, 64), 501.0, numpy.float32))
    assert a.tolist()[0][0] == 501.0
    b = a[a > 500.5]  # a data-dependent size: reads a count on the host
    assert b.shape == (64 * 64,)


def test_streams_and_events_with_queued_work():
    s1, s2 = arrax.cuda.Stream(), arrax.cuda.Stream()
    a = arrax.zeros(1 << 16, dtype=numpy.float32, device="cuda")
    with s1:
        for _ in range(300):
            a += 1
        ev = s1.record_event()
    s2.wait_event(ev)
    with s2:
        c = a * 2
    s2.synchronize()
    assert float(c[-1]) == 600.0
    assert ev.query() and s1.query()
    del s1  # a stream dropped with queued work behind it
    d = a + 1
    assert float(d[0]) == 301.0


def test_other_librarys_stream_is_not_queued():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch without CUDA")
    ts = torch.cuda.Stream()
    es = arrax.cuda.ExternalStream(ts.cuda_stream)
    assert es.cuda_stream == ts.cuda_stream
    with torch.cuda.stream(ts):
        t = torch.zeros(1 << 20, device="cuda")
    ts.synchronize()
    a = arrax.from_dlpack(t)
    with arrax.cuda.stream(es):
        for _ in range(200):
            a += 1
        # PyTorch's work on the same stream, with no synchronizing arrax
        # call between: it must run after arrax's.
        with torch.cuda.stream(ts):
            t.mul_(2)
    ts.synchronize()
    assert float(t[0]) == 400.0 and float(t[-1]) == 400.0
    del es  # not owned: the stream stays usable for PyTorch
    with torch.cuda.stream(ts):
        t.add_(1)
    ts.synchronize()
    assert float(t[0]) == 401.0


def test_exit_with_queued_work():
    code = ("import arrax\n"
            "a = arrax.zeros(1 << 20, device='cuda')\n"
            "for _ in range(2000): a += 1\n"
            "b = [arrax.ones(1 << 16, device='cuda') for _ in range(50)]\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "error" not in out.stderr.lower()


def test_consumers_see_queued_work():
    a = arrax.zeros(1 << 20, dtype=numpy.float32, device="cuda")
    for _ in range(300):
        a += 1
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        # DLPack: PyTorch's stream waits for an event arrax records on its
        # stream after the queue is issued.
        t = torch.from_dlpack(a)
        assert float(t.sum()) == 300.0 * (1 << 20)
    for _ in range(300):
        a += 1
    try:
        import cupy
    except ImportError:
        return
    # The CUDA array interface: CuPy synchronizes with its "stream", taken
    # after the queue is issued.
    c = cupy.asarray(a)
    assert float(c.sum()) == 600.0 * (1 << 20)
