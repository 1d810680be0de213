#!/usr/bin/env python3
"""Write the CPIC and DPWG guidance test oracles: facts read straight from PharmGKB's guideline annotations
as PharmCAT shipped them (reporter/guidelines/{CPIC,DPWG}_*.json at commit 0c6123b6, 2024-03-25).

* ``tests/data/cpic_guidance_oracle.json``: every CPIC recommendation: drug, lookup key (gene ->
  phenotype, activity score or allele status), population, PharmGKB's classification term and the
  flags dosingInformation and alternateDrugAvailable;
* ``tests/data/dpwg_oracle.json``: every DPWG lookup key with its term and flags, whether the text says
  DPWG gives no recommendation or that no action is needed, and the dose percentages it names.

No sentence is kept. This script shares no code with tools/build_guidelines.py or tools/dpwg_build.py
on purpose: a fact the builder gets wrong is not repeated here.

The DPWG oracle also holds the guidelines of the pinned 2026 ClinPGx extract (``--extract``, DPWG_*.json,
read page by page from PharmCAT's prescribing_guidance.json in the fork madhavajay/PharmCAT at commit
162d746c; the README there says how), their entries' ``file`` prefixed ``extract:``.

Usage::

    python tools/pin_guidance_oracles.py --pharmcat-git /path/to/PharmCAT/.git [--extract DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

COMMIT = "0c6123b692d07a362d34c7b61d6a9bab779f7ad6"
FOLDER = "src/main/resources/org/pharmgkb/pharmcat/reporter/guidelines"


def _cpic(doc: dict, rec: dict) -> list[dict]:
    return [{"drug": c["name"], "key": rec["lookupKey"], "population": rec.get("population"),
             "term": (rec.get("classification") or {}).get("term"), "dosing": rec.get("dosingInformation"),
             "alternative": rec.get("alternateDrugAvailable")}
            for c in rec.get("relatedChemicals") or doc["guideline"]["relatedChemicals"]]


def _dpwg(doc: dict, rec: dict, name: str) -> list[dict]:
    gene = doc["guideline"]["relatedGenes"][0]["symbol"]
    words = " ".join(re.sub(r"<[^>]*>", " ", rec["text"]["html"]).split())
    return [{"file": name, "drug": c["name"], "gene": gene, "key": rec["lookupKey"][gene],
             "term": (rec.get("classification") or {}).get("term"),
             "dosing": rec["dosingInformation"], "alternative": rec["alternateDrugAvailable"],
             "says_no_recommendation": "does not provide a recommendation" in words.lower(),
             "says_no_action": re.search(r"\bno action is (needed|required)", words, re.I) is not None,
             "percents": sorted(set(re.findall(r"(\d+(?:\.\d+)?)\s?%", words)))}
            for c in doc["guideline"]["relatedChemicals"]]


def _write(path: Path, head: dict, entries: list[dict], **more: str) -> None:
    text = json.dumps({**head, **more}, ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries)  # one entry per line
    path.write_text(text + ', "entries": [\n' + body + "\n]}\n", encoding="utf-8")
    print(f"{len(entries)} entries -> {path}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pharmcat-git", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/data"))
    parser.add_argument("--extract", type=Path, default=Path("/work/pinned/clinpgx-guidance-162d746c"))
    args = parser.parse_args()

    def git(*a: str) -> str:
        return subprocess.run(["git", f"--git-dir={args.pharmcat_git}", *a], check=True, capture_output=True,
                              text=True).stdout

    found: dict[str, list[dict]] = {"CPIC": [], "DPWG": []}
    for name in sorted(git("ls-tree", "--name-only", f"{COMMIT}:{FOLDER}").split()):
        source = name.split("_", 1)[0]
        if source not in found:
            continue
        doc = json.loads(git("show", f"{COMMIT}:{FOLDER}/{name}"))
        for rec in doc["recommendations"] or []:
            found[source] += _cpic(doc, rec) if source == "CPIC" else _dpwg(doc, rec, name)
    for path in sorted(args.extract.glob("DPWG_*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for rec in doc["recommendations"]:
            found["DPWG"] += _dpwg(doc, rec, "extract:" + path.name)
    head = {"source": "PharmGKB {} guideline annotations as shipped by PharmCAT (github.com/PharmGKB/PharmCAT)",
            "commit": COMMIT, "folder": FOLDER}
    _write(args.out / "cpic_guidance_oracle.json", {**head, "source": head["source"].format("CPIC"),
                                                      "licence": "CPIC CC0-1.0; PharmGKB annotations CC BY-SA 4.0 (facts only)"},
           found["CPIC"])
    _write(args.out / "dpwg_oracle.json", {**head, "source": head["source"].format("DPWG"),
                                           "licence": "PharmGKB CC BY-SA 4.0 (facts only)"}, found["DPWG"],
           extract="madhavajay/PharmCAT 162d746c3366438e72885eaa8ad68f6a550b8741 prescribing_guidance.json "
                   "(ClinPGx 2026-05-05): the entries whose file starts 'extract:'")


if __name__ == "__main__":
    main()
