"""Genotype encoding: pgx.encode.dosage (Cython kernel) against numpy, and the memory floor.

Run: ``PYTHONPATH=. python benchmarks/bench_encode.py [--variants 100000] [--samples 2504]
[--repeats 5] [--quick]`` (build the extension in place first).

The genotypes are made with seeded numpy, in memory: int8 (variants, samples, 2), ALT
frequencies beta(0.1, 1) as in ``make_vcfs.py``'s cohort (median AF ~0.1%), ~2% of variants
tri-allelic, ~1% of calls missing (``./.``, and one in ten of those half-missing ``./1``).
Every contender must return the same int8 (variants, samples) array as the kernel (checked):
the ALT allele count, -1 where any allele of the call is missing, a -2 padding slot ignored.

Each contender runs once untimed (imports, and its result checked), then round-robin
``--repeats`` times each (medians reported):

- ``pgx``: ``pgx.encode.dosage(gt)``, allocation of the output included;
- ``pgx kernel, preallocated``: the kernel writing into an existing array;
- ``numpy, fastest``: a 65,536-entry lookup table indexed by each call's two bytes read as
  one uint16 (``np.take`` on 256-variant chunks, into a preallocated output), which is exact
  for every code and the fastest numpy route measured;
- ``numpy, two slots``: ``(a > 0) + (b > 0)`` on the two allele slots, then ``putmask`` -1
  where ``(a == -1) | (b == -1)``;
- ``numpy, idiomatic``: ``np.where((gt == -1).any(-1), -1, (gt > 0).sum(-1)).astype(np.int8)``;
- memory-bandwidth references: ``gt.copy()`` and ``np.copyto`` into an existing array.

Effective GB/s = (bytes read + bytes written) / time: 3 bytes per call for dosage (2 read,
1 written), 4 for a copy. Also timed, informational: the float32 dosage, one-hot and CSR.
Results go to ``results/encode.json`` (``encode.quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CHUNK = 256


def make_genotypes(n_var: int, n_samp: int, seed: int = 2504) -> np.ndarray:
    """Seeded realistic genotypes (see the module docstring)."""
    rng = np.random.default_rng(seed)
    gt = np.empty((n_var, n_samp, 2), dtype=np.int8)
    af = rng.beta(0.1, 1.0, size=n_var).astype(np.float32)
    tri = rng.random(n_var) < 0.02
    step = 2000
    for lo in range(0, n_var, step):
        hi = min(n_var, lo + step)
        u = rng.random((hi - lo, n_samp, 2), dtype=np.float32)
        block = (u < af[lo:hi, None, None]).view(np.int8)
        # on tri-allelic variants, a fifth of the ALT alleles are the second ALT
        second = tri[lo:hi, None, None] & (u < af[lo:hi, None, None] * 0.2)
        block = block + second.view(np.int8)
        missing = rng.random((hi - lo, n_samp), dtype=np.float32) < 0.01
        half = missing & (rng.random((hi - lo, n_samp), dtype=np.float32) < 0.1)
        block[missing & ~half] = -1
        block[half, 0] = -1
        gt[lo:hi] = block
    return gt


def numpy_idiomatic(gt: np.ndarray) -> np.ndarray:
    return np.where((gt == -1).any(-1), -1, (gt > 0).sum(-1)).astype(np.int8)


def numpy_two_slots(gt: np.ndarray) -> np.ndarray:
    a, b = gt[..., 0], gt[..., 1]
    out = np.add(a > 0, b > 0, dtype=np.int8)
    np.putmask(out, (a == -1) | (b == -1), -1)
    return out


def lookup_table() -> np.ndarray:
    """Dosage of every (allele 1, allele 2) byte pair, indexed by the pair read as uint16."""
    from pgx._ext._encode_py import call_dosage

    pairs = np.arange(65536, dtype=np.uint16).view(np.int8).reshape(-1, 2)
    return call_dosage(pairs)


def numpy_fastest(gt: np.ndarray, lut: np.ndarray) -> np.ndarray:
    out = np.empty(gt.shape[:2], dtype=np.int8)
    codes = gt.view(np.uint16)[..., 0]
    for lo in range(0, gt.shape[0], CHUNK):
        np.take(lut, codes[lo:lo + CHUNK], out=out[lo:lo + CHUNK])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2504)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10x fewer variants; results to encode.quick.json")
    args = parser.parse_args()
    if args.quick:
        args.variants //= 10
    import pgx
    from pgx._ext import encode_kernels
    from pgx.encode import dosage, dosage_csr, one_hot

    kernels = encode_kernels(pure_python=False)
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    gt = make_genotypes(args.variants, args.samples)
    made = time.perf_counter() - t0
    calls = gt.shape[0] * gt.shape[1]
    lut = lookup_table()
    expected = dosage(gt)
    print(f"{args.variants:,} variants x {args.samples:,} samples ({gt.nbytes / 1e6:,.0f} MB int8), made in "
          f"{made:.1f} s; missing calls {float((expected < 0).mean()):.2%}, non-zero {float((expected > 0).mean()):.2%}")
    out_i8 = np.empty(gt.shape[:2], dtype=np.int8)
    copy_dst = np.empty_like(gt)
    contenders = {
        "pgx": (lambda: dosage(gt), 3),
        "pgx kernel, preallocated": (lambda: (kernels.dosage(gt, out_i8), out_i8)[1], 3),
        "numpy, fastest": (lambda: numpy_fastest(gt, lut), 3),
        "numpy, two slots": (lambda: numpy_two_slots(gt), 3),
        "numpy, idiomatic": (lambda: numpy_idiomatic(gt), 3),
        "memory: gt.copy()": (lambda: gt.copy(), 4),
        "memory: np.copyto (preallocated)": (lambda: np.copyto(copy_dst, gt), 4),
        "pgx float32 (NaN missing)": (lambda: dosage(gt, dtype="float32"), 6),
        "pgx one_hot": (lambda: one_hot(gt), 5),
        "pgx dosage_csr": (lambda: dosage_csr(gt), None),
    }
    for name, (run, _) in contenders.items():  # warm up (imports, first page faults) and check
        result = run()
        if name in ("pgx kernel, preallocated", "numpy, fastest", "numpy, two slots", "numpy, idiomatic"):
            np.testing.assert_array_equal(result, expected, err_msg=name)
        del result
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, (run, _) in contenders.items():  # round-robin: a slow spell hits every contender
            t = time.perf_counter()
            result = run()
            times[name].append(time.perf_counter() - t)
            del result
    rows = {}
    for name, (_, bytes_per_call) in contenders.items():
        median = statistics.median(times[name])
        rows[name] = {"runs_s": times[name], "median_s": median, "min_s": min(times[name]),
                      "gb_per_s": bytes_per_call * calls / median / 1e9 if bytes_per_call else None}
    fastest_numpy = min(("numpy, fastest", "numpy, two slots", "numpy, idiomatic"), key=lambda n: rows[n]["median_s"])
    ratio = rows[fastest_numpy]["median_s"] / rows["pgx"]["median_s"]
    bandwidth = rows["memory: gt.copy()"]["gb_per_s"]
    bandwidth_pre = rows["memory: np.copyto (preallocated)"]["gb_per_s"]
    lines = ["| contender | median s | min s | effective GB/s | / pgx |", "|---|---|---|---|---|"]
    for name, row in rows.items():
        gbs = f"{row['gb_per_s']:.1f}" if row["gb_per_s"] else "-"
        lines.append(f"| {name} | {row['median_s']:.3f} | {row['min_s']:.3f} | {gbs} | "
                     f"{row['median_s'] / rows['pgx']['median_s']:.2f}x |")
    print("\n".join(lines))
    print(f"pgx is {ratio:.1f}x faster than the fastest numpy ({fastest_numpy}); "
          f"{rows['pgx']['gb_per_s'] / bandwidth:.0%} of gt.copy()'s bandwidth, kernel alone "
          f"{rows['pgx kernel, preallocated']['gb_per_s'] / bandwidth_pre:.0%} of np.copyto's")
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / ("encode.quick.json" if args.quick else "encode.json")
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({
        "variants": args.variants, "samples": args.samples, "ploidy": 2, "repeats": args.repeats,
        "genotype_mb": gt.nbytes / 1e6, "missing_fraction": float((expected < 0).mean()),
        "results": rows, "fastest_numpy": fastest_numpy, "speedup_vs_fastest_numpy": ratio,
        "fraction_of_copy_bandwidth": rows["pgx"]["gb_per_s"] / bandwidth,
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__, "numpy": np.__version__,
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
    }, indent=2) + "\n")
    os.replace(tmp, target)
    print(f"wrote {target.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
