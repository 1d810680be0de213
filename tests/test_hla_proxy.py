"""HLA tag-SNP proxies: HLA-B*57:01 from rs2395029 when no HLA typing is given, flagged as
a proxy, never a silent negative, overridden by outside calls, and followed by the
abacavir recommendation and the reports."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest

import pgx
from pgx import reference
from pgx.calling import HLA_TAG_PROXY, proxy_genes, proxy_phenotypes
from pgx.exceptions import ReferenceDataError

POS38, POS37 = 31464003, 31431780  # rs2395029 (HCP5), T>G; G tags HLA-B*57:01
CHR6 = {"GRCh38": 170805979, "GRCh37": 171115067}
HEAD = ("##fileformat=VCFv4.2\n##contig=<ID={chrom},length={length}>\n"
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End of block">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n")


def _vcf(tmp_path, rows, samples, *, build="GRCh38", chrom="chr6", name="hla.vcf"):
    text = HEAD.format(chrom=chrom, length=CHR6[build], samples="\t".join(samples))
    text += "".join("\t".join([chrom, str(pos), ".", ref, alt, ".", "PASS", info, "GT", *gts]) + "\n"
                    for pos, ref, alt, info, gts in rows)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _rows(calls: pl.DataFrame, gene: str = "HLA-B") -> dict[str, dict]:
    return {r["sample_id"]: r for r in calls.filter(pl.col("gene") == gene).to_dicts()}


SAMPLES = ("HET", "HOM", "NON", "MISSING")


@pytest.fixture
def cohort(tmp_path):
    return _vcf(tmp_path, [(POS38, "T", "G", ".", ["0/1", "1|1", "0/0", "./."])], SAMPLES)


# --- the curated table ---------------------------------------------------------------------------------

def test_tag_table_has_only_the_sourced_tag():
    tags = reference.tag_snps("HLA-B")
    assert tags.select("allele", "rsid", "chrom", "pos", "ref", "alt", "tag_allele").rows() == [
        ("HLA-B*57:01", "rs2395029", "chr6", POS38, "T", "G", "G")]
    assert reference.tag_snps("HLA-B", genome_build="GRCh37")["pos"].to_list() == [POS37]
    assert "doi:10.1086/591184" in tags["source"][0]
    # HLA-A*31:01 (rs1061235) and HLA-B*15:02 have no citable position/allele source: left out
    assert reference.tag_snps("HLA-A").height == 0
    assert reference.tag_snps("CYP2C19").height == 0
    assert proxy_genes() == ["HLA-B"]
    text = (reference.reference_dir() / "pharmacogenes" / "HLA-A" / "tag_snps.tsv").read_text()
    assert "# not included: HLA-A*31:01" in text


def test_malformed_tag_table_names_file_row_and_column(tmp_path):
    folder = tmp_path / "ref"
    shutil.copytree(reference.reference_dir(), folder)
    path = folder / "pharmacogenes" / "HLA-B" / "tag_snps.tsv"
    lines = path.read_text().splitlines()
    fields = lines[-1].split("\t")
    fields[7] = "T"  # tag allele no longer the ALT
    path.write_text("\n".join(lines[:-1] + ["\t".join(fields)]) + "\n")
    with pytest.raises(ReferenceDataError, match=r"tag_snps.tsv, data row 1, column 'tag_allele': expected the ALT"):
        reference.tag_snps("HLA-B", reference_dir=str(folder))
    fields[7], fields[0] = "G", "HLA-B*99:99"
    path.write_text("\n".join(lines[:-1] + ["\t".join(fields)]) + "\n")
    with pytest.raises(ReferenceDataError, match=r"column 'allele': expected an allele listed in alleles.tsv"):
        reference.tag_snps("HLA-B", reference_dir=str(folder))


# --- calling -------------------------------------------------------------------------------------------------

def test_carriers_non_carrier_and_missing(cohort):
    calls = pgx.call(cohort, genes=["HLA-B"])
    assert calls.columns == list(pgx.pipeline.CALL_SCHEMA)
    rows = _rows(calls)
    assert rows["HET"]["diplotype"] == "*57:01 positive (tag rs2395029, 1 copy of G)"
    assert rows["HOM"]["diplotype"] == "*57:01 positive (tag rs2395029, 2 copies of G)"
    assert rows["NON"]["diplotype"] == "*57:01 negative (tag rs2395029, 0 copies of G)"
    assert [rows[s]["phenotype"] for s in SAMPLES] == [
        "HLA-B*57:01 positive", "HLA-B*57:01 positive", "HLA-B*57:01 negative", None]
    for s in ("HET", "HOM", "NON"):
        assert rows[s]["warnings"] == [HLA_TAG_PROXY]
        assert rows[s]["haplotype_1"] is None and rows[s]["haplotype_2"] is None
        assert rows[s]["missing_positions"] == [] and rows[s]["alternatives"] == []
    # a no-call at the tag is not called, never negative
    assert rows["MISSING"]["diplotype"] is None
    assert rows["MISSING"]["warnings"] == ["not_called", "missing_positions", HLA_TAG_PROXY]
    assert rows["MISSING"]["missing_positions"] == ["chr6:31464003 (rs2395029)"]


def test_absent_position_not_called_unless_assume_reference(tmp_path):
    path = _vcf(tmp_path, [(POS38 + 5000, "A", "C", ".", ["0/1"])], ["S1"])
    row = _rows(pgx.call(path, genes=["HLA-B"]))["S1"]
    assert row["diplotype"] is None and row["phenotype"] is None
    assert row["warnings"] == ["not_called", "missing_positions", HLA_TAG_PROXY]
    # a record 5 kb away says nothing about the tag: still not called, even assuming reference
    far = _rows(pgx.call(path, genes=["HLA-B"], assume_reference=True))["S1"]
    assert far["diplotype"] is None and far["phenotype"] is None
    assert far["warnings"] == ["not_called", "missing_positions", HLA_TAG_PROXY, "no_data_in_region"]
    # a record next to the tag: the input covers the region, the tag is assumed reference
    near = _vcf(tmp_path, [(POS38 + 40, "A", "C", ".", ["0/1"])], ["S1"], name="near.vcf")
    assumed = _rows(pgx.call(near, genes=["HLA-B"], assume_reference=True))["S1"]
    assert assumed["diplotype"] == "*57:01 negative (tag rs2395029, 0 copies of G)"
    assert assumed["phenotype"] == "HLA-B*57:01 negative"
    assert assumed["warnings"] == ["assumed_reference", HLA_TAG_PROXY, "assumed_positions: chr6:31464003 (rs2395029)"]


def test_grch37_positions(tmp_path):
    path = _vcf(tmp_path, [(POS37, "T", "G", ".", ["0/1", "0/0"])], ["CARRIER", "NON"], build="GRCh37")
    rows = _rows(pgx.call(path, genes=["HLA-B"]))
    assert rows["CARRIER"]["phenotype"] == "HLA-B*57:01 positive"
    assert rows["NON"]["phenotype"] == "HLA-B*57:01 negative"
    # the GRCh38 coordinate means nothing in a GRCh37 file
    wrong = _vcf(tmp_path, [(POS38, "T", "G", ".", ["0/1"])], ["S1"], build="GRCh37", name="wrong.vcf")
    row = _rows(pgx.call(wrong, genes=["HLA-B"]))["S1"]
    assert row["diplotype"] is None and row["missing_positions"] == ["chr6:31431780 (rs2395029)"]


def test_representations_gvcf_multiallelic_and_novel(tmp_path):
    rows = [
        (POS38 - 10, "A", "<NON_REF>", f"END={POS38 + 10}", ["0/0", "./.", "./."]),
        (POS38, "T", "C,G", ".", ["./.", "0/2", "0/1"]),
    ]
    calls = _rows(pgx.call(_vcf(tmp_path, rows, ["BLOCK", "MULTI", "NOVEL"]), genes=["HLA-B"]))
    assert calls["BLOCK"]["phenotype"] == "HLA-B*57:01 negative"
    assert "gvcf_reference" in calls["BLOCK"]["warnings"]
    assert calls["MULTI"]["diplotype"] == "*57:01 positive (tag rs2395029, 1 copy of G)"
    # T>C at the tag is no allele the proxy knows: not called
    assert calls["NOVEL"]["diplotype"] is None
    assert calls["NOVEL"]["novel_positions"] == ["chr6:31464003 (rs2395029)"]
    assert calls["NOVEL"]["warnings"] == ["not_called", "novel_allele", HLA_TAG_PROXY]


def test_default_genes_include_the_proxy(cohort):
    calls = pgx.call(cohort)
    assert set(calls["gene"]) == set(pgx.calling.callable_genes()) | {"HLA-B"}
    assert _rows(calls)["HET"]["phenotype"] == "HLA-B*57:01 positive"
    assert "HLA-A" not in set(calls["gene"])  # no sourced HLA-A*31:01 tag
    example = pgx.call(pgx.example_vcf())
    assert all(r["warnings"][0] == "not_called" for r in _rows(example).values())


def test_outside_call_overrides_the_proxy(cohort, tmp_path):
    outside = tmp_path / "outside.tsv"
    outside.write_text("sample_id\tgene\tdiplotype\n"
                       "HET\tHLA-B\t*07:02/*08:01\n"
                       "NON\tHLA-B\t*57:01/*44:02\n")
    rows = _rows(pgx.call(cohort, genes=["HLA-B"], outside_calls=str(outside)))
    assert rows["HET"]["diplotype"] == "*07:02/*08:01" and rows["HET"]["warnings"] == ["outside_call"]
    assert rows["NON"]["diplotype"] == "*44:02/*57:01" and rows["NON"]["warnings"] == ["outside_call"]
    assert rows["HET"]["phenotype"] != "HLA-B*57:01 positive"
    assert rows["HOM"]["warnings"] == [HLA_TAG_PROXY]  # samples without an outside call keep the proxy
    recs = pgx.recommend(pgx.call(cohort, genes=["HLA-B"], outside_calls=str(outside)), drugs=["abacavir"],
                         sources=["CPIC"])
    action = dict(recs.select("sample_id", "action").iter_rows())
    assert action == {"HET": "standard", "NON": "avoid", "HOM": "avoid", "MISSING": "no_recommendation"}


def test_proxy_phenotypes_reads_only_proxy_rows():
    frame = pl.DataFrame({
        "sample_id": ["A", "B", "C"], "gene": ["HLA-B", "HLA-B", "HLA-B"],
        "diplotype": ["*57:01 negative (tag rs2395029, 0 copies of G)", "*57:01/*08:01", None],
        "warnings": [[HLA_TAG_PROXY], ["outside_call"], ["not_called", HLA_TAG_PROXY]],
    })
    assert proxy_phenotypes(frame) == {("A", "HLA-B"): "HLA-B*57:01 negative"}


# --- recommendations and reports ----------------------------------------------------------------------------------

def test_abacavir_follows_the_proxy_and_says_so(cohort):
    recs = pgx.recommend(pgx.call(cohort, genes=["HLA-B"]), drugs=["abacavir"], sources=["CPIC"])
    by = {r["sample_id"]: r for r in recs.to_dicts()}
    assert by["HET"]["action"] == by["HOM"]["action"] == "avoid"
    assert by["HET"]["recommendation"] == "Do not use abacavir."
    assert by["NON"]["action"] == "standard"
    assert by["MISSING"]["action"] == "no_recommendation"
    assert by["HET"]["phenotypes"] == ["HLA-B: HLA-B*57:01 positive"]
    for sample in ("HET", "HOM", "NON"):
        assert by[sample]["reasons"][0].startswith("HLA-B: tag-SNP proxy (*57:01 ")
        assert "not an HLA typing" in by[sample]["reasons"][0]


def test_proxy_says_nothing_about_untagged_alleles(cohort):
    """*58:01 (allopurinol) and *15:02 (carbamazepine, phenytoin) have no tag: never 'standard'."""
    recs = pgx.recommend(pgx.call(cohort, genes=["HLA-B"]), drugs=["allopurinol", "oxcarbazepine", "carbamazepine"],
                         sources=["CPIC"])
    assert set(recs["action"]) == {"no_recommendation"}


def test_status_diplotype_is_not_read_as_allele_names():
    calls = pl.DataFrame({"sample_id": ["s1"], "gene": ["HLA-B"],
                          "diplotype": ["*57:01 positive (tag rs2395029, 1 copy of G)"], "phenotype": [None],
                          "warnings": [[HLA_TAG_PROXY]]}, schema_overrides={"phenotype": pl.String})
    assert pgx.recommend(calls, drugs=["abacavir"], sources=["CPIC"])["action"].to_list() == ["avoid"]


def test_report_shows_the_proxy(cohort, tmp_path):
    out = tmp_path / "reports"
    pgx.pipeline.report(cohort, out, drugs=["abacavir"], genes=["HLA-B"], formats=("json", "html"))
    doc = json.loads((out / "HET.json").read_text())
    gene = doc["genes"][0]
    assert gene["gene"] == "HLA-B" and gene["called"] is True
    assert gene["warnings"] == [HLA_TAG_PROXY] and gene["phenotype"] == "HLA-B*57:01 positive"
    drug = doc["recommendations"][0]
    assert drug["drug"] == "abacavir" and drug["action"] == "avoid"
    assert any("tag-SNP proxy" in reason for reason in drug["reasons"])
    html = (out / "HET.html").read_text()
    assert "*57:01 positive (tag rs2395029, 1 copy of G)" in html and "hla tag proxy" in html
