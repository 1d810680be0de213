#!/usr/bin/env python3
"""Write the FDA test oracle: the FDA Table of Pharmacogenetic Associations' rows, read straight from the
pinned copy (github.com/PharmGKB/fda-biomarker fda_pgx_associations_table.json at commit 53068f27).

``tests/data/fda_oracle.json`` keeps per row the drug, gene, affected subgroup and section (no
description text). Shares no code with tools/fda_build.py on purpose.

``tests/data/fda_label_oracle.json`` keeps, for every lookup key of the FDA label annotations in the pinned
2026 ClinPGx extract (``--label-extract``, fda_labels.json; read from PharmCAT's prescribing_guidance.json
in the fork madhavajay/PharmCAT at commit 162d746c, see the README there), the drug, the key, ClinPGx's
three flags, whether the text says contraindicated or 'consider avoiding', and the dose figures it names
(no sentence). Shares no code with tools/fda_label_build.py on purpose.

Usage::

    python tools/pin_fda_oracle.py --fda-git /path/to/fda-biomarker/.git [--out tests/data/fda_oracle.json]
        [--label-extract DIR] [--label-out tests/data/fda_label_oracle.json]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
from pathlib import Path

COMMIT = "53068f2715541abf2cca5fbae4de16d1ed948657"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fda-git", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/data/fda_oracle.json"))
    parser.add_argument("--label-extract", type=Path, default=Path("/work/pinned/clinpgx-guidance-162d746c"))
    parser.add_argument("--label-out", type=Path, default=Path("tests/data/fda_label_oracle.json"))
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
    labels = json.loads((args.label_extract / "fda_labels.json").read_text(encoding="utf-8"))
    keys = []
    for label in labels["labels"]:
        for rec in label["recommendations"]:
            text = html.unescape(rec["text"])
            doses = sorted(set(re.findall(r"\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)? mg", text)))
            for key in rec["keys"]:
                keys.append({"drug": label["drug"], "label": label["id"], "key": key, "dosing": rec["dosing"],
                             "alternative": rec["alternate"], "other": rec["other"],
                             "contraindicated": bool(re.search(r"contraindicat", text, re.I)),
                             "consider_avoiding": "consider avoiding" in text.lower(), "doses": doses})
    head = {"source": "ClinPGx FDA label annotations in PharmCAT prescribing_guidance.json, github.com/madhavajay/PharmCAT",
            "commit": "162d746c3366438e72885eaa8ad68f6a550b8741", "data_version": labels["data_version"],
            "licence": "ClinPGx annotations CC BY-SA 4.0 (facts only)"}
    body = ",\n".join(json.dumps(k, ensure_ascii=False) for k in keys)
    args.label_out.write_text(json.dumps(head, ensure_ascii=False)[:-1] + ', "keys": [\n' + body + "\n]}\n",
                              encoding="utf-8")
    print(f"{len(keys)} label keys -> {args.label_out}")


if __name__ == "__main__":
    main()
