"""Feature building at scale: 100,000 patients, ~10 million biomarker rows, ~2 million treatment rows.

Run: PYTHONPATH=. python benchmarks/bench_features.py [n_patients] [repeats]
Reports the median wall time of pgx.features.build (polars, lazy group_by) and, when pandas is
installed, of an equivalent pandas implementation of the biomarker and treatment blocks.
"""

from __future__ import annotations

import statistics
import sys
import time

import polars as pl

from pgx.features import build, infer_spec
from pgx.simulate import simulate_cohort


def _pandas_blocks(biomarkers, treatments, index, windows=(365, 1825)):
    import pandas as pd

    bm = biomarkers.to_pandas().merge(index.to_pandas(), on="patient_id")
    bm["dt"] = (bm["index_date"] - bm["time"]).dt.days
    out = []
    for w in windows:
        sub = bm[(bm["dt"] > 0) & (bm["dt"] <= w)].sort_values("time")
        g = sub.groupby(["patient_id", "name"])["value"]
        stats = g.agg(["last", "min", "max", "mean", "count"]).unstack("name")
        stats.columns = [f"bm_{n}_{s}_{w}d" for s, n in stats.columns]
        out.append(stats)
    tx = treatments.to_pandas().merge(index.to_pandas(), on="patient_id")
    tx = tx[tx["start"] < tx["index_date"]]
    counts = tx.groupby(["patient_id", "drug"]).size().unstack("drug", fill_value=0)
    return pd.concat(out + [counts], axis=1)


def main(n: int = 100_000, repeats: int = 3) -> None:
    t0 = time.perf_counter()
    c = simulate_cohort(n, seed=0, visits_mean=18.7, prior_treatments_mean=17.0)
    print(f"simulate_cohort({n}): {time.perf_counter() - t0:.1f} s; biomarker rows {c.biomarkers.height:,}, "
          f"treatment rows {c.treatments.height:,}")
    spec = infer_spec(calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments, patients=c.patients)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        x = build(calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments, index_dates=c.index_dates,
                  patients=c.patients, spec=spec)
        times.append(time.perf_counter() - t0)
    print(f"pgx.features.build: median {statistics.median(times):.2f} s over {repeats}; shape {x.shape}")
    try:
        import pandas  # noqa: F401
    except ImportError:
        print("pandas is not installed: no side-by-side pandas timing")
        return
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        _pandas_blocks(c.biomarkers, c.treatments, c.index_dates)
        times.append(time.perf_counter() - t0)
    print(f"pandas (biomarker + treatment count blocks only): median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
