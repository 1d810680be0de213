"""pgx.oncology: annotation parsing, biomarker matching in order, tumour-type specificity, resistance, TMB."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pgx
from pgx.exceptions import PgxError, ReferenceDataError
from pgx.oncology import (
    MATCH_COLUMNS, MATCH_TYPES, AnnotationError, OncologyError, SomaticCalls, UnknownTumorTypeError, biomarkers,
    germline_toxicity, match, read_copy_numbers, read_fusions, read_somatic, short_protein, somatic_variants, tmb,
    tumor_types,
)

DATA = Path(__file__).parent / "data" / "oncology"
REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def vep():
    return read_somatic(DATA / "somatic_vep.vcf")


@pytest.fixture(scope="module")
def snpeff():
    return read_somatic(DATA / "somatic_snpeff.vcf")


def _hits(frame, **where):
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    return frame


def _therapies(frame, **where):
    return set(_hits(frame, **where)["therapy"].to_list())


# --- reading and annotation ---------------------------------------------------------------------------

def test_read_vep_takes_tumour_role_from_header(vep):
    assert vep.annotation == "CSQ"
    assert vep.callset.sample_ids[vep.tumor_sample] == "TUMOR"
    assert vep.tumor_sample == 1
    assert {"AD", "DP"} <= set(vep.callset.calldata)


def test_vep_canonical_transcript_wins(vep):
    table = somatic_variants(vep)
    braf = table.filter(pl.col("gene") == "BRAF")
    assert braf["protein"].to_list() == ["V600E"]  # the non-canonical V640E entry is listed first
    assert braf["exon"].to_list() == [[15]]


def test_germline_only_call_is_not_in_tumour(vep):
    table = somatic_variants(vep)
    assert table.filter(pl.col("gene") == "GENEX")["in_tumor"].to_list() == [False]


def test_snpeff_terms_normalised(snpeff):
    table = somatic_variants(snpeff)
    egfr = table.filter(pl.col("gene") == "EGFR").row(0, named=True)
    assert egfr["consequence"] == ["inframe_deletion"]
    met = table.filter(pl.col("gene") == "MET").row(0, named=True)
    assert met["exon"] == [] and met["intron"] == [13]  # SnpEff's Rank is the intron's for splice variants


@pytest.mark.parametrize(("hgvsp", "expected"), [
    ("ENSP00000275493.2:p.Leu858Arg", "L858R"), ("p.(Val600Glu)", "V600E"), ("p.V600E", "V600E"),
    ("p.Pro72%3D", "P72="), ("p.Arg1450*", "R1450*"), ("p.Arg1450Ter", "R1450*"),
    ("p.Asp770_Asn771insSerValAsp", "D770_N771insSVD"), ("", None), (None, None),
])
def test_short_protein(hgvsp, expected):
    assert short_protein(hgvsp) == expected


# --- matching order and match types ---------------------------------------------------------------------

def test_output_schema(vep):
    out = match(vep, tumor_type="LUAD")
    assert dict(out.schema) == MATCH_COLUMNS
    assert set(out["match_type"]) <= set(MATCH_TYPES)
    ranks = [MATCH_TYPES.index(m) for m in out["match_type"]]
    assert ranks == sorted(ranks)


def test_exact_match_egfr_l858r(vep):
    out = match(vep, tumor_type="LUAD")
    hits = _hits(out, gene="EGFR", alteration="L858R")
    # datopotamab deruxtecan's row is gene level (any EGFR mutation); the TKIs' rows name L858R
    assert _hits(hits, therapy="datopotamab deruxtecan")["match_type"].to_list() == ["gene"]
    hits = hits.filter(pl.col("therapy") != "datopotamab deruxtecan")
    assert set(hits["match_type"]) == {"exact"}
    assert {"osimertinib", "erlotinib", "gefitinib", "afatinib", "dacomitinib"} <= set(hits["therapy"])
    assert hits["locus"].to_list()[0] == "chr7:55191822 T>G"
    assert set(hits["tier"]) == {"I-A"} and set(hits["tumor_type"]) == {"NSCLC"}


def test_exon_rule_egfr_exon19_deletion(vep):
    hits = _hits(match(vep, tumor_type="LUAD"), gene="EGFR", alteration="E746_A750del")
    hits = hits.filter(pl.col("therapy") != "datopotamab deruxtecan")  # gene level, see above
    assert set(hits["match_type"]) == {"exon"}
    assert "osimertinib" in set(hits["therapy"])
    assert set(hits["biomarker"]) == {"EGFR 19:inframe_deletion"}


def test_exon_rule_met_exon14_skipping_vep_donor(vep):
    hits = _hits(match(vep, tumor_type="NSCLC"), gene="MET")
    assert set(hits["therapy"]) == {"capmatinib", "tepotinib"}
    assert set(hits["match_type"]) == {"exon"}
    assert set(hits["alteration"]) == {"c.3028+1G>A"}  # no protein change: the HGVSc is shown


def test_exon_rule_met_exon14_skipping_snpeff_acceptor(snpeff):
    hits = _hits(match(snpeff, tumor_type="LUAD"), gene="MET")
    assert set(hits["therapy"]) == {"capmatinib", "tepotinib"}


def test_snpeff_exon19_deletion_matches(snpeff):
    assert "osimertinib" in _therapies(match(snpeff, tumor_type="LUAD"), gene="EGFR", match_type="exon")


def test_exon_beats_gene_level_for_same_therapy(vep):
    hits = _hits(match(vep, tumor_type="LUAD"), gene="ERBB2")
    assert hits.filter(pl.col("therapy") == "fam-trastuzumab deruxtecan")["match_type"].to_list() == ["exon"]
    assert set(hits["therapy"]) == {"fam-trastuzumab deruxtecan", "zongertinib"}  # zongertinib: gene level only


def test_codon_match_idh1(vep):
    hits = _hits(match(vep, tumor_type="AML"), gene="IDH1")
    assert set(hits["match_type"]) == {"codon"}
    assert set(hits["therapy"]) == {"ivosidenib", "olutasidenib"}
    assert set(hits["alteration"]) == {"R132H"}


def test_gene_level_loss_of_function_brca2(vep):
    hits = _hits(match(vep, tumor_type="PRAD"), gene="BRCA2")
    assert set(hits["match_type"]) == {"gene"}
    assert {"olaparib", "rucaparib"} <= set(hits["therapy"])
    assert set(hits["alteration"]) == {"S1982Rfs*22"}


def test_gene_level_gain_of_function_pik3ca_and_exact(vep):
    hits = _hits(match(vep, tumor_type="BRCA"), gene="PIK3CA")
    by = dict(hits.select("therapy", "match_type").rows())
    assert by["alpelisib + fulvestrant"] == "exact"
    assert by["capivasertib + fulvestrant"] == "gene"


def test_copy_number():
    out = match(tumor_type="BRCA", cna={"ERBB2": "amp", "CDK4": "deletion"})
    assert set(out["match_type"]) == {"copy_number"}
    assert "trastuzumab" in set(out["therapy"])
    assert match(tumor_type="STAD", cna=pl.DataFrame({"gene": ["ERBB2"], "call": ["amplification"]}))[
        "therapy"].to_list() == [
        "trastuzumab", "pembrolizumab + trastuzumab + fluoropyrimidine and platinum chemotherapy"]
    assert match(tumor_type="BRCA", cna={"ERBB2": "deletion"}).height == 0


def test_fusions_any_partner_and_specific_pair(tmp_path):
    out = match(tumor_type="LUAD", fusions=["EML4::ALK", "CD74--ROS1"])
    assert set(out["match_type"]) == {"fusion"}
    assert "alectinib" in _therapies(out, gene="ALK") and "entrectinib" in _therapies(out, gene="ROS1")
    assert set(_hits(out, gene="ROS1")["alteration"]) == {"CD74::ROS1"}
    assert match(tumor_type="BLCA", fusions=["FGFR3::TACC3"])["therapy"].to_list() == ["erdafitinib"]
    assert match(tumor_type="BLCA", fusions=["FGFR3::XYZ1"]).height == 0  # only the named partners
    path = tmp_path / "fusions.tsv"
    path.write_text("fusion\treads\nETV6::NTRK3\t12\n", encoding="utf-8")
    agnostic = match(tumor_type="THPA", fusions=path)
    assert {"larotrectinib", "entrectinib"} <= set(agnostic["therapy"]) and set(agnostic["tumor_type"]) == {"SOLID"}



def test_read_fusions_with_and_without_a_header(tmp_path):
    path = tmp_path / "fusions.tsv"
    path.write_text("# from STAR-Fusion\nreads\tfusion\n12\teml4--alk\n\n3\tEML4::ALK\n", encoding="utf-8")
    assert read_fusions(path)["fusion"].to_list() == ["EML4::ALK"]  # header column, '--', case, repeats
    path.write_text("CD74::ROS1\t8\nETV6::NTRK3\n", encoding="utf-8")
    assert read_fusions(path)["fusion"].to_list() == ["CD74::ROS1", "ETV6::NTRK3"]
    path.write_text("# no fusions found\nfusion\n", encoding="utf-8")
    assert read_fusions(path).height == 0
    path.write_bytes(b"fusion\nEML4::ALK\xff\n")
    with pytest.raises(OncologyError, match="fusions.tsv: expected UTF-8"):
        read_fusions(path)


@pytest.mark.parametrize(("text", "message"), [
    ("fusion\treads\nEML4::ALK\t3\nEML4-ALK\t4\n", "line 3, column fusion: expected a fusion as GENE1::GENE2"),
    ("reads\tfusion\n4\n", "line 2, column fusion: expected a fusion as GENE1::GENE2 .*, found nothing"),
    ("#c\nFusionName\n", "line 2, column 1: expected .* or a header naming a 'fusion' column, found 'FusionName'"),
    ("EML4::ALK\nALK\n", "line 2, column 1: .* found 'ALK'"),
])
def test_read_fusions_errors_name_file_line_and_column(tmp_path, text, message):
    path = tmp_path / "fusions.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OncologyError, match=f"fusions.tsv, {message}"):
        read_fusions(path)
    with pytest.raises(OncologyError, match=message):
        match(tumor_type="LUAD", fusions=path)


def test_read_copy_numbers(tmp_path):
    path = tmp_path / "cna.tsv"
    path.write_text("# purity 0.6\nCall\tcopies\tGene\nAMP\t14\terbb2\nhomdel\t0\tCDKN2A\n", encoding="utf-8")
    assert read_copy_numbers(path).rows() == [("ERBB2", "amplification"), ("CDKN2A", "deletion")]
    hits = match(tumor_type="BRCA", cna=path)
    assert set(hits["match_type"]) == {"copy_number"} and "trastuzumab" in set(hits["therapy"])


@pytest.mark.parametrize(("text", "message"), [
    ("gene\tcall\nERBB2\tgain\n", "line 2, column call: expected one of amp, amplification, .*, found 'gain'"),
    ("gene\tcall\nERBB2\n", "line 2, column call: .* found nothing"),
    ("gene\tcall\n\tamp\n", "line 2, column gene: expected an HGNC gene symbol .* found nothing"),
    ("gene\tcopies\nERBB2\t14\n", "line 1, column call: expected a header row naming .* gene and call"),
    ("ERBB2\tamp\n", "line 1, column gene: expected a header row"),
])
def test_read_copy_numbers_errors_name_file_line_and_column(tmp_path, text, message):
    path = tmp_path / "cna.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OncologyError, match=f"cna.tsv, {message}"):
        read_copy_numbers(path)
    with pytest.raises(OncologyError, match=message):
        match(tumor_type="BRCA", cna=str(path))
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(OncologyError, match="empty.tsv: expected a header row"):
        read_copy_numbers(empty)
    with pytest.raises(OncologyError, match="no such file"):
        read_copy_numbers(tmp_path / "missing.tsv")


def test_signatures():
    out = match(tumor_type="COAD", msi="dMMR", tmb=11.0)
    assert set(out["match_type"]) == {"signature"}
    assert {"pembrolizumab", "nivolumab", "nivolumab + ipilimumab"} <= _therapies(out, gene="MSI")
    assert _therapies(out, gene="TMB") == {"pembrolizumab"}
    assert match(tumor_type="COAD", msi="MSS", tmb=9.9).height == 0


def test_no_input_no_hits():
    assert match(tumor_type="LUAD").height == 0


# --- tumour-type specificity ----------------------------------------------------------------------------

def test_braf_v600e_melanoma_versus_colorectal(snpeff):
    melanoma = _hits(match(snpeff, tumor_type="SKCM"), gene="BRAF")
    colorectal = _hits(match(snpeff, tumor_type="COADREAD"), gene="BRAF")
    assert {"vemurafenib", "dabrafenib", "encorafenib + binimetinib"} <= set(melanoma["therapy"])
    assert not melanoma["resistance"].any()
    assert _therapies(colorectal, resistance=False) == {"encorafenib + cetuximab",
                                                        "encorafenib + cetuximab + fluorouracil-based chemotherapy"}
    assert _therapies(colorectal, resistance=True) == {"dabrafenib + trametinib"}
    assert "vemurafenib" not in set(colorectal["therapy"])


def test_tumour_agnostic_row_excludes_colorectal(snpeff):
    bladder = _hits(match(snpeff, tumor_type="BLCA"), gene="BRAF")
    assert bladder.select("therapy", "tumor_type").rows() == [("dabrafenib + trametinib", "SOLID|-COADREAD")]


def test_off_label_is_tier_ii_c(snpeff):
    out = _hits(match(snpeff, tumor_type="COADREAD", off_label=True), gene="BRAF")
    vemurafenib = _hits(out, therapy="vemurafenib")
    assert vemurafenib["tier"].to_list() == ["II-C"] and vemurafenib["tumor_type"].to_list() == ["MEL"]
    assert _hits(out, therapy="encorafenib + cetuximab")["tier"].to_list() == ["I-A"]


def test_ancestor_code_lists_descendant_evidence_as_subtype():
    # the evidence is for NSCLC; a tumour known only as 'lung' gets it, each row saying so
    hits = match(tumor_type="LUNG", fusions=["EML4::ALK"])
    assert hits.height and set(hits["scope"]) == {"subtype"} and set(hits["tumor_type"]) == {"NSCLC"}
    assert set(match(tumor_type="LUAD", fusions=["EML4::ALK"])["scope"]) == {"tumor_type"}


# --- resistance -----------------------------------------------------------------------------------------

def test_egfr_t790m_resistance(vep):
    out = _hits(match(vep, tumor_type="LUAD"), gene="EGFR", alteration="T790M")
    assert _therapies(out, resistance=True) == {"erlotinib", "gefitinib", "afatinib", "dacomitinib"}
    # datopotamab deruxtecan: any EGFR mutation after EGFR-directed therapy (gene level)
    assert _therapies(out, resistance=False) == {"osimertinib", "datopotamab deruxtecan"}


def test_kras_nras_colorectal_anti_egfr_resistance(snpeff, vep):
    out = match(snpeff, tumor_type="COADREAD")
    for gene in ("KRAS", "NRAS"):
        assert _therapies(out, gene=gene, resistance=True) == {"cetuximab", "panitumumab"}
    g12c = _hits(match(vep, tumor_type="COADREAD"), gene="KRAS")
    assert _therapies(g12c, resistance=False) == {"adagrasib + cetuximab", "sotorasib + panitumumab"}
    assert _therapies(g12c, resistance=True) == {"cetuximab", "panitumumab"}
    assert not _hits(match(snpeff, tumor_type="LUAD"), gene="KRAS")["resistance"].any()


# --- TMB ------------------------------------------------------------------------------------------------

def test_tmb_known_count(vep):
    # 9 coding non-synonymous PASS tumour calls: IDH1, PIK3CA, 3x EGFR, BRAF, KRAS, BRCA2, ERBB2
    # (not: germline-only, FILTER weak_evidence, MET splice, intron, synonymous, VAF 0.02, depth 8)
    assert tmb(vep, target_mb=1.5) == pytest.approx(6.0)
    assert tmb(vep, target_mb=1.0, min_vaf=0, min_depth=0) == pytest.approx(11.0)
    assert tmb(vep, target_mb=1.0, pass_only=False) == pytest.approx(10.0)
    assert tmb(vep, target_mb=1.0, consequences={"missense_variant"}) == pytest.approx(6.0)


def test_tmb_snpeff(snpeff):
    assert tmb(snpeff, target_mb=1.0) == pytest.approx(6.0)  # NRAS FGFR3 APC EGFR BRAF KRAS


@pytest.mark.parametrize("target", [0, -1.0, float("inf"), "1"])
def test_tmb_bad_target(vep, target):
    with pytest.raises(OncologyError, match="target_mb"):
        tmb(vep, target_mb=target)


def test_tmb_needs_ad_for_vaf_filter(vep):
    no_ad = dataclasses.replace(vep, callset=dataclasses.replace(vep.callset, calldata={}))
    with pytest.raises(OncologyError, match="needs per-sample AD"):
        tmb(no_ad, target_mb=1.0)
    assert tmb(no_ad, target_mb=1.0, min_vaf=0, min_depth=0) == pytest.approx(11.0)


# --- bad input ------------------------------------------------------------------------------------------

def test_unannotated_vcf():
    with pytest.raises(AnnotationError, match="VEP CSQ or SnpEff ANN") as info:
        read_somatic(DATA / "somatic_unannotated.vcf")
    assert isinstance(info.value, PgxError) and isinstance(info.value, ValueError)
    assert "somatic_unannotated.vcf" in str(info.value)


def test_callset_without_annotation_column_nor_source():
    cs = dataclasses.replace(pgx.read_vcf(DATA / "somatic_vep.vcf", fields=["AD"]), source=None)
    with pytest.raises(AnnotationError, match=r"VEP CSQ or SnpEff ANN.*source file is not known.*fields=\['ANN'\]"):
        match(cs, tumor_type="LUAD")


def test_csq_callset_needs_layout_or_source():
    cs = dataclasses.replace(pgx.read_vcf(DATA / "somatic_vep.vcf", fields=["CSQ"]), source=None)
    with pytest.raises(AnnotationError, match="Format.*read_somatic"):
        match(cs, tumor_type="LUAD")


def test_csq_without_format():
    with pytest.raises(AnnotationError, match="field CSQ: expected the CSQ Description"):
        read_somatic(DATA / "somatic_csq_no_format.vcf")


def test_csq_without_hgvsp():
    with pytest.raises(AnnotationError, match=r"lacks \['HGVSp'\].*--hgvs"):
        read_somatic(DATA / "somatic_csq_no_hgvs.vcf")


def test_truncated_csq_entry_names_line():
    calls = read_somatic(DATA / "somatic_csq_truncated.vcf")
    with pytest.raises(AnnotationError, match=r"somatic_csq_truncated.vcf, line 22, field CSQ: expected 13"):
        match(calls, tumor_type="LUAD")


def test_tumour_sample_required_when_ambiguous(vep):
    with pytest.raises(OncologyError, match="2 samples and no tumour role"):
        SomaticCalls.from_callset(dataclasses.replace(vep.callset, sample_ids=("A", "B")),
                                  description="Format: " + "|".join(vep.fields))
    with pytest.raises(OncologyError, match="names no sample"):
        read_somatic(DATA / "somatic_vep.vcf", tumor_sample="nobody")
    assert read_somatic(DATA / "somatic_vep.vcf", tumor_sample=0).tumor_sample == 0


def test_unknown_tumour_type(vep):
    with pytest.raises(UnknownTumorTypeError, match=r"'LAUD'; closest: Lung Adenocarcinoma \(LUAD\)"):
        match(vep, tumor_type="LAUD")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fusions": ["EML4-ALK"]}, "GENE1::GENE2"),
    ({"fusions": "EML4::ALK"}, "is not a file"),
    ({"cna": {"ERBB2": "gain"}}, "copy-number call for ERBB2"),
    ({"msi": "high"}, "msi must be one of"),
    ({"tmb": -1.0}, "tmb must be"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(OncologyError, match=message):
        match(tumor_type="LUAD", **kwargs)


def test_match_rejects_other_inputs():
    with pytest.raises(OncologyError, match="VCF path, a SomaticCalls or a CallSet, found int"):
        match(3, tumor_type="LUAD")


def test_in_memory_callset_with_ann():
    cs = pgx.CallSet.from_arrays(np.array([[[0, 1]]], dtype=np.int8), chrom=["chr12"], pos=[25245351],
                                 ref=["C"], alt=[["A"]], sample_ids=["T"])
    cs = dataclasses.replace(cs, variants=cs.variants.with_columns(
        ANN=pl.lit("A|missense_variant|MODERATE|KRAS|||||2/6||p.Gly12Cys|||||")))
    assert "sotorasib" in set(match(cs, tumor_type="NSCLC")["therapy"])


# --- knowledge tables -----------------------------------------------------------------------------------

def test_tables_load_and_cover_the_issue():
    kb = biomarkers()
    assert set(kb["alteration_type"]) == set(MATCH_TYPES)
    genes = set(kb["gene"])
    assert {"EGFR", "BRAF", "KRAS", "ALK", "ROS1", "RET", "NTRK1", "MET", "ERBB2", "BRCA1", "BRCA2", "PIK3CA",
            "IDH1", "IDH2", "FGFR2", "FGFR3", "TMB", "MSI"} <= genes
    assert kb["resistance"].any()
    assert tumor_types().filter(pl.col("code") == "COAD")["lineage"].to_list() == [["COAD", "COADREAD", "BOWEL", "SOLID", "TISSUE"]]


def test_every_biomarker_row_states_its_verification():
    kb = biomarkers()
    status = kb["verified"].str.extract(r"^(yes|partial|no)\b")
    assert status.null_count() == 0
    # the rows whose facts could not be confirmed say so, and why
    unverified = kb.filter(status == "no")
    assert unverified.height and all(": " in text for text in unverified["verified"])
    # every cited key is listed, with its address, in the header
    head = (REFERENCE / "oncology" / "biomarkers.tsv").read_text(encoding="utf-8").split("\ngene\t")[0]
    import re

    for key in set(re.findall(r"V[0-9]{2,3}", " ".join(kb["verified"]))):
        assert re.search(rf"^#\s+{key}\s+\S", head, flags=re.M), key
    civic = kb.filter(pl.col("evidence_level").str.starts_with("CIViC"))
    assert civic.height and all(re.search(r"CIViC EID[0-9]+", s) for s in civic["source"])


def test_table_headers_carry_provenance():
    for name in ("biomarkers.tsv", "tumor_types.tsv", "tumor_type_synonyms.tsv", "germline_toxicity.tsv"):
        head = [ln for ln in (REFERENCE / "oncology" / name).read_text(encoding="utf-8").splitlines()
                if ln.startswith("#")]
        for key in ("# source:", "# source_version:", "# retrieved:", "# licence:"):
            assert any(ln.startswith(key) for ln in head), f"{name} lacks {key}"


def test_germline_toxicity_cross_links():
    assert germline_toxicity("BRCA").filter(pl.col("drug") == "tamoxifen")["genes"].to_list() == [["CYP2D6"]]
    assert germline_toxicity("BLL")["genes"].to_list() == [["TPMT", "NUDT15"]] * 2
    assert germline_toxicity("LUAD").height == 0
    from pgx.recommend import guidelines

    guideline_drugs = set(guidelines()["drug"])
    for code in ("COADREAD", "BRCA", "BLL", "PAAD"):
        assert set(germline_toxicity(code)["drug"]) <= guideline_drugs


def _copy_reference(tmp_path: Path) -> Path:
    folder = tmp_path / "ref"
    shutil.copytree(REFERENCE, folder)
    return folder


@pytest.mark.parametrize(("old", "new", "message"), [
    ("\tL858R\tNSCLC\tosimertinib", "\tLeu858Arg\tNSCLC\tosimertinib", "column alteration: expected one-letter"),
    ("\tNSCLC\tosimertinib", "\tLUNGX\tosimertinib", "column tumor_types"),
    ("\tsensitivity\tI-A\tFDA\t", "\tsensitivity\tTier 1\tFDA\t", "column tier"),
    ("EGFR\texon\t19:inframe_deletion", "EGFR\texon\t19:deleted", "EXONS:CLASS"),
    ("\t2018-04\t\tyes V09", "\t2018-04\t\tconfirmed", "column verified: expected 'yes KEYS'"),
    ("\t2018-04\t\tyes V09", "\t2018-04\t\tyes", "column verified: expected 'yes' followed by the keys"),
    ("\t2018-04\t\tyes V09", "\t2018-04\t\tyes V00", "column verified: expected keys defined in the header"),
    ("\t2018-04\t\tyes V09", "\t2018-04\t\tpartial V09", "column verified: expected 'partial ...: '"),
])
def test_malformed_biomarker_table(tmp_path, old, new, message):
    folder = _copy_reference(tmp_path)
    path = folder / "oncology" / "biomarkers.tsv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message) as info:
        biomarkers(reference_dir=folder)
    assert "biomarkers.tsv, row " in str(info.value)
