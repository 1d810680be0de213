"""Hand-built calling cases: ambiguity, missing and novel positions, normalisation,
gVCF blocks, haploid genes, gene-specific rules, outside calls, phenotypes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pgx
from pgx import OutsideCallWarning
from pgx.calling import OutsideCallError
from pgxgen import diplotype_vcf

HEAD = "##fileformat=VCFv4.2\n##contig=<ID={chrom},length={length}>\n" \
       '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n' \
       "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n"
LENGTH = {"chr1": 248956422, "chr2": 242193529, "chr6": 170805979, "chr7": 159345973,
          "chr10": 133797422, "chr12": 133275309, "chr16": 90338345, "chrX": 156040895}



def _top(row) -> set:
    """The call and every alternative diplotype consistent with the calls."""
    return {row["diplotype"], *row["alternatives"]}

def _vcf(tmp_path, chrom, rows, samples=("S1",), name="t.vcf", build_length=None):
    text = HEAD.format(chrom=chrom, length=build_length or LENGTH[chrom], samples="\t".join(samples))
    text += "".join("\t".join([chrom, str(p), ".", r, a, ".", "PASS", info, "GT", *gts]) + "\n"
                    for p, r, a, info, gts in rows)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _one(calls: pl.DataFrame, sample: str = "S1") -> dict:
    rows = calls.filter(pl.col("sample_id") == sample).to_dicts()
    assert len(rows) == 1
    return rows[0]


def _write(tmp_path, gene, samples, *, phased=False, name="g.vcf"):
    path = tmp_path / name
    path.write_text(diplotype_vcf(gene, samples, phased=phased))
    return str(path)


# --- phenotypes: CPIC's example diplotypes -------------------------------------------------

CPIC_EXAMPLES = [
    ("CYP2C19", "*38", "*38", "Normal Metabolizer"),
    ("CYP2C19", "*2", "*38", "Intermediate Metabolizer"),
    ("CYP2C19", "*2", "*2", "Poor Metabolizer"),
    ("CYP2C19", "*17", "*38", "Rapid Metabolizer"),
    ("CYP2C19", "*17", "*17", "Ultrarapid Metabolizer"),
    ("CYP2C19", "*2", "*17", "Intermediate Metabolizer"),
    ("CYP2C9", "*1", "*1", "Normal Metabolizer"),
    ("CYP2C9", "*1", "*2", "Intermediate Metabolizer"),
    ("CYP2C9", "*1", "*3", "Intermediate Metabolizer"),
    ("CYP2C9", "*3", "*3", "Poor Metabolizer"),
    ("CYP2D6", "*1", "*1", "Normal Metabolizer"),
    ("CYP2D6", "*1", "*4", "Intermediate Metabolizer"),
    ("CYP2D6", "*4", "*4", "Poor Metabolizer"),
    ("CYP2D6", "*1", "*3", "Intermediate Metabolizer"),
    ("CYP2D6", "*10", "*10", "Intermediate Metabolizer"),
    ("TPMT", "*1", "*1", "Normal Metabolizer"),
    ("TPMT", "*1", "*3A", "Intermediate Metabolizer"),
    ("TPMT", "*3A", "*3A", "Poor Metabolizer"),
    ("NUDT15", "*1", "*3", "Intermediate Metabolizer"),
    ("NUDT15", "*3", "*3", "Poor Metabolizer"),
    ("CYP3A5", "*1", "*1", "Normal Metabolizer"),
    ("CYP3A5", "*1", "*3", "Intermediate Metabolizer"),
    ("CYP3A5", "*3", "*3", "Poor Metabolizer"),
    ("UGT1A1", "*1", "*1", "Normal Metabolizer"),
    ("UGT1A1", "*1", "*28", "Intermediate Metabolizer"),
    ("UGT1A1", "*28", "*28", "Poor Metabolizer"),
    ("SLCO1B1", "*1", "*1", "Normal Function"),
    ("SLCO1B1", "*1", "*5", "Decreased Function"),
    ("SLCO1B1", "*5", "*5", "Poor Function"),
    ("CYP2B6", "*1", "*6", "Intermediate Metabolizer"),
    ("CYP2B6", "*6", "*6", "Poor Metabolizer"),
]


@pytest.mark.parametrize(("gene", "a", "b", "phenotype"), CPIC_EXAMPLES)
def test_cpic_example_phenotypes(tmp_path, gene, a, b, phenotype):
    path = _write(tmp_path, gene, [("S1", a, b)], phased=True)
    row = _one(pgx.call(path, genes=[gene], genome_build="GRCh38"))
    assert row["phenotype"] == phenotype, row


@pytest.mark.parametrize(("variants", "score", "phenotype"), [
    ([], 2.0, "Normal Metabolizer"),
    ([("c.2846A>T", 1)], 1.5, "Intermediate Metabolizer"),
    ([("c.1905+1G>A (*2A)", 1)], 1.0, "Intermediate Metabolizer"),
    ([("c.1905+1G>A (*2A)", 1), ("c.2846A>T", 1)], 0.5, "Poor Metabolizer"),
    ([("c.1905+1G>A (*2A)", 2)], 0.0, "Poor Metabolizer"),
])
def test_dpyd_activity_by_lowest_function_variants(tmp_path, variants, score, phenotype):
    alleles = [name for name, copies in variants for _ in range(copies)]
    a, b = (alleles + ["Reference", "Reference"])[:2]
    row = _one(pgx.call(_write(tmp_path, "DPYD", [("S1", a, b)]), genes=["DPYD"], genome_build="GRCh38"))
    assert row["activity_score"] == score
    assert row["phenotype"] == phenotype


def test_dpyd_three_variants_keeps_the_two_lowest(tmp_path):
    # three heterozygous DPYD variants: the two with the lowest activity make the diplotype
    text = diplotype_vcf("DPYD", [("S1", "c.1905+1G>A (*2A)", "c.2846A>T")], phased=False)
    lines = text.splitlines()
    # add c.1679T>G (*13), activity 0, in the same sample
    lines = [ln.replace("\t0/0", "\t0/1") if "\t97515787\t" in ln else ln for ln in lines]
    path = tmp_path / "d.vcf"
    path.write_text("\n".join(lines) + "\n")
    row = _one(pgx.call(str(path), genes=["DPYD"], genome_build="GRCh38"))
    assert row["diplotype"] == "c.1679T>G (*13)/c.1905+1G>A (*2A)"
    assert row["activity_score"] == 0.0


# --- ambiguity and phase -------------------------------------------------------------------

def test_tpmt_unphased_ambiguity_is_reported(tmp_path):
    path = _write(tmp_path, "TPMT", [("S1", "*3B", "*3C")], phased=False)
    row = _one(pgx.call(path, genes=["TPMT"], genome_build="GRCh38"))
    assert row["diplotype"] == "*1/*3A"          # PharmCAT's score prefers the reference
    assert "*3B/*3C" in row["alternatives"]
    assert row["alternative_phenotypes"][row["alternatives"].index("*3B/*3C")] == "Poor Metabolizer"
    assert "ambiguous" in row["warnings"]
    assert row["phased"] is False
    phased = _one(pgx.call(_write(tmp_path, "TPMT", [("S1", "*3B", "*3C")], phased=True, name="p.vcf"),
                           genes=["TPMT"], genome_build="GRCh38"))
    assert phased["diplotype"] == "*3B/*3C" and phased["alternatives"] == [] and phased["phased"] is True


def test_tied_top_scores_with_different_phenotypes_are_indeterminate(tmp_path):
    # only rs1057910 (CYP2C9*3) is in the file: *18 and *68 carry it too and cannot be excluded
    rows = [(94981296, "A", "C", ".", ["0/1"])]
    row = _one(pgx.call(_vcf(tmp_path, "chr10", rows), genes=["CYP2C9"]))
    assert row["diplotype"] == "*1/*3"
    assert set(row["alternatives"]) >= {"*1/*18", "*1/*68"}
    assert row["phenotype"] == "Indeterminate"
    assert "ambiguous_phenotype" in row["warnings"]


# --- missing, novel, assumed reference, gVCF -------------------------------------------------

def test_absent_positions_are_not_reference(tmp_path):
    rows = [(94781859, "G", "A", ".", ["0/1"])]
    calls = pgx.call(_vcf(tmp_path, "chr10", rows), genes=["CYP2C19"])
    row = _one(calls)
    # rs3758581 absent: nothing distinguishes *1 (which carries it) from *38, so *1 is not
    # offered as an explanation; the row says it is not ruled out
    assert row["diplotype"] == "*2/*38"
    assert any(w.startswith("not_ruled_out: *1 (rs3758581 missing)") for w in row["warnings"])
    assert "chr10:94761900 (rs12248560)" in row["missing_positions"]
    assert "missing_positions" in row["warnings"]
    # CPIC's *2 also carries rs12769205 and rs3758581: absent, they cannot exclude *2 ...
    assert "*2" in (row["haplotype_1"], row["haplotype_2"])
    # ... but assumed reference, they do: no named diplotype explains the sample
    assumed = _one(pgx.call(_vcf(tmp_path, "chr10", rows, name="a.vcf"), genes=["CYP2C19"],
                            assume_reference=True))
    assert assumed["missing_positions"] == []
    assert "assumed_reference" in assumed["warnings"]
    assert assumed["diplotype"] is None and "no_match" in assumed["warnings"]
    full = [(94775367, "A", "G", ".", ["0/1"]), (94781859, "G", "A", ".", ["0/1"]),
            (94842866, "A", "G", ".", ["0/1"])]
    assumed = _one(pgx.call(_vcf(tmp_path, "chr10", full, name="b.vcf"), genes=["CYP2C19"],
                            assume_reference=True))
    assert assumed["diplotype"] == "*2/*38" and assumed["alternatives"] == []


def test_gene_without_any_call_is_not_called(tmp_path):
    rows = [(94781859, "G", "A", ".", ["0/1"])]
    row = _one(pgx.call(_vcf(tmp_path, "chr10", rows), genes=["TPMT"]))
    assert row["diplotype"] is None and row["phenotype"] is None
    assert "not_called" in row["warnings"]


def test_novel_allele_at_a_definition_position(tmp_path):
    # rs4244285 is G>A; a G>T call is an allele no definition uses
    rows = [(94761900, "C", "T", ".", ["0/1"]), (94781859, "G", "T", ".", ["0/1"])]
    row = _one(pgx.call(_vcf(tmp_path, "chr10", rows), genes=["CYP2C19"]))
    assert row["novel_positions"] == ["chr10:94781859 (rs4244285)"]
    assert "novel_allele" in row["warnings"]
    # CPIC's *4 has a wobble (C or T) at rs12248560: a wobble is no evidence for *4, whose
    # own variant (rs28399504) is absent
    assert row["diplotype"] == "*17/*38"


def test_gvcf_reference_block_counts_as_called(tmp_path):
    rows = [(94761800, "A", "<NON_REF>", "END=94781900", ["0/0"])]
    row = _one(pgx.call(_vcf(tmp_path, "chr10", rows), genes=["CYP2C19"]))
    assert "chr10:94781859 (rs4244285)" not in row["missing_positions"]
    assert "chr10:94761900 (rs12248560)" not in row["missing_positions"]
    assert "gvcf_reference" in row["warnings"]
    # the block ends before rs3758581 (chr10:94842866), which alone tells *1 from *38
    assert row["diplotype"] == "*38/*38"


# --- normalisation ------------------------------------------------------------------------------

@pytest.mark.parametrize("record", [
    [(233760233, "C", "CAT", ".", ["0/1"])],                       # as defined
    [(233760233, "CAT", "CATAT", ".", ["0/1"])],                   # padded with context
    [(233760234, "A", "ATA", ".", ["0/1"])],                       # shifted right by one base
    [(233760233, "C", "CAT,CATAT", ".", ["0/1"])],                 # inside a multi-allelic record
])
def test_ugt1a1_ta_repeat_written_any_way(tmp_path, record):
    # *36 (CAT>C) is listed so its REF tells the caller the bases of the repeat
    rows = record + [(233760233, "CAT", "C", ".", ["0/0"])]
    rows.sort(key=lambda r: r[0])
    row = _one(pgx.call(_vcf(tmp_path, "chr2", rows), genes=["UGT1A1"]))
    assert row["diplotype"] == "*1/*28", row


def test_split_and_joined_multiallelic_records_agree(tmp_path):
    joined = [(233760233, "C", "CAT,CATAT", ".", ["1/2"])]
    split = [(233760233, "C", "CAT", ".", ["0/1"]), (233760233, "C", "CATAT", ".", ["0/1"])]
    a = _one(pgx.call(_vcf(tmp_path, "chr2", joined, name="j.vcf"), genes=["UGT1A1"]))
    b = _one(pgx.call(_vcf(tmp_path, "chr2", split, name="s.vcf"), genes=["UGT1A1"]))
    assert a["diplotype"] == b["diplotype"] == "*28/*37"


def test_grch37_reference_carrying_cyp3a5_star3(tmp_path):
    # GRCh37's reference base at rs776746 is the *3 allele (C); a 0/0 call is *3/*3
    rows = [(99270539, "C", "T", ".", ["0/0", "0/1", "1/1"])]
    path = _vcf(tmp_path, "chr7", rows, samples=("A", "B", "C"), build_length=159138663)
    calls = pgx.call(path, genes=["CYP3A5"])
    assert calls["diplotype"].to_list() == ["*3/*3", "*1/*3", "*1/*1"]


# --- haploid genes and fallbacks -----------------------------------------------------------------

def test_mt_rnr1_haploid_and_g6pd_hemizygous(tmp_path):
    mt = tmp_path / "mt.vcf"
    mt.write_text(diplotype_vcf("MT-RNR1", [("S1", "m.1555A>G", None)], phased=False))
    row = _one(pgx.call(str(mt), genes=["MT-RNR1"], genome_build="GRCh38"))
    assert row["diplotype"] == "m.1555A>G"
    assert row["haplotype_2"] is None
    assert row["phenotype"] == "Increased risk of aminoglycoside-induced hearing loss"
    g6pd = tmp_path / "g.vcf"
    g6pd.write_text(diplotype_vcf("G6PD", [("M", "A- 202A_376G", None), ("F", "B (reference)", "A- 202A_376G")],
                                  phased=False))
    calls = pgx.call(str(g6pd), genes=["G6PD"], genome_build="GRCh38")
    male, female = calls.to_dicts()
    assert male["diplotype"] == "A- 202A_376G" and "haploid" in male["warnings"]
    assert male["phenotype"] == "Deficient"
    assert female["diplotype"] == "A- 202A_376G/B (reference)"


def test_vkorc1_by_rs9923231_genotype(tmp_path):
    rows = [(31096368, "C", "T", ".", ["0/0", "0/1", "1/1"])]
    calls = pgx.call(_vcf(tmp_path, "chr16", rows, samples=("A", "B", "C")), genes=["VKORC1"])
    assert calls["phenotype"].to_list() == ["-1639 GG", "-1639 AG", "-1639 AA"]


def test_slco1b1_falls_back_to_rs4149056(tmp_path):
    # rs4149056 C plus an extra variant combination no diplotype explains
    path = _write(tmp_path, "SLCO1B1", [("S1", "*5", "*1")])
    text = Path(path).read_text().splitlines()
    first_data = next(i for i, ln in enumerate(text) if not ln.startswith("#"))
    text = [ln.replace("0/0", "1/1", 1) if i in (first_data, first_data + 1) else ln for i, ln in enumerate(text)]
    Path(path).write_text("\n".join(text) + "\n")
    row = _one(pgx.call(path, genes=["SLCO1B1"], genome_build="GRCh38"))
    if row["diplotype"] is not None and "fallback_rs4149056" not in row["warnings"]:
        pytest.fail(f"expected the rs4149056 fallback, got {row}")
    assert "fallback_rs4149056" in row["warnings"]
    assert row["diplotype"] == "*1/*5"


# --- cohorts -------------------------------------------------------------------------------------------

def test_cohort_call_equals_single_sample_calls(tmp_path):
    samples = [("A", "*1", "*4"), ("B", "*4", "*10"), ("C", "*2", "*41"), ("D", "*1", "*1")]
    cohort = pgx.call(_write(tmp_path, "CYP2D6", samples, name="c.vcf"), genes=["CYP2D6"], genome_build="GRCh38")
    for name, a, b in samples:
        single = pgx.call(_write(tmp_path, "CYP2D6", [(name, a, b)], name=f"{name}.vcf"), genes=["CYP2D6"],
                          genome_build="GRCh38")
        assert cohort.filter(pl.col("sample_id") == name).equals(single)


def test_all_genes_in_one_pass(tmp_path):
    calls = pgx.call(pgx.example_vcf())
    assert calls.height == 4 * (len(pgx.calling.callable_genes()) + len(pgx.calling.proxy_genes()))
    assert calls.columns == list(pgx.pipeline.CALL_SCHEMA)
    d = calls.filter((pl.col("sample_id") == "SAMPLE_D") & (pl.col("gene") == "CYP2C19")).row(0, named=True)
    assert d["diplotype"] == "*2/*2" and d["phenotype"] == "Poor Metabolizer"


# --- outside calls --------------------------------------------------------------------------------------

def test_outside_calls_pharmcat_format(tmp_path):
    outside = tmp_path / "outside.tsv"
    outside.write_text("# from a CYP2D6 copy-number caller\nCYP2D6\t*1/*2x2\t\t3.0\nHLA-B\t*57:01/*08:01\n")
    calls = pgx.call(_write(tmp_path, "CYP2D6", [("S1", "*1", "*4")]), genes=["CYP2D6"],
                     genome_build="GRCh38", outside_calls=str(outside))
    d = _one(calls.filter(pl.col("gene") == "CYP2D6"))
    assert d["diplotype"] == "*1/*2x2" and d["activity_score"] == 3.0
    assert d["phenotype"] == "Ultrarapid Metabolizer" and d["warnings"] == ["outside_call"]
    h = _one(calls.filter(pl.col("gene") == "HLA-B"))
    assert h["diplotype"] == "*08:01/*57:01"


def test_outside_calls_with_samples_and_a_bad_row(tmp_path):
    outside = tmp_path / "outside.tsv"
    outside.write_text("sample_id\tgene\tdiplotype\tphenotype\tactivity_score\n"
                       "B\tCYP2D6\t*4/*4\t\t\n"
                       "A\tNOTAGENE\t*1/*1\t\t\n"
                       "A\tCYP2D6\t*1/*1\t\tlots\n")
    path = _write(tmp_path, "CYP2D6", [("A", "*1", "*4"), ("B", "*1", "*1")])
    with pytest.warns(OutsideCallWarning) as record:
        calls = pgx.call(path, genes=["CYP2D6"], genome_build="GRCh38", outside_calls=str(outside))
    messages = [str(w.message) for w in record]
    assert any("line 3: unknown gene 'NOTAGENE'" in m for m in messages)
    assert any("line 4: activity score must be a number" in m for m in messages)
    assert calls.filter(pl.col("sample_id") == "B")["phenotype"].item() == "Poor Metabolizer"
    assert calls.filter(pl.col("sample_id") == "A")["diplotype"].item() == "*1/*4"


def test_outside_call_errors(tmp_path):
    path = _write(tmp_path, "CYP2D6", [("A", "*1", "*4"), ("B", "*1", "*1")])
    with pytest.raises(OutsideCallError, match="cannot read outside calls"):
        pgx.call(path, genes=["CYP2D6"], genome_build="GRCh38", outside_calls=str(tmp_path / "nope.tsv"))
    single = tmp_path / "single.tsv"
    single.write_text("CYP2D6\t*1/*1\n")
    with pytest.raises(OutsideCallError, match="no sample column"):
        pgx.call(path, genes=["CYP2D6"], genome_build="GRCh38", outside_calls=str(single))


def test_unknown_build_is_an_error(tmp_path):
    rows = [(94781859, "G", "A", ".", ["0/1"])]
    text = Path(_vcf(tmp_path, "chr10", rows)).read_text()
    no_contig = tmp_path / "n.vcf"
    no_contig.write_text("".join(ln + "\n" for ln in text.splitlines() if "##contig" not in ln))
    with pytest.raises(pgx.GenomeBuildError, match="genome build of the calls is unknown"):
        pgx.call(str(no_contig), genes=["CYP2C19"])
    assert "*2/*38" in _top(_one(pgx.call(str(no_contig), genes=["CYP2C19"], genome_build="GRCh38")))


def test_unknown_gene_is_an_error(tmp_path):
    with pytest.raises(pgx.ReferenceDataError, match="CYP2C19"):
        pgx.call(pgx.example_vcf(), genes=["CYP2C91"])


def test_dosage_encoding_keeps_missing_distinct(tmp_path):
    from pgx.calling import gene_model
    from pgx.encode import encode_gene

    rows = [(94781859, "G", "A", ".", ["0/1", "./.", "1/1"])]
    cs = pgx.read_vcf(_vcf(tmp_path, "chr10", rows, samples=("A", "B", "C")))
    model = gene_model("CYP2C19", "GRCh38")
    enc = encode_gene(cs, model.sites)
    site = [k for k, (pi, r, a) in enumerate(model.sites.sites) if model.sites.positions[pi][0] == 94781859][0]
    np.testing.assert_array_equal(enc.dosage[:, site], [1, -1, 2])


def test_phase_sets_are_honoured(tmp_path):
    # TPMT *3B (rs1800460) and *3C (rs1142345) on different haplotypes, written phased:
    # in one phase set that is *3B/*3C; in two phase sets the phase between them is unknown
    head = ("##fileformat=VCFv4.2\n##contig=<ID=chr6,length=170805979>\n"
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tONE\tTWO\n")
    rows = ("chr6\t18130687\t.\tT\tC\t.\tPASS\t.\tGT:PS\t0|1:100\t0|1:100\n"
            "chr6\t18138997\t.\tC\tT\t.\tPASS\t.\tGT:PS\t1|0:100\t1|0:200\n")
    path = tmp_path / "ps.vcf"
    path.write_text(head + rows)
    cs = pgx.read_vcf(str(path))
    assert cs.calldata["PS"].tolist() == [[100, 100], [100, 200]]
    calls = pgx.call(cs, genes=["TPMT"])
    one, two = calls.to_dicts()
    assert one["phased"] is True and one["diplotype"] == "*3B/*3C"
    assert two["phased"] is False and two["diplotype"] == "*1/*3A" and "*3B/*3C" in two["alternatives"]
