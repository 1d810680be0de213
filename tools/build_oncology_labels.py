"""Write reference/oncology/fda_label_biomarkers.tsv: the tumour biomarkers that FDA oncology drug labels
name in their Indications and Usage section, from the FDA "Table of Pharmacogenomic Biomarkers in Drug
Labeling" as PharmGKB scraped it into github.com/PharmGKB/fda-biomarker (fda_pgx_biomarker_table.json).

Source: the pinned commit COMMIT of that repository (table content current 2022-08-11 by the FDA page,
collected 2022-08-20; the repository is deprecated, so no later collection exists there). The FDA table is
a US government work (public domain); the scraper's code (ISC) is neither copied nor run here: only the
JSON's cells are read.

Selection, one output row per (drug, gene) of each selected FDA row:

* Therapeutic Area "Oncology", and "Indications and Usage" (the FDA also writes "Indication and Usage")
  among the Labeling Sections: the biomarker selects the patients a drug is indicated for (or excludes
  them, as "HER2-negative" does; the label says which, this table does not).
* Germline pharmacogenomic markers are left out whatever their sections (GERMLINE): they change a drug's
  exposure or toxicity, or select patients by an inherited genotype, and are the business of the PGx
  guidance tables (reference/guidelines/fda.tsv); the header lists the rows left out.
* Every other biomarker string must be in MARKERS, which maps the FDA's wording to HGNC gene symbols (or
  to pgx's signature names MSI, TMB, HRD) and says what kind of marker it is; an unknown string stops the
  build, so a newer collection cannot slip a marker past the mapping.

Drug names: lower case, the FDA's entry number "(1)" dropped, whitespace normalised, and the four-letter
suffix of a biologic's nonproprietary name dropped ("amivantamab-vmjw" -> "amivantamab"), as pgx's
knowledge table names therapies.

Run from the repository root::

    python tools/build_oncology_labels.py [--git-dir DIR] [--commit SHA]
    python tools/build_reference.py --manifest-only
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _atomic import write_tsv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GIT_DIR = Path("/work/.mirror/PharmGKB+fda-biomarker/repo")
COMMIT = "6128eb5f6f5614c080d05dbc7b8deb2c9c6b520f"
FILE = "fda_pgx_biomarker_table.json"
RETRIEVED = "2026-12-07"
OUT = ROOT / "reference" / "oncology" / "fda_label_biomarkers.tsv"
COLUMNS = ["drug", "gene", "biomarker_fda", "marker_kind", "drug_fda", "labeling_sections", "source",
           "content_date"]

# kinds: dna = a tumour DNA alteration pgx reads (variant, fusion or copy number; for BRCA germline or somatic);
# expression = protein or receptor expression measured by immunohistochemistry, flow cytometry or imaging
# (HER2 is either: protein overexpression or ERBB2 amplification); signature = a genome-wide tumour signature;
# cytogenetic = a chromosome-arm deletion; gene_set = a set of genes the label lists.
DNA, EXPRESSION, HER2, SIGNATURE, CYTOGENETIC, GENE_SET = (
    "dna", "expression", "copy_number_or_expression", "signature", "cytogenetic", "gene_set")
MARKERS: dict[str, list[tuple[str, str]]] = {
    "ALK": [("ALK", DNA)],
    "BRAF": [("BRAF", DNA)],
    "EGFR": [("EGFR", DNA)],
    "FGFR2": [("FGFR2", DNA)],
    "FLT3": [("FLT3", DNA)],
    "IDH1": [("IDH1", DNA)],
    "IDH2": [("IDH2", DNA)],
    "KIT": [("KIT", DNA)],
    "KRAS": [("KRAS", DNA)],
    "MET": [("MET", DNA)],
    "PDGFRA": [("PDGFRA", DNA)],
    "PDGFRB": [("PDGFRB", DNA)],
    "PIK3CA": [("PIK3CA", DNA)],
    "ROS1": [("ROS1", DNA)],
    "RET": [("RET", DNA)],
    "CCDC6-RET, KIF5B-RET, RET": [("RET", DNA)],
    "BRCA": [("BRCA1", DNA), ("BRCA2", DNA)],
    "NTRK": [("NTRK1", DNA), ("NTRK2", DNA), ("NTRK3", DNA)],
    "RAS": [("KRAS", DNA), ("NRAS", DNA)],
    # erdafitinib's 2019 label: susceptible FGFR3 or FGFR2 alterations (biomarkers.tsv rows, sources V46 V47)
    "FGFR": [("FGFR2", DNA), ("FGFR3", DNA)],
    # fusions: the gene is the kinase or receptor partner that pgx's knowledge keys fusion rules on
    "BCR-ABL1 (Philadelphia chromosome)": [("ABL1", DNA)],
    "FIP1L1-PDGFRA": [("PDGFRA", DNA)],
    "PML-RARA": [("RARA", DNA)],
    "ERBB2 (HER2)": [("ERBB2", HER2)],
    "CD19": [("CD19", EXPRESSION)],
    "CD274 (PD-L1)": [("CD274", EXPRESSION)],
    "ESR (Hormone Receptor)": [("ESR1", EXPRESSION)],
    "ESR, PGR (Hormone Receptor)": [("ESR1", EXPRESSION), ("PGR", EXPRESSION)],
    "FOLH1 (PSMA)": [("FOLH1", EXPRESSION)],
    "IL2RA (CD25 antigen)": [("IL2RA", EXPRESSION)],
    "MKI67": [("MKI67", EXPRESSION)],
    "MS4A1 (CD20 antigen)": [("MS4A1", EXPRESSION)],
    "SSTR": [("SSTR", EXPRESSION)],  # somatostatin receptors (a family, no one HGNC symbol)
    "TNFRSF8 (CD30)": [("TNFRSF8", EXPRESSION)],
    "Mismatch Repair": [("MSI", SIGNATURE)],
    "Microsatellite Instability, Mismatch Repair": [("MSI", SIGNATURE)],
    "Tumor Mutational Burden": [("TMB", SIGNATURE)],
    "BRCA, Genomic Instability (Homologous Recombination Deficiency)": [
        ("BRCA1", DNA), ("BRCA2", DNA), ("HRD", SIGNATURE)],
    "BRCA, Loss of Heterozygosity (Homologous Recombination Deficiency)": [
        ("BRCA1", DNA), ("BRCA2", DNA), ("HRD", SIGNATURE)],
    "Homologous Recombination Repair": [("HRR", GENE_SET)],
    "Chromosome 17p": [("17p", CYTOGENETIC)],
}
# inherited genotypes: drug exposure or toxicity (CYP, UGT, DPYD, TPMT, NUDT15, G6PD, CYB5R, F2/F5), immune
# genotype (HLA, Fc-gamma receptors); these belong to the PGx tables, not to tumour biomarkers
GERMLINE = re.compile(r"^(CYP\w+|UGT\w+|DPYD|TPMT|NUDT15|G6PD|CYB5R|F5 \(Factor V Leiden\)|F2 \(Prothrombin\)|"
                      r"HLA-\w+|FCGR\w+ \(CD\w+\))$")
_INDICATION = re.compile(r"\bIndications? and Usage\b")


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def drug_name(fda: str) -> str:
    """An FDA table drug cell as pgx names the therapy: 'Fam-Trastuzumab Deruxtecan-nxki' -> 'fam-trastuzumab
    deruxtecan', 'Isatuximab- irfc (2)' -> 'isatuximab'."""
    name = re.sub(r"\s*\(\d+\)\s*$", "", fda)
    name = re.sub(r"-\s+", "-", " ".join(name.split())).lower()
    return re.sub(r"-[a-z]{4}\b", "", name)


def read_source(git_dir: Path, commit: str) -> dict:
    return json.loads(_git(git_dir, "show", f"{commit}:{FILE}"))


def select(data: dict, commit: str = COMMIT) -> tuple[list[list[str]], list[str]]:
    """The output rows (COLUMNS order, sorted) and the germline Oncology rows left out ('drug (marker)')."""
    month, day, year = data["fdaContentCurrentDate"].split("/")
    content_date = f"{year}-{month}-{day}"
    source = f"FDA Table of Pharmacogenomic Biomarkers in Drug Labeling (PharmGKB/fda-biomarker {commit[:7]})"
    rows, germline = [], []
    for entry in data["table"]:
        if entry["Therapeutic Area"] != "Oncology":
            continue
        marker = " ".join(entry["Biomarker"].split())
        drug = drug_name(entry["Drug"])
        if GERMLINE.match(marker):
            germline.append(f"{drug} ({marker}{'; indication' if _INDICATION.search(entry['Labeling Sections']) else ''})")
            continue
        if not _INDICATION.search(entry["Labeling Sections"]):
            continue
        if marker not in MARKERS:
            raise SystemExit(f"{FILE} at {commit[:7]}: biomarker {marker!r} of {entry['Drug']!r} is not in MARKERS; "
                             f"map it to HGNC symbols (or add it to GERMLINE) in {Path(__file__).name}")
        for gene, kind in MARKERS[marker]:
            rows.append([drug, gene, marker, kind, entry["Drug"], entry["Labeling Sections"], source, content_date])
    return sorted(rows), germline


def header(data: dict, rows: list[list[str]], germline: list[str], commit: str = COMMIT) -> list[str]:
    kinds = {kind: sum(row[3] == kind for row in rows) for kind in dict.fromkeys(row[3] for row in rows)}
    return [
        "# FDA oncology label biomarker indications: one row per (drug, gene) of each Oncology row of the FDA",
        "#   Table of Pharmacogenomic Biomarkers in Drug Labeling whose Labeling Sections include Indications and",
        "#   Usage. gene is the HGNC symbol (for a fusion, the kinase or receptor partner: BCR-ABL1 -> ABL1,",
        "#   PML-RARA -> RARA) or a pgx marker name: MSI, TMB, HRD (signatures), HRR (a gene set), 17p, SSTR.",
        "#   The FDA table names the biomarker, not its role: whether a label selects patients who carry it,",
        "#   excludes them (HER2-negative) or names it for a prior therapy is in the label's text.",
        "# source: FDA Table of Pharmacogenomic Biomarkers in Drug Labeling "
        f"({data['sourceUrl']}), as collected into github.com/PharmGKB/fda-biomarker {FILE}",
        f"# source_version: FDA content current {data['fdaContentCurrentDate']} (collected "
        f"{data['collectedOn'][:10]}; fda-biomarker commit {commit})",
        f"# retrieved: {RETRIEVED}",
        "# licence: US government work (public domain); table CC0-1.0 (pgx)",
        "# built by: tools/build_oncology_labels.py (drug names normalised, biomarkers mapped to genes)",
        "# marker_kind: dna (variant, fusion or copy number in the tumour; BRCA germline or somatic), "
        "copy_number_or_expression (HER2),",
        "#   expression (protein or receptor expression), signature, cytogenetic, gene_set; rows per kind: "
        + ", ".join(f"{k} {n}" for k, n in kinds.items()),
        f"# left out: {len(germline)} germline pharmacogenomic Oncology rows (the PGx tables' business; "
        "'indication' marks the one in Indications and Usage):",
        *_wrapped("#   ", germline),
    ]


def _wrapped(prefix: str, items: list[str], width: int = 110) -> list[str]:
    lines, line = [], ""
    for item in items:
        piece = (", " if line else "") + item
        if line and len(prefix) + len(line) + len(piece) > width:
            lines.append(prefix + line + ",")
            line = item
        else:
            line += piece
    return lines + ([prefix + line] if line else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", type=Path, default=GIT_DIR, help="bare git directory of PharmGKB/fda-biomarker")
    parser.add_argument("--commit", default=COMMIT)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = read_source(args.git_dir, args.commit)
    rows, germline = select(data, args.commit)
    write_tsv(args.out, header(data, rows, germline, args.commit), COLUMNS, rows)
    print(f"wrote {len(rows)} (drug, gene) rows from {len({r[4] for r in rows})} FDA rows to {args.out}; "
          f"{len(germline)} germline rows left out")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
