"""Safe answers on real inputs (issue #19): assume-reference only where the input reaches a
gene, repeated, contradicting, multi-allelic and half calls at definition positions, and
the alleles that missing positions leave open. Each case checks what a reader of the
calls or the report sees: the diplotype, the phenotype, the advice and the warning that
names the position."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

import pgx
from pgx.exceptions import DuplicateRecordWarning
from pgxcli import run_pgx

# stable facts (CPIC / PharmVar, GRCh38): CYP2C19 *2 = rs4244285 G>A, *17 = rs12248560 C>T;
# CYP2C9 *2 = rs1799853 C>T, *3 = rs1057910 A>C
STAR2 = (94781859, "G", "A")
STAR17 = (94761900, "C", "T")
C9_STAR2 = (94942290, "C", "T")
C9_STAR3 = (94981296, "A", "C")
STAR2_LABEL = "chr10:94781859 (rs4244285)"
# CPIC: *1 and every allele but *38 carry rs3758581 G; typed, it tells *1 from *38
RS3758581 = (94842866, "A", "G")
STAR4_CORE = (94762706, "A", "G")  # rs28399504, *4's own variant
HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=chr10,length=133797422>\n##contig=<ID=chr6,length=170805979>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")


def _vcf(tmp_path: Path, rows, name: str = "t.vcf") -> str:
    """A one-sample VCF of ``(pos, ref, alt, gt)`` rows on chr10 (or ``(chrom, pos, ref, alt, gt)``)."""
    lines = []
    for row in rows:
        chrom, (pos, ref, alt, gt) = (row[0], row[1:]) if len(row) == 5 else ("chr10", row)
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{gt}\n")
    path = tmp_path / name
    path.write_text(HEAD + "".join(lines))
    return str(path)


def _row(calls: pl.DataFrame, gene: str) -> dict:
    rows = calls.filter(pl.col("gene") == gene).to_dicts()
    assert len(rows) == 1
    return rows[0]


def _warning(row: dict, code: str) -> str:
    """The detail of the ``code: detail`` warning of a row ('' when it is absent)."""
    found = [w.partition(": ")[2] for w in row["warnings"] if w.partition(": ")[0] == code]
    return found[0] if found else ""


def _advice(calls: pl.DataFrame, drug: str) -> dict:
    recs = pgx.recommend(calls, drugs=[drug], sources=["CPIC"]).to_dicts()
    assert len(recs) == 1
    return recs[0]


# --- 1. assume-reference only where the input reaches the gene ---------------------------------

def test_assume_reference_leaves_genes_the_file_does_not_reach_not_called(tmp_path):
    path = _vcf(tmp_path, [(*STAR2, "0/1")])
    calls = pgx.call(path, genes=["CYP2C19", "DPYD", "TPMT", "CYP2D6", "HLA-B"], assume_reference=True)
    for gene in ("DPYD", "TPMT", "CYP2D6", "HLA-B"):
        row = _row(calls, gene)
        assert row["diplotype"] is None and row["phenotype"] is None, gene
        assert "not_called" in row["warnings"] and "no_data_in_region" in row["warnings"], gene
        assert "assumed_reference" not in row["warnings"], gene
    # the gene the file reaches is assumed reference where absent, and says where
    row = _row(calls, "CYP2C19")
    assert "assumed_reference" in row["warnings"]
    assert "chr10:94761900 (rs12248560)" in _warning(row, "assumed_positions")
    assert STAR2_LABEL not in _warning(row, "assumed_positions")
    assert _advice(calls, "abacavir")["action"] == "no_recommendation"


def test_example_report_assume_reference_gives_no_advice_the_file_cannot_support(tmp_path):
    example = Path(pgx.__file__).parent / "examples" / "example.vcf"
    out = tmp_path / "out"
    done = run_pgx("report", str(example), "-o", str(out), "--assume-reference", "--format", "json,html")
    assert done.returncode == 0, done.stderr
    for path in sorted(out.glob("*.json")):
        report = json.loads(path.read_text())
        genes = {g["gene"]: g for g in report["genes"]}
        for gene in ("HLA-B", "CYP2D6", "G6PD"):
            assert not genes[gene]["called"] and genes[gene]["phenotype"] is None, (path.name, gene)
            assert "no_data_in_region" in genes[gene]["warnings"]
        abacavir = [d for d in report["recommendations"] if d["drug"] == "abacavir"]
        assert abacavir and all(d["action"] == "no_recommendation" for d in abacavir)
        assert all("usual" not in d["recommendation"] for d in abacavir)
        html = path.with_suffix(".html").read_text()
        assert "no record in this gene&#x27;s region" in html


# --- 2. duplicated, contradicting, multi-allelic records and half calls --------------------------

def test_identical_duplicate_record_counts_once(tmp_path):
    path = _vcf(tmp_path, [(*STAR17, "0/0"), (*STAR2, "0/1"), (*STAR2, "0/1"), (*RS3758581, "0/1")])
    with pytest.warns(DuplicateRecordWarning, match="chr10:94781859"):
        calls = pgx.call(path, genes=["CYP2C19"])
    row = _row(calls, "CYP2C19")
    assert row["diplotype"] == "*2/*38"
    assert row["phenotype"] == "Intermediate Metabolizer"
    assert _warning(row, "duplicate_record") == STAR2_LABEL


def test_contradicting_records_leave_the_gene_not_called(tmp_path):
    path = _vcf(tmp_path, [(*STAR17, "0/0"), (*STAR2, "0/1"), (*STAR2, "1/1")])
    with pytest.warns(DuplicateRecordWarning):
        calls = pgx.call(path, genes=["CYP2C19"])
    row = _row(calls, "CYP2C19")
    assert row["diplotype"] is None and row["phenotype"] is None
    assert "not_called" in row["warnings"]
    assert _warning(row, "contradictory_records") == STAR2_LABEL
    assert _advice(calls, "clopidogrel")["action"] == "no_recommendation"


def test_more_alt_copies_than_the_ploidy_is_a_contradiction(tmp_path):
    # split records: two copies of A and one of T at a diploid position
    path = _vcf(tmp_path, [(*STAR17, "0/0"), (*STAR2, "1/1"), (94781859, "G", "T", "0/1")])
    row = _row(pgx.call(path, genes=["CYP2C19"]), "CYP2C19")
    assert row["diplotype"] is None
    assert _warning(row, "contradictory_records") == STAR2_LABEL


def test_multiallelic_record_keeps_the_defined_allele(tmp_path):
    # 1/2 of A,T: one copy of *2's A and one of an allele no definition uses
    path = _vcf(tmp_path, [(*STAR17, "0/1"), (94781859, "G", "A,T", "1/2")])
    calls = pgx.call(path, genes=["CYP2C19"])
    row = _row(calls, "CYP2C19")
    assert row["diplotype"] is None and row["phenotype"] != "Rapid Metabolizer"
    assert row["novel_positions"] == [STAR2_LABEL]
    assert _warning(row, "novel_and_defined_allele") == STAR2_LABEL
    assert _advice(calls, "clopidogrel")["action"] == "no_recommendation"
    # the same genotype written as split records reads the same
    split = _vcf(tmp_path, [(*STAR17, "0/1"), (*STAR2, "0/1"), (94781859, "G", "T", "0/1")], name="s.vcf")
    assert _row(pgx.call(split, genes=["CYP2C19"]), "CYP2C19")["warnings"] == row["warnings"]


def test_half_call_is_one_or_two_copies_never_reference(tmp_path):
    path = _vcf(tmp_path, [(*STAR17, "0/0"), (*STAR2, "./1")])
    calls = pgx.call(path, genes=["CYP2C19"])
    row = _row(calls, "CYP2C19")
    # rs3758581 (which *2 carries) is not typed, so *1/*2 and *2/*38 both fit one copy
    assert {row["diplotype"], *row["alternatives"]} >= {"*2/*38", "*2/*2"}
    assert row["phenotype"] == "Indeterminate"
    expected = {"*2/*38": "Intermediate Metabolizer", "*1/*2": "Intermediate Metabolizer",
                "*2/*2": "Poor Metabolizer"}
    assert all(expected[d] == p for d, p in zip(row["alternatives"], row["alternative_phenotypes"])
               if d in expected)
    assert _advice(calls, "clopidogrel")["ambiguous"] is True
    assert _warning(row, "half_call") == STAR2_LABEL
    # phased or not, the same answer
    phased = _vcf(tmp_path, [(*STAR17, "0|0"), (*STAR2, ".|1")], name="p.vcf")
    again = _row(pgx.call(phased, genes=["CYP2C19"]), "CYP2C19")
    assert {again["diplotype"], *again["alternatives"]} >= {"*2/*38", "*2/*2"}
    # ./0 says nothing certain about the ALT: the position is missing, not reference
    ref_half = _row(pgx.call(_vcf(tmp_path, [(*STAR17, "0/0"), (*STAR2, "./0")], name="r.vcf"),
                             genes=["CYP2C19"]), "CYP2C19")
    assert STAR2_LABEL in ref_half["missing_positions"]


def test_half_call_at_the_hla_tag_is_a_carrier(tmp_path):
    path = _vcf(tmp_path, [("chr6", 31464003, "T", "G", "./1")])
    calls = pgx.call(path, genes=["HLA-B"])
    row = _row(calls, "HLA-B")
    assert row["phenotype"] == "HLA-B*57:01 positive"
    assert row["diplotype"] == "*57:01 positive (tag rs2395029, 1 or 2 copies of G)"
    assert _warning(row, "half_call") == "chr6:31464003 (rs2395029)"
    assert _advice(calls, "abacavir")["action"] == "avoid"


def test_record_warnings_reach_the_reports(tmp_path):
    path = _vcf(tmp_path, [(*STAR17, "0/0"), (*STAR2, "0/1"), (*STAR2, "1/1")])
    out = tmp_path / "out"
    with pytest.warns(DuplicateRecordWarning):
        pgx.pipeline.report(path, out, genes=["CYP2C19"], drugs=["clopidogrel"], formats=("json", "html"))
    report = json.loads((out / "S1.json").read_text())
    gene = report["genes"][0]
    assert not gene["called"]
    assert f"contradictory_records: {STAR2_LABEL}" in gene["warnings"]
    html = (out / "S1.html").read_text()
    assert "Records give different genotypes at the same position" in html
    assert STAR2_LABEL in html


# --- 3. missing positions: one policy, the open alleles named -----------------------------------

def _open_alleles(row: dict) -> dict[str, str]:
    """``not_ruled_out`` as allele -> the positions that leave it open."""
    text = _warning(row, "not_ruled_out")
    return {entry.split(" ", 1)[0]: entry.split(" ", 1)[1] for entry in text.split("; ")} if text else {}


def test_missing_positions_name_the_alleles_not_ruled_out(tmp_path):
    # CYP2C9: *3 typed (reference), *2's position absent
    c9 = _row(pgx.call(_vcf(tmp_path, [(*C9_STAR3, "0/0")], name="c9.vcf"), genes=["CYP2C9"]), "CYP2C9")
    assert c9["diplotype"] == "*1/*1" and c9["phenotype"] == "Normal Metabolizer"
    open_c9 = _open_alleles(c9)
    assert "rs1799853" in open_c9["*2"] and "*3" not in open_c9
    # CYP2C19 under the same policy: *17 typed, *2's position absent
    # (rs3758581 untyped: *1/*1 and *38/*38 tie, both normal function)
    c19 = _row(pgx.call(_vcf(tmp_path, [(*STAR17, "0/0")], name="c19.vcf"), genes=["CYP2C19"]), "CYP2C19")
    assert c19["diplotype"] in ("*38/*38", "*1/*1") and c19["phenotype"] == "Normal Metabolizer"
    open_c19 = _open_alleles(c19)
    assert "rs4244285" in open_c19["*2"] and "*17" not in open_c19
    # typing the position rules the allele out
    full = _row(pgx.call(_vcf(tmp_path, [(*C9_STAR2, "0/0"), (*C9_STAR3, "0/0")], name="f.vcf"),
                         genes=["CYP2C9"]), "CYP2C9")
    assert "*2" not in _open_alleles(full) and "*3" not in _open_alleles(full)


def test_open_alleles_reach_the_html_report(tmp_path):
    out = tmp_path / "out"
    pgx.pipeline.report(_vcf(tmp_path, [(*C9_STAR3, "0/0")]), out, genes=["CYP2C9"], formats=("html",))
    html = (out / "S1.html").read_text()
    assert "Alleles not ruled out because positions that define them are missing:" in html
    assert "*2 (rs1799853" in html
    # the genes table gives the count, not a wall of text; the list is in its own section
    genes_table = html.split('<section id="genes">', 1)[1].split("</section>", 1)[0]
    assert re.search(r'not ruled out \((\d+), listed under "Not called or uncertain"\)', genes_table)
    assert "*2 (rs1799853" not in genes_table
    assert "*2 (rs1799853" in html.split('<section id="not-called">', 1)[1]


def test_repeated_novel_record_is_a_duplicate_not_a_contradiction(tmp_path):
    rows = [(*STAR17, "0/1"), (*STAR4_CORE, "0/0"), (94781859, "G", "T", "1/1"), (94781859, "G", "T", "1/1"),
            (*RS3758581, "0/1")]
    with pytest.warns(DuplicateRecordWarning):
        row = _row(pgx.call(_vcf(tmp_path, rows), genes=["CYP2C19"]), "CYP2C19")
    assert row["novel_positions"] == [STAR2_LABEL]
    assert _warning(row, "duplicate_record") == STAR2_LABEL and not _warning(row, "contradictory_records")
    assert row["diplotype"] == "*17/*38"


def test_region_reads_assume_nothing_where_the_file_has_no_record(tmp_path):
    """Gene by gene ``region=`` reads (the cohort partitions) give what one whole read gives."""
    import pysam

    from pgx.cluster import call_partitioned

    # two samples: S1 carries *2 and *17, S2 is reference at the three positions typed
    plain = tmp_path / "panel.vcf"
    plain.write_text(HEAD.replace("\tS1\n", "\tS1\tS2\n") + "".join(
        f"chr10\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{gt}\t0/0\n"
        for pos, ref, alt, gt in [(*STAR17, "0/1"), (*STAR2, "0/1"), (*C9_STAR3, "0/0")]))
    indexed = pysam.tabix_index(str(plain), preset="vcf", force=True, keep_original=True)
    genes = ["CYP2C19", "CYP2C9", "DPYD", "TPMT", "HLA-B"]
    whole = pgx.call(pgx.read_vcf(indexed), genes=genes, assume_reference=True)
    run = call_partitioned(indexed, genes=genes, assume_reference=True, by_region=True, sample_block=1)
    assert all(p.region is not None for p in run.partitions)
    assert run.calls.equals(whole)
    for sample in ("S1", "S2"):
        rows = {r["gene"]: r for r in whole.filter(pl.col("sample_id") == sample).to_dicts()}
        assert {g for g, r in rows.items() if "no_data_in_region" in r["warnings"]} == {"DPYD", "TPMT", "HLA-B"}
        assert all(rows[g]["diplotype"] is None for g in ("DPYD", "TPMT", "HLA-B"))
    assert _row(whole.filter(pl.col("sample_id") == "S2"), "CYP2C9")["diplotype"] == "*1/*1"


def test_a_region_read_assumes_nothing_outside_the_region(tmp_path):
    import pysam

    plain = Path(_vcf(tmp_path, [(*STAR17, "0/0"), (*STAR2, "0/1"), (*C9_STAR3, "0/0")], name="p.vcf"))
    indexed = pysam.tabix_index(str(plain), preset="vcf", force=True, keep_original=True)
    # the read stops before *2's position: it was never looked at
    cs = pgx.read_vcf(indexed, region="chr10:94761000-94770000")
    assert cs.regions == (("chr10", 94761000, 94770000),)
    calls = pgx.call(cs, genes=["CYP2C19", "CYP2C9"], assume_reference=True)
    c19 = _row(calls, "CYP2C19")
    assert STAR2_LABEL in c19["missing_positions"]
    assumed = [int(p) for p in re.findall(r"chr10:(\d+)", _warning(c19, "assumed_positions"))]
    assert assumed and all(94761000 <= p <= 94770000 for p in assumed)
    # *2's position was not read: the call says it is open, never that it is absent
    # (rs3758581 was not read either: *1/*1 and *38/*38 tie, both normal function)
    assert c19["diplotype"] in ("*38/*38", "*1/*1") and "rs4244285" in _open_alleles(c19)["*2"]
    # CYP2C9 lies outside the read: not called, even though the file has a record there
    c9 = _row(calls, "CYP2C9")
    assert c9["diplotype"] is None and "no_data_in_region" in c9["warnings"]


def test_half_call_in_a_lowest_function_gene(tmp_path):
    # DPYD c.1905+1G>A (rs3918290, chr1:97450058 C>T): one copy is intermediate, two are poor
    text = HEAD.replace("##contig=<ID=chr6", "##contig=<ID=chr1,length=248956422>\n##contig=<ID=chr6")
    path = tmp_path / "dpyd.vcf"
    path.write_text(text + "chr1\t97450058\trs3918290\tC\tT\t.\tPASS\t.\tGT\t./1\n")
    calls = pgx.call(str(path), genes=["DPYD"])
    row = _row(calls, "DPYD")
    assert row["phenotype"] == "Indeterminate"
    assert sorted([row["phenotype"], *row["alternative_phenotypes"]]) in (
        ["Indeterminate", "Intermediate Metabolizer"], ["Indeterminate", "Poor Metabolizer"])
    assert len(row["alternatives"]) == 1
    assert _warning(row, "half_call") == "chr1:97450058 (rs3918290)"
    advice = _advice(calls, "fluorouracil")
    # two copies would be a poor metabolizer (activity score 0): CPIC says avoid, the most
    # cautious of the two readings
    assert advice["ambiguous"] is True and advice["action"] == "avoid"
