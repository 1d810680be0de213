"""pgx.report: every format written and validated (JSON Schema, FHIR models and IG
rules, TSV round trip, HTML in a real headless browser), atomic and restartable
writes, and no file paths in any output."""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

import pgx
from pgx.report import (
    FORMATS, FhirFormat, Format, HtmlFormat, JsonFormat, ReportError, ReportMeta, TsvFormat,
    TSV_COLUMNS, check_fhir_bundle, report_schema, tumor_section, write_cohort_summary, write_reports,
)
from pgx.report import _write as report_write
from pgx.report._base import build_sample_report, report_from_results
from pgx.report._json import report_document

EVIL = '<img src=x onerror="alert(1)">&co'
RUN_DATE = datetime.date(2026, 1, 31)
LIST = pl.List(pl.String)

CALL_SCHEMA = {
    "sample_id": pl.String, "gene": pl.String, "diplotype": pl.String, "haplotype_1": pl.String,
    "haplotype_2": pl.String, "alternatives": LIST, "function_1": pl.String, "function_2": pl.String,
    "activity_score": pl.Float64, "phenotype": pl.String, "missing_positions": LIST,
    "novel_positions": LIST, "phased": pl.Boolean, "warnings": LIST,
}
REC_SCHEMA = {
    "sample_id": pl.String, "drug": pl.String, "source": pl.String, "guideline_version": pl.String,
    "genes": LIST, "phenotypes": LIST, "effective_phenotypes": LIST, "implication": pl.String,
    "recommendation": pl.String, "classification": pl.String, "action": pl.String, "ambiguous": pl.Boolean,
    "reasons": LIST,
}


def _call(sample, gene, diplotype, phenotype, *, h1=None, h2=None, f1=None, f2=None, score=None,
          alternatives=(), missing=(), novel=(), phased=False, warnings=()):
    if diplotype and h1 is None:
        h1, h2 = diplotype.split("/")
    return {"sample_id": sample, "gene": gene, "diplotype": diplotype, "haplotype_1": h1, "haplotype_2": h2,
            "alternatives": list(alternatives), "function_1": f1, "function_2": f2, "activity_score": score,
            "phenotype": phenotype, "missing_positions": list(missing), "novel_positions": list(novel),
            "phased": phased, "warnings": list(warnings)}


def _rec(sample, drug, source, genes, phenotypes, action, classification="strong", *, effective=None,
         reasons=(), recommendation=None, implication=None, ambiguous=False):
    return {"sample_id": sample, "drug": drug, "source": source, "guideline_version": f"{source} 2024",
            "genes": list(genes),
            "phenotypes": list(phenotypes),
            "effective_phenotypes": list(phenotypes if effective is None else effective),
            "implication": implication or f"Implication for {drug}.",
            "recommendation": recommendation or f"Recommendation for {drug}.",
            "classification": classification, "action": action, "ambiguous": ambiguous,
            "reasons": list(reasons)}


def cohort() -> tuple[pl.DataFrame, pl.DataFrame]:
    calls = [
        _call("S1", "CYP2C19", "*2/*2", "Poor Metabolizer", f1="No Function", f2="No Function"),
        _call("S1", "CYP2D6", "*1/*4", "Intermediate Metabolizer", f1="Normal Function", f2="No Function",
              score=1.0),
        _call("S1", "DPYD", None, None, missing=["chr1:97450058", "chr1:97515839"],
              warnings=["not_called", "missing_positions"]),
        _call("S1", "TPMT", "*1/*3A", "Intermediate Metabolizer", alternatives=["*3B/*3C"],
              warnings=["ambiguous"]),
        _call("S1", "SLCO1B1", "*5/*15", "Poor Function", warnings=["outside_call"]),
        _call("S2", "CYP2C19", "*1/*1", "Normal Metabolizer", f1="Normal Function", f2="Normal Function"),
        _call("S2", "CYP2D6", "*1/*1", "Normal Metabolizer", score=2.0),
        _call(EVIL, "CYP2C19", "*1/*17", "Rapid Metabolizer"),
    ]
    recs = [
        _rec("S1", "clopidogrel", "CPIC", ["CYP2C19"], ["CYP2C19: Poor Metabolizer"], "consider_alternative"),
        _rec("S1", "codeine", "CPIC", ["CYP2D6"], ["CYP2D6: Intermediate Metabolizer"], "avoid",
             effective=["CYP2D6: Poor Metabolizer"], reasons=["paroxetine: strong CYP2D6 inhibitor"]),
        _rec("S1", "simvastatin", "CPIC", ["SLCO1B1"], ["SLCO1B1: Poor Function"], "adjust_dose"),
        _rec("S1", "voriconazole", "DPWG", ["CYP2C19"], ["CYP2C19: Poor Metabolizer"], "monitor", "moderate"),
        _rec("S1", "fluorouracil", "CPIC", ["DPYD"], ["DPYD: Indeterminate"], "no_recommendation",
             "no recommendation"),
        _rec("S1", "azathioprine", "CPIC", ["TPMT"], ["TPMT: Intermediate Metabolizer"], "adjust_dose",
             "optional", ambiguous=True),
        _rec("S2", "clopidogrel", "CPIC", ["CYP2C19"], ["CYP2C19: Normal Metabolizer"], "standard"),
        _rec(EVIL, "clopidogrel", "CPIC", ["CYP2C19"], ["CYP2C19: Rapid Metabolizer"], "standard",
             recommendation="Use <b>label</b> dose & monitor"),
    ]
    return pl.DataFrame(calls, schema=CALL_SCHEMA), pl.DataFrame(recs, schema=REC_SCHEMA)


@pytest.fixture
def meta() -> ReportMeta:
    return ReportMeta(reference_version="pgx-ref 2025.03", genome_build="GRCh38",
                      input_name="cohort.vcf.gz", run_date=RUN_DATE, cohort={"samples": 3})


@pytest.fixture
def frames():
    return cohort()


def _render(fmt: Format, sample, frames, meta):
    calls, recs = frames
    return fmt.render(sample, calls, recs, meta)


# --------------------------------------------------------------------------- meta


def test_meta_refuses_paths_and_reduces_datetimes():
    with pytest.raises(ReportError, match="base name without folders.*'x.vcf'"):
        ReportMeta(reference_version="r", genome_build="GRCh38", input_name="/home/user/x.vcf")
    with pytest.raises(ReportError, match="base name"):
        ReportMeta(reference_version="r", genome_build="GRCh38", input_name="C:\\data\\x.vcf")
    with pytest.raises(ReportError, match="genome_build.*'hg19'"):
        ReportMeta(reference_version="r", genome_build="hg19")
    meta = ReportMeta(reference_version="r", genome_build="GRCh37",
                      run_date=datetime.datetime(2026, 2, 3, 14, 5, 6))
    assert meta.stamp()["run_date"] == "2026-02-03"
    assert meta.pgx_version == pgx.__version__


def test_frames_are_checked(frames, meta):
    calls, recs = frames
    with pytest.raises(ReportError, match="missing required column.*'phenotype'"):
        JsonFormat().render("S1", calls.drop("phenotype"), recs, meta)
    with pytest.raises(ReportError, match="'action' expected one of .* found 'bogus'"):
        JsonFormat().render("S1", calls, recs.with_columns(pl.lit("bogus").alias("action")), meta)
    with pytest.raises(ReportError, match="'activity_score' should be float"):
        JsonFormat().render("S1", calls.with_columns(pl.col("activity_score").cast(pl.String)), recs, meta)
    with pytest.raises(ReportError, match="sample 'nobody' has no rows"):
        JsonFormat().render("nobody", calls, recs, meta)


# --------------------------------------------------------------------------- JSON


def _validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("sample", ["S1", "S2", EVIL])
def test_json_validates_against_schema(sample, frames, meta):
    doc = json.loads(_render(JsonFormat(), sample, frames, meta))
    errors = list(_validator().iter_errors(doc))
    assert not errors, [e.message for e in errors]
    assert doc["sample_id"] == sample
    assert (doc["pgx_version"], doc["reference_data_version"], doc["genome_build"]) == (
        pgx.__version__, "pgx-ref 2025.03", "GRCh38")
    assert doc["input_file"] == "cohort.vcf.gz" and doc["run_date"] == "2026-01-31"


def test_json_content(frames, meta):
    doc = json.loads(_render(JsonFormat(), "S1", frames, meta))
    genes = {g["gene"]: g for g in doc["genes"]}
    assert [g["gene"] for g in doc["genes"]] == sorted(genes)
    assert genes["CYP2D6"]["activity_score"] == 1.0 and genes["CYP2D6"]["function_2"] == "No Function"
    assert genes["DPYD"]["called"] is False and genes["DPYD"]["missing_positions"] == ["chr1:97450058",
                                                                                       "chr1:97515839"]
    assert genes["TPMT"]["alternatives"] == ["*3B/*3C"]
    actions = [r["action"] for r in doc["recommendations"]]
    assert actions == ["avoid", "consider_alternative", "adjust_dose", "adjust_dose", "monitor",
                       "no_recommendation"]
    codeine = doc["recommendations"][0]
    assert codeine["phenoconverted"] is True and codeine["effective_phenotypes"] == ["CYP2D6: Poor Metabolizer"]


def test_json_schema_rejects_malformed_documents(frames, meta):
    validator = _validator()
    good = json.loads(_render(JsonFormat(), "S1", frames, meta))
    for mutate in (
        lambda d: d.pop("reference_data_version"),
        lambda d: d.update(genome_build="hg19"),
        lambda d: d.update(input_file="/data/cohort.vcf.gz"),
        lambda d: d["recommendations"][0].update(action="bogus"),
        lambda d: d["genes"][0].update(activity_score="high"),
        lambda d: d.update(extra=1),
    ):
        bad = json.loads(json.dumps(good))
        mutate(bad)
        assert list(validator.iter_errors(bad)), f"schema accepted a malformed document ({mutate})"


# --------------------------------------------------------------------------- FHIR


def _bundle(sample, frames, meta):
    return json.loads(_render(FhirFormat(), sample, frames, meta))


def _resources(bundle, kind, profile=None):
    out = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    if profile:
        out = [r for r in out if r["meta"]["profile"][0].endswith("/" + profile)]
    return out


def _codes(concept):
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


@pytest.mark.parametrize("sample", ["S1", "S2", EVIL])
def test_fhir_bundle_validates_with_fhir_resources(sample, frames, meta):
    Bundle = pytest.importorskip("fhir.resources.R4B.bundle").Bundle
    bundle = _bundle(sample, frames, meta)
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    check_fhir_bundle(bundle)


def test_fhir_bundle_follows_the_genomics_reporting_ig(frames, meta):
    bundle = _bundle("S1", frames, meta)
    loinc = "http://loinc.org"
    tbd = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
    genotypes = _resources(bundle, "Observation", "genotype")
    haplotypes = _resources(bundle, "Observation", "haplotype")
    implications = _resources(bundle, "Observation", "therapeutic-implication")
    tasks = _resources(bundle, "Task", "medication-recommendation")
    (report,) = _resources(bundle, "DiagnosticReport", "genomic-report")
    # one genotype per called gene (DPYD was not called), two haplotypes each
    assert sorted(g["valueCodeableConcept"]["text"] for g in genotypes) == [
        "CYP2C19 *2/*2", "CYP2D6 *1/*4", "SLCO1B1 *5/*15", "TPMT *1/*3A"]
    assert len(haplotypes) == 8
    assert all(_codes(g["code"]) == {(loinc, "84413-4")} for g in genotypes)
    assert all(_codes(h["code"]) == {(loinc, "84414-2")} for h in haplotypes)
    for obs in genotypes + haplotypes + implications:
        categories = set().union(*(_codes(c) for c in obs["category"]))
        assert categories == {("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory"),
                              ("http://terminology.hl7.org/CodeSystem/v2-0074", "GE")}
    assembly = [c for c in genotypes[0]["component"] if _codes(c["code"]) == {(loinc, "62374-4")}]
    assert _codes(assembly[0]["valueCodeableConcept"]) == {(loinc, "LA26806-2")}
    # implications carry the (effective) phenotype and the drug; fluorouracil has no called gene
    by_drug = {next(c["valueCodeableConcept"]["text"] for c in i["component"]
                    if _codes(c["code"]) == {(loinc, "51963-7")}): i for i in implications}
    assert sorted(by_drug) == ["azathioprine", "clopidogrel", "codeine", "simvastatin", "voriconazole"]
    assert all(_codes(i["code"]) == {(tbd, "therapeutic-implication")} for i in implications)
    phenotype = lambda i: [c["valueCodeableConcept"] for c in i["component"]  # noqa: E731
                           if _codes(c["code"]) == {(tbd, "therapeutic-implication")}]
    assert _codes(phenotype(by_drug["codeine"])[0]) == {(loinc, "LA9657-3")}  # effective: poor
    assert phenotype(by_drug["codeine"])[0]["text"] == "CYP2D6: Poor Metabolizer"
    assert _codes(phenotype(by_drug["simvastatin"])[0]) == {(loinc, "LA25394-0")}  # poor function
    # the phenotype again in the predicted-phenotype component (LOINC 53040-2)
    predicted = [c["valueCodeableConcept"] for c in by_drug["codeine"]["component"]
                 if _codes(c["code"]) == {(loinc, "53040-2")}]
    assert [p["text"] for p in predicted] == ["CYP2D6: Poor Metabolizer"]
    assert _codes(predicted[0]) == {(loinc, "LA9657-3")}
    # drugs coded with RxNorm, genes with HGNC (ids as CPIC's drug and gene tables list them:
    # codeine RxNorm 2670, clopidogrel 32968; CYP2D6 HGNC:2625, CYP2C19 HGNC:2621, TPMT HGNC:12014)
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    drug_codes = {d: next(_codes(c["valueCodeableConcept"]) for c in i["component"]
                          if _codes(c["code"]) == {(loinc, "51963-7")}) for d, i in by_drug.items()}
    assert drug_codes["codeine"] == {(rxnorm, "2670")} and drug_codes["clopidogrel"] == {(rxnorm, "32968")}
    hgnc = "http://www.genenames.org/geneId"
    gene_codes = {g["valueCodeableConcept"]["text"].split()[0]:
                  next(_codes(c["valueCodeableConcept"]) for c in g["component"]
                       if _codes(c["code"]) == {(loinc, "48018-6")}) for g in genotypes}
    assert gene_codes == {"CYP2C19": {(hgnc, "HGNC:2621")}, "CYP2D6": {(hgnc, "HGNC:2625")},
                          "SLCO1B1": {(hgnc, "HGNC:10959")}, "TPMT": {(hgnc, "HGNC:12014")}}
    # tasks: avoid / consider_alternative coded LA26421-0, others uncoded
    task_codes = {t["description"].split(":")[0]: _codes(t.get("code", {})) for t in tasks}
    assert task_codes["codeine"] == task_codes["clopidogrel"] == {(loinc, "LA26421-0")}
    assert task_codes["simvastatin"] == set()
    assert all(t["status"] == "requested" and t["intent"] == "proposal" for t in tasks)
    # the report groups everything and stamps the versions
    assert _codes(report["code"]) == {(loinc, "51969-4")}
    assert len(report["result"]) == len(genotypes) + len(haplotypes) + len(implications)
    assert len(report["extension"]) == len(tasks)
    assert "Not called: DPYD (missing_positions)" in report["conclusion"]
    assert f"pgx {pgx.__version__}; reference data pgx-ref 2025.03; genome build GRCh38" in report["conclusion"]
    (device,) = _resources(bundle, "Device")
    assert [v["value"] for v in device["version"]] == [pgx.__version__, "pgx-ref 2025.03"]


def test_fhir_bundle_is_deterministic_and_references_resolve(frames, meta):
    first, second = _bundle("S1", frames, meta), _bundle("S1", frames, meta)
    assert first == second
    urls = {e["fullUrl"] for e in first["entry"]}
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", u) for u in urls)
    refs = re.findall(r'"reference": "([^"]+)"', json.dumps(first))
    assert refs and set(refs) <= urls
    other = {e["fullUrl"] for e in _bundle("S2", frames, meta)["entry"]}
    assert not urls & other


@pytest.mark.parametrize(("breakage", "message"), [
    (lambda b: b["entry"][3]["resource"]["subject"].update(reference="urn:uuid:" + "0" * 8 + "-0000-0000-0000-"
                                                           + "0" * 12), "does not resolve"),
    (lambda b: b["entry"][3]["resource"]["category"].pop(), "expected category GE once"),
    (lambda b: b["entry"][3]["resource"]["code"]["coding"][0].update(code="12345-6"), "expected code"),
    (lambda b: b["entry"][0]["resource"]["result"].pop(), "must list every genotype"),
    (lambda b: b["entry"][-1]["resource"].update(status="draft"), "expected status 'requested'"),
    (lambda b: b["entry"][-1]["resource"]["code"]["coding"][0].update(code="LA0000-0"), "not from LL4049-4"),
    (lambda b: b["entry"][1].update(fullUrl="urn:uuid:not-a-uuid"), "is not urn:uuid"),
    (lambda b: [c["valueCodeableConcept"]["coding"][0].update(code="CYP2D6") for e in b["entry"]
                for c in e["resource"].get("component", []) if c["code"]["coding"][0]["code"] == "48018-6"],
     "must be an HGNC id"),
    (lambda b: [e["resource"].update(component=[c for c in e["resource"]["component"]
                                                if c["code"]["coding"][0]["code"] != "53040-2"])
                for e in b["entry"] if "therapeutic-implication" in e["resource"].get("meta", {}).get("profile", [""])[0]],
     "predicted-phenotype"),
])
def test_check_fhir_bundle_catches_broken_rules(breakage, message, frames, meta):
    calls, recs = frames
    bundle = json.loads(FhirFormat().render("S1", calls, recs.filter(pl.col("drug") == "codeine"), meta))
    check_fhir_bundle(bundle)
    breakage(bundle)
    with pytest.raises(ReportError, match=message):
        check_fhir_bundle(bundle)


# --------------------------------------------------------------------------- TSV


def test_tsv_round_trips(frames, meta):
    text = _render(TsvFormat(), "S1", frames, meta)
    table = pl.read_csv(io.StringIO(text), separator="\t", infer_schema=False)
    assert tuple(table.columns) == TSV_COLUMNS
    genes = table.filter(pl.col("record") == "gene")
    drugs = table.filter(pl.col("record") == "drug")
    assert genes.height == 5 and drugs.height == 6
    assert genes.filter(pl.col("gene") == "DPYD").row(0, named=True)["called"] == "false"
    assert genes.filter(pl.col("gene") == "DPYD")["missing_positions"].item() == "chr1:97450058;chr1:97515839"
    assert genes.filter(pl.col("gene") == "CYP2D6")["activity_score"].item() == "1.0"
    assert set(table["genome_build"]) == {"GRCh38"} and set(table["pgx_version"]) == {pgx.__version__}
    assert set(table["reference_data_version"]) == {"pgx-ref 2025.03"}
    assert drugs.filter(pl.col("drug") == "codeine")["phenoconverted"].item() == "true"


def test_tsv_keeps_one_line_per_row(frames, meta):
    calls, recs = frames
    recs = recs.with_columns(pl.lit("line one\nline\ttwo").alias("recommendation"))
    text = TsvFormat().render("S1", calls, recs, meta)
    assert len(text.splitlines()) == 1 + 5 + 6


# --------------------------------------------------------------------------- HTML


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("sample", ["S1", EVIL])
def test_html_is_self_contained_and_escaped(sample, frames, meta):
    page = _render(HtmlFormat(), sample, frames, meta)
    parser = _Tags()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base", "b"}, tags
    assert all(not {"src", "href", "srcset", "action"} & set(attrs) for _, attrs in parser.tags)
    style = page[page.index("<style>"):page.index("</style>")]
    assert "@import" not in style and "url(" not in style and "http" not in style
    if sample == EVIL:
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;co" in page
        assert "Use &lt;b&gt;label&lt;/b&gt; dose &amp; monitor" in page
    else:
        assert "http:" not in page and "https:" not in page


def test_html_sections_and_action_groups(frames, meta):
    page = _render(HtmlFormat(), "S1", frames, meta)
    for section in ("genes", "recommendations", "not-called", "phenoconversion", "methods"):
        assert f'<section id="{section}">' in page
    order = [page.index(f'id="group-{g}"') for g in ("avoid", "adjust", "monitor", "no_recommendation")]
    assert order == sorted(order)
    assert 'id="group-standard"' not in page  # empty groups are left out
    assert "CYP2D6: Intermediate Metabolizer &#8594; CYP2D6: Poor Metabolizer" in page
    assert "paroxetine: strong CYP2D6 inhibitor" in page
    assert "Also possible: *3B/*3C." in page
    # without per-position calls the missing positions are a collapsed list, not inline text
    assert ('<details class="gene-details"><summary>Missing: 2 positions</summary>'
            "chr1:97450058, chr1:97515839</details>") in page
    for stamp in (pgx.__version__, "pgx-ref 2025.03", "GRCh38", "cohort.vcf.gz", "2026-01-31"):
        assert stamp in page


def test_no_paths_in_any_output(frames, meta, tmp_path):
    calls, recs = frames
    status = write_reports(tmp_path / "out", calls, recs, meta, formats=list(FORMATS))
    assert {s.status for s in status.values()} == {"written"}
    write_cohort_summary(tmp_path / "out", calls, meta)
    for path in (tmp_path / "out").iterdir():
        text = path.read_text(encoding="utf-8")
        assert str(tmp_path) not in text and "/tmp" not in text and os.sep + "out" not in text, path.name
        assert "cohort.vcf.gz" in text or path.suffix == ".svg"


# --------------------------------------------------------------------------- writing


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_reports_every_format(frames, meta, tmp_path):
    calls, recs = frames
    status = write_reports(tmp_path, calls, recs, meta, formats=("html", "json", "fhir", "tsv"))
    assert list(status) == ["S1", "S2", EVIL]
    stem = status[EVIL].files[0].rsplit(".", 1)[0]
    assert re.fullmatch(r"[A-Za-z0-9._-]+", stem) and not stem.startswith(".")
    assert _files(tmp_path) == sorted(f for s in status.values() for f in s.files)
    assert _files(tmp_path) == sorted(
        f"{s}{suffix}" for s in ("S1", "S2", stem) for suffix in (".html", ".json", ".fhir.json", ".tsv"))
    validator = _validator()
    for name in _files(tmp_path):
        text = (tmp_path / name).read_text(encoding="utf-8")
        if name.endswith(".fhir.json"):
            check_fhir_bundle(json.loads(text))
        elif name.endswith(".json"):
            assert not list(validator.iter_errors(json.loads(text)))


def _repeated_cohort() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Many samples sharing gene results and recommendations, some rows differing only
    in a list item, a null list or an item holding the list separator."""
    calls, recs = [], []
    for i in range(12):
        sample = f"P{i}"
        calls.append(_call(sample, "CYP2C19", "*1/*2" if i % 2 else "*1/*1", "Intermediate Metabolizer",
                           alternatives=["*2/*17"] if i % 3 == 0 else []))
        calls.append(_call(sample, "TPMT", "*1/*3A", "Intermediate Metabolizer",
                           missing=[f"chr10:{94000000 + i % 4}"], warnings=["missing_positions"]))
        recs.append(_rec(sample, "clopidogrel", "CPIC", ["CYP2C19"], ["CYP2C19: Intermediate Metabolizer"],
                         "consider_alternative", reasons=["a\x1fb"] if i % 4 == 0 else ["a", "b"]))
        recs.append(_rec(sample, "azathioprine", "CPIC", ["TPMT"], ["TPMT: Intermediate Metabolizer"],
                         "adjust_dose", reasons=[] if i % 2 else [""]))
    frame = pl.DataFrame(calls, schema=CALL_SCHEMA)
    frame = frame.with_columns(pl.when(pl.col("sample_id") == "P5").then(None).otherwise(pl.col("alternatives"))
                               .alias("alternatives"))
    return frame, pl.DataFrame(recs, schema=REC_SCHEMA)


@pytest.mark.parametrize("name", ["html", "json", "fhir", "tsv"])
def test_cohort_files_equal_each_sample_rendered_alone(name, meta, tmp_path):
    # write_reports shares one result object among equal rows and renders repeated
    # pieces once; every file must still be exactly what rendering that sample alone gives
    calls, recs = _repeated_cohort()
    status = write_reports(tmp_path, calls, recs, meta, formats=(name,), threads=1)
    fmt = FORMATS[name]
    for sample, done in status.items():
        assert done.status == "written"
        expected = fmt.render(sample, calls, recs, meta)
        found = (tmp_path / done.files[0]).read_bytes()
        assert found == (expected if isinstance(expected, bytes) else expected.encode("utf-8")), sample


def test_json_text_is_the_document_encoded(frames, meta):
    calls, recs = frames
    for sample in ("S1", "S2", EVIL):
        report = build_sample_report(sample, calls, recs, meta)
        text = JsonFormat().render_report(report)
        assert text == json.dumps(report_document(report), ensure_ascii=False, allow_nan=False,
                                  separators=(",", ":")) + "\n"


def test_rerun_skips_complete_samples_and_force_rewrites(frames, meta, tmp_path):
    calls, recs = frames
    first = write_reports(tmp_path, calls, recs, meta, formats=("html", "json"))
    assert {s.status for s in first.values()} == {"written"}
    (tmp_path / "S2.json").unlink()                       # S2 incomplete
    (tmp_path / ".S1.html.abc123.tmp").write_text("partial")  # a leftover temp file is not an output
    again = write_reports(tmp_path, calls, recs, meta, formats=("html", "json"))
    assert {k: v.status for k, v in again.items()} == {"S1": "skipped", "S2": "written", EVIL: "skipped"}
    later = ReportMeta(reference_version="pgx-ref 2026.01", genome_build="GRCh38",
                       input_name="cohort.vcf.gz", run_date=RUN_DATE)
    write_reports(tmp_path, calls, recs, later, formats=("html", "json"))
    assert "pgx-ref 2026.01" not in (tmp_path / "S1.json").read_text()
    forced = write_reports(tmp_path, calls, recs, later, formats=("html", "json"), force=True)
    assert {s.status for s in forced.values()} == {"written"}
    assert "pgx-ref 2026.01" in (tmp_path / "S1.json").read_text()
    only = write_reports(tmp_path, calls, recs, later, formats=("json",), samples=["S2"], force=True)
    assert list(only) == ["S2"]


def _fail_nth_file_fsync(monkeypatch, n):
    """Make the n-th rename of a written temp file fail: its temp file holds new content, not yet renamed."""
    real_replace, seen = os.replace, []

    def replace(src, dst):
        if os.path.basename(str(src)).endswith(".tmp"):
            seen.append(src)
            if len(seen) == n:
                raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(report_write.os, "replace", replace)


def test_failed_write_keeps_previous_outputs_and_leaves_no_partial_file(frames, meta, tmp_path, monkeypatch):
    calls, recs = frames
    write_reports(tmp_path, calls, recs, meta, formats=("json", "tsv"))
    before = {name: (tmp_path / name).read_bytes() for name in _files(tmp_path)}
    later = ReportMeta(reference_version="pgx-ref 2026.01", genome_build="GRCh38", run_date=RUN_DATE)
    _fail_nth_file_fsync(monkeypatch, 3)  # S1.json, S1.tsv, then S2.json fails
    status = write_reports(tmp_path, calls, recs, later, formats=("json", "tsv"), force=True, threads=1)
    monkeypatch.undo()
    assert {s: r.status for s, r in status.items()} == {"S1": "written", "S2": "failed", EVIL: "written"}
    assert "No space left on device" in status["S2"].message
    assert _files(tmp_path) == sorted(before)  # no temp file left behind
    assert (tmp_path / "S2.json").read_bytes() == before["S2.json"]  # the previous complete output
    assert (tmp_path / "S2.tsv").read_bytes() == before["S2.tsv"]
    assert b"pgx-ref 2026.01" in (tmp_path / "S1.json").read_bytes()


def test_interrupted_run_resumes_to_the_same_outputs(frames, meta, tmp_path, monkeypatch):
    calls, recs = frames
    formats = ("html", "json", "fhir", "tsv")
    write_reports(tmp_path / "straight", calls, recs, meta, formats=formats)
    _fail_nth_file_fsync(monkeypatch, 6)  # the second file of S2
    status = write_reports(tmp_path / "resumed", calls, recs, meta, formats=formats, threads=1)
    monkeypatch.undo()
    assert [r.status for r in status.values()] == ["written", "failed", "written"]
    assert len(_files(tmp_path / "resumed")) == 4 + 1 + 4  # S2 has its first file only
    rerun = write_reports(tmp_path / "resumed", calls, recs, meta, formats=formats)
    assert [r.status for r in rerun.values()] == ["skipped", "written", "skipped"]
    assert _files(tmp_path / "resumed") == _files(tmp_path / "straight")
    for name in _files(tmp_path / "straight"):
        assert (tmp_path / "resumed" / name).read_bytes() == (tmp_path / "straight" / name).read_bytes(), name


def test_failure_mid_write_never_exposes_a_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "S1.json"
    report_write.atomic_write(target, "old complete\n")

    class Boom(Exception):
        pass

    real_fdopen = os.fdopen

    def half_writer(fd, mode):
        handle = real_fdopen(fd, mode)
        original = handle.write

        def write(data):
            original(data[: len(data) // 2])
            raise Boom("disk went away")

        handle.write = write
        return handle

    monkeypatch.setattr(report_write.os, "fdopen", half_writer)
    with pytest.raises(Boom):
        report_write.atomic_write(target, "new content that is long enough\n")
    monkeypatch.undo()
    assert target.read_text() == "old complete\n"
    assert _files(tmp_path) == ["S1.json"]


def test_one_failing_sample_does_not_stop_the_others(frames, meta, tmp_path):
    calls, recs = frames

    class Fragile(JsonFormat):
        name, suffix = "fragile", ".fragile.json"

        def render_report(self, report):
            if report.sample_id == "S2":
                raise ValueError("cannot render S2")
            return super().render_report(report)

    status = write_reports(tmp_path, calls, recs, meta, formats=("html", Fragile()), samples=["S1", "S2", "S9"])
    assert status["S1"].status == "written"
    assert status["S2"].status == "failed" and "cannot render S2" in status["S2"].message
    assert status["S9"].status == "failed" and "no rows in calls" in status["S9"].message
    assert _files(tmp_path) == ["S1.fragile.json", "S1.html"]  # nothing half-written for S2


@pytest.mark.parametrize("threads", [1, 4])
def test_write_error_of_one_sample_is_reported(threads, frames, meta, tmp_path):
    calls, recs = frames
    (tmp_path / "S2.json").mkdir()  # S2's file cannot be replaced
    status = write_reports(tmp_path, calls, recs, meta, formats=("tsv", "json"), force=True, threads=threads)
    assert [r.status for r in status.values()] == ["written", "failed", "written"]
    assert "S2.json" in status["S2"].message or "directory" in status["S2"].message.lower()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_unknown_format_is_refused_before_writing(frames, meta, tmp_path):
    calls, recs = frames
    with pytest.raises(ReportError, match="unknown format 'pdf'; choose from html, json, fhir, tsv"):
        write_reports(tmp_path / "out", calls, recs, meta, formats=("html", "pdf"))
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- cohort summary


def test_cohort_summary(frames, meta, tmp_path):
    calls, _ = frames
    paths = write_cohort_summary(tmp_path, calls, meta)
    text = paths["table"].read_text()
    assert f"# pgx_version={pgx.__version__}\n" in text and "# genome_build=GRCh38\n" in text
    table = pl.read_csv(paths["table"], separator="\t", comment_prefix="#")
    cyp2c19 = table.filter(pl.col("gene") == "CYP2C19")
    assert cyp2c19["count"].sum() == 3 and set(cyp2c19["samples"]) == {3}
    assert table.filter(pl.col("gene") == "DPYD")["phenotype"].to_list() == ["not called"]
    svg = paths["plot"].read_text()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "CYP2C19" in texts and "1 / 3 (33.3%)" in texts and "GRCh38" in texts
    assert "href" not in svg and "<script" not in svg and "https:" not in svg


def test_cohort_summary_suppresses_small_cells_in_table_and_plot(tmp_path, meta):
    calls = pl.DataFrame(
        [_call(f"P{i}", "CYP2C19", "*2/*2" if i < 3 else "*1/*1", "Poor Metabolizer" if i < 3 else "Normal Metabolizer")
         for i in range(40)], schema=CALL_SCHEMA)
    paths = write_cohort_summary(tmp_path, calls, meta, min_count=11)
    text = paths["table"].read_text()
    assert "# min_count=11\n" in text
    table = pl.read_csv(paths["table"], separator="\t", comment_prefix="#", infer_schema=False)
    assert sorted(table["count"].to_list()) == ["<11", "<11"]  # 3 hidden, so 37 is hidden too
    assert table["frequency"].null_count() == 2
    svg = paths["plot"].read_text()
    assert "37" not in svg.replace("GRCh38", "") and "3 / 40" not in svg
    assert '<rect class="bar"' not in svg and "&lt;11 / 40 (hidden: small count)" in svg


HEAD = "ab" * 32


def test_reports_carry_the_audit_chain_head(frames, tmp_path):
    calls, recs = frames
    stamped = ReportMeta(reference_version="r", genome_build="GRCh38", run_date=RUN_DATE, audit_chain_head=HEAD)
    doc = json.loads(_render(JsonFormat(), "S1", frames, stamped))
    assert doc["audit_chain_head"] == HEAD and doc["schema_version"] == "1.4"
    assert not list(_validator().iter_errors(doc))
    plain = json.loads(_render(JsonFormat(), "S1", frames, ReportMeta(reference_version="r", genome_build="GRCh38")))
    assert "audit_chain_head" not in plain and not list(_validator().iter_errors(plain))
    doc["audit_chain_head"] = "not-a-hash"
    assert list(_validator().iter_errors(doc))
    assert f'<td id="audit-chain-head"><code>{HEAD}</code></td>' in _render(HtmlFormat(), "S1", frames, stamped)
    table = pl.read_csv(io.StringIO(_render(TsvFormat(), "S1", frames, stamped)), separator="\t", infer_schema=False)
    assert set(table["audit_chain_head"]) == {HEAD}
    bundle = json.loads(_render(FhirFormat(), "S1", frames, stamped))
    check_fhir_bundle(bundle)
    report = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
    assert report["meta"]["tag"][0]["code"] == HEAD
    with pytest.raises(ReportError, match="audit_chain_head"):
        ReportMeta(reference_version="r", genome_build="GRCh38", audit_chain_head="ABC")


def _matches(**overrides) -> pl.DataFrame:
    row = {"gene": "BRAF", "alteration": "V600E", "therapy": "dabrafenib + trametinib", "tumor_type": "MEL",
           "tier": "I-A", "evidence_level": "FDA", "source": "FDA label", "match_type": "exact", "resistance": False}
    return pl.DataFrame([{**row, **overrides}])


def test_tumour_section_inputs_are_checked():
    with pytest.raises(ReportError, match="missing column"):
        tumor_section(tumor_type="MEL", matches=_matches().drop("tier"))
    with pytest.raises(ReportError, match="tmb"):
        tumor_section(tumor_type="MEL", tmb=-1.0)
    with pytest.raises(ReportError, match="tumor_type"):
        tumor_section(tumor_type=" ")


def test_tumour_section_fhir_codes_msi_by_its_answer_and_mmr_as_text(frames, meta):
    calls, recs = frames
    for status, code in (("MSI-H", "LA26203-2"), ("MSS", "LA14122-8"), ("dMMR", None)):
        section = tumor_section(tumor_type="MEL", matches=pl.concat([_matches(resistance=True), _matches()]),
                                msi=status)
        report = report_from_results("S1", [_gene_result()], [], meta, section)
        bundle = json.loads(FhirFormat().render_report(report))
        check_fhir_bundle(bundle)
        codes = [e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "Observation"]
        assert "94076-7" not in codes  # no TMB given, no TMB Observation
        msi = next(e["resource"] for e in bundle["entry"]
                   if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "81695-9")
        assert msi["valueCodeableConcept"]["text"] == status
        assert [c["code"] for c in msi["valueCodeableConcept"].get("coding", [])] == ([code] if code else [])
        assert [m.resistance for m in section.matches] == [False, True]
    broken = json.loads(FhirFormat().render_report(report))
    for entry in broken["entry"]:
        if entry["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "81695-9":
            entry["resource"]["valueCodeableConcept"]["coding"] = [{"system": "http://loinc.org", "code": "LA6576-8"}]
    with pytest.raises(ReportError, match="MSI needs"):
        check_fhir_bundle(broken)


def _gene_result():
    from pgx.report._base import _gene
    return _gene(_call("S1", "CYP2C19", "*1/*2", "Intermediate Metabolizer"))


# --------------------------------------------------------------------------- headless browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROBE = """
<script>
(function () {
  var ids = %s, out = {};
  ids.forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) { out[id] = null; return; }
    var style = getComputedStyle(el), box = el.getBoundingClientRect();
    out[id] = {height: el.offsetHeight, width: box.width, display: style.display,
               visibility: style.visibility, opacity: style.opacity, text: el.innerText.slice(0, 200)};
  });
  var pre = document.createElement("pre");
  pre.id = "probe-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""
KEY_ELEMENTS = ["report-header", "sample-id", "genes-table", "recommendations", "group-avoid", "group-adjust",
                "group-monitor", "not-called", "phenoconversion", "methods", "versions", "report-footer"]


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _png_is_not_blank(data: bytes) -> bool:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", chunk[:4])[0]
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    # enough distinct bytes (filters + pixels) means more than one flat colour
    return width > 0 and len(set(raw[: 4 * width * 200])) > 16


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_renders_in_headless_chromium(frames, meta, tmp_path):
    page = _render(HtmlFormat(), "S1", frames, meta)
    probed = page.replace("</body>", PROBE % json.dumps(KEY_ELEMENTS) + "</body>")
    html_path = tmp_path / "S1.html"
    html_path.write_text(probed, encoding="utf-8")
    result = _chromium("--dump-dom", html_path.as_uri(), profile=tmp_path / "profile")
    assert result.returncode == 0, result.stderr[-2000:]
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', result.stdout, re.S)
    assert match, f"probe did not run; stdout: {result.stdout[:500]}"
    probe = json.loads(match.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
                       .replace("&quot;", '"'))
    for element in KEY_ELEMENTS:
        info = probe[element]
        assert info is not None, f"#{element} missing from the rendered DOM"
        assert info["height"] > 0 and info["width"] > 0, f"#{element} has no size: {info}"
        assert info["display"] != "none" and info["visibility"] == "visible" and info["opacity"] == "1", info
    assert probe["sample-id"]["text"] == "S1"
    assert "clopidogrel" in probe["group-adjust"]["text"] and "codeine" in probe["group-avoid"]["text"]
    assert "DPYD" in probe["not-called"]["text"]

    # a screenshot of the unmodified page is not blank, and the page prints to PDF
    plain = tmp_path / "plain.html"
    plain.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    result = _chromium(f"--screenshot={shot}", "--window-size=1200,2000", "--hide-scrollbars", plain.as_uri(),
                       profile=tmp_path / "profile2")
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    assert _png_is_not_blank(shot.read_bytes())
    pdf = tmp_path / "print.pdf"
    result = _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", plain.as_uri(),
                       profile=tmp_path / "profile3")
    assert result.returncode == 0 and pdf.read_bytes()[:5] == b"%PDF-", result.stderr[-2000:]
