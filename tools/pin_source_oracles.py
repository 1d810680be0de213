#!/usr/bin/env python3
"""Write the source oracles of tests/test_reference_sources.py, each read straight from its pinned source.

Each oracle is an extract of the source a reference/ table is built from; none shares code with the
table's builder, so a fact the builder gets wrong is not repeated here.

* ``tests/data/pypgx_oracle.json.gz``: PyPGx 0.27.0 (MIT; the package's ``pypgx/api/data``): for the
  genes pgx ships and CYP2D7, the strand, GRCh37/GRCh38 region and exons (``gene-table.csv``) and every
  variant row (rsID, GRCh37/GRCh38 names ``chrom-pos-ref-alt`` and genome alleles, ``variant-table.csv``);
  each drug's RxNorm id and ATC codes (``cpic-table.csv``).
* ``tests/data/cpic_data_oracle.json``: CPIC's database seed (github.com/cpicpgx/cpic-data
  ``src/main/resources/db/migration/V2__initial_data.sql`` at release 1.56.0, CC0-1.0): every drug's
  RxNorm id and ATC codes (``COPY drug``) and the HGNC, NCBI Gene and Ensembl ids and chromosome of
  pgx's genes (``COPY gene``).
* ``tests/data/vcf_spec_oracle.json``: the reserved INFO and FORMAT keys (Number, Type) of VCFv4.3,
  4.4 and 4.5, from the tables labelled ``table:reserved-info`` and ``table:reserved-genotypes`` of
  ``VCFv<version>.tex`` (github.com/samtools/hts-specs).
* ``tests/data/oncotree_oracle.txt.gz``: the pinned column subset of OncoTree ``oncotree_2026_05_21``
  (github.com/cBioPortal/oncotree, CC BY 4.0; ``CODE|Name|MainType|PARENT``, see
  /work/pinned/oncotree/README), compressed unchanged.

Usage::

    python tools/pin_source_oracles.py [--only pypgx,cpic-data,vcf-spec,oncotree]
        [--pypgx-data DIR] [--cpic-data GIT_DIR] [--hts-specs GIT_DIR] [--oncotree FILE]

``DIR`` is PyPGx 0.27.0's ``pypgx/api/data`` folder (``pip download pypgx==0.27.0 --no-deps``, unpacked);
the git directories are (bare) clones holding the commits named below, read with ``git show``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PYPGX_VERSION = "0.27.0"
CPIC_DATA_COMMIT = "459e3eb"  # cpic-data release 1.56.0, 2026-04-30
CPIC_DATA_SQL = "src/main/resources/db/migration/V2__initial_data.sql"
HTS_SPECS_COMMIT = "c101c79"
VCF_VERSIONS = ("4.3", "4.4", "4.5")
VCF_SECTIONS = {"table:reserved-info": "INFO", "table:reserved-genotypes": "FORMAT"}


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def pypgx(data: Path, genes: list[str]) -> dict:
    """PyPGx 0.27.0 gene-table.csv, variant-table.csv and cpic-table.csv: the facts reference/ takes."""
    wanted = set(genes) | {"CYP2D7"}
    out: dict = {"source": "PyPGx (github.com/sbslee/pypgx) pypgx/api/data/gene-table.csv, variant-table.csv",
                 "version": PYPGX_VERSION, "licence": "MIT", "genes": {}, "drugs": {}}
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


def copy_block(sql: str, table: str) -> list[dict[str, str]]:
    """The rows of one ``COPY table (cols) FROM stdin;`` block, NULL (\\N) as ''."""
    lines = iter(sql.splitlines())
    for line in lines:
        if line.startswith(f"COPY {table} ("):
            columns = [c.strip() for c in line[line.index("(") + 1: line.index(")")].split(",")]
            break
    else:
        raise LookupError(f"no COPY {table} block")
    rows = []
    for line in lines:
        if line == "\\.":
            return rows
        rows.append({c: ("" if v == "\\N" else v) for c, v in zip(columns, line.split("\t"))})
    raise ValueError(f"COPY {table} block not closed")


def cpic_data(git_dir: Path, genes: list[str]) -> dict:
    """CPIC's drug table (RxNorm, ATC) and the gene rows (HGNC, NCBI Gene, Ensembl ids) of its seed SQL."""
    sql = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{CPIC_DATA_COMMIT}:{CPIC_DATA_SQL}"], check=True,
                         capture_output=True, text=True).stdout
    drugs = {}
    for row in copy_block(sql, "drug"):
        atc = [c.strip('"') for c in row["atcid"].strip("{}").split(",") if c.strip('"')]
        drugs[row["name"].lower()] = {"rxnorm": row["rxnormid"], "atc": atc}
    gene_rows = {row["symbol"]: row for row in copy_block(sql, "gene")}
    return {"source": f"cpicpgx/cpic-data {CPIC_DATA_SQL}", "commit": CPIC_DATA_COMMIT, "licence": "CC0-1.0",
            "drugs": drugs,
            "genes": {g: {"hgnc_id": gene_rows[g]["hgncid"], "ncbi_gene": gene_rows[g]["ncbiid"],
                          "ensembl_gene": gene_rows[g]["ensemblid"], "chrom": gene_rows[g]["chr"]}
                      for g in genes if g in gene_rows}}


def _reserved(tex: str) -> dict[str, dict[str, list[str]]]:
    """Split each line of the two reserved-key longtables on '&' (no shared pattern with the builder)."""
    out: dict[str, dict[str, list[str]]] = {}
    for label, section in VCF_SECTIONS.items():
        start = tex.index("\\label{" + label + "}")
        body = tex[start: tex.index("\\end{longtable}", start)]
        keys: dict[str, list[str]] = {}
        for line in body.splitlines():
            cells = [c.strip() for c in line.split("&")]
            if len(cells) < 4 or not cells[0] or "\\" in cells[0] or "[" in cells[0]:
                continue  # not a row, or a key written as a pattern
            keys[cells[0]] = [cells[1], cells[2]]
        out[section] = keys
    return out


def vcf_spec(git_dir: Path) -> dict:
    oracle = {"source": "samtools/hts-specs VCFv<version>.tex, tables of reserved INFO and genotype keys",
              "commit": HTS_SPECS_COMMIT, "versions": {}}
    for version in VCF_VERSIONS:
        tex = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{HTS_SPECS_COMMIT}:VCFv{version}.tex"],
                             check=True, capture_output=True, text=True).stdout
        oracle["versions"][version] = _reserved(tex)
    return oracle


def _json_gz(oracle: dict) -> bytes:
    return gzip.compress((json.dumps(oracle, indent=1, sort_keys=True) + "\n").encode("utf-8"), mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="pypgx,cpic-data,vcf-spec,oncotree")
    parser.add_argument("--pypgx-data", type=Path, default=Path("/tmp/pypgx/pypgx/api/data"))
    parser.add_argument("--cpic-data", type=Path, default=Path("/work/.mirror/cpicpgx+cpic-data/repo"))
    parser.add_argument("--hts-specs", type=Path, default=Path("/work/.mirror/samtools+hts-specs/repo"))
    parser.add_argument("--oncotree", type=Path, default=Path("/work/pinned/oncotree/oncotree_2026_05_21.cols.txt"))
    args = parser.parse_args(argv)
    genes = sorted(p.name for p in (ROOT / "reference" / "pharmacogenes").iterdir() if p.is_dir())
    writers = {
        "pypgx": ("pypgx_oracle.json.gz", lambda: _json_gz(pypgx(args.pypgx_data, genes))),
        "cpic-data": ("cpic_data_oracle.json",
                      lambda: json.dumps(cpic_data(args.cpic_data, genes), indent=1, sort_keys=True) + "\n"),
        "vcf-spec": ("vcf_spec_oracle.json",
                     lambda: json.dumps(vcf_spec(args.hts_specs), indent=1, sort_keys=True) + "\n"),
        "oncotree": ("oncotree_oracle.txt.gz", lambda: gzip.compress(args.oncotree.read_bytes(), mtime=0)),
    }
    for name in args.only.split(","):
        filename, make = writers[name]
        write_atomic(DATA / filename, make())
        print(f"wrote {DATA / filename}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
