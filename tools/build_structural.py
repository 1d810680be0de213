"""Build the tables behind CYP2D6 calling from aligned reads (``reference/structural/``).

* ``CYP2D6_locus.tsv``: the CYP2D locus and the exons of CYP2D6 and CYP2D7 in both builds, taken
  from PyPGx 0.27.0 ``pypgx/api/data/gene-table.csv`` (columns GRCh37Region/GRCh38Region and
  GRCh37ExonStarts/...ExonEnds; MIT licence). The in-locus control region is derived from the
  same rows: from 2 kb past CYP2D7's 5' end to the end of PyPGx's CYP2D6 region, which holds
  CYP2D8 and lies outside the *5 deletion and the duplication and hybrid units.
* ``CYP2D6_structures.tsv``: the gene-copy layout of each structural haplotype. The hybrid
  switch regions follow Pratt et al. 2021, J Mol Diagn 23:1047 (AMP/CAP CYP2D6 allele selection,
  PMC8579245, Table 4): *36 is CYP2D6 with CYP2D7 exon 9; *68 keeps CYP2D6 through exon 1 and
  is CYP2D7 from intron 2 on; *13 is CYP2D7 at its 5' end and CYP2D6 at exon 9 (its switch
  varies between exon 1 and intron 6; two common switch points are listed).

Usage::

    python tools/build_structural.py [--pypgx-data DIR] [--out reference]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_reference  # noqa: E402
from _atomic import write_atomic  # noqa: E402

RETRIEVED = "2026-12-06"
CONTROL_MARGIN = 2000

#: segments of a gene copy, 5' to 3' (gene order): exon1, intron1, ..., exon9 -> 1..17
STRUCTURES = [
    # structure, units (gene copies on the chromosome, '+'-joined; D6/D7 whole copies or a hybrid
    # 'D6[a-b]D7[c-d]' over segments), name template ({a} = the star allele of the chromosome's
    # CYP2D6 copies), hybrid allele named by the structure (excluded from small-variant matching),
    # the alleles {a} may be (empty: any; "-*4": any but *4)
    ("normal", "D6+D7", "{a}", "", ""),
    ("deletion", "D7", "*5", "*5", ""),
    ("duplication_x2", "D6+D6+D7", "{a}x2", "", ""),
    ("duplication_x3", "D6+D6+D6+D7", "{a}x3", "", ""),
    # an exon-9 conversion copy carrying *4's variants is *4.013 (formerly *4N; Pratt et al. 2021
    # Table 4: a CYP2D6-2D7 hybrid with CYP2D7 exon 9, no function), a *4 suballele: the tandem
    # *4.013+*4 is written *4x2 at CPIC's core-allele level, not *36+*4
    ("tandem_36", "D6[1-16]D7[17-17]+D6+D7", "*36+{a}", "*36", "-*4"),
    ("tandem_4N", "D6[1-16]D7[17-17]+D6+D7", "{a}x2", "", "*4"),
    ("tandem_36x2", "D6[1-16]D7[17-17]+D6[1-16]D7[17-17]+D6+D7", "*36+*36+{a}", "*36", ""),
    ("tandem_68", "D6[1-1]D7[2-17]+D6+D7", "*68+{a}", "*68", ""),
    ("hybrid_13_intron1", "D7[1-2]D6[3-17]", "*13", "*13", ""),
    ("hybrid_13_intron6", "D7[1-12]D6[13-17]", "*13", "*13", ""),
]


def _header(source: str, version: str, licence: str, build: str, extra: list[str]) -> list[str]:
    return [f"# source: {source}", f"# source_version: {version}", f"# retrieved: {RETRIEVED}",
            f"# licence: {licence}", f"# genome_build: {build}", *(f"# {line}" for line in extra)]


def locus_rows(gene_table: Path) -> list[tuple]:
    with open(gene_table, newline="", encoding="utf-8") as handle:
        rows = {row["Gene"]: row for row in csv.DictReader(handle)}
    out = []
    for build in ("GRCh38", "GRCh37"):
        d6, d7 = rows["CYP2D6"], rows["CYP2D7"]
        chrom, span = d6[f"{build}Region"].split(":")
        start1, end = (int(x) for x in span.split("-"))
        out.append((build, "locus", "", "chr" + chrom, start1 - 1, end))
        for gene, row in (("CYP2D6", d6), ("CYP2D7", d7)):
            starts = [int(x) for x in row[f"{build}ExonStarts"].strip(",").split(",")]
            ends = [int(x) for x in row[f"{build}ExonEnds"].strip(",").split(",")]
            assert row["Strand"] == "-" and len(starts) == len(ends) == 9
            # minus strand: the exon at the highest coordinate is exon 1
            for number, (s, e) in enumerate(sorted(zip(starts, ends), reverse=True), start=1):
                out.append((build, f"{gene}_exon", str(number), "chr" + chrom, s, e))
        d7_end = max(int(x) for x in d7[f"{build}ExonEnds"].strip(",").split(","))
        out.append((build, "control_locus", "", "chr" + chrom, d7_end + CONTROL_MARGIN, end))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pypgx-data", default="/tmp/pypgx/pypgx/api/data", type=Path)
    parser.add_argument("--out", default=Path(__file__).resolve().parent.parent / "reference", type=Path)
    args = parser.parse_args(argv)
    folder = args.out / "structural"
    folder.mkdir(exist_ok=True)
    lines = _header(
        "PyPGx 0.27.0 pypgx/api/data/gene-table.csv (rows CYP2D6 and CYP2D7: Region, ExonStarts, ExonEnds)",
        "pypgx==0.27.0", "MIT (PyPGx)", "GRCh38 and GRCh37",
        ["gene: CYP2D6", "built by: tools/build_structural.py",
         "coordinates are 0-based half-open (start0, end); exons numbered 5' to 3' (CYP2D6 and CYP2D7 are on the minus strand)",
         f"control_locus: from {CONTROL_MARGIN} bp past CYP2D7's last exon end to the end of PyPGx's CYP2D6 region (CYP2D8 side)"])
    lines.append("genome_build\tfeature\tnumber\tchrom\tstart0\tend")
    lines += ["\t".join(str(x) for x in row) for row in locus_rows(args.pypgx_data / "gene-table.csv")]
    write_atomic(folder / "CYP2D6_locus.tsv", "\n".join(lines) + "\n")
    lines = _header(
        "Pratt VM et al. 2021, Recommendations for Clinical CYP2D6 Genotyping Allele Selection, J Mol Diagn 23(9):1047-1064, "
        "Table 4 (hybrid switch regions); PharmVar CYP2D6 structural variation (Turner et al. 2023, Clin Pharmacol Ther 114:1220)",
        "PMC8579245; PMC10840842", "facts (switch regions); table CC0-1.0", "not build-specific",
        ["gene: CYP2D6", "built by: tools/build_structural.py",
         "units: the gene copies of one chromosome joined by '+'; D6 and D7 are whole CYP2D6 and CYP2D7 copies; "
         "D6[a-b]D7[c-d] a hybrid copy over segments a..d (1 exon 1, 2 intron 1, ..., 17 exon 9)",
         "name: the haplotype as CPIC and PharmVar write it, {a} standing for the star allele of its CYP2D6 copies",
         "hybrid_allele: the allele the structure names (not matched from small variants)",
         "alleles: the star alleles {a} may be (empty: any; -*4: any but *4); tandem_4N is the exon-9 conversion "
         "*4.013 (formerly *4N, Pratt et al. 2021 Table 4) in tandem with *4, written *4x2 at the core-allele level"])
    lines.append("structure\tunits\tname\thybrid_allele\talleles")
    lines += ["\t".join(row) for row in STRUCTURES]
    write_atomic(folder / "CYP2D6_structures.tsv", "\n".join(lines) + "\n")
    build_reference.write_manifest(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
