#!/usr/bin/env python3
"""Write the test oracle: CPIC's facts read straight from the pinned PharmCAT copy.

``tests/data/cpic_oracle.json.gz`` holds, per gene, what CPIC's data says (as PharmCAT
3.1.1 redistributes it, data version 2025-11-05): every position (VCF POS, REF, ALTs, rsID),
every named allele's value at each position it specifies (VCF notation, IUPAC wobble codes
kept, and CPIC's own notation), each allele's function and activity value, and every
diplotype's phenotype. The tests compare the shipped ``reference/`` tables and pgx's calls
with it. This script shares no code with ``tools/build_reference.py`` on purpose: a fact the
builder gets wrong is not repeated here.

Usage::

    python tools/pin_cpic_oracle.py [--pharmcat DIR] [--out tests/data/cpic_oracle.json.gz]

``DIR`` holds ``definition/alleles/*.json`` and ``phenotype/*.json`` taken from PharmCAT commit
5431bf1187e50383df7e7db18ef67b36fc8b562e (``src/main/resources/org/pharmgkb/pharmcat/``).
That copy lacks ``phenotype/G6PD.json`` and ``phenotype/RYR1.json`` (over 4 MiB); for those genes
the ``--supplement`` folder gives the allele -> function maps and a sample of the diplotype entries
(484 G6PD, 365 RYR1, every pair of function values) of CPIC's 2026-05-05 files (see its README).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

COMMIT = "5431bf1187e50383df7e7db18ef67b36fc8b562e"


def extract(root: Path, supplement: Path | None = None) -> dict:
    alleles_dir = root / "definition" / "alleles"
    exemptions = json.loads((alleles_dir / "exemptions.json").read_text(encoding="utf-8"))
    out = {"source": "PharmCAT (github.com/PharmGKB/PharmCAT) CPIC data", "commit": COMMIT, "genes": {}}
    for path in sorted(alleles_dir.glob("*_translation.json")):
        t = json.loads(path.read_text(encoding="utf-8"))
        gene = t["gene"]
        ex = exemptions.get(gene, {})
        ignored = {p["position"] for p in ex.get("ignoredPositions", [])}
        cols = [i for i, v in enumerate(t["variants"]) if v["position"] not in ignored]
        positions = {str(t["variants"][i]["position"]): {
            "ref": t["variants"][i]["ref"], "alts": t["variants"][i]["alts"], "rsid": t["variants"][i]["rsid"],
            "cpic_position": t["variants"][i]["cpicPosition"]} for i in cols}
        named = {}
        for a in t["namedAlleles"]:
            if a["name"] in ex.get("ignoredAlleles", []):
                continue
            named[a["name"]] = {
                "reference": a["reference"],
                "vcf": {str(t["variants"][i]["position"]): a["alleles"][i] for i in cols if a["alleles"][i] is not None},
                "cpic": {str(t["variants"][i]["position"]): a["cpicAlleles"][i] for i in cols
                         if a["cpicAlleles"][i] is not None},
            }
        gene_out = {"version": t["version"], "build": t["genomeBuild"], "chromosome": t["chromosome"],
                    "ignored_positions": sorted(ignored), "ignored_alleles": ex.get("ignoredAlleles", []),
                    "suballeles": t.get("suballelesMap") or {}, "positions": positions, "alleles": named,
                    "functions": None, "diplotypes": []}
        pheno = root / "phenotype" / f"{gene}.json"
        if pheno.is_file():
            p = json.loads(pheno.read_text(encoding="utf-8"))
            gene_out["phenotype_version"] = p["version"]
            gene_out["functions"] = {a["name"]: [a["functionValue"], a.get("activityValue")] for a in p["namedAlleles"]}
            gene_out["diplotypes"] = [[sorted(k for k, n in d["diplotypekey"].items() for _ in range(n)),
                                       d["generesult"]] for d in p["diplotypes"]]
        elif supplement is not None and (supplement / f"{gene}.json").is_file():
            # phenotype file absent from the pinned copy (over 4 MiB): the allele -> function map of
            # CPIC's 2026-05-05 file, copied into the supplement folder (see its README)
            p = json.loads((supplement / f"{gene}.json").read_text(encoding="utf-8"))
            gene_out["phenotype_version"] = p["version"]
            gene_out["functions"] = {name: [function, None] for name, function in p["haplotypes"].items()}
            # and the diplotype entries sampled from the same file (offset, allele_1, allele_2, generesult;
            # allele_2 empty for a one-allele, hemizygous entry), spread over its whole "diplotypes" list
            sampled = supplement / f"{gene}.diplotypes.tsv"
            if sampled.is_file():
                body = [r for r in sampled.read_text(encoding="utf-8").splitlines() if r and r[0] != "#"]
                for row in body[1:]:
                    _, first, second, result = row.split("\t")
                    gene_out["diplotypes"].append([sorted(filter(None, (first, second))), result])
        out["genes"][gene] = gene_out
    return out


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pharmcat", type=Path, default=Path(f"/work/pinned/pharmcat-{COMMIT}"))
    parser.add_argument("--supplement", type=Path, default=Path("/work/pinned/cpic-phenotype-2026-05-05"),
                        help="allele -> function maps and sampled diplotypes of phenotype files the pinned "
                             "copy lacks (G6PD, RYR1)")
    parser.add_argument("--out", type=Path, default=here / "tests" / "data" / "cpic_oracle.json.gz")
    args = parser.parse_args(argv)
    data = json.dumps(extract(args.pharmcat, args.supplement), sort_keys=True, separators=(",", ":")).encode()
    write_atomic(args.out, gzip.compress(data, mtime=0))
    print(f"{args.out}: {len(data):,} bytes of JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main())
