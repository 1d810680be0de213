"""Allele-matching details: per called gene, a collapsed table of every definition position with
the sample's genotype as the VCF writes it and its status, the same in the JSON report, and no
inline wall of missing positions."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import polars as pl
import pytest

from pgx.pipeline import call, read_calls_tsv, report, write_calls_tsv

# CYP2C19 on GRCh38, written out here (not read from pgx's tables): rs4244285 (*2) and rs12248560 (*17)
RS2, POS2, REF2, ALT2 = "rs4244285", 94781859, "G", "A"
RS17, POS17, REF17, ALT17 = "rs12248560", 94761900, "C", "T"
RS1, POS1, REF1, ALT1 = "rs3758581", 94842866, "A", "G"  # the ALT of *1 (the reference sequence is *38)
RS2B, POS2B = "rs12769205", 94775367  # A>G, the other change of *2
VCF = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr10,length=133797422>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n"
    f"chr10\t{POS17}\t{RS17}\t{REF17}\t{ALT17}\t.\tPASS\t.\tGT\t./.\t0/0\n"
    f"chr10\t{POS2B}\t{RS2B}\tA\tG\t.\tPASS\t.\tGT\t0/1\t1|0\n"
    f"chr10\t{POS2}\t{RS2}\t{REF2}\t{ALT2}\t.\tPASS\t.\tGT\t0/1\t1|0\n"
    f"chr10\t{POS1}\t{RS1}\t{REF1}\t{ALT1}\t.\tPASS\t.\tGT\t1/1\t1/1\n"
)


class _Details(HTMLParser):
    """Per ``<details id="details-GENE">``: whether it is open, its summary, and its body rows."""

    def __init__(self):
        super().__init__()
        self.blocks: dict[str, dict] = {}
        self._gene = self._cell = None
        self._in_summary = False
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details" and (attrs.get("id") or "").startswith("details-"):
            self._gene = attrs["id"].removeprefix("details-")
            self.blocks[self._gene] = {"open": "open" in attrs, "summary": "", "rows": []}
        elif self._gene and tag == "summary":
            self._in_summary = True
        elif self._gene and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.blocks[self._gene]["rows"].append([])
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "summary":
            self._in_summary = False
        elif tag == "td" and self._cell is not None:
            self.blocks[self._gene]["rows"][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "details":
            self._gene = None

    def handle_data(self, data):
        if self._in_summary:
            self.blocks[self._gene]["summary"] += data
        elif self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("details")
    vcf = folder / "two.vcf"
    vcf.write_text(VCF)
    out = folder / "out"
    # assume_reference: positions without a record count as reference, so the one position whose
    # record calls nothing (./.) is the only missing one
    status = report(vcf, out, genes=["CYP2C19"], formats=["html", "json"], assume_reference=True)
    assert {s.status for s in status.values()} == {"written"}
    return out


def _parsed(out, sample):
    parser = _Details()
    page = (out / f"{sample}.html").read_text()
    parser.feed(page)
    return page, parser.blocks


def _row(rows, position):
    found = [r for r in rows if r[0] == str(position)]
    assert len(found) == 1, f"no single row for {position}"
    return found[0]


def test_html_details_table_shows_each_position_with_the_vcf_genotype(written):
    page, blocks = _parsed(written, "S1")
    block = blocks["CYP2C19"]
    assert not block["open"]  # collapsed
    rows = block["rows"]
    # position, rsID, definitions, named alleles, genotype as written in the VCF, status
    variant = _row(rows, POS2)
    assert variant[1] == RS2 and f"{REF2}>{ALT2}" in variant[2] and "*2" in variant[3].split(", ")
    assert variant[4:] == [f"{REF2}/{ALT2}", "variant"]
    missing = _row(rows, POS17)
    assert missing[1] == RS17 and "*17" in missing[3].split(", ")
    assert missing[4:] == ["./.", "missing"]
    assert _row(rows, POS1)[4:] == [f"{ALT1}/{ALT1}", "variant"]
    others = [r for r in rows if r[0] not in (str(POS2), str(POS17), str(POS1), str(POS2B))]
    assert others and {tuple(r[4:]) for r in others} == {("missing", "assumed reference")}
    assert block["summary"] == (f"CYP2C19: {len(rows)} definition positions, {len(rows) - 1} genotyped, 1 missing")
    # the phased call of the second sample is written as the VCF writes it
    assert _row(_parsed(written, "S2")[1]["CYP2C19"]["rows"], POS2)[4:] == [f"{ALT2}|{REF2}", "variant"]
    assert _row(_parsed(written, "S2")[1]["CYP2C19"]["rows"], POS17)[4:] == [f"{REF17}/{REF17}", "reference"]


def test_not_called_section_points_at_the_table_instead_of_listing_positions(written):
    page, _ = _parsed(written, "S1")
    section = page[page.index('<section id="not-called">'):page.index("</section>", page.index('id="not-called"'))]
    assert "<strong>CYP2C19</strong> (*1/*2)" in section
    assert "Missing: 1 of" in section and 'href="#details-CYP2C19"' in section
    assert "Missing (" not in page  # the old inline list
    # the positions assumed reference are counted too, not listed
    assert re.search(r"Assumed reference: \d+ positions \(see <a href=\"#details-CYP2C19\">", section)
    assert "chr10:" not in section  # no position listed inline


def test_json_position_details_equal_the_html_table(written):
    _, blocks = _parsed(written, "S1")
    doc = json.loads((written / "S1.json").read_text())
    assert doc["schema_version"] == "1.4"
    gene = next(g for g in doc["genes"] if g["gene"] == "CYP2C19")
    details = gene["position_details"]
    assert details["summary"] == blocks["CYP2C19"]["summary"]
    count = details["definition_positions"]
    assert details["missing"] == 1 and details["genotyped"] == count - 1 and details["chrom"] == "chr10"
    columns = ("position", "rsid", "ref", "variants", "alleles", "genotype", "status")
    assert {len(details[c]) for c in columns} == {count}
    positions = [dict(zip(columns, values)) for values in zip(*(details[c] for c in columns))]
    table = [[str(p["position"]), p["rsid"] or "\u2014", ", ".join(p["variants"]), ", ".join(p["alleles"]) or "\u2014",
              p["genotype"] or "missing", p["status"]] for p in positions]
    assert table == blocks["CYP2C19"]["rows"]
    by_position = {p["position"]: p for p in positions}
    assert (by_position[POS2]["genotype"], by_position[POS2]["status"]) == (f"{REF2}/{ALT2}", "variant")
    assert (by_position[POS17]["genotype"], by_position[POS17]["status"]) == ("./.", "missing")
    assert {p["genotype"] for q, p in by_position.items() if q not in (POS2, POS17, POS1, POS2B)} == {None}
    # missing_positions (kept) names the same position the table calls missing
    assert [m for m in gene["missing_positions"]] == [f"chr10:{POS17} ({RS17})"]


def test_json_report_validates_against_its_schema(written):
    jsonschema = pytest.importorskip("jsonschema")
    from pgx.report import report_schema

    doc = json.loads((written / "S1.json").read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(doc)
    broken = json.loads(json.dumps(doc))
    broken["genes"][0]["position_details"]["status"][0] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(report_schema()).validate(broken)


def test_calls_table_keeps_the_position_columns(tmp_path):
    vcf = tmp_path / "two.vcf"
    vcf.write_text(VCF)
    # the columns are filled when asked for (pgx.report asks), null otherwise
    plain = call(vcf, genes=["CYP2C19"])
    assert plain["position_genotypes"].null_count() == plain["position_status"].null_count() == plain.height
    calls = call(vcf, genes=["CYP2C19"], position_details=True)
    row = calls.filter(pl.col("sample_id") == "S1").row(0, named=True)
    assert len(row["position_genotypes"]) == len(row["position_status"]) > 2
    assert sorted(row["position_status"]).count("variant") == 3
    path = tmp_path / "calls.tsv"
    write_calls_tsv(calls, path)
    assert read_calls_tsv(path).equals(calls)
    # a calls table written before the columns existed reads with nulls, and its report lists the
    # missing positions in a collapsed list
    old = tmp_path / "old.tsv"
    pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None).drop(
        "position_genotypes", "position_status").write_csv(old, separator="\t", quote_style="never")
    again = read_calls_tsv(old)
    assert again["position_genotypes"].null_count() == again.height
    out = tmp_path / "out"
    report(old, out, from_calls=True, formats=["html"])
    page = (out / "S1.html").read_text()
    assert 'id="details-CYP2C19"' not in page
    assert re.search(r"<details class=\"gene-details\"><summary>Missing: \d+ positions</summary>chr10:", page)


def test_json_text_equals_its_document(tmp_path):
    # the JSON report is assembled from cached encoded pieces; it must say what the document says
    import datetime

    from pgx.report import JsonFormat, ReportMeta
    from pgx.report._base import build_sample_report
    from pgx.report._json import report_document

    vcf = tmp_path / "two.vcf"
    vcf.write_text(VCF)
    calls = call(vcf, genes=["CYP2C19"], position_details=True)
    meta = ReportMeta(reference_version="r", genome_build="GRCh38", run_date=datetime.date(2026, 1, 31))
    sample = build_sample_report("S2", calls, None, meta)
    text = JsonFormat().render_report(sample)
    assert json.loads(text) == report_document(sample)
    assert json.loads(text)["genes"][0]["position_details"]["genotype"].count(f"{ALT2}|{REF2}") == 1
