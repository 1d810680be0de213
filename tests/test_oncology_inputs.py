"""pgx.oncology as a pipeline calls it: VCF paths, CallSets and SomaticCalls in; tumour types by OncoTree
code, name or synonym; broad types answered with their subtypes' evidence; unknown names refused with
the closest names."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pgx
from pgx.exceptions import ReferenceDataError
from pgx.oncology._knowledge import fold_name
from pgx.oncology import (
    MATCH_COLUMNS, SCOPES, AnnotationError, UnknownTumorTypeError, germline_toxicity, match, read_somatic, tmb,
    tumor_type_code, tumor_types,
)

DATA = Path(__file__).parent / "data" / "oncology"
REFERENCE = Path(__file__).resolve().parents[1] / "reference"
VEP = DATA / "somatic_vep.vcf"
SNPEFF = DATA / "somatic_snpeff.vcf"


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return frame.rows()


# --- inputs: path, CallSet, SomaticCalls ---------------------------------------------------------------

@pytest.mark.parametrize("path", [VEP, SNPEFF], ids=["vep", "snpeff"])
def test_path_callset_and_somatic_calls_give_the_same_rows(path):
    expected = match(read_somatic(path), tumor_type="LUAD")
    assert expected.height > 3
    assert _rows(match(path, tumor_type="LUAD")) == _rows(expected)
    assert _rows(match(str(path), tumor_type="LUAD")) == _rows(expected)
    # a CallSet read without the annotation field is read again from its source file
    assert _rows(match(pgx.read_vcf(path), tumor_type="LUAD")) == _rows(expected)
    assert _rows(match(pgx.read_vcf(path, fields=["AD"]), tumor_type="LUAD")) == _rows(expected)
    burden = tmb(read_somatic(path), target_mb=1.5, min_vaf=0, min_depth=0)
    assert tmb(path, target_mb=1.5, min_vaf=0, min_depth=0) == burden
    assert tmb(pgx.read_vcf(path), target_mb=1.5, min_vaf=0, min_depth=0) == burden


def test_vep_callset_read_with_csq_takes_the_layout_from_its_file():
    # CSQ's layout lives in the header; a CallSet read with fields=["CSQ"] is read again with it
    cs = pgx.read_vcf(VEP, fields=["CSQ"])
    assert _rows(match(cs, tumor_type="LUAD")) == _rows(match(VEP, tumor_type="LUAD"))


def test_the_api_as_written_in_the_issue():
    hits = match(str(VEP), tumor_type="lung adenocarcinoma")
    egfr = hits.filter((pl.col("gene") == "EGFR") & (pl.col("alteration") == "L858R"))
    assert {"osimertinib", "erlotinib", "gefitinib"} <= set(egfr["therapy"])
    assert set(egfr["scope"]) == {"tumor_type"} and set(egfr["tier"]) == {"I-A"}
    assert tmb(str(VEP), target_mb=1.5) == 6.0


def test_callset_subset_keeps_only_its_loci(tmp_path):
    # a CallSet of one locus (as from a region query) read again from its file keeps that locus only
    cs = pgx.CallSet.from_arrays(np.array([[[0, 0], [0, 1]]], dtype=np.int8), chrom=["chr7"], pos=[140753336],
                                 ref=["A"], alt=[["T"]], sample_ids=["NORMAL", "TUMOR"])
    cs = dataclasses.replace(cs, source=str(VEP))
    hits = match(cs, tumor_type="SOLID")
    assert hits.height and set(hits["gene"]) == {"BRAF"}
    assert set(match(VEP, tumor_type="SOLID")["gene"]) > {"BRAF"}


def test_callset_whose_source_is_gone(tmp_path):
    copy = tmp_path / "t.vcf"
    shutil.copy(VEP, copy)
    cs = pgx.read_vcf(copy)
    copy.unlink()
    with pytest.raises(AnnotationError, match=r"source file .*t\.vcf' is gone.*pass the VCF path itself"):
        match(cs, tumor_type="LUAD")


def test_unannotated_path_is_refused_naming_the_file():
    with pytest.raises(AnnotationError, match=r"somatic_unannotated\.vcf.*VEP CSQ or SnpEff ANN"):
        match(DATA / "somatic_unannotated.vcf", tumor_type="LUAD")


# --- tumour types: names, synonyms, case --------------------------------------------------------------

@pytest.mark.parametrize(("name", "code"), [
    ("LUAD", "LUAD"), ("luad", "LUAD"), ("lung adenocarcinoma", "LUAD"), ("Lung Adenocarcinoma", "LUAD"),
    ("  LUNG   ADENOCARCINOMA ", "LUAD"), ("NSCLC", "NSCLC"), ("non-small cell lung cancer", "NSCLC"),
    ("Non-Small-Cell Lung Cancer", "NSCLC"), ("lung cancer", "LUNG"), ("CRC", "COADREAD"),
    ("colorectal cancer", "COADREAD"), ("breast cancer", "BREAST"), ("Breast", "BREAST"), ("melanoma", "MEL"),
    ("Cutaneous Melanoma", "SKCM"), ("acute myeloid leukaemia", "AML"), ("haematopoietic", "HEMATOPOIETIC"),
    ("Oesophageal Squamous Cell Carcinoma", "ESCC"), ("MDS/MPN", "MDS/MPN"), ("mCRPC", "PRAD"), ("MTC", "THME"),
])
def test_names_and_synonyms(name, code):
    assert tumor_type_code(name) == code


def test_every_oncotree_code_and_name_is_known():
    types = tumor_types()
    assert types.height == 1169 and types["code"].n_unique() == 1169  # 1,168 OncoTree types + SOLID
    assert set(types["kind"]) == {"OncoTree", "OncoTree tissue", "OncoTree root", "pgx grouping"}
    assert types.filter(pl.col("kind") == "OncoTree tissue").height == 31
    folded = [fold_name(name) for name in types["name"]]
    for (code, name), key in zip(types.select("code", "name").iter_rows(), folded):
        assert tumor_type_code(code) == code
        if folded.count(key) == 1:
            assert tumor_type_code(name) == code
        else:  # OncoTree reuses some names (Mature Teratoma, Yolk Sac Tumor, ...): a code is asked for
            with pytest.raises(UnknownTumorTypeError, match="names several"):
                tumor_type_code(name)


def test_synonyms_are_listed_with_their_code():
    types = tumor_types()
    assert types.filter(pl.col("code") == "NSCLC")["synonyms"].to_list() == [[]]  # its code is its own name
    assert "CRC" in types.filter(pl.col("code") == "COADREAD")["synonyms"].to_list()[0]
    assert "breast cancer" in types.filter(pl.col("code") == "BREAST")["synonyms"].to_list()[0]


def test_unknown_name_lists_the_closest():
    with pytest.raises(UnknownTumorTypeError, match=r"'lung adenocarcinom'; closest: Lung Adenocarcinoma \(LUAD\)"):
        match(VEP, tumor_type="lung adenocarcinom")
    with pytest.raises(UnknownTumorTypeError, match="no similar name is known") as info:
        match(tumor_type="zzqqxx", tmb=20.0)
    assert info.value.suggestions == []


def test_a_name_shared_by_several_types_asks_for_a_code():
    with pytest.raises(UnknownTumorTypeError, match="names several OncoTree types") as info:
        tumor_type_code("Yolk Sac Tumor")
    assert info.value.ambiguous
    assert sorted(info.value.suggestions) == [
        "Yolk Sac Tumor (BYST, CNS/Brain)", "Yolk Sac Tumor (OYST, Ovary/Fallopian Tube)",
        "Yolk Sac Tumor (TYST, Testis)", "Yolk Sac Tumor (VYST, Vulva/Vagina)"]


# --- broad types ---------------------------------------------------------------------------------------

def test_tissue_query_returns_subtype_evidence():
    # the issue's case: PIK3CA H1047R and a BRCA2 frameshift asked for 'BREAST' (the tissue)
    hits = match(VEP, tumor_type="BREAST")
    pik3ca = hits.filter(pl.col("gene") == "PIK3CA")
    assert "alpelisib + fulvestrant" in set(pik3ca["therapy"])
    assert set(pik3ca["scope"]) == {"subtype"} and set(pik3ca["tumor_type"]) == {"BRCA"}
    brca2 = hits.filter(pl.col("gene") == "BRCA2")
    assert {"olaparib", "talazoparib"} <= set(brca2["therapy"]) and set(brca2["tumor_type"]) == {"BRCA"}
    # the same through the synonym, and a name that is the subtype itself gives the same rows on-label
    assert _rows(match(VEP, tumor_type="breast cancer")) == _rows(hits)
    own = match(VEP, tumor_type="Invasive Breast Carcinoma")
    assert set(own["scope"]) <= {"tumor_type"}
    assert set(own.select("gene", "therapy").rows()) == set(hits.select("gene", "therapy").rows())
    # germline cross-links follow the same rule
    assert "tamoxifen" in set(germline_toxicity("breast cancer")["drug"])


def test_umbrella_query_lists_each_subtype_row():
    # ovary: olaparib's BRCA2 row is for OVARY itself; asked for the root of all solid tumours, the
    # organ-specific rows come back as subtypes, each naming its tumour type
    hits = match(VEP, tumor_type="SOLID")
    assert set(hits["scope"]) == {"tumor_type", "subtype"}
    olaparib = hits.filter((pl.col("gene") == "BRCA2") & (pl.col("therapy") == "olaparib"))
    assert set(olaparib["tumor_type"]) >= {"OVARY", "BRCA", "PAAD", "PRAD"}
    assert set(olaparib["scope"]) == {"subtype"}
    assert dict(hits.schema) == MATCH_COLUMNS and set(hits["scope"]) <= set(SCOPES)


def test_subtype_rows_yield_to_evidence_for_the_type_itself():
    # RET fusion: selpercatinib is approved for any solid tumour (SOLID) and for NSCLC; asked for LUNG,
    # the SOLID row covers it and no NSCLC duplicate is listed
    hits = match(tumor_type="LUNG", fusions=["KIF5B::RET"]).filter(pl.col("therapy") == "selpercatinib")
    assert hits.select("tumor_type", "scope").rows() == [("SOLID", "tumor_type")]


# --- the vocabulary tables ------------------------------------------------------------------------------

def _copy_reference(tmp_path):
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE / "oncology", folder / "oncology")
    return folder


@pytest.mark.parametrize(("line", "message"), [
    ("NSCLC2\tZZZZ\tmine\n", r"tumor_type_synonyms.tsv, row \d+, column code: expected a code"),
    ("lung adenocarcinoma\tLUSC\tmine\n", "column synonym: expected a name no other type has"),
    ("crc\tCOADREAD\tmine\n", "a synonym listed once"),
])
def test_malformed_synonym_table(tmp_path, line, message):
    folder = _copy_reference(tmp_path)
    path = folder / "oncology" / "tumor_type_synonyms.tsv"
    path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message):
        tumor_types(reference_dir=folder)
