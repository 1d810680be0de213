"""`pgx report --somatic`: the tumour section inside the patient's HTML, JSON and FHIR
report, with the germline guidance of the tumour type's chemotherapy cross-linked."""

from __future__ import annotations

import json
import re

import pytest

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


def _tumour_only(tmp_path, tumor_type, *extra):
    """A JSON report for SAMPLE_A with a somatic VCF and extra tumour inputs; the report's tumour
    matches and the tumour_matches.tsv rows."""
    import polars as pl

    out = tmp_path / "r"
    done = run_pgx("report", pgx.example_vcf(), "--sample", "SAMPLE_A", "-o", str(out), "--format", "json",
                   "--somatic", pgx.example_vcf("somatic_vep.vcf"), "--tumor-type", tumor_type, "--quiet", *extra)
    assert done.returncode == 0, done.stderr
    doc = json.loads((out / "SAMPLE_A.json").read_text())
    table = pl.read_csv(out / "tumour_matches.tsv", separator="\t")
    return doc["tumor"]["therapy_matches"], table


def test_fusions_file_gives_fusion_matches(tmp_path):
    fusions = tmp_path / "fusions.tsv"
    fusions.write_text("# STAR-Fusion, filtered\nfusion\tsplit_reads\nEML4::ALK\t31\n", encoding="utf-8")
    matches, table = _tumour_only(tmp_path, "LUAD", "--fusions", str(fusions))
    alk = {(m["alteration"], m["therapy"], m["match_type"], m["resistance"]) for m in matches if m["gene"] == "ALK"}
    assert {("EML4::ALK", "alectinib", "fusion", False), ("EML4::ALK", "crizotinib", "fusion", False)} <= alk
    rows = table.filter(table["gene"] == "ALK")
    assert set(rows["match_type"]) == {"fusion"} and set(rows["alteration"]) == {"EML4::ALK"}
    assert {"alectinib", "crizotinib"} <= set(rows["therapy"])
    assert any(m["gene"] == "EGFR" for m in matches)  # the VCF's variants are still matched


def test_headerless_fusions_file(tmp_path):
    fusions = tmp_path / "fusions.txt"
    fusions.write_text("EML4--ALK\n", encoding="utf-8")
    matches, _ = _tumour_only(tmp_path, "LUAD", "--fusions", str(fusions))
    assert any(m["alteration"] == "EML4::ALK" and m["match_type"] == "fusion" for m in matches)


def test_cna_file_gives_copy_number_matches(tmp_path):
    cna = tmp_path / "cna.tsv"
    cna.write_text("gene\tcall\tcopies\nERBB2\tamplification\t18\n", encoding="utf-8")
    matches, table = _tumour_only(tmp_path, "BRCA", "--cna", str(cna))
    erbb2 = {(m["alteration"], m["therapy"], m["match_type"]) for m in matches if m["gene"] == "ERBB2"}
    assert ("amplification", "trastuzumab", "copy_number") in erbb2
    rows = table.filter(table["gene"] == "ERBB2")
    assert set(rows["match_type"]) == {"copy_number"} and "trastuzumab" in set(rows["therapy"])


@pytest.mark.parametrize(("option", "text", "where"), [
    ("--fusions", "fusion\nEML4::ALK\nEML4-ALK\n", "line 3, column fusion: expected a fusion as GENE1::GENE2"),
    ("--fusions", "FusionName\tJunctionReads\nEML4--ALK\t3\n", "line 1, column 1: expected a fusion"),
    ("--cna", "gene\tcall\nERBB2\tgain\n", "line 2, column call: expected one of amp, amplification"),
    ("--cna", "gene\tcopy_number\nERBB2\tamp\n", "line 1, column call: expected a header row"),
    ("--cna", "gene\tcall\n#\n\tamp\n", "line 3, column gene: expected an HGNC gene symbol"),
])
def test_malformed_tumour_inputs_exit_2_naming_file_line_and_column(tmp_path, option, text, where):
    bad = tmp_path / "bad.tsv"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "r"
    done = run_pgx("report", pgx.example_vcf(), "--sample", "SAMPLE_A", "-o", str(out), "--format", "json",
                   "--somatic", pgx.example_vcf("somatic_vep.vcf"), "--tumor-type", "LUAD", option, str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pgx: error: ")
    assert f"{bad}, {where}" in lines[0]
    assert not out.exists() or not any(out.iterdir())  # nothing half written


def test_fusions_and_cna_need_somatic(tmp_path):
    fusions = tmp_path / "fusions.tsv"
    fusions.write_text("EML4::ALK\n", encoding="utf-8")
    done = run_pgx("report", pgx.example_vcf(), "--sample", "SAMPLE_A", "-o", str(tmp_path / "r"), "--fusions",
                   str(fusions))
    assert done.returncode == 2 and "--fusions needs --somatic" in done.stderr


def test_help_describes_fusion_and_cna_files():
    text = " ".join(run_pgx("report", "--help").stdout.split())
    assert "--fusions TSV" in text and "GENE1::GENE2" in text
    assert "--cna TSV" in text and "'gene' and 'call'" in text and "amplification" in text


def test_report_and_api_give_the_same_rows_grouped_by_alteration(tmp_path):
    """`pgx report --somatic` with a tumour *name* lists exactly the rows of pgx.oncology.match on the same
    file, and the HTML groups them by alteration, each therapy with its tier and source."""
    import polars as pl

    from pgx.oncology import match, tmb

    vcf = pgx.example_vcf("somatic_vep.vcf")
    out = tmp_path / "r"
    done = run_pgx("report", pgx.example_vcf(), "--sample", "SAMPLE_B", "-o", str(out), "--format", "html,json",
                   "--somatic", vcf, "--tumor-type", "breast cancer", "--target-mb", "1.5", "--quiet")
    assert done.returncode == 0, done.stderr
    tumor = json.loads((out / "SAMPLE_B.json").read_text())["tumor"]
    assert tumor["tumor_type"] == "BREAST"
    api = match(vcf, tumor_type="breast cancer", tmb=tmb(vcf, target_mb=1.5))
    fields = ["gene", "alteration", "therapy", "tumor_type", "tier", "evidence_level", "source", "match_type",
              "resistance", "scope", "source_date", "locus"]
    reported = [tuple(m[f] for f in fields) for m in tumor["therapy_matches"]]
    assert len(reported) == api.height > 5 and sorted(reported, key=str) == sorted(api.select(fields).rows(), key=str)
    assert {"subtype"} <= {m["scope"] for m in tumor["therapy_matches"]}  # BREAST's evidence is its subtypes'
    # HTML: one row group per alteration, naming the gene and alteration once; every therapy row has tier and source
    page = (out / "SAMPLE_B.html").read_text()
    section = page[page.index('<section id="tumour">'):]
    section = section[:section.index("</section>")]
    groups = re.findall(r'<tbody class="alteration">\n(.*?)</tbody>', section, flags=re.S)
    expected = api.select("resistance", "gene", "alteration").unique()
    assert len(groups) == expected.height
    for group in groups:
        rows = re.findall(r"<tr>(.*?)</tr>", group)
        assert rows[0].count('scope="rowgroup"') == 1 and all("rowgroup" not in row for row in rows[1:])
        for row in rows:
            tier = re.findall(r"<td>(.*?)</td>", row)[-4]  # therapy, tier, evidence, tumour type, matched by
            assert re.fullmatch(r"I-A|I-B|II-C|II-D", tier), row
            source = re.findall(r'<div class="muted">([^<]+)</div></td>', row)[-1]
            assert "FDA label" in source or "CIViC" in source or "NCCN" in source, row
    gene_cells = re.findall(r'scope="rowgroup">([^<]+)</th>', section)
    assert sorted(gene_cells) == sorted(expected["gene"].to_list())
    assert pl.DataFrame(tumor["therapy_matches"])["alteration"].n_unique() >= 2
