#!/usr/bin/env python3
"""Write the DPWG test oracle: facts read straight from PharmGKB's DPWG annotations as PharmCAT shipped them.

``tests/data/dpwg_oracle.json`` lists, for every DPWG annotation file at PharmCAT commit 0c6123b6
(``src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines/DPWG_*.json``), every lookup key with
PharmGKB's classification term, its flags (dosingInformation, alternateDrugAvailable), whether the
text says DPWG gives no recommendation or that no action is needed, and the percentages of a dose the
text names. No sentence is kept. This script shares no code with tools/build_guidelines.py or
tools/dpwg_build.py on purpose: a fact the builder gets wrong is not repeated here.

Usage::

    python tools/pin_dpwg_oracle.py --pharmcat-git /path/to/PharmCAT/.git [--out tests/data/dpwg_oracle.json]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

COMMIT = "0c6123b692d07a362d34c7b61d6a9bab779f7ad6"
FOLDER = "src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pharmcat-git", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/data/dpwg_oracle.json"))
    args = parser.parse_args()

    def git(*a: str) -> str:
        return subprocess.run(["git", f"--git-dir={args.pharmcat_git}", *a], check=True, capture_output=True,
                              text=True).stdout

    entries = []
    for name in sorted(git("ls-tree", "--name-only", f"{COMMIT}:{FOLDER}").split()):
        if not name.startswith("DPWG_"):
            continue
        doc = json.loads(git("show", f"{COMMIT}:{FOLDER}/{name}"))
        gene = doc["guideline"]["relatedGenes"][0]["symbol"]
        for drug in (c["name"] for c in doc["guideline"]["relatedChemicals"]):
            for rec in doc["recommendations"]:
                words = " ".join(re.sub(r"<[^>]*>", " ", rec["text"]["html"]).split())
                entries.append({
                    "file": name, "drug": drug, "gene": gene, "key": rec["lookupKey"][gene],
                    "term": (rec.get("classification") or {}).get("term"),
                    "dosing": rec["dosingInformation"], "alternative": rec["alternateDrugAvailable"],
                    "says_no_recommendation": "does not provide a recommendation" in words.lower(),
                    "says_no_action": re.search(r"\bno action is (needed|required)", words, re.I) is not None,
                    "percents": sorted(set(re.findall(r"(\d+(?:\.\d+)?)\s?%", words))),
                })
    out = {"source": "PharmGKB DPWG guideline annotations as shipped by PharmCAT (github.com/PharmGKB/PharmCAT)",
           "commit": COMMIT, "folder": FOLDER, "licence": "PharmGKB CC BY-SA 4.0 (facts only)", "entries": entries}
    args.out.write_text(json.dumps(out, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries -> {args.out}")


if __name__ == "__main__":
    main()
