#!/usr/bin/env python3
"""Write ``tests/data/fda_oncology_label_oracle.json``: the Oncology rows of the FDA Table of
Pharmacogenomic Biomarkers in Drug Labeling, read straight from the pinned copy
(github.com/PharmGKB/fda-biomarker fda_pgx_biomarker_table.json at commit 6128eb5), as the oracle
that tests/test_oncology_labels.py compares reference/oncology/fda_label_biomarkers.tsv with.

Keeps per row the drug, the biomarker and the labeling sections exactly as the table writes them.
Shares no code with tools/build_oncology_labels.py on purpose.

Usage::

    python tools/pin_oncology_label_oracle.py --git-dir /path/to/fda-biomarker/.git
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

COMMIT = "6128eb5f6f5614c080d05dbc7b8deb2c9c6b520f"
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "fda_oncology_label_oracle.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", default="/work/.mirror/PharmGKB+fda-biomarker/repo")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    text = subprocess.run(["git", "-C", args.git_dir, "show", f"{COMMIT}:fda_pgx_biomarker_table.json"],
                          check=True, capture_output=True, text=True).stdout
    table = json.loads(text)
    rows = [{"drug": r["Drug"], "biomarker": r["Biomarker"], "sections": r["Labeling Sections"]}
            for r in table["table"] if r["Therapeutic Area"] == "Oncology"]
    out = {"source": f"github.com/PharmGKB/fda-biomarker fda_pgx_biomarker_table.json at {COMMIT}",
           "fda_content_current": table["fdaContentCurrentDate"], "collected": table["collectedOn"],
           "rows": rows}
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} oncology rows -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
