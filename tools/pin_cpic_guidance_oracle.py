#!/usr/bin/env python3
"""Write the CPIC guidance test oracle: every CPIC recommendation PharmGKB annotated, read straight from
PharmCAT's reporter/guidelines/CPIC_*.json at commit 0c6123b6 (2024-03-25).

``tests/data/cpic_guidance_oracle.json`` keeps per recommendation the drug, the lookup key (gene ->
phenotype, activity score or allele status), the population, PharmGKB's classification term and its
flags dosingInformation and alternateDrugAvailable; no text. Shares no code with the table's builder.

Usage::

    python tools/pin_cpic_guidance_oracle.py --pharmcat-git /path/to/PharmCAT/.git
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

COMMIT = "0c6123b692d07a362d34c7b61d6a9bab779f7ad6"
FOLDER = "src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pharmcat-git", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/data/cpic_guidance_oracle.json"))
    args = parser.parse_args()

    def git(*a: str) -> str:
        return subprocess.run(["git", f"--git-dir={args.pharmcat_git}", *a], check=True, capture_output=True,
                              text=True).stdout

    entries = []
    for name in sorted(git("ls-tree", "--name-only", f"{COMMIT}:{FOLDER}").split()):
        if not name.startswith("CPIC_"):
            continue
        doc = json.loads(git("show", f"{COMMIT}:{FOLDER}/{name}"))
        for rec in doc["recommendations"] or []:
            for chemical in rec.get("relatedChemicals") or doc["guideline"]["relatedChemicals"]:
                entries.append({"drug": chemical["name"], "key": rec["lookupKey"],
                                "population": rec.get("population"),
                                "term": (rec.get("classification") or {}).get("term"),
                                "dosing": rec.get("dosingInformation"), "alternative": rec.get("alternateDrugAvailable")})
    out = {"source": "PharmGKB CPIC guideline annotations as shipped by PharmCAT (github.com/PharmGKB/PharmCAT)",
           "commit": COMMIT, "folder": FOLDER, "licence": "CPIC CC0-1.0; PharmGKB annotations CC BY-SA 4.0 (facts only)",
           "entries": entries}
    head = json.dumps({k: v for k, v in out.items() if k != "entries"}, ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries)  # one entry per line
    args.out.write_text(head + ', "entries": [\n' + body + "\n]}\n", encoding="utf-8")
    print(f"{len(entries)} entries -> {args.out}")


if __name__ == "__main__":
    main()
