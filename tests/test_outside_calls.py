"""Safe answers on real inputs (issue #19). Outside calls written as CPIC, PharmCAT, PharmVar and
labs write them (copy numbers, tandem copies, DPYD HGVS and legacy star names, MT-RNR1 with or
without ``m.``, HLA alleles and statuses) must reach the phenotype and the drug advice a user
reads; a name pgx cannot read is an error naming the file, line, value and accepted forms;
guidance that needs only the called genes fires; ambiguous calls show every possibility."""

from __future__ import annotations

import json

import polars as pl
import pytest

import pgx
from pgx.calling import OutsideCallError, read_outside_calls
from pgxcli import run_pgx
from pgxgen import diplotype_vcf


@pytest.fixture(scope="module")
def vcf(tmp_path_factory):
    """A one-sample VCF (CYP2C19 *1/*2 from rs4244285), so PharmCAT's sample-less format applies."""
    path = tmp_path_factory.mktemp("vcf") / "one.vcf"
    path.write_text(diplotype_vcf("CYP2C19", [("S1", "*2", "*38")], phased=False))
    return str(path)


def _call(vcf, tmp_path, text: str, gene: str) -> dict:
    outside = tmp_path / "outside.tsv"
    outside.write_text(text, encoding="utf-8")
    calls = pgx.call(vcf, genes=["CYP2C19"], outside_calls=str(outside))
    return calls.filter(pl.col("gene") == gene).row(0, named=True)


def _advice(call: dict, drug: str) -> dict:
    calls = pl.DataFrame([call]).select("sample_id", "gene", "diplotype", "phenotype", "activity_score", "warnings")
    return pgx.recommend(calls, drugs=[drug], sources=["CPIC"]).row(0, named=True)


@pytest.mark.parametrize("diplotype", ["*1/*1x2", "*1x2/*1", "CYP2D6*1/CYP2D6*1x2", "*1/*1X2", "*1/*1×2",
                                       "*1 / *1x2"])
def test_cyp2d6_duplication_is_ultrarapid_and_codeine_is_avoided(vcf, tmp_path, diplotype):
    call = _call(vcf, tmp_path, f"CYP2D6\t{diplotype}\n", "CYP2D6")
    # CPIC: activity value x copies, *1 = 1.0, so *1/*1x2 = 1 + 2 = 3.0
    assert call["diplotype"] == "*1/*1x2" and call["activity_score"] == 3.0
    assert call["phenotype"] == "Ultrarapid Metabolizer"
    advice = _advice(call, "codeine")
    assert advice["action"] == "avoid" and advice["recommendation"].startswith("Do not use codeine")


@pytest.mark.parametrize("diplotype, phenotype, score", [
    ("*4/*1x≥3", "Ultrarapid Metabolizer", None),   # three or more copies: 3.0 at least, UM whatever the number
    ("*4/*1≥3", "Ultrarapid Metabolizer", None),
    ("*1/*2xN", "Ultrarapid Metabolizer", None),    # xN: two or more copies, 3.0 at least
    ("*4/*1xN", "Indeterminate", None),             # 2.0 (normal) or more (ultrarapid): cannot tell
    ("*4/*4xN", "Poor Metabolizer", 0.0),           # no-function copies stay 0 however many
    ("*1/*36+*10", "Normal Metabolizer", 1.25),     # tandem: 1 + (0 + 0.25)
    ("*4/*36 + *10x2", "Intermediate Metabolizer", 0.5),
])
def test_copy_numbers_and_tandem_copies(vcf, tmp_path, diplotype, phenotype, score):
    call = _call(vcf, tmp_path, f"CYP2D6\t{diplotype}\n", "CYP2D6")
    assert call["phenotype"] == phenotype
    assert call["activity_score"] == score


def test_open_activity_score_gives_the_open_top_phenotype(vcf, tmp_path):
    call = _call(vcf, tmp_path, "CYP2D6\t\t\t≥3.0\n", "CYP2D6")
    assert call["phenotype"] == "Ultrarapid Metabolizer" and call["activity_score"] is None
    assert _advice(call, "codeine")["action"] == "avoid"


def test_open_activity_score_below_the_top_range_is_a_skipped_row(tmp_path):
    path = tmp_path / "o.tsv"
    path.write_text("CYP2D6\t\t\t≥1.0\nCYP2C19\t*1/*2\n")
    with pytest.warns(pgx.OutsideCallWarning, match=r"line 1: activity score '≥1.0' is open"):
        calls = read_outside_calls(path)
    assert [c.gene for c in calls] == ["CYP2C19"]


def test_every_table_name_and_alias_resolves_to_the_table_name():
    """Whatever the tables hold after a rebuild: each name reads as itself, and a name written
    'HGVS (alias)' reads from its HGVS part and from its alias alone when they are unique."""
    import re
    from pgx.calling import resolve_allele
    from pgx.reference import allele_table, genes

    for gene in genes():
        names = allele_table(gene)["allele"].to_list()
        split = {n: re.fullmatch(r"(.*\S)\s*\(([^()]+)\)", n) for n in names}
        pieces = [p for n in names for p in ((n,) + (split[n].groups() if split[n] else ()))]
        checked = 0
        for name in names:
            resolved, notes = resolve_allele(gene, name)
            assert resolved == (name if not gene.startswith("HLA-") else name[len(gene):]) and notes == []
            for part in split[name].groups() if split[name] else ():
                if pieces.count(part) == 1:
                    assert resolve_allele(gene, part)[0] == name
                    checked += 1
        if gene == "DPYD":
            assert checked > 10  # c.1905+1G>A and *2A, c.1679T>G and *13, ...


@pytest.mark.parametrize("allele", ["1555A>G", "m.1555A>G", "MT-RNR1 1555A>G"])
def test_mt_rnr1_1555a_g_avoids_aminoglycosides(vcf, tmp_path, allele):
    call = _call(vcf, tmp_path, f"MT-RNR1\t{allele}\n", "MT-RNR1")
    assert call["diplotype"] == "m.1555A>G"
    assert call["phenotype"] == "Increased risk of aminoglycoside-induced hearing loss"
    advice = _advice(call, "amikacin")
    assert advice["action"] == "avoid" and advice["recommendation"].startswith("Avoid aminoglycosides")


@pytest.mark.parametrize("diplotype, mapped", [
    ("*1/*2A", True), ("DPYD*2A/DPYD*1", True), ("Reference/c.1905+1G>A", True),
    ("c.1905+1G>A (*2A)/Reference", False),
])
def test_dpyd_star_and_hgvs_names_reduce_the_fluoropyrimidine_dose(vcf, tmp_path, diplotype, mapped):
    call = _call(vcf, tmp_path, f"DPYD\t{diplotype}\n", "DPYD")
    assert "c.1905+1G>A" in call["diplotype"] and "(*2A)" in call["diplotype"]
    assert call["activity_score"] == 1.0 and call["phenotype"] == "Intermediate Metabolizer"
    assert ("outside_name_mapped" in call["warnings"]) is mapped
    advice = _advice(call, "fluorouracil")
    assert advice["action"] == "adjust_dose" and "50%" in advice["recommendation"]


def test_dpyd_legacy_name_is_read_with_a_note(tmp_path):
    path = tmp_path / "o.tsv"
    path.write_text("DPYD\t*13/*1\n")
    call = read_outside_calls(path)[0]
    assert "(*13)" in call.diplotype.split("/")[0]
    assert any(note.startswith("DPYD *13 read as c.") for note in call.notes)


@pytest.mark.parametrize("text", ["HLA-B\t*15:02/*57:01\n", "HLA-B\tHLA-B*15:02/HLA-B*57:01:01\n",
                                  "HLA-B\t*15:02:01:03/*57:01\n"])
def test_hla_typing_is_reported_as_allele_statuses(vcf, tmp_path, text):
    call = _call(vcf, tmp_path, text, "HLA-B")
    assert call["diplotype"] == "*15:02/*57:01"
    assert call["phenotype"] == "*15:02 positive; *57:01 positive; *58:01 negative"
    assert _advice(call, "abacavir")["action"] == "avoid"
    assert _advice(call, "allopurinol")["action"] == "standard"


@pytest.mark.parametrize("text", ["HLA-B\t\t*57:01 positive\n", "HLA-B\t\tHLA-B*57:01 Positive\n",
                                  "HLA-B\tHLA-B*57:01 positive\n"])
def test_hla_statuses_in_either_column(vcf, tmp_path, text):
    call = _call(vcf, tmp_path, text, "HLA-B")
    assert call["phenotype"] == "*57:01 positive" and call["diplotype"] is None
    assert _advice(call, "abacavir")["action"] == "avoid"


@pytest.mark.parametrize("text, value", [
    ("# lab result\nCYP2D6\t*1/*999\n", "*999"),
    ("# lab result\nDPYD\t*1/*2Z\n", "*2Z"),
    ("# lab result\nCYP2D6\t*1/*1x2x3\n", "*1x2x3"),
    ("# lab result\nHLA-B\tB57\n", "B57"),
])
def test_a_name_pgx_cannot_read_is_an_error_naming_line_value_and_forms(vcf, tmp_path, text, value):
    path = tmp_path / "bad.tsv"
    path.write_text(text)
    with pytest.raises(OutsideCallError) as err:
        pgx.call(vcf, genes=["CYP2C19"], outside_calls=str(path))
    message = str(err.value)
    assert f"{path}, line 2" in message and repr(value) in message and "expected" in message
    expected = {"B57": "*57:01 or HLA-B*57:01", "*2Z": "the name without its alias or the alias alone ("}
    assert expected.get(value, "copy numbers *1x2, *1xN, *1x≥3") in message


def test_bad_hla_status_is_an_error(vcf, tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("HLA-B\t\t*57:01 maybe positive\n")
    with pytest.raises(OutsideCallError, match=r"line 1: cannot read HLA-B allele statuses '\*57:01 maybe positive'"):
        pgx.call(vcf, genes=["CYP2C19"], outside_calls=str(path))


# --- the command line ----------------------------------------------------------------------------------------

def test_cli_report_codeine_avoid_for_a_duplication(vcf, tmp_path):
    outside = tmp_path / "outside.tsv"
    outside.write_text("CYP2D6\t*1/*1x2\nMT-RNR1\t1555A>G\n", encoding="utf-8")
    out = run_pgx("report", vcf, "-o", str(tmp_path / "r"), "--format", "json", "--outside-calls", str(outside),
                  "--drugs", "codeine,amikacin", "--quiet")
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "r" / "S1.json").read_text())
    text = json.dumps(doc)
    assert "Ultrarapid Metabolizer" in text and "Do not use codeine" in text and "Avoid aminoglycosides" in text


def test_cli_report_bad_name_exits_2_with_one_line(vcf, tmp_path):
    outside = tmp_path / "outside.tsv"
    outside.write_text("CYP2D6\t*1/*1x2\nDPYD\t*1/*2Q\n", encoding="utf-8")
    out = run_pgx("report", vcf, "-o", str(tmp_path / "r"), "--outside-calls", str(outside), "--quiet")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert f"{outside}, line 2" in out.stderr and "'*2Q'" in out.stderr and "expected" in out.stderr


# --- guidance that needs only the genes that were called -----------------------------------------------------

def test_hla_b_1502_without_hla_a_avoids_carbamazepine(vcf, tmp_path):
    outside = tmp_path / "outside.tsv"
    outside.write_text("HLA-B\t*15:02/*57:01\n")
    calls = pgx.call(vcf, genes=["CYP2C19"], outside_calls=str(outside))
    assert "HLA-A" not in calls["gene"].to_list()
    row = pgx.recommend(calls, drugs=["carbamazepine"], sources=["CPIC"]).row(0, named=True)
    assert row["action"] == "avoid" and row["ambiguous"] is False
    assert row["recommendation"].startswith("If the patient has not taken carbamazepine before, do not start it")


# --- ambiguous calls in the report ---------------------------------------------------------------------------

def test_report_shows_each_tied_diplotype_and_where_the_action_comes_from(vcf, tmp_path):
    """CYP2C19 *1/*2 tied with *2/*2 (the calls table says Indeterminate): the report must not
    quote poor-metabolizer advice as if it were the call."""
    calls = pgx.call(vcf, genes=["CYP2C19"]).with_columns(
        pl.lit("Indeterminate").alias("phenotype"), pl.lit(["*2/*2"]).alias("alternatives"),
        pl.lit(["Poor Metabolizer"]).alias("alternative_phenotypes"),
        pl.lit(["ambiguous", "tied_top_score", "ambiguous_phenotype"]).alias("warnings"))
    assert calls["diplotype"].item() == "*2/*38"
    table = tmp_path / "calls.tsv"
    pgx.pipeline.write_calls_tsv(calls, table)
    out = run_pgx("report", "--from-calls", str(table), "-o", str(tmp_path / "r"), "--format", "json,html",
                  "--drugs", "voriconazole,clopidogrel", "--quiet")
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "r" / "S1.json").read_text())
    drugs = {d["drug"]: d for d in doc["recommendations"] if d["source"] == "CPIC"}
    vori = drugs["voriconazole"]
    assert vori["ambiguous"] is True and vori["action"] == "consider_alternative"
    assert vori["recommendation"].startswith("Most cautious, for CYP2C19 *2/*2: Poor Metabolizer: ")
    assert "[CYP2C19 *2/*38: Intermediate Metabolizer] Start voriconazole at the usual" in vori["recommendation"]
    html = (tmp_path / "r" / "S1.html").read_text()
    assert "Most cautious, for CYP2C19 *2/*2: Poor Metabolizer" in html
