#!/usr/bin/env python3
"""Write ``reference/genome/genes.tsv``: HGNC, NCBI Gene and Ensembl ids of pgx's genes.

The ids come from CPIC's own gene table as its database is seeded in the cpic-data repository
(github.com/cpicpgx/cpic-data, CC0-1.0): ``COPY gene (...) FROM stdin;`` in
``src/main/resources/db/migration/V2__initial_data.sql`` and later ``insert into gene`` lines,
at the pinned commit below. One row there is wrong and is corrected here, with its source:
DPYD carries ``HGNC:1806`` and NCBI Gene ``282617`` (1806 is DPYD's NCBI Gene id and 282617 is
IFNL3's); HGNC's symbol report for DPYD gives ``HGNC:3012`` and NCBI Gene ``1806``.

Usage::

    python tools/build_gene_ids.py [--cpic-data GIT_DIR] [--out reference/genome/genes.tsv]

``GIT_DIR`` is a (bare) clone of cpicpgx/cpic-data holding commit ``COMMIT``; the SQL is read
with ``git show``, nothing is copied into the repository but the derived table.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

COMMIT = "459e3eb"  # cpic-data release 1.56.0, 2026-04-30
COMMIT_FULL_NOTE = "cpic-data release 1.56.0 (commit 459e3eb, 2026-04-30)"
SQL = "src/main/resources/db/migration/V2__initial_data.sql"
ROOT = Path(__file__).resolve().parent.parent
#: corrections of the CPIC seed data, each with the source that settles it
CORRECTIONS = {"DPYD": {"hgnc_id": "HGNC:3012", "ncbi_gene": "1806",
                        "why": "CPIC seed row has HGNC:1806/282617; HGNC symbol report DPYD: HGNC:3012, NCBI Gene 1806"}}


def _genes() -> list[str]:
    folder = ROOT / "reference" / "pharmacogenes"
    return sorted(p.name for p in folder.iterdir() if (p / "gene.tsv").is_file())


def read_cpic_genes(git_dir: Path) -> dict[str, dict[str, str]]:
    """Symbol -> {hgnc_id, ncbi_gene, ensembl_gene} from CPIC's seeded gene table."""
    sql = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{COMMIT}:{SQL}"], check=True,
                         capture_output=True, text=True).stdout
    lines = sql.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("COPY gene ("))
    columns = re.search(r"COPY gene \(([^)]*)\)", lines[start]).group(1).replace(" ", "").split(",")
    out: dict[str, dict[str, str]] = {}
    for line in lines[start + 1:]:
        if line == "\\.":
            break
        row = dict(zip(columns, line.split("\t")))
        out[row["symbol"]] = {"hgnc_id": row["hgncid"], "ncbi_gene": row["ncbiid"], "ensembl_gene": row["ensemblid"]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpic-data", type=Path, default=Path("/work/.mirror/cpicpgx+cpic-data/repo"))
    parser.add_argument("--out", type=Path, default=ROOT / "reference" / "genome" / "genes.tsv")
    args = parser.parse_args(argv)
    cpic = read_cpic_genes(args.cpic_data)
    rows = []
    for gene in _genes():
        if gene not in cpic:
            raise SystemExit(f"{gene} is not in CPIC's gene table at {COMMIT}")
        ids = dict(cpic[gene])
        source = "CPIC gene table"
        if gene in CORRECTIONS:
            fix = CORRECTIONS[gene]
            ids.update({k: v for k, v in fix.items() if k != "why"})
            source = "HGNC (corrects CPIC: " + fix["why"] + ")"
        rows.append([gene, ids["hgnc_id"], ids["ncbi_gene"], ids["ensembl_gene"], source])
    header = ["# HGNC, NCBI Gene and Ensembl gene ids of the genes pgx calls (FHIR gene-studied coding).",
              f"# source: CPIC gene table, github.com/cpicpgx/cpic-data {SQL}; corrections per row (column source)",
              f"# source_version: {COMMIT_FULL_NOTE}",
              "# retrieved: 2026-12-06",
              "# licence: CPIC data CC0-1.0; HGNC data freely available (CC0)",
              "# built by: tools/build_gene_ids.py"]
    text = "\n".join(header + ["\t".join(["gene", "hgnc_id", "ncbi_gene", "ensembl_gene", "source"])]
                     + ["\t".join(r) for r in rows]) + "\n"
    write_atomic(args.out, text)
    print(f"{args.out}: {len(rows)} genes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
