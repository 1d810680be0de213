"""Reports group drug guidance by drug, each source (CPIC, DPWG, FDA) with its own row, and mark
drugs whose sources disagree (HTML, JSON, TSV, FHIR)."""

from __future__ import annotations

import datetime
import io
import json
import re

import polars as pl
import pytest

from pgx.recommend import recommend
from pgx.report import FhirFormat, HtmlFormat, JsonFormat, ReportMeta, TsvFormat, check_fhir_bundle, report_schema
from pgxgen import calls_frame

META = ReportMeta(reference_version="r", genome_build="GRCh38", run_date=datetime.date(2026, 1, 31))
UM, PM = "Ultrarapid Metabolizer", "Poor Metabolizer"


@pytest.fixture(scope="module")
def frames():
    # CYP2C19 ultrarapid: citalopram CPIC 'consider another drug' vs DPWG 'no action' (disagree);
    # TPMT poor: azathioprine has a TPMT and an NUDT15 guideline at DPWG
    calls = calls_frame({"CYP2C19": {"diplotype": "*17/*17", "phenotype": UM},
                         "TPMT": {"diplotype": "*3A/*3A", "phenotype": PM},
                         "NUDT15": {"diplotype": "*1/*1", "phenotype": "Normal Metabolizer"}}, sample="S1")
    recs = recommend(calls, drugs=["citalopram", "azathioprine", "omeprazole"])
    return calls, recs


def test_json_lists_each_drug_with_its_sources_side_by_side(frames):
    calls, recs = frames
    doc = json.loads(JsonFormat().render("S1", calls, recs, META))
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    by_drug = {g["drug"]: g for g in doc["guidance_by_drug"]}
    assert set(by_drug) == {"citalopram", "azathioprine", "omeprazole"}
    cit = by_drug["citalopram"]
    assert cit["sources_disagree"] is True
    assert [(s["source"], s["action"]) for s in cit["sources"]] == [
        ("CPIC", "consider_alternative"), ("DPWG", "standard"), ("FDA", "no_recommendation")]
    for s in cit["sources"]:
        row = doc["recommendations"][s["recommendation_index"]]
        assert (row["drug"], row["source"], row["sources_disagree"]) == ("citalopram", s["source"], True)
    aza = by_drug["azathioprine"]
    assert aza["sources_disagree"] is False and aza["most_cautious_action"] == "consider_alternative"
    assert [(s["source"], s["genes"]) for s in aza["sources"]][:3] == [
        ("CPIC", ["TPMT", "NUDT15"]), ("DPWG", ["NUDT15"]), ("DPWG", ["TPMT"])]
    # a drug's rows are adjacent in recommendations too
    drugs = [r["drug"] for r in doc["recommendations"]]
    assert drugs == sorted(drugs, key=lambda d: [g["drug"] for g in doc["guidance_by_drug"]].index(d))


def test_html_shows_one_block_per_drug_and_marks_disagreement(frames):
    calls, recs = frames
    page = HtmlFormat().render("S1", calls, recs, META)
    blocks = re.findall(r'<tr class="drug-first( disagree)?"><td rowspan="(\d+)"><strong>([^<]+)</strong>', page)
    assert {(drug, int(n), bool(flag)) for flag, n, drug in blocks} == {
        ("citalopram", 3, True), ("azathioprine", 5, False), ("omeprazole", 3, False)}
    assert page.count("sources disagree</span>") == 1
    # a drug sits in the group of its most urgent source: all three here 'adjust or consider another drug'
    start = page.index('id="group-adjust"')
    adjust = page[start:page.index("</table>", start)]
    assert all(f"<strong>{d}</strong>" in adjust for d in ("azathioprine", "citalopram", "omeprazole"))
    assert 'id="group-avoid"' not in page


def test_tsv_keeps_a_drugs_rows_together_with_the_flag(frames):
    calls, recs = frames
    table = pl.read_csv(io.StringIO(TsvFormat().render("S1", calls, recs, META)), separator="\t", comment_prefix="#",
                        infer_schema_length=0)
    drugs = table.filter(pl.col("record") == "drug")
    order = drugs["drug"].to_list()
    assert order == sorted(order, key=order.index)  # each drug's rows adjacent
    cit = drugs.filter(pl.col("drug") == "citalopram")
    assert cit["source"].to_list() == ["CPIC", "DPWG", "FDA"] and set(cit["sources_disagree"]) == {"true"}


def test_fhir_gives_each_guideline_its_own_implication(frames):
    calls, recs = frames
    bundle = json.loads(FhirFormat().render("S1", calls, recs, META))
    check_fhir_bundle(bundle)
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert len(ids) == len(set(ids))
    notes = [c.get("valueString", "") for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
             for c in e["resource"].get("component", [])]
    assert sum("Guideline sources disagree" in n for n in notes) == 3  # citalopram's three rows
