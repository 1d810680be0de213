"""Issue 17's acceptance: on PharmCAT's example VCF with its outside calls, the share of the drugs
PharmCAT 3.1 reports guidance for (74 CPIC, 56 DPWG, 28 FDA) that pgx gives guidance for.

Run: ``python benchmarks/bench_guidance_coverage.py --pharmcat-git /path/to/PharmCAT/.git``

Reads docs/examples/pharmcat.example.vcf and pharmcat.example.outsideCall.tsv at PharmCAT commit
ced94ca0 (data 2025-11-05), calls them with ``pgx.call`` and counts, per source, the drugs of
tests/test_recommend_pharmcat_example.py's lists (PharmCAT's example report at the same commit) for
which pgx has a guideline row that applies (gene called, a row for the genotype).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMIT = "ced94ca0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pharmcat-git", type=Path, required=True)
    args = parser.parse_args()
    import pgx
    from pgx.recommend import recommend

    sys.path.insert(0, str(HERE.parent / "tests"))
    from test_recommend_pharmcat_example import DRUGS, guided

    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name in ("pharmcat.example.vcf", "pharmcat.example.outsideCall.tsv"):
            paths[name] = Path(tmp) / name
            paths[name].write_bytes(subprocess.run(
                ["git", f"--git-dir={args.pharmcat_git}", "show", f"{COMMIT}:docs/examples/{name}"],
                check=True, capture_output=True).stdout)
        calls = pgx.call(paths["pharmcat.example.vcf"], outside_calls=paths["pharmcat.example.outsideCall.tsv"])
    out = recommend(calls)
    result = {}
    print("| source | PharmCAT 3.1 drugs | pgx gives guidance | share | target | missing |")
    print("|---|---|---|---|---|---|")
    for source, target in (("CPIC", 0.95), ("DPWG", 0.95), ("FDA", 0.90)):
        drugs = DRUGS[source]
        covered = [d for d in drugs if d in guided(out, source)]
        missing = sorted(set(drugs) - set(covered))
        share = len(covered) / len(drugs)
        result[source] = {"pharmcat": len(drugs), "pgx": len(covered), "share": share, "missing": missing}
        print(f"| {source} | {len(drugs)} | {len(covered)} | {share:.1%} | {target:.0%} "
              f"{'met' if share >= target else 'NOT met'} | {', '.join(missing)} |")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "guidance_coverage.json").write_text(json.dumps(
        {"pharmcat_commit": COMMIT, "result": result, "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__},
        indent=2))


if __name__ == "__main__":
    main()
