"""The FDA oncology label biomarker table (reference/oncology/fda_label_biomarkers.tsv, built by
tools/build_oncology_labels.py from the FDA Table of Pharmacogenomic Biomarkers in Drug Labeling) and
pgx's coverage of it: every (drug, gene) label indication is either held by a sensitivity or resistance
rule of the knowledge table (reference/oncology/biomarkers.tsv) for that drug and gene, or listed in
EXCLUDED below with the reason pgx has no rule for it.

benchmarks/bench_oncology_label_coverage.py prints the same figure with the missing pairs.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pgx.oncology import biomarkers

TABLE = Path(__file__).resolve().parents[1] / "reference" / "oncology" / "fda_label_biomarkers.tsv"
COMMIT = "6128eb5f6f5614c080d05dbc7b8deb2c9c6b520f"

_EXPRESSION = ("protein or receptor expression (immunohistochemistry, flow cytometry or imaging); pgx reads "
               "DNA variants, fusions and copy numbers, not expression")
_HER2_NEGATIVE = ("the label selects HER2-negative (hormone receptor-positive) breast cancer: HER2 is named to "
                  "exclude patients; pgx keeps rules for markers that select a therapy, not for their absence "
                  "(read for alpelisib, olaparib, talazoparib: biomarkers.tsv V68 V62 V63; abemaciclib: "
                  "myamericannurse.com/fda-approves-new-breast-cancer-treatment; palbociclib: drugs.com/monograph/"
                  "ibrance.html; ribociclib: FDA approval summary, jhu.pure.elsevier.com; everolimus and "
                  "fulvestrant not read)")
_NO_DRIVER = ("immune checkpoint inhibitor: the first-line NSCLC indication names EGFR/ALK (cemiplimab also "
              "ROS1) aberrations the tumour must lack: pembrolizumab (dev.moalmanac.org/indications/"
              "ind:fda.keytruda:0), cemiplimab (ie.moalmanac.org/indications/ind:fda.libtayo:1), nivolumab with "
              "ipilimumab (ie.moalmanac.org/statements/262), atezolizumab (a summary of FDA notices, "
              "alzheimers-ce.com/adaptivecme/nsclc-1/q3)")
_PRIOR_THERAPY = ("the marker qualifies a prior therapy, not this one: colorectal cancer treated before with an "
                  "anti-EGFR antibody if RAS wild-type (regorafenib: Drugs 2018, link.springer.com/10.1007/"
                  "s40265-018-0938-y; trifluridine/tipiracil's colorectal text not read) or a HER2/neu-targeted therapy if appropriate (trifluridine/tipiracil in "
                  "gastric cancer, 2019: medscape.com/answers/278744-197570)")
_SIGNATURE = ("genomic instability score (homologous recombination deficiency): pgx cannot compute it from "
              "a VCF; the label's BRCA part is the BRCA1/BRCA2 rows")

#: (drug, gene) label pairs pgx holds no rule for, and why (as of the FDA table's content, 2022-08-11).
EXCLUDED: dict[tuple[str, str], str] = {
    **{pair: _EXPRESSION for pair in [
        ("abemaciclib", "ESR1"), ("abemaciclib", "MKI67"), ("alpelisib", "ESR1"), ("anastrozole", "ESR1"),
        ("anastrozole", "PGR"), ("atezolizumab", "CD274"), ("blinatumomab", "CD19"),
        ("brentuximab vedotin", "TNFRSF8"), ("cemiplimab", "CD274"), ("denileukin diftitox", "IL2RA"),
        ("everolimus", "ESR1"), ("exemestane", "ESR1"), ("exemestane", "PGR"), ("fulvestrant", "ESR1"),
        ("fulvestrant", "PGR"), ("goserelin", "ESR1"), ("goserelin", "PGR"), ("ipilimumab", "CD274"),
        ("lapatinib", "ESR1"), ("lapatinib", "PGR"), ("letrozole", "ESR1"), ("letrozole", "PGR"),
        ("lutetium lu 177 dotatate", "SSTR"), ("lutetium lu 177 vipivotide tetraxetan", "FOLH1"),
        ("nivolumab", "CD274"), ("olaparib", "ESR1"), ("olaparib", "PGR"), ("palbociclib", "ESR1"),
        ("pembrolizumab", "CD274"), ("ribociclib", "ESR1"), ("ribociclib", "PGR"), ("rituximab", "MS4A1"),
        ("tamoxifen", "ESR1"), ("tamoxifen", "PGR"), ("toremifene", "ESR1"),
    ]},
    ("cetuximab", "EGFR"): "EGFR-expressing colorectal cancer (with K-Ras wild-type): EGFR protein expression, "
                           "quoted from the label by ie.moalmanac.org/statements/86; cetuximab's RAS and BRAF rules "
                           "are held",
    **{pair: _HER2_NEGATIVE for pair in [
        ("abemaciclib", "ERBB2"), ("alpelisib", "ERBB2"), ("everolimus", "ERBB2"), ("fulvestrant", "ERBB2"),
        ("olaparib", "ERBB2"), ("palbociclib", "ERBB2"), ("ribociclib", "ERBB2"), ("talazoparib", "ERBB2"),
    ]},
    **{pair: _NO_DRIVER for pair in [
        ("atezolizumab", "ALK"), ("atezolizumab", "EGFR"), ("cemiplimab", "ALK"), ("cemiplimab", "EGFR"),
        ("cemiplimab", "ROS1"), ("ipilimumab", "ALK"), ("ipilimumab", "EGFR"), ("nivolumab", "ALK"),
        ("nivolumab", "EGFR"), ("pembrolizumab", "ALK"), ("pembrolizumab", "EGFR"),
    ]},
    **{pair: _PRIOR_THERAPY for pair in [
        ("regorafenib", "KRAS"), ("regorafenib", "NRAS"), ("tipiracil and trifluridine", "ERBB2"),
        ("tipiracil and trifluridine", "KRAS"), ("tipiracil and trifluridine", "NRAS"),
    ]},
    ("lenvatinib", "MSI"): "lenvatinib with pembrolizumab is for endometrial carcinoma that is NOT MSI-H or dMMR "
                           "(ascopost.com, FDA approval of 2021-07-21): a marker's absence",
    ("vincristine", "ABL1"): "vincristine sulfate liposome is for Philadelphia chromosome-negative ALL (FDA "
                             "approval of 2012-08-09, cancer.gov/cancertopics/druginfo/fda-vincristine-sulfate-"
                             "liposome): a marker's absence",
    ("niraparib", "HRD"): _SIGNATURE,
    ("olaparib", "HRD"): _SIGNATURE,
    ("olaparib", "HRR"): "a gene set (homologous recombination repair genes) whose members the label lists; "
                         "pgx holds its BRCA1/BRCA2 rows, the other genes' list was not read from a source",
    ("ibrutinib", "17p"): "chromosome 17p deletion (cytogenetics); pgx reads gene copy-number calls, not arm-level "
                          "deletions",
    ("mobocertinib", "EGFR"): "withdrawn from the US market after its confirmatory trial failed (Takeda, "
                              "2023-10-03; maestrodatabase.com/blog/takeda-provides-update-on-exkivity-mobocertinib)",
    ("infigratinib", "FGFR2"): "approval withdrawn by the FDA on 2024-05-16 (fda.gov, 'WITHDRAWN: FDA grants "
                               "accelerated approval to infigratinib for metastatic cholangiocarcinoma')",
    ("erdafitinib", "FGFR2"): "the 2024-01 label restricts erdafitinib to FGFR3 alterations (biomarkers.tsv, "
                              "sources V46 V47)",
}


def label_pairs(path: Path = TABLE) -> list[tuple[str, str]]:
    """The distinct (drug, gene) pairs of the FDA label table, sorted."""
    frame = pl.read_csv(path, separator="\t", comment_prefix="#", infer_schema_length=0)
    return sorted(set(frame.select("drug", "gene").rows()))


def coverage(pairs: list[tuple[str, str]], kb: pl.DataFrame) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(covered, missing): a pair is covered when a rule names the gene and a therapy that includes every part
    of the drug ('tipiracil and trifluridine' needs both; 'dabrafenib + trametinib' covers dabrafenib)."""
    therapies: dict[str, list[set[str]]] = {}
    for gene, therapy in kb.select("gene", "therapy").unique().rows():
        therapies.setdefault(gene, []).append(set(therapy.split(" + ")))
    covered, missing = [], []
    for drug, gene in pairs:
        parts = set(drug.split(" and "))
        (covered if any(parts <= t for t in therapies.get(gene, [])) else missing).append((drug, gene))
    return covered, missing


def test_label_table_is_the_fda_oncology_indication_rows():
    text = TABLE.read_text(encoding="utf-8")
    assert f"fda-biomarker commit {COMMIT}" in text and "content current 08/11/2022" in text
    frame = pl.read_csv(TABLE, separator="\t", comment_prefix="#", infer_schema_length=0)
    assert frame.columns == ["drug", "gene", "biomarker_fda", "marker_kind", "drug_fda", "labeling_sections",
                             "source", "content_date"]
    assert frame.height == 149 and len(label_pairs()) == 147
    assert frame["labeling_sections"].str.contains(r"Indications? and Usage").all()
    assert set(frame["content_date"]) == {"2022-08-11"}
    # drug names normalised: no FDA entry numbers, no biologic suffixes, lower case
    assert not frame["drug"].str.contains(r"\(\d+\)|-[a-z]{4}$|[A-Z]").any()
    assert {"fam-trastuzumab deruxtecan", "amivantamab", "isatuximab"} - set(frame["drug"]) == {"isatuximab"}
    # germline pharmacogenes are the PGx tables' business, named in the header instead
    genes = set(frame["gene"])
    assert not genes & {"DPYD", "UGT1A1", "TPMT", "NUDT15", "G6PD", "CYP2D6", "HLA-A", "HLA-B"}
    assert "tebentafusp (HLA-A; indication)" in text and "capecitabine (DPYD)" in text
    # the FDA's gene families and fusions are mapped to HGNC symbols
    pairs = set(label_pairs())
    assert {("larotrectinib", "NTRK1"), ("larotrectinib", "NTRK3"), ("cetuximab", "NRAS"),
            ("imatinib", "ABL1"), ("tretinoin", "RARA"), ("olaparib", "BRCA2")} <= pairs


def test_label_rows_are_the_sources_rows():
    """Row by row against the pinned source (tests/data/fda_oncology_label_oracle.json, written by
    tools/pin_oncology_label_oracle.py straight from fda-biomarker's JSON): every table row is an
    Oncology row of the source with its drug, biomarker and sections verbatim (runs of spaces
    collapsed), and every Oncology
    row whose sections include Indications and Usage is in the table or among the germline rows
    the header lists as left out."""
    import json
    import re

    oracle = json.loads((Path(__file__).parent / "data" / "fda_oncology_label_oracle.json").read_text("utf-8"))
    assert COMMIT in oracle["source"] and oracle["fda_content_current"] == "08/11/2022"
    def words(text: str) -> str:   # the builder collapses runs of spaces, nothing else
        return " ".join(text.split())

    source = {(words(r["drug"]), words(r["biomarker"])): r["sections"] for r in oracle["rows"]}
    frame = pl.read_csv(TABLE, separator="\t", comment_prefix="#", infer_schema_length=0)
    ours = {(d, b): sec for d, b, sec in frame.select("drug_fda", "biomarker_fda", "labeling_sections").rows()}
    assert {k: source.get(k) for k in ours} == ours
    header = TABLE.read_text(encoding="utf-8").split("\ndrug\t", 1)[0]
    left_out = re.sub(r"\s*\n#\s*", " ", header.split("left out:", 1)[1])

    def short(drug: str) -> str:
        return re.sub(r"-[a-z]{4}$", "", re.sub(r"\s*\(\d+\)$", "", drug).lower())

    indication = [k for k, sec in source.items() if re.search(r"Indications? and Usage", sec)]
    missing = [k for k in indication if k not in ours and f"{short(k[0])} ({k[1]}" not in left_out]
    assert len(indication) == 125 and set(ours) <= set(indication) and not missing, missing


def test_every_label_pair_is_covered_or_excluded_with_a_reason():
    pairs = label_pairs()
    covered, missing = coverage(pairs, biomarkers())
    unexplained = sorted(set(missing) - set(EXCLUDED))
    assert unexplained == [], f"label indications with no rule and no exclusion: {unexplained}"
    # an exclusion must name a real label pair that pgx still lacks (a stale entry fails)
    assert sorted(set(EXCLUDED) - set(pairs)) == []
    assert sorted(set(EXCLUDED) & set(covered)) == []
    assert all(len(reason) > 40 for reason in EXCLUDED.values())
    assert (len(covered), len(pairs)) == (78, 147)


def test_the_added_label_rules_match_end_to_end():
    from pgx.oncology import match

    hits = match(None, tumor_type="chronic myeloid leukemia", fusions=["BCR::ABL1"])
    assert sorted(hits["therapy"]) == ["asciminib", "bosutinib", "dasatinib", "imatinib", "nilotinib", "ponatinib"]
    assert set(hits["tier"]) == {"I-A"} and not hits["resistance"].any()
    amplified = match(None, tumor_type="breast cancer", cna=pl.DataFrame({"gene": ["ERBB2"], "call": ["amplification"]}))
    assert {"neratinib", "margetuximab", "lapatinib + capecitabine",
            "tucatinib + trastuzumab + capecitabine"} <= set(amplified["therapy"])
    apl = match(None, tumor_type="APLPMLRARA", fusions=["PML::RARA"])
    assert sorted(apl["therapy"]) == ["arsenic trioxide", "arsenic trioxide + tretinoin"]
