"""The curated star-allele tables: checksums, loading in both builds, validation errors,
the folder override, and spot facts checked against the sources they were taken from."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

import pgx.reference as ref
from pgx.exceptions import ReferenceDataError

GENES = ref.genes()


@pytest.fixture
def copy(tmp_path):
    """A private copy of the reference folder."""
    target = tmp_path / "reference"
    shutil.copytree(ref.reference_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    return target


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- manifest


def test_manifest_verifies():
    ref.verify_manifest()
    assert ref.reference_version() == "2026.12.0+cpic.2025.11"


def test_manifest_lists_every_table(copy):
    import json

    listed = set(json.loads((copy / "MANIFEST.json").read_text())["files"])
    on_disk = {p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()}
    assert on_disk - listed <= {"MANIFEST.json", "README.md"}
    assert "genome/contigs.tsv" in listed and "pharmacogenes/CYP2C19/definitions.tsv" in listed
    for entry in json.loads((copy / "MANIFEST.json").read_text())["files"].values():
        assert entry["source"] and entry["source_version"] and entry["date"] and entry["licence"]


def test_tampered_copy_fails_verification(copy):
    ref.verify_manifest(copy)
    _edit(copy / "pharmacogenes" / "CYP2C19" / "alleles.tsv", "No function", "Normal function")
    with pytest.raises(ReferenceDataError, match=r"CYP2C19/alleles\.tsv: sha256 mismatch"):
        ref.verify_manifest(copy)


def test_missing_and_unlisted_files_fail_verification(copy):
    (copy / "pharmacogenes" / "TPMT" / "extra.tsv").write_text("x\n")
    with pytest.raises(ReferenceDataError, match=r"extra\.tsv: not listed"):
        ref.verify_manifest(copy)
    (copy / "pharmacogenes" / "TPMT" / "extra.tsv").unlink()
    (copy / "pharmacogenes" / "TPMT" / "positions.tsv").unlink()
    with pytest.raises(ReferenceDataError, match=r"lists pharmacogenes/TPMT/positions\.tsv, which is missing"):
        ref.verify_manifest(copy)


# ---------------------------------------------------------------- loading


def test_gene_list():
    expected = {"ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP2D6", "CYP3A4", "CYP3A5",
                "CYP4F2", "DPYD", "G6PD", "IFNL3", "MT-RNR1", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT",
                "UGT1A1", "VKORC1", "HLA-A", "HLA-B"}
    assert set(GENES) == expected and GENES == sorted(GENES)


@pytest.mark.parametrize("gene", GENES)
@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_every_gene_loads(gene, build):
    defs = ref.allele_definitions(gene, genome_build=build)
    assert defs.columns == ["gene", "allele", "chrom", "pos", "ref", "alt", "rsid", "wobble", "cpic_allele"]
    pos = ref.positions(gene, genome_build=build)
    alleles = ref.allele_table(gene)
    info = ref.gene_info(gene)
    kind, rules = ref.phenotype_rules(gene)
    assert info["gene"] == gene and info["phenotype_rule"] == kind
    # every definition variant is a positions row (same pos, ref; alt among the alts)
    keys = {(r["chrom"], r["pos"], r["ref"], alt) for r in pos.iter_rows(named=True)
            for alt in r["alt"].split(",") + [r["ref"]]}
    for row in defs.iter_rows(named=True):
        assert (row["chrom"], row["pos"], row["ref"], row["alt"]) in keys, row
    assert set(defs["allele"]) <= set(alleles["allele"])
    if info.get("outside_calls_only") == "true":
        assert defs.height == 0 and not alleles["is_reference"].any()
        return
    # exactly one reference allele, with no definitions; structural alleles have none either
    reference = alleles.filter(pl.col("is_reference"))["allele"].to_list()
    assert reference == [info["reference_allele"]]
    # the reference allele has rows only where CPIC gives it a wobble (CYP2D6 *1)
    assert defs.filter(pl.col("allele") == reference[0])["wobble"].all()
    assert not set(alleles.filter(pl.col("structural"))["allele"]) & set(defs["allele"])
    # every allele with definitions in GRCh38 is defined in this build too, or said to be unplaced
    defined = set(defs["allele"])
    defined38 = set(ref.allele_definitions(gene, genome_build="GRCh38")["allele"])
    unplaced = set(ref.unplaced_alleles(gene, genome_build=build))
    assert defined38 - defined == unplaced and not unplaced & defined
    if build == "GRCh38":
        assert not unplaced
    # no two alleles share one definition
    sets = defs.group_by("allele").agg(pl.struct("pos", "ref", "alt", "wobble").sort_by("pos").alias("v"))
    assert sets["v"].n_unique() == sets.height
    if kind == "function_pair":
        assert set(rules["function_1"]) | set(rules["function_2"]) <= set(alleles["function"]) | {
            "Unknown function", "Uncertain function", ""}


def test_positions_differ_between_builds():
    p38 = ref.positions("CYP2C19", genome_build="GRCh38")
    p37 = ref.positions("CYP2C19", genome_build="GRCh37")
    # one CPIC position (rs1564657013's neighbour g.94762856A>G has none in PyPGx) is GRCh38-only
    assert p37.height == p38.height - 1 and not set(p37["pos"]) & set(p38["pos"])
    assert ref.unplaced_alleles("CYP2C19", genome_build="GRCh37") != []


def test_unknown_gene_lists_close_matches():
    with pytest.raises(ReferenceDataError, match=r"unknown gene 'CYP2C91'.*did you mean CYP2C9"):
        ref.allele_definitions("CYP2C91")


def test_unknown_build():
    with pytest.raises(ReferenceDataError, match=r"unknown genome_build 'hg19'.*GRCh38, GRCh37"):
        ref.positions("TPMT", genome_build="hg19")


def test_results_are_cached():
    from pgx.reference._tables import _load_gene

    ref.allele_table("TPMT")
    before = _load_gene.cache_info().hits
    ref.allele_table("TPMT")
    assert _load_gene.cache_info().hits == before + 1


# ---------------------------------------------------------------- malformed copies


@pytest.mark.parametrize(
    ("table", "old", "new", "message"),
    [
        ("positions.tsv", "pos_grch38\tpos_grch37", "position\tpos_grch37",
         r"TPMT/positions\.tsv, column 'pos_grch38': expected the header columns"),
        ("positions.tsv", "\t18130687\t", "\t18130687x\t",
         r"TPMT/positions\.tsv, data row \d+, column 'pos_grch38': expected a 1-based whole-number position, "
         r"found '18130687x'"),
        ("positions.tsv", "\t18130687\t18130918\tT\tC,G\t", "\t18130687\t18130918\tT\tC,Z\t",
         r"TPMT/positions\.tsv, data row \d+, column 'alt': expected comma-separated alleles.*found 'C,Z'"),
        ("definitions.tsv", "\t18130687\t18130918\tT\tC\t", "\t18130687\t18130918\tU\tC\t",
         r"TPMT/definitions\.tsv, data row \d+, column 'ref': expected bases from A, C, G, T, N, found 'U'"),
        ("definitions.tsv", "\t18130687\t18130918\tT\tC\t", "\t18130688\t18130918\tT\tC\t",
         r"TPMT/definitions\.tsv, data row \d+, column 'pos_grch38': expected a position and ref listed"),
        ("alleles.tsv", "*2\tNo function\t\tfalse", "*2\tNo function\tlots\tfalse",
         r"TPMT/alleles\.tsv, data row 2, column 'activity_value': expected a number or empty, found 'lots'"),
        ("alleles.tsv", "*2\tNo function\t\tfalse", "*2\tNo function\t\tyes",
         r"TPMT/alleles\.tsv, data row 2, column 'is_reference': expected true or false, found 'yes'"),
        ("phenotypes.tsv", "# rule: function_pair", "# rule: guesswork",
         r"TPMT/phenotypes\.tsv: expected a '# rule: activity_score' or '# rule: function_pair' line"),
    ],
)
def test_malformed_copy_names_file_row_column(copy, table, old, new, message):
    _edit(copy / "pharmacogenes" / "TPMT" / table, old, new)
    with pytest.raises(ReferenceDataError, match=message):
        ref.allele_definitions("TPMT", reference_dir=copy)
        ref.phenotype_rules("TPMT", reference_dir=copy)


def test_activity_score_bounds_must_be_numeric(copy):
    _edit(copy / "pharmacogenes" / "CYP2D6" / "phenotypes.tsv", "1.25\t2.25", "1.25\ttwo")
    with pytest.raises(ReferenceDataError, match=r"CYP2D6/phenotypes\.tsv, data row 3, column 'max_score'"):
        ref.phenotype_rules("CYP2D6", reference_dir=copy)


def test_env_override(copy, monkeypatch):
    _edit(copy / "pharmacogenes" / "TPMT" / "alleles.tsv", "*2\tNo function", "*2\tDecreased function")
    monkeypatch.setenv("PGX_REFERENCE_DIR", str(copy))
    t = ref.allele_table("TPMT")
    assert t.filter(pl.col("allele") == "*2")["function"][0] == "Decreased function"
    monkeypatch.delenv("PGX_REFERENCE_DIR")
    assert ref.allele_table("TPMT").filter(pl.col("allele") == "*2")["function"][0] == "No function"


# ---------------------------------------------------------------- spot facts
# Each checked against the source named: PharmCAT = CPIC definitions redistributed by PharmCAT
# (CYP2C19_translation.json data version 2025-03-07-16-38; phenotype/cpic/*.json);
# PyPGx = PyPGx 0.27.0 allele-table.csv / variant-table.csv.


def _variants(gene, allele, build="GRCh38"):
    d = ref.allele_definitions(gene, genome_build=build).filter(pl.col("allele") == allele)
    return set(d.select("chrom", "pos", "ref", "alt", "rsid").iter_rows())


def test_cyp2c19_star2_and_reference():  # PharmCAT translation: *2 core positions, rs3758581 on *1
    assert ("chr10", 94781859, "G", "A", "rs4244285") in _variants("CYP2C19", "*2")
    assert ("chr10", 96541616, "G", "A", "rs4244285") in _variants("CYP2C19", "*2", "GRCh37")
    # CPIC 2025-11-05: *2 also carries rs58973490 as a wobble (R: G or A)
    assert _variants("CYP2C19", "*2") == {("chr10", 94775367, "A", "G", "rs12769205"),
                                          ("chr10", 94775507, "G", "A", "rs58973490"),
                                          ("chr10", 94781859, "G", "A", "rs4244285"),
                                          ("chr10", 94842866, "A", "G", "rs3758581")}
    d = ref.allele_definitions("CYP2C19").filter(pl.col("allele") == "*2")
    assert d.filter(pl.col("wobble"))["cpic_allele"].to_list() == ["R"]
    # *1 = the *38 sequence with rs3758581 G; PharmCAT fills in every other position
    star1 = ref.allele_definitions("CYP2C19").filter(pl.col("allele") == "*1")
    assert star1.filter(pl.col("alt") != pl.col("ref")).select("pos", "alt").rows() == [(94842866, "G")]
    assert star1.height == ref.positions("CYP2C19").height
    assert ref.gene_info("CYP2C19")["reference_allele"] == "*38"


def test_cyp2c19_star17():  # PharmCAT translation: g.94761900C>T rs12248560, plus rs3758581
    assert _variants("CYP2C19", "*17") == {("chr10", 94761900, "C", "T", "rs12248560"),
                                           ("chr10", 94842866, "A", "G", "rs3758581")}
    t = ref.allele_table("CYP2C19")
    assert t.filter(pl.col("allele") == "*17")["function"][0] == "Increased function"


def test_tpmt_star3a_is_3b_plus_3c():  # PyPGx allele-table; functions as PharmCAT phenotype/cpic/TPMT.json
    assert _variants("TPMT", "*3A") == _variants("TPMT", "*3B") | _variants("TPMT", "*3C")
    assert len(_variants("TPMT", "*3A")) == 2
    functions = dict(ref.allele_table("TPMT").select("allele", "function").iter_rows())
    assert functions["*3A"] == functions["*3B"] == functions["*3C"] == "No function"


def test_dpyd_2a():  # PyPGx variant-table: rs3918290 1-97450058-C-T; activity 0 as PharmCAT DPYD.json
    (row,) = ref.allele_definitions("DPYD").filter(pl.col("rsid") == "rs3918290").iter_rows(named=True)
    assert (row["allele"], row["pos"], row["ref"], row["alt"]) == ("c.1905+1G>A (*2A)", 97450058, "C", "T")
    t = ref.allele_table("DPYD").filter(pl.col("allele") == "c.1905+1G>A (*2A)")
    assert t["activity_value"][0] == 0.0
    assert ref.gene_info("DPYD")["rule"] == "lowest_function"


def test_slco1b1_rs4149056():  # PyPGx: *5 = 12-21178615-T-C (rs4149056)
    assert ("chr12", 21178615, "T", "C", "rs4149056") in _variants("SLCO1B1", "*5")
    assert ref.gene_info("SLCO1B1")["fallback_rsid"] == "rs4149056"


def test_vkorc1_rs9923231():  # PyPGx 16-31096368-C-T; PharmCAT VKORC1.json names the T allele
    assert _variants("VKORC1", "rs9923231 variant (T)") == {("chr16", 31096368, "C", "T", "rs9923231")}
    kind, rules = ref.phenotype_rules("VKORC1")
    assert kind == "function_pair" and set(rules["phenotype"]) == {"-1639 GG", "-1639 AG", "-1639 AA"}


def test_ugt1a1_star28_ta_insertion():  # PyPGx: 2-233760233-C-CAT, the (TA)7 allele
    assert _variants("UGT1A1", "*28") == {("chr2", 233760233, "CAT", "CATAT", "rs3064744")}
    p = ref.positions("UGT1A1").filter(pl.col("pos") == 233760233)
    assert set(p["variant_type"]) == {"mixed"}


def test_cyp2c9_and_cyp2d6_activity():  # PharmCAT phenotype/cpic/CYP2C9.json activityValues
    a = dict(ref.allele_table("CYP2C9").select("allele", "activity_value").iter_rows())
    assert (a["*1"], a["*2"], a["*3"]) == (1.0, 0.5, 0.0)
    kind, rules = ref.phenotype_rules("CYP2C9")
    assert kind == "activity_score"
    assert rules.rows() == [(0.0, 0.5, "Poor Metabolizer"), (1.0, 1.5, "Intermediate Metabolizer"),
                            (2.0, float("inf"), "Normal Metabolizer")]


def test_function_pair_phenotypes():  # PharmCAT phenotype/cpic: CYP2C19 *1/*9, TPMT *10/*11, RYR1
    def lookup(gene, f1, f2):
        _, rules = ref.phenotype_rules(gene)
        hit = rules.filter(((pl.col("function_1") == f1) & (pl.col("function_2") == f2))
                           | ((pl.col("function_1") == f2) & (pl.col("function_2") == f1)))
        return hit["phenotype"].to_list()

    assert lookup("CYP2C19", "Normal function", "Decreased function") == ["Likely Intermediate Metabolizer"]
    assert lookup("CYP2C19", "Normal function", "Increased function") == ["Rapid Metabolizer"]
    assert lookup("TPMT", "Uncertain function", "No function") == ["Possible Intermediate Metabolizer"]
    assert lookup("RYR1", "Normal function", "Normal function") == ["Uncertain Susceptibility"]
    assert lookup("RYR1", "Normal function", "Malignant Hyperthermia associated") == [
        "Malignant Hyperthermia Susceptibility"]


def test_special_handling_flags():
    assert ref.gene_info("MT-RNR1")["haploid_chrom"] == "chrM"
    assert ref.gene_info("G6PD")["hemizygous_chrom"] == "chrX"
    assert ref.gene_info("VKORC1")["single_variant"] == "rs9923231"
    assert {ref.gene_info(g).get("rule") for g in ("DPYD", "RYR1", "CACNA1S")} == {"lowest_function"}


def test_cyp2d6_structural_alleles_have_no_definitions():
    t = ref.allele_table("CYP2D6")
    structural = set(t.filter(pl.col("structural"))["allele"])
    assert {"*5", "*13"} <= structural
    assert not structural & set(ref.allele_definitions("CYP2D6")["allele"])


def test_hla_alleles():
    assert set(ref.allele_table("HLA-B")["allele"]) == {"HLA-B*57:01", "HLA-B*15:02", "HLA-B*58:01"}
    assert ref.allele_table("HLA-A")["allele"].to_list() == ["HLA-A*31:01"]
    assert ref.phenotype_rules("HLA-B")[0] == "none"


# ---------------------------------------------------------------- verified drug-guidance facts
# Classifications a prescriber would check, pinned to what the sources say so that a regression in
# reference/guidelines/*.tsv or reference/medications/comedications.tsv fails here. CPIC rows were read in
# PharmCAT's copy of the CPIC database (reporter/guidelines/cpic/<drug>.json, commit 209032d0, CPIC v1.23.0);
# DPWG rows in PharmGKB's DPWG annotations shipped by PharmCAT (guidelines/dpwg/, same commit).

_PINNED_CPIC = [
    # (drug, condition as written in cpic.tsv, classification, action)
    ("codeine", "CYP2D6=Ultrarapid Metabolizer", "strong", "avoid"),
    ("codeine", "CYP2D6=Poor Metabolizer", "strong", "avoid"),
    ("codeine", "CYP2D6=Intermediate Metabolizer", "moderate", "monitor"),
    ("tramadol", "CYP2D6=Intermediate Metabolizer", "optional", "monitor"),
    ("clopidogrel", "CYP2C19=Poor Metabolizer|Likely Poor Metabolizer", "strong", "consider_alternative"),
    ("clopidogrel", "CYP2C19=Intermediate Metabolizer|Likely Intermediate Metabolizer", "strong",
     "consider_alternative"),
    ("fluorouracil", "activity:DPYD=1.5..1.5", "moderate", "adjust_dose"),
    ("fluorouracil", "activity:DPYD=0..0", "strong", "avoid"),
    ("simvastatin", "SLCO1B1=Poor Function", "strong", "consider_alternative"),
    ("tacrolimus", "CYP3A5=Possible Intermediate Metabolizer", "strong", "adjust_dose"),
    ("celecoxib", "activity:CYP2C9=1.5..1.5", "moderate", "standard"),
    ("mercaptopurine", "TPMT=Intermediate Metabolizer|Possible Intermediate Metabolizer;"
     "NUDT15=Intermediate Metabolizer|Possible Intermediate Metabolizer", "strong", "adjust_dose"),
    # second pass, one PharmCAT file per drug (commit 209032d0): dexlansoprazole is graded optional throughout,
    # unlike the other PPIs; G6PD Variable asks for an enzyme activity test (Gammal et al. 2022)
    ("dexlansoprazole", "CYP2C19=Rapid Metabolizer|Normal Metabolizer", "optional", "standard"),
    ("dexlansoprazole", "CYP2C19=Poor Metabolizer|Likely Poor Metabolizer", "optional", "standard"),
    ("lansoprazole", "CYP2C19=Poor Metabolizer|Likely Poor Metabolizer", "moderate", "standard"),
    ("pantoprazole", "CYP2C19=Rapid Metabolizer|Normal Metabolizer", "moderate", "standard"),
    ("rasburicase", "G6PD=Variable", "moderate", "monitor"),
    ("rasburicase", "G6PD=Deficient|Deficient with CNSHA", "strong", "avoid"),
    # sertraline follows CPIC 2023 (CYP2C19 x CYP2B6; CPIC_sertraline_and_CYP2B6_CYP2C19.json at PharmCAT 0c6123b6)
    ("sertraline", "CYP2C19=Poor Metabolizer;CYP2B6=Poor Metabolizer", "optional", "consider_alternative"),
    ("piroxicam", "activity:CYP2C9=1..1", "moderate", "consider_alternative"),
    ("efavirenz", "CYP2B6=Poor Metabolizer", "moderate", "adjust_dose"),
    ("fosphenytoin", "HLA-B=*15:02 negative;activity:CYP2C9=0..0.5", "strong", "adjust_dose"),
    ("neomycin", "MT-RNR1=Uncertain risk of aminoglycoside-induced hearing loss", "optional", "standard"),
    ("methoxyflurane", "RYR1=Uncertain Susceptibility;CACNA1S=Uncertain Susceptibility", "strong", "monitor"),
]


@pytest.mark.parametrize(("drug", "condition", "classification", "action"), _PINNED_CPIC,
                         ids=[f"{d}-{c}" for d, c, *_ in _PINNED_CPIC])
def test_pinned_cpic_classifications(drug, condition, classification, action):
    from pgx.recommend import guidelines

    rows = guidelines(sources=("CPIC",)).filter((pl.col("drug") == drug) & (pl.col("condition") == condition))
    assert rows.height == 1, f"{drug} / {condition}: expected one CPIC row, found {rows.height}"
    assert (rows["classification"][0], rows["action"][0]) == (classification, action)


# DPWG rows: tests/test_recommend_dpwg.py (every lookup key of the pinned annotations)


def test_pinned_comedication_strengths():
    from pgx.recommend import comedications

    table = comedications()

    def strength(drug, enzyme):
        hit = table.filter((pl.col("drug") == drug) & (pl.col("enzyme") == enzyme))
        assert hit.height == 1, (drug, enzyme)
        return hit["strength"][0], hit["verified"][0]

    # FDA classes for CYP2D6 (Cicali et al. 2020 Table 4; FDA-based CYP2D6 inhibitor table)
    assert strength("paroxetine", "CYP2D6") == ("strong", "yes")
    assert strength("duloxetine", "CYP2D6") == ("moderate", "yes")
    assert strength("sertraline", "CYP2D6") == ("weak", "yes")
