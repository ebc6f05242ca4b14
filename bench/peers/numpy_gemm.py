#!/usr/bin/env python3
"""SGEMM GFLOP/s of numpy (OpenBLAS) for the shapes `visualchat bench gemm` measures, and numpy's read
bandwidth (np.dot of a float32 array with itself, OpenBLAS sdot) as the yardstick of `visualchat bench
matvec|decode`.

A shape is MxNxK (C = A·B, both row-major) or MxNxKt (C = A·Bᵀ with B stored [N, K], a linear layer).
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed before numpy loads: this machine's environment pins
them to the AVX2 (Haswell) kernel, and the comparison is against OpenBLAS at its best (AVX-512).

  python3 numpy_gemm.py --threads 1 --seconds 2 1024x1024x1024 64x2048x2048t
  python3 numpy_gemm.py --threads 2 --serve      # reads "SHAPE SECONDS" lines, answers "SHAPE GFLOPS";
                                                 # "dot BYTES SECONDS" answers "dot GB/S"
"""
import argparse
import os
import sys


def parse(shape):
    transposed = shape.endswith("t")
    m, n, k = (int(v) for v in shape.rstrip("t").split("x"))
    return m, n, k, transposed


def gflops(np, shape, seconds):
    """Median GFLOP/s over repeated calls (after one warm-up call) filling about `seconds`."""
    import time
    m, n, k, transposed = parse(shape)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if transposed else (k, n), dtype=np.float32)
    rhs = b.T if transposed else b
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, rhs, out=c)
    times = []
    deadline = time.perf_counter() + seconds
    while len(times) < 3 or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        np.matmul(a, rhs, out=c)
        times.append(time.perf_counter() - t0)
    times.sort()
    return 2.0 * m * n * k / times[len(times) // 2] / 1e9


def read_gbs(np, nbytes, seconds, cache={}):
    """Median GB/s of np.dot(b, b) over a float32 array of `nbytes`: one pass over memory per call
    (both operands are the same array), the rate OpenBLAS's sdot streams at."""
    import time
    b = cache.get(nbytes)
    if b is None:
        cache.clear()
        b = cache[nbytes] = np.ones(nbytes // 4, dtype=np.float32)
    np.dot(b, b)
    times = []
    deadline = time.perf_counter() + seconds
    while len(times) < 3 or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        np.dot(b, b)
        times.append(time.perf_counter() - t0)
    times.sort()
    return b.nbytes / times[len(times) // 2] / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--serve", action="store_true", help="answer shape requests from stdin, one per line")
    p.add_argument("shapes", nargs="*", default=["1024x1024x1024", "64x2048x2048t", "64x5632x2048t",
                                                  "256x2048x2048t", "256x5632x2048t"])
    args = p.parse_args()
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(var, None)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import numpy as np
    if args.serve:
        print("ready numpy", np.__version__, flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            words = line.split()
            if words[0] == "dot":
                print("dot", "%.3f" % read_gbs(np, int(words[1]), float(words[2])), flush=True)
                continue
            shape, seconds = words
            print(shape, "%.3f" % gflops(np, shape, float(seconds)), flush=True)
        return
    print("# numpy %s, OPENBLAS_NUM_THREADS=%d" % (np.__version__, args.threads))
    for shape in args.shapes:
        print(shape, "%.3f" % gflops(np, shape, args.seconds), flush=True)


if __name__ == "__main__":
    main()
