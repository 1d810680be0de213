#!/usr/bin/env python3
"""Write the PyPGx test oracle: the PyPGx 0.27.0 facts reference/ takes, read straight from its data.

``tests/data/pypgx_oracle.json.gz`` holds, for the genes pgx ships (and CYP2D7, the paralogue of
the structural tables): PyPGx's strand, GRCh37/GRCh38 region and exon coordinates
(``gene-table.csv``), and every variant row of ``variant-table.csv`` (rsID, GRCh37 and GRCh38
positions and genome alleles; PyPGx names a variant ``chrom-pos-ref-alt``), and each drug's RxNorm id
and ATC codes (``cpic-table.csv``). Tests compare the shipped tables' GRCh37 positions, strands,
CYP2D6 locus and the guidelines' drug codes with it. This script shares no code
with ``tools/build_reference.py`` or ``tools/build_structural.py`` on purpose.

Usage::

    pip download pypgx==0.27.0 --no-deps   # or any copy of the 0.27.0 package
    python tools/pin_pypgx_oracle.py [--pypgx-data DIR] [--out tests/data/pypgx_oracle.json.gz]

``DIR`` is the package's ``pypgx/api/data`` folder (default ``/tmp/pypgx/pypgx/api/data``).
PyPGx is MIT-licensed; only facts (coordinates, alleles, identifiers) are kept.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

VERSION = "0.27.0"


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def extract(data: Path, genes: list[str]) -> dict:
    wanted = set(genes) | {"CYP2D7"}
    out: dict = {"source": "PyPGx (github.com/sbslee/pypgx) pypgx/api/data/gene-table.csv, variant-table.csv",
                 "version": VERSION, "licence": "MIT", "genes": {}, "drugs": {}}
    with open(data / "gene-table.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Gene"] not in wanted:
                continue
            entry = {"strand": row["Strand"], "variants": []}
            for build in ("GRCh37", "GRCh38"):
                entry[build] = {"region": row[f"{build}Region"],
                                "exon_starts": _ints(row[f"{build}ExonStarts"]),
                                "exon_ends": _ints(row[f"{build}ExonEnds"])}
            out["genes"][row["Gene"]] = entry
    with open(data / "variant-table.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Gene"] in out["genes"]:
                out["genes"][row["Gene"]]["variants"].append(
                    {"rsid": None if row["rsID"] in ("", "N/A", ".") else row["rsID"],
                     "grch37": row["GRCh37Name"], "grch38": row["GRCh38Name"],
                     "grch37_allele": row["GRCh37Allele"], "grch38_allele": row["GRCh38Allele"]})
    with open(data / "cpic-table.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out["drugs"][row["Drug"].lower()] = {
                "rxnorm": "" if row["RxNorm"] in ("", "N/A") else row["RxNorm"],
                "atc": [c.strip() for c in row["ATC"].split(",") if c.strip() not in ("", "N/A")]}
    return out


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pypgx-data", type=Path, default=Path("/tmp/pypgx/pypgx/api/data"))
    parser.add_argument("--out", type=Path, default=here / "tests" / "data" / "pypgx_oracle.json.gz")
    args = parser.parse_args(argv)
    genes = sorted(p.name for p in (here / "reference" / "pharmacogenes").iterdir() if p.is_dir())
    oracle = extract(args.pypgx_data, genes)
    text = json.dumps(oracle, indent=1, sort_keys=True) + "\n"
    write_atomic(args.out, gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{args.out}: {len(oracle['genes'])} genes, "
          f"{sum(len(g['variants']) for g in oracle['genes'].values())} variant rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
