"""`pgx report --somatic`: the tumour section inside the patient's HTML, JSON and FHIR
report, with the germline guidance of the tumour type's chemotherapy cross-linked."""

from __future__ import annotations

import json
import re

from pgxcli import run_pgx
import pgx
from pgx.report import check_fhir_bundle, report_schema

LOINC = "http://loinc.org"


def _report(tmp_path, *extra):
    out = tmp_path / "r"
    done = run_pgx("report", pgx.example_vcf(), "--sample", "SAMPLE_B", "-o", str(out), "--format", "html,json,fhir",
                   "--somatic", pgx.example_vcf("somatic_vep.vcf"), "--tumor-type", "COAD", "--target-mb", "1.5",
                   "--msi", "MSI-H", "--quiet", *extra)
    assert done.returncode == 0, done.stderr
    return out


def test_tumour_section_in_json_with_germline_cross_links(tmp_path):
    import jsonschema

    doc = json.loads((_report(tmp_path) / "SAMPLE_B.json").read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    tumor = doc["tumor"]
    assert tumor["tumor_type"] == "COAD" and tumor["tmb_mutations_per_mb"] == 6.0 and tumor["msi"] == "MSI-H"
    found = {(m["gene"], m["alteration"], m["therapy"], m["resistance"]) for m in tumor["therapy_matches"]}
    assert ("BRAF", "V600E", "encorafenib + cetuximab", False) in found
    assert any(gene == "MSI" and not resistant for gene, _, _, resistant in found)  # signature match
    # resistance markers are flagged, and listed after every sensitivity match
    flags = [m["resistance"] for m in tumor["therapy_matches"]]
    assert True in flags and flags == sorted(flags)
    # SAMPLE_B is a DPYD intermediate metabolizer: the fluoropyrimidines of colorectal
    # regimens carry this patient's own germline guidance
    links = {link["drug"]: link for link in tumor["germline_toxicity"]}
    assert set(links) >= {"fluorouracil", "capecitabine", "irinotecan"}
    assert links["fluorouracil"]["genes"] == ["DPYD"]
    actions = {g["source"]: g["action"] for g in links["fluorouracil"]["germline_guidance"]}
    assert actions.get("CPIC") == "adjust_dose"
    own = {(r["drug"], r["source"]): r["action"] for r in doc["recommendations"]}
    assert all(own[("fluorouracil", s)] == a for s, a in actions.items())


def test_tumour_section_in_html(tmp_path):
    page = (_report(tmp_path) / "SAMPLE_B.html").read_text()
    section = page[page.index('<section id="tumour">'):]
    section = section[:section.index("</section>")]
    assert '<dd id="tumour-tmb">6.0 mutations/Mb</dd>' in section and '<dd id="tumour-msi">MSI-H</dd>' in section
    assert 'id="tumour-therapies"' in section and "encorafenib + cetuximab" in section
    assert 'id="tumour-resistance"' in section
    germline = section[section.index('id="tumour-germline"'):]
    row = re.search(r"<tr><td>fluorouracil</td>.*?</tr>", germline).group(0)
    assert "DPYD" in row and "adjust dose" in row


def test_tumour_section_in_fhir_as_tmb_and_msi_observations(tmp_path):
    bundle = json.loads((_report(tmp_path) / "SAMPLE_B.fhir.json").read_text())
    check_fhir_bundle(bundle)
    observations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations}
    tmb, msi = by_code["94076-7"], by_code["81695-9"]
    assert tmb["valueQuantity"]["value"] == 6.0 and tmb["valueQuantity"]["code"] == "1/1000000{Base}"
    assert msi["valueCodeableConcept"]["coding"][0] == {"system": LOINC, "code": "LA26203-2", "display": "MSI-H"}
    report = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
    listed = {r["reference"] for r in report["result"]}
    assert f"urn:uuid:{tmb['id']}" in listed and f"urn:uuid:{msi['id']}" in listed
    assert "encorafenib + cetuximab" in report["conclusion"]


def test_somatic_needs_one_patient(tmp_path):
    out = tmp_path / "r"
    done = run_pgx("report", pgx.example_vcf(), "-o", str(out), "--somatic", pgx.example_vcf("somatic_vep.vcf"),
                   "--tumor-type", "COAD")
    assert done.returncode == 2 and "--sample" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() or not any(out.glob("*.html"))
