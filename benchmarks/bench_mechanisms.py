"""The planted-mechanism acceptance (tests/test_mechanisms.py) on five seeds, every criterion on every seed.

Run: ``PYTHONPATH=. python benchmarks/bench_mechanisms.py [--seeds 20261129,1,2,3,4] [--patients 1000000]``

The test suite runs one seed; this runs the same cohort, feature table, models and criteria
(imported from the test module, so the two cannot drift apart) for each seed in turn and
reports, per seed and mechanism, every number and which criteria were missed. One simulated
cohort of 1,000,000 patients takes about 11 GB and a minute or two to make; the models are
fitted with one thread. Results go to ``results/mechanisms.json`` (written after each seed).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from _results import write_result  # noqa: E402


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="20261129,1,2,3,4")
    parser.add_argument("--patients", type=int, default=None, help="default: the test's N_PATIENTS")
    parser.add_argument("--out", default=str(HERE / "results" / "mechanisms.json"))
    args = parser.parse_args()
    import numpy as np

    import test_mechanisms as tm

    np.seterr(all="ignore")
    n = args.patients or tm.N_PATIENTS
    result: dict = {"patients": n, "seeds": {}, "all_met": None}
    for seed in [int(s) for s in args.seeds.split(",")]:
        t0 = time.perf_counter()
        cohort = tm.make_cohort(seed, n)
        table = tm.make_table(cohort, seed, n)
        rows = {}
        for outcome in sorted(tm.MECHANISMS):
            r = tm._evaluate(table, outcome)
            met = tm.criteria(r)
            rows[outcome] = {"criteria": met, "missed": [k for k, ok in met.items() if not ok],
                             **{k: r[k] for k in ("n_train", "events_train", "oracle", "auroc", "slope", "intercept",
                                                  "top3", "logistic", "rule", "expected", "rounds", "calibration")},
                             "message": r["message"]}
            print(f"seed {seed} {outcome}: missed {rows[outcome]['missed']}  {r['message']}", flush=True)
        w = tm._evaluate_warfarin(cohort, table)
        met = tm.warfarin_criteria(w)
        rows["warfarin_weekly_dose"] = {"criteria": met, "missed": [k for k, ok in met.items() if not ok],
                                        "ours": w["ours"], "iwpc": w["iwpc"], "oracle": w["oracle"], "top3": w["top3"]}
        print(f"seed {seed} warfarin: missed {rows['warfarin_weekly_dose']['missed']}  {w['message']}", flush=True)
        result["seeds"][str(seed)] = {"seconds": time.perf_counter() - t0, "mechanisms": rows}
        result["all_met"] = all(not m["missed"] for s in result["seeds"].values() for m in s["mechanisms"].values())
        write_result(args.out, _plain(result))
        del cohort, table
        gc.collect()
    missed = [(s, m, r["missed"]) for s, v in result["seeds"].items() for m, r in v["mechanisms"].items() if r["missed"]]
    print("every criterion met on every seed" if not missed else f"missed: {missed}")


if __name__ == "__main__":
    main()
