#!/usr/bin/env python3
"""Write the cpic-data test oracle: CPIC's drug and gene identifiers, read from its seed SQL.

``tests/data/cpic_data_oracle.json`` holds, from CPIC's database seed
(github.com/cpicpgx/cpic-data ``src/main/resources/db/migration/V2__initial_data.sql``, CC0-1.0):
every drug's RxNorm id and ATC codes (the ``COPY drug`` block) and, for the genes pgx ships,
the HGNC, NCBI Gene and Ensembl ids (the ``COPY gene`` block). Tests compare the RxNorm/ATC
columns of reference/guidelines/*.tsv and reference/genome/genes.tsv with it. This script shares
no code with tools/build_guidelines.py or tools/build_gene_ids.py on purpose.

Usage::

    python tools/pin_cpic_data_oracle.py [--cpic-data GIT_DIR] [--out tests/data/cpic_data_oracle.json]

``GIT_DIR`` is a (bare) clone of cpicpgx/cpic-data holding commit ``COMMIT``; the SQL is read with
``git show``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_atomic  # noqa: E402

COMMIT = "459e3eb"  # cpic-data release 1.56.0, 2026-04-30
SQL = "src/main/resources/db/migration/V2__initial_data.sql"


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


def extract(git_dir: Path, genes: list[str]) -> dict:
    sql = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{COMMIT}:{SQL}"], check=True,
                         capture_output=True, text=True).stdout
    drugs = {}
    for row in copy_block(sql, "drug"):
        atc = [c.strip('"') for c in row["atcid"].strip("{}").split(",") if c.strip('"')]
        drugs[row["name"].lower()] = {"rxnorm": row["rxnormid"], "atc": atc}
    gene_rows = {row["symbol"]: row for row in copy_block(sql, "gene")}
    return {"source": f"cpicpgx/cpic-data {SQL}", "commit": COMMIT, "licence": "CC0-1.0", "drugs": drugs,
            "genes": {g: {"hgnc_id": gene_rows[g]["hgncid"], "ncbi_gene": gene_rows[g]["ncbiid"],
                          "ensembl_gene": gene_rows[g]["ensemblid"], "chrom": gene_rows[g]["chr"]}
                      for g in genes if g in gene_rows}}


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpic-data", type=Path, default=Path("/work/.mirror/cpicpgx+cpic-data/repo"))
    parser.add_argument("--out", type=Path, default=here / "tests" / "data" / "cpic_data_oracle.json")
    args = parser.parse_args(argv)
    genes = sorted(p.name for p in (here / "reference" / "pharmacogenes").iterdir() if p.is_dir())
    oracle = extract(args.cpic_data, genes)
    write_atomic(args.out, json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    print(f"{args.out}: {len(oracle['drugs'])} drugs, {len(oracle['genes'])} genes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
