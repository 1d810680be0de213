"""Training speed: pgx.models.ResponseClassifier against scikit-learn HistGradientBoosting.

Run: ``PYTHONPATH=. python benchmarks/bench_train.py [--patients 100000] [--features 300]
[--repeats 3] [--only pgx,hgb]``

The training table is a real feature table: ``pgx.features.build`` on a simulated cohort
(``simulate_cohort(patients, seed=0)``, default spec: genotype, biomarker, treatment-history and
demographic blocks), with the columns that hold no value dropped, then cut (or padded with
copies of whole biomarker blocks from another window, should the table be narrower) to exactly
``--features`` columns. The label is each patient's simulated outcome event (warfarin dose
patients, who have none, count as 0). Building the table is not timed.

Timed, alternating pgx and scikit-learn in each repeat (so a slow spell on the shared machine
hits both), on the same float64 matrix:

* ``pgx``: ``ResponseClassifier(random_state=0).fit(X, y)``: the defaults, calibration
  (3-fold, sigmoid) and early stopping included.
* ``hgb``: ``HistGradientBoostingClassifier(random_state=0).fit(X, y)``: scikit-learn's
  defaults (early stopping on 10% of the rows from 10,000 samples, no calibration).
* ``hgb_calibrated``: ``CalibratedClassifierCV(HistGradientBoostingClassifier(random_state=0),
  method="sigmoid", cv=3)``: the same work pgx does (three fold models for calibration; it
  keeps the three as an ensemble rather than refitting one on all rows).
* ``pgx_no_early_stopping`` (not run by default; ``--only pgx_no_early_stopping``):
  ``ResponseClassifier(early_stopping=False)``, all 500 rounds in the three folds and the final
  model: the upper bound when a label keeps improving for the whole budget.

* ``pgx_baseline`` (with ``--baseline-tree DIR``): ``ResponseClassifier(random_state=0)`` of
  another pgx checkout (for example ``git archive <commit> pgx | tar -x -C DIR``, with the
  built extensions copied in), fitted in a child process on the same matrix (saved to a
  temporary ``.npz``; only the fit is timed): the paired before/after comparison of a change,
  alternated with ``pgx`` so load on the shared machine hits both.

Each reports the median of ``--repeats`` fits, the runs, and held-out AUROC on a further
20,000 simulated patients (same spec) as a check that the fast fit still learns. The load
average before and after is recorded: other jobs on the 2-core machine slow every contender.
Target (issue #6): pgx under 60 s for 100,000 x 300. Results go to ``results/train.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import write_result  # noqa: E402


def _table(n: int, seed: int, n_features: int, spec=None):
    from pgx.features import build, infer_spec
    from pgx.simulate import simulate_cohort

    c = simulate_cohort(n, seed=seed, write_vcf=False)
    if spec is None:
        # index_therapy=False: every column of the float64 matrix is numeric (index_drug is a string)
        spec = infer_spec(calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments, patients=c.patients,
                          index_therapy=False)
    features = build(calls=c.diplotypes, biomarkers=c.biomarkers, treatments=c.treatments,
                     index_dates=c.index_dates, patients=c.patients, spec=spec)
    label = features.select("patient_id").join(
        c.outcomes.select("patient_id", pl.col("event").cast(pl.Int8)), on="patient_id", how="left",
        maintain_order="left")["event"].fill_null(0).to_numpy()
    return features.drop("patient_id"), label, spec


def _select(frame: pl.DataFrame, n_features: int, columns: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    if columns is None:
        columns = [c for c in frame.columns if frame[c].null_count() < frame.height]
        # pad with copies of whole biomarker blocks (real columns, renamed) if the table is narrower
        blocks = [c for c in columns if c.startswith("bm_")]
        k = 0
        while len(columns) < n_features and blocks:
            columns.append(f"{blocks[k % len(blocks)]}#copy{k // len(blocks) + 1}")
            k += 1
        columns = columns[:n_features]
    data = [frame[c.split("#")[0]].cast(pl.Float64).to_numpy() for c in columns]
    return np.column_stack(data), columns


def _auroc(y, p) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="pgx,hgb,hgb_calibrated")
    parser.add_argument("--out", default=str(HERE / "results" / "train.json"))
    parser.add_argument("--baseline-tree", default=None,
                        help="another pgx checkout: adds the pgx_baseline contender (see above)")
    args = parser.parse_args()
    import lightgbm
    import sklearn
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    import pgx
    from pgx.models import ResponseClassifier

    t0 = time.perf_counter()
    frame, y, spec = _table(args.patients, 0, args.features)
    X, columns = _select(frame, args.features)
    test_frame, y_test, _ = _table(20_000, 1, args.features, spec=spec)
    X_test, _ = _select(test_frame, args.features, columns)
    print(f"training table {X.shape[0]:,} x {X.shape[1]} ({y.mean():.1%} events), test {X_test.shape[0]:,}; "
          f"made in {time.perf_counter() - t0:.1f} s", flush=True)

    contenders = {
        "pgx": lambda: ResponseClassifier(random_state=0),
        "hgb": lambda: HistGradientBoostingClassifier(random_state=0),
        "hgb_calibrated": lambda: CalibratedClassifierCV(HistGradientBoostingClassifier(random_state=0),
                                                         method="sigmoid", cv=3),
        # the worst case: all 500 rounds in every fold and in the final model
        "pgx_no_early_stopping": lambda: ResponseClassifier(early_stopping=False, random_state=0),
    }
    chosen = [name for name in args.only.split(",") if name]
    if args.baseline_tree:
        import subprocess
        import sys
        import tempfile

        saved = Path(tempfile.mkdtemp()) / "train.npz"
        child = ("import sys, time, json, numpy as np\n"
                 "d = np.load(sys.argv[1]); X, y = d['X'], d['y']\n"
                 "from pgx.models import ResponseClassifier\n"
                 "from sklearn.metrics import roc_auc_score\n"
                 "t = time.perf_counter(); m = ResponseClassifier(random_state=0).fit(X, y)\n"
                 "s = time.perf_counter() - t\n"
                 "print(json.dumps([s, roc_auc_score(d['y_test'], m.predict_proba(d['X_test'])[:, 1]), "
                 "int(m.n_estimators_)]))\n")
        np.savez(saved, X=X, X_test=X_test, y=y, y_test=y_test)

        class _Baseline:
            """Fits in a child process on the other checkout; exposes the timing it measured."""

            def fit(self, X, y):
                out = subprocess.run([sys.executable, "-c", child, str(saved)], check=True, capture_output=True,
                                     text=True, env={**os.environ, "PYTHONPATH": args.baseline_tree}).stdout
                self.seconds, self.auroc, self.n_estimators_ = json.loads(out.strip().splitlines()[-1])
                return self

        contenders["pgx_baseline"] = _Baseline
        chosen.append("pgx_baseline")
    runs: dict[str, list[float]] = {name: [] for name in chosen}
    auroc: dict[str, float] = {}
    extra: dict[str, dict] = {name: {} for name in chosen}
    load_start = os.getloadavg()
    for r in range(args.repeats):
        for name in chosen:
            model = contenders[name]()
            t = time.perf_counter()
            model.fit(X, y)
            runs[name].append(time.perf_counter() - t)
            if name == "pgx_baseline":  # the child's own fit time and AUROC
                runs[name][-1], auroc[name] = model.seconds, model.auroc
                extra[name] = {"n_estimators_": model.n_estimators_, "tree": args.baseline_tree}
            else:
                auroc[name] = _auroc(y_test, model.predict_proba(X_test)[:, 1])
            if name.startswith("pgx") and name != "pgx_baseline":
                extra[name] = {"n_estimators_": int(model.n_estimators_), "calibrator": model.calibrator_["method"],
                               "linear_weight_": float(getattr(model, "linear_weight_", 0.0))}
            elif name == "hgb":
                extra[name] = {"n_iter_": int(model.n_iter_)}
            print(f"repeat {r + 1}: {name:15s} {runs[name][-1]:6.1f} s  AUROC {auroc[name]:.4f}  "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
    load_end = os.getloadavg()
    medians = {name: statistics.median(t) for name, t in runs.items()}
    print()
    print(f"| contender | median s | min s | runs s | held-out AUROC |")
    print(f"|---|---|---|---|---|")
    for name in chosen:
        print(f"| {name} | {medians[name]:.1f} | {min(runs[name]):.1f} | "
              f"{', '.join(f'{t:.1f}' for t in runs[name])} | {auroc[name]:.4f} |")
    ratios = {f"pgx_over_{name}": medians["pgx"] / medians[name] for name in chosen
              if name != "pgx" and "pgx" in medians}
    for key, value in ratios.items():
        print(f"{key}: {value:.2f}")
    print(f"load average start {load_start}, end {load_end}")
    result = {
        "patients": args.patients, "features": X.shape[1], "events": float(y.mean()), "repeats": args.repeats,
        "test_patients": int(X_test.shape[0]), "median_s": medians, "runs_s": runs, "held_out_auroc": auroc,
        "details": extra, "ratios": ratios, "target_s": 60.0,
        "load_average": {"start": load_start, "end": load_end}, "cpu_count": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M"), "pgx": pgx.__version__, "lightgbm": lightgbm.__version__,
        "sklearn": sklearn.__version__, "python": platform.python_version(), "machine": platform.machine(),
    }
    write_result(args.out, result)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
