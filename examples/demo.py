"""k-means clustering written against the NumPy API, run twice: with
``import arrax as np`` (on arrax's default device) and with NumPy itself.
Prints the agreement of the two results, the time of each, and how many
calls arrax had to hand to NumPy (fallbacks).

    make demo        # or: PYTHONPATH=python python examples/demo.py
"""

import sys
import time

import numpy

import arrax


def kmeans(np, points, k, iters):
    """Lloyd's algorithm on (n, d) points; returns centroids and labels."""
    n = points.shape[0]
    centroids = points[np.arange(k) * (n // k)].copy()  # deterministic start
    ids = np.arange(k)
    labels = None
    for _ in range(iters):
        # Squared distances (n, k) through broadcasting.
        diff = points[:, None, :] - centroids[None, :, :]
        dist = (diff * diff).sum(axis=-1)
        labels = dist.argmin(axis=1)
        onehot = (labels[:, None] == ids[None, :]).astype(points.dtype)
        counts = onehot.sum(axis=0)
        sums = onehot.T @ points
        # Empty clusters keep their centroid.
        safe = np.maximum(counts, 1.0)[:, None]
        centroids = np.where(counts[:, None] > 0, sums / safe, centroids)
    inertia = np.min(dist, axis=1).sum()
    return centroids, labels, inertia


def make_data(n, d, k, seed=0):
    rng = numpy.random.default_rng(seed)
    centers = rng.uniform(-10, 10, size=(k, d))
    which = rng.integers(0, k, size=n)
    return centers[which] + rng.normal(0, 1.0, size=(n, d))


def run(np, data, k, iters):
    points = np.asarray(data)
    kmeans(np, points[:1000], k, 2)  # warm-up (caches, kernel compilation)
    t0 = time.perf_counter()
    centroids, labels, inertia = kmeans(np, points, k, iters)
    float(inertia)  # synchronizes a GPU
    return time.perf_counter() - t0, centroids, labels, inertia


def main():
    n, d, k, iters = 300_000, 2, 8, 20
    data = make_data(n, d, k)
    print(f"k-means: {n} points in {d}-D, {k} clusters, {iters} iterations")
    print(f"arrax default device: {arrax.default_device()}")

    arrax.fallbacks.reset()
    t_ax, c_ax, l_ax, i_ax = run(arrax, data, k, iters)
    fallbacks = arrax.fallbacks.counts()
    t_np, c_np, l_np, i_np = run(numpy, data, k, iters)

    c_ax = numpy.asarray(c_ax)
    l_ax = numpy.asarray(l_ax)
    same_labels = float((l_ax == l_np).mean())
    max_diff = float(numpy.abs(c_ax - c_np).max())
    rel_inertia = abs(float(i_ax) - float(i_np)) / abs(float(i_np))
    print(f"labels equal to NumPy's:     {same_labels * 100:.3f}%")
    print(f"max centroid difference:     {max_diff:.3e}")
    print(f"inertia relative difference: {rel_inertia:.3e}")
    print(f"time arrax: {t_ax * 1e3:8.1f} ms")
    print(f"time NumPy: {t_np * 1e3:8.1f} ms   (arrax/NumPy = {t_ax / t_np:.2f})")
    if fallbacks:
        print("fallbacks to NumPy:", dict(sorted(fallbacks.items())))
    else:
        print("fallbacks to NumPy: none")
    ok = same_labels > 0.999 and max_diff < 1e-6 and rel_inertia < 1e-9
    print("agreement:", "OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
