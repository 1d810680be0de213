"""Issue 22's knowledge figure: how many (drug, gene) biomarker indications of FDA oncology labels
(reference/oncology/fda_label_biomarkers.tsv, the FDA Table of Pharmacogenomic Biomarkers in Drug Labeling,
content 2022-08-11) pgx's knowledge table holds a sensitivity or resistance rule for, and which it lacks.

Run: ``python benchmarks/bench_oncology_label_coverage.py [--reference-dir DIR]``

The coverage rule and the reasoned exclusion list are tests/test_oncology_labels.py's (one definition);
this prints the figure, the pairs excluded by reason and any pair neither covered nor excluded, and writes
benchmarks/results/oncology_label_coverage.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-dir", type=Path, default=None,
                        help="a reference/ folder to measure instead of the shipped one")
    args = parser.parse_args()
    import pgx
    from pgx.oncology import biomarkers

    sys.path.insert(0, str(HERE.parent / "tests"))
    sys.path.insert(0, str(HERE))
    from _results import write_result
    from test_oncology_labels import EXCLUDED, TABLE, coverage, label_pairs

    table = (args.reference_dir / "oncology" / "fda_label_biomarkers.tsv") if args.reference_dir else TABLE
    pairs = label_pairs(table)
    covered, missing = coverage(pairs, biomarkers(reference_dir=args.reference_dir))
    unexplained = [p for p in missing if p not in EXCLUDED]
    print(f"FDA label (drug, gene) indications covered by a pgx rule: {len(covered)} / {len(pairs)} "
          f"({len(covered) / len(pairs):.1%})")
    by_reason: dict[str, list[str]] = {}
    for pair in missing:
        by_reason.setdefault(EXCLUDED.get(pair, "NOT EXCLUDED"), []).append(" / ".join(pair))
    for reason, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        print(f"\n{len(items)} missing: {reason}\n  " + ", ".join(items))
    write_result(HERE / "results" / "oncology_label_coverage.json", {
        "date": time.strftime("%Y-%m-%d"), "pgx": pgx.__version__, "label_pairs": len(pairs),
        "covered": len(covered), "missing": [list(p) for p in missing],
        "missing_not_excluded": [list(p) for p in unexplained]})


if __name__ == "__main__":
    main()
