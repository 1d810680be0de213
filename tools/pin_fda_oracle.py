#!/usr/bin/env python3
"""Write the FDA test oracle: the FDA Table of Pharmacogenetic Associations' rows, read straight from the
pinned copy (github.com/PharmGKB/fda-biomarker fda_pgx_associations_table.json at commit 53068f27).

``tests/data/fda_oracle.json`` keeps per row the drug, gene, affected subgroup and section (no
description text). Shares no code with tools/fda_build.py on purpose.

Usage::

    python tools/pin_fda_oracle.py --fda-git /path/to/fda-biomarker/.git [--out tests/data/fda_oracle.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

COMMIT = "53068f2715541abf2cca5fbae4de16d1ed948657"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fda-git", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/data/fda_oracle.json"))
    args = parser.parse_args()
    raw = subprocess.run(["git", f"--git-dir={args.fda_git}", "show", f"{COMMIT}:fda_pgx_associations_table.json"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(raw)
    rows = [{"drug": r["Drug"], "gene": r["Gene"], "subgroup": r["Affected Subgroups+"], "section": r["table"]}
            for r in doc["table"]]
    out = {"source": "FDA Table of Pharmacogenetic Associations via github.com/PharmGKB/fda-biomarker",
           "commit": COMMIT, "collected": doc["collectedOn"], "rows": rows}
    args.out.write_text(json.dumps(out, indent=0) + "\n", encoding="utf-8")
    print(f"{len(rows)} rows -> {args.out}")


if __name__ == "__main__":
    main()
