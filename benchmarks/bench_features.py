"""Learning at scale: feature building and training, pgx side by side with pandas + scikit-learn.

Run: ``PYTHONPATH=. python benchmarks/bench_features.py [--patients 100000] [--repeats 3]
[--train-repeats 2]``

1. ``pgx.features.build`` on a simulated cohort (100,000 patients, ~10 million biomarker rows,
   ~2 million treatment rows): median wall time. Target (issue #6): under 10 s.
2. The same biomarker statistics (last/min/max/mean/count/slope in two windows before the
   index date) and per-drug prior-exposure counts in pandas (groupby), on the same data already
   converted to pandas (conversion not timed).
3. Training on the resulting 100,000 x ~366 feature table (label: the simulated outcome event
   of each patient): ``pgx.models.ResponseClassifier`` (LightGBM, calibrated) against
   scikit-learn's ``HistGradientBoostingClassifier`` with default settings. Target: pgx under 60 s.

Everything runs in this process, one after the other; results go to ``results/features.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent


def _to_pandas(frame: pl.DataFrame):
    import pandas as pd

    return pd.DataFrame({name: frame[name].to_numpy() for name in frame.columns})


def _pandas_features(bm, tx, index, windows=(365, 1825)):
    """Biomarker window statistics and prior-exposure counts with pandas groupby."""
    import pandas as pd

    data = bm.merge(index, on="patient_id")
    data["dt"] = (data["index_date"] - data["time"]).dt.days
    data = data[(data["dt"] > 0) & (data["dt"] <= max(windows))]
    data["t"] = -data["dt"] / 365.25
    blocks = []
    for w in windows:
        sub = data[data["dt"] <= w].sort_values("time")
        sub = sub.assign(tv=sub["t"] * sub["value"], tt=sub["t"] * sub["t"])
        g = sub.groupby(["patient_id", "name"])
        stats = g["value"].agg(["last", "min", "max", "mean", "count"])
        sums = g[["t", "value", "tv", "tt"]].sum()
        n = stats["count"]
        den = n * sums["tt"] - sums["t"] ** 2
        stats["slope"] = ((n * sums["tv"] - sums["t"] * sums["value"]) / den).where((n >= 2) & (den.abs() > 1e-12))
        wide = stats.unstack("name")
        wide.columns = [f"bm_{name}_{stat}_{w}d" for stat, name in wide.columns]
        blocks.append(wide)
    prior = tx.merge(index, on="patient_id")
    prior = prior[prior["start"] < prior["index_date"]]
    counts = prior.groupby(["patient_id", "drug"]).size().unstack("drug", fill_value=0)
    counts.columns = [f"tx_{c}_count" for c in counts.columns]
    return pd.concat(blocks + [counts], axis=1)


def _median(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-repeats", type=int, default=2)
    args = parser.parse_args()
    import pgx
    from pgx.features import build, infer_spec
    from pgx.simulate import simulate_cohort

    t0 = time.perf_counter()
    c = simulate_cohort(args.patients, seed=0, visits_mean=18.7, prior_treatments_mean=17.0)
    print(f"simulate_cohort({args.patients:,}): {time.perf_counter() - t0:.1f} s; biomarker rows "
          f"{c.biomarkers.height:,}, treatment rows {c.treatments.height:,}")
    spec = infer_spec(calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments, patients=c.patients)
    pgx_s, pgx_runs, features = _median(lambda: build(
        calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments, index_dates=c.index_dates,
        patients=c.patients, spec=spec), args.repeats)
    print(f"pgx.features.build: median {pgx_s:.2f} s of {args.repeats} {[round(t, 2) for t in pgx_runs]}; "
          f"shape {features.shape}")
    result = {"patients": args.patients, "biomarker_rows": c.biomarkers.height, "treatment_rows": c.treatments.height,
              "features_shape": list(features.shape), "pgx_build_s": pgx_s, "pgx_build_runs_s": pgx_runs,
              "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__}
    try:
        import pandas  # noqa: F401
    except ImportError:
        print("pandas is not installed: no side-by-side pandas timing")
    else:
        bm, tx, index = _to_pandas(c.biomarkers), _to_pandas(c.treatments), _to_pandas(c.index_dates)
        pd_s, pd_runs, table = _median(lambda: _pandas_features(bm, tx, index), args.repeats)
        print(f"pandas groupby (biomarker stats + prior counts): median {pd_s:.2f} s of {args.repeats}; "
              f"shape {table.shape}; pgx is {pd_s / pgx_s:.1f}x faster")
        result.update(pandas_build_s=pd_s, pandas_build_runs_s=pd_runs, pandas_shape=list(table.shape))

    label = features.select("patient_id").join(
        c.outcomes.select("patient_id", pl.col("event").cast(pl.Int8)), on="patient_id", how="left",
        maintain_order="left")["event"].fill_null(0).to_numpy()
    # string columns (index_drug) as category codes, so both learners get the same numeric matrix
    x = (features.drop("patient_id").with_columns(pl.col(pl.String).cast(pl.Categorical).to_physical())
         .cast(pl.Float64).to_numpy())
    x = x[:, ~np.isnan(x).all(axis=0)]  # scikit-learn's binning fails on a column with no value at all
    print(f"training on {x.shape[0]:,} x {x.shape[1]} features, {label.mean():.1%} events")
    from pgx.models import ResponseClassifier

    lgbm_s, lgbm_runs, _ = _median(lambda: ResponseClassifier(random_state=0).fit(x, label), args.train_repeats)
    print(f"pgx ResponseClassifier.fit: median {lgbm_s:.1f} s of {args.train_repeats}")
    result.update(train_shape=list(x.shape), pgx_fit_s=lgbm_s, pgx_fit_runs_s=lgbm_runs)
    from sklearn.ensemble import HistGradientBoostingClassifier

    hgb_s, hgb_runs, _ = _median(lambda: HistGradientBoostingClassifier(random_state=0).fit(x, label),
                                 args.train_repeats)
    print(f"scikit-learn HistGradientBoostingClassifier.fit: median {hgb_s:.1f} s of {args.train_repeats} "
          f"(ratio pgx/sklearn {lgbm_s / hgb_s:.2f})")
    result.update(sklearn_hgb_fit_s=hgb_s, sklearn_hgb_fit_runs_s=hgb_runs)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "features.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
