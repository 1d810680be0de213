"""pgx.privacy: pseudonyms, header scrubbing, table de-identification, PHI checks on real
report outputs, log redaction and the hash-chained audit trail."""

from __future__ import annotations

import datetime as dt
import json
import logging
import stat
from pathlib import Path

import polars as pl
import pytest

from pgxcli import run_pgx
import pgx
from pgx.privacy import (
    GENESIS,
    AuditLog,
    AuditLogError,
    PrivacyError,
    Pseudonymizer,
    PseudonymKeyError,
    RedactingFilter,
    chain_head,
    collapse_ages,
    date_offset,
    deidentify_vcf_lines,
    generate_key_file,
    install_log_redaction,
    load_key,
    phi_check,
    phi_check_text,
    pseudonym,
    scrub_vcf_header,
    shift_dates,
    suppress_small_counts,
    uninstall_log_redaction,
    verify_audit_log,
    write_mapping,
)

KEY = b"test key: 0123456789abcdef"
OTHER_KEY = b"another test key, 0123456789"
EXAMPLE_VCF = Path(pgx.example_vcf())
RAW_SAMPLES = ["SAMPLE_A", "SAMPLE_B", "SAMPLE_C", "SAMPLE_D"]


# ---------------------------------------------------------------- pseudonyms and keys

def test_pseudonyms_stable_under_a_key_and_different_under_another():
    ids = [f"PATIENT-{i:04d}" for i in range(500)]
    first = [pseudonym(i, key=KEY, domain="patient") for i in ids]
    assert first == [pseudonym(i, key=KEY, domain="patient") for i in ids]
    other = [pseudonym(i, key=OTHER_KEY, domain="patient") for i in ids]
    assert not set(first) & set(other)
    assert len(set(first)) == len(ids)


def test_pseudonym_format():
    token = pseudonym("NA12878", key=KEY)
    assert token.startswith("S-") and len(token) == 14
    assert set(token[2:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert pseudonym("x", key=KEY, domain="patient").startswith("P-")
    assert pseudonym("x", key=KEY, domain="specimen").startswith("SP-")


def test_domains_cannot_be_linked():
    p = Pseudonymizer(KEY)
    bodies = {domain: p.token("12345678", domain).split("-", 1)[1] for domain in ("patient", "sample", "specimen")}
    assert len(set(bodies.values())) == 3
    with pytest.raises(PrivacyError, match="unknown pseudonym domain"):
        p.token("x", "visit")  # type: ignore[arg-type]


def test_identifier_normalisation_and_empty():
    p = Pseudonymizer(KEY)
    assert p.token("Caf\u00e9") == p.token("Cafe\u0301")  # NFC
    with pytest.raises(PrivacyError, match="empty"):
        p.token("   ")


def test_key_from_env_and_file(tmp_path):
    assert load_key(environ={"PGX_PSEUDONYM_KEY": KEY.decode()}) == KEY
    with pytest.raises(PseudonymKeyError, match="no pseudonym key configured.*PGX_PSEUDONYM_KEY"):
        load_key(environ={})
    with pytest.raises(PseudonymKeyError, match="expected at least 16"):
        load_key(environ={"PGX_PSEUDONYM_KEY": "short"})
    path = generate_key_file(tmp_path / "pgx.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = load_key(path, environ={"PGX_PSEUDONYM_KEY": KEY.decode()})  # the file wins
    assert key != KEY and len(key) >= 32
    with pytest.raises(FileExistsError):
        generate_key_file(path)
    path.chmod(0o644)
    with pytest.raises(PseudonymKeyError, match="chmod 600"):
        load_key(path)
    assert isinstance(PseudonymKeyError("x"), ValueError)
    assert "key=<hidden>" in repr(Pseudonymizer(KEY))


def test_mapping_file_is_owner_only_and_atomic(tmp_path):
    mapping = Pseudonymizer(KEY).mapping(RAW_SAMPLES)
    path = tmp_path / "mapping.tsv"
    path.write_text("old\n")
    path.chmod(0o644)
    write_mapping(path, mapping)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    assert rows[0] == ["identifier", "domain", "token"]
    assert {r[0]: r[2] for r in rows[1:]} == mapping
    assert [p.name for p in tmp_path.iterdir()] == ["mapping.tsv"]  # no temporary left
    with pytest.raises(PrivacyError, match="share a pseudonym"):
        write_mapping(tmp_path / "bad.tsv", {"a": "S-X", "b": "S-X"})
    assert not (tmp_path / "bad.tsv").exists()


# ---------------------------------------------------------------- VCF headers

HEADER = [
    "##fileformat=VCFv4.2\n",
    "##fileDate=20240131\n",
    "##source=HaplotypeCaller\n",
    '##commandline="bcftools view -s JOHN_DOE /data/jdoe.vcf.gz"\n',
    "##bcftools_viewCommand=view -s JOHN_DOE jdoe.vcf.gz; Date=Wed Jan 31 10:00:00 2024\n",
    '##GATKCommandLine=<ID=HaplotypeCaller,CommandLine="-I /data/jdoe.bam",Date="Jan 31, 2024">\n',
    "##reference=GRCh38\n",
    "##reference=file:///data/ref/hg38.fa\n",
    "##contig=<ID=chr1,length=248956422,assembly=GRCh38>\n",
    "##contig=<ID=chr2,length=242193529,URL=file:///data/ref/hg38.fa>\n",
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency, gnomAD 2023-05-01 release">\n',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n',
    '##FILTER=<ID=LowQual,Description="Low quality">\n',
    '##ALT=<ID=DEL,Description="Deletion">\n',
    '##SAMPLE=<ID=JOHN_DOE,Description="John Doe, MRN 12345678">\n',
    "##PEDIGREE=<Child=JOHN_DOE,Mother=JANE_DOE>\n",
    "##vendorInfo=run by jdoe@hospital.org\n",
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tJOHN_DOE\tJANE_DOE\n",
]


def test_header_scrubbing_rules():
    mapping = Pseudonymizer(KEY).mapping(["JOHN_DOE", "JANE_DOE"])
    out = scrub_vcf_header(HEADER, mapping)
    assert out == [
        "##fileformat=VCFv4.2\n",
        "##reference=GRCh38\n",
        "##contig=<ID=chr1,length=248956422,assembly=GRCh38>\n",
        "##contig=<ID=chr2,length=242193529,URL=redacted>\n",
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency, gnomAD redacted release">\n',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n',
        '##FILTER=<ID=LowQual,Description="Low quality">\n',
        '##ALT=<ID=DEL,Description="Deletion">\n',
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{mapping['JOHN_DOE']}\t{mapping['JANE_DOE']}\n",
    ]
    text = "".join(out)
    assert not phi_check_text(text, identifiers=["JOHN_DOE", "JANE_DOE", "jdoe"], names=["John Doe"])


def test_header_scrubbing_without_renaming_and_errors():
    kept = scrub_vcf_header(HEADER)
    assert kept[-1] == HEADER[-1]
    with pytest.raises(PrivacyError, match="sample 1 has no pseudonym") as info:
        scrub_vcf_header(HEADER, {"JOHN_DOE": "S-A"})
    assert "JANE_DOE" not in str(info.value)  # samples are named by index, never raw
    with pytest.raises(PrivacyError, match="same name"):
        scrub_vcf_header(HEADER, {"JOHN_DOE": "S-A", "JANE_DOE": "S-A"})


def test_deidentify_vcf_lines_on_the_example():
    lines = EXAMPLE_VCF.read_text().splitlines(keepends=True)
    mapping, out = deidentify_vcf_lines(lines, key=KEY)
    out = list(out)
    assert set(mapping) == set(RAW_SAMPLES)
    assert mapping == Pseudonymizer(KEY).mapping(RAW_SAMPLES)
    body = [line for line in lines if not line.startswith("#")]
    assert out[-len(body):] == body  # records unchanged
    assert not any(line.startswith("##source") for line in out)
    assert out[0] == "##fileformat=VCFv4.2\n"
    assert "##reference=GRCh38\n" in out
    assert not phi_check_text("".join(out), identifiers=RAW_SAMPLES)
    with pytest.raises(PrivacyError, match="no #CHROM"):
        deidentify_vcf_lines(["##fileformat=VCFv4.2\n"], key=KEY)
    with pytest.raises(PrivacyError, match="line 2: a record before"):
        deidentify_vcf_lines(["##fileformat=VCFv4.2\n", "chr1\t1\t.\tA\tG\n"], key=KEY)


# ---------------------------------------------------------------- tables

def test_date_shift_keeps_intervals_and_differs_per_patient():
    patients = [f"P{i}" for i in range(50)]
    rows = {"patient_id": [], "date": [], "when": []}
    for p in patients:
        for day in (1, 15, 200):
            rows["patient_id"].append(p)
            rows["date"].append(dt.date(2023, 1, 1) + dt.timedelta(days=day))
            rows["when"].append(dt.datetime(2023, 1, 1, 8, 30) + dt.timedelta(days=day))
    frame = pl.DataFrame(rows).with_columns(pl.col("when").cast(pl.Datetime("us")))
    shifted = shift_dates(frame, key=KEY, date_columns=("date", "when"))
    assert shifted.columns == frame.columns and shifted["patient_id"].to_list() == frame["patient_id"].to_list()
    delta = (shifted["date"] - frame["date"]).dt.total_days()
    offsets = dict(zip(frame["patient_id"], delta))
    for p in patients:
        per_patient = delta.filter(frame["patient_id"] == p).unique()
        assert per_patient.len() == 1  # one fixed offset: intervals kept
        assert 1 <= abs(per_patient[0]) <= 365
        assert per_patient[0] == date_offset(p, key=KEY)
    assert len(set(offsets.values())) > 40  # patients differ
    assert ((shifted["when"] - frame["when"]).dt.total_days() == delta).all()
    again = shift_dates(frame, key=KEY, date_columns=("date", "when"))
    assert again.equals(shifted)
    other = shift_dates(frame, key=OTHER_KEY, date_columns=("date", "when"))
    assert not other.equals(shifted)


def test_date_shift_errors():
    frame = pl.DataFrame({"patient_id": ["a", None], "date": ["2024-01-01", "2024-01-02"]})
    with pytest.raises(PrivacyError, match="expected dtype Date or Datetime, found String"):
        shift_dates(frame, key=KEY)
    with pytest.raises(PrivacyError, match=r"columns \['visit'\] not in the table"):
        shift_dates(frame, key=KEY, date_columns=["visit"])
    frame = frame.with_columns(pl.col("date").str.to_date())
    with pytest.raises(PrivacyError, match="null patients"):
        shift_dates(frame, key=KEY)


def test_ages_90_and_over_collapsed():
    frame = pl.DataFrame({"age": [0, 45, 89, 90, 91, 120, None], "age_at_dx": [89.9, 90.0, 1.0, 95.5, 3.0, 4.0, 5.0]})
    out = collapse_ages(frame, ["age", "age_at_dx"])
    assert out["age"].to_list() == ["0", "45", "89", "90+", "90+", "90+", None]
    assert out["age_at_dx"].to_list() == ["89", "90+", "1", "90+", "3", "4", "5"]
    with pytest.raises(PrivacyError, match="expected a numeric dtype"):
        collapse_ages(pl.DataFrame({"age": ["90"]}))


def test_small_cell_suppression():
    frame = pl.DataFrame({"phenotype": list("abcdefg"), "n": [0, 1, 4, 5, 6, 100, None]})
    assert suppress_small_counts(frame, "n")["n"].to_list() == ["0", "<5", "<5", "5", "6", "100", None]
    assert suppress_small_counts(frame, "n", k=11)["n"].to_list() == ["0", "<11", "<11", "<11", "<11", "100", None]
    with pytest.raises(PrivacyError, match="expected an integer dtype"):
        suppress_small_counts(frame.with_columns(pl.col("n").cast(pl.Float64)), "n")


def test_small_cells_hidden_per_group_are_not_recoverable_from_the_total():
    rows = [("TPMT", "NM", 180), ("TPMT", "IM", 15), ("TPMT", "PM", 2), ("TPMT", "UM", 4),
            ("CYP2C19", "NM", 120), ("CYP2C19", "IM", 70), ("CYP2C19", "PM", 7), ("CYP2C19", "UM", 0),
            ("DPYD", "NM", 5), ("NUDT15", "NM", 100), ("NUDT15", "IM", 40)]
    frame = pl.DataFrame(rows, schema=["gene", "phenotype", "n"], orient="row")
    frame = frame.with_columns(pl.col("n").sum().over("gene").alias("total"))
    out = suppress_small_counts(frame, "n", k=11, by="gene", total_column="total")
    got = {(g, p): (n, t) for g, p, n, t in out.iter_rows()}
    # two small cells hide each other; the others stay
    assert [got[("TPMT", p)][0] for p in ("NM", "IM", "PM", "UM")] == ["180", "15", "<11", "<11"]
    # one small cell: 197 - 120 - 70 would give it away, so the next smallest (70) goes too; zero stays
    assert [got[("CYP2C19", p)][0] for p in ("NM", "IM", "PM", "UM")] == ["120", "<11", "<11", "0"]
    # a group smaller than k hides its total as well
    assert got[("DPYD", "NM")] == ("<11", "<11")
    assert got[("NUDT15", "IM")] == ("40", "140")
    for gene in ("TPMT", "CYP2C19", "DPYD", "NUDT15"):  # never exactly one hidden cell beside a shown total
        cells = [v for (g, _), v in got.items() if g == gene]
        hidden = sum(n.startswith("<") for n, _ in cells)
        assert hidden != 1 or cells[0][1].startswith("<")
    assert suppress_small_counts(frame, "n", k=1, by="gene", total_column="total")["n"].to_list() == [
        str(n) for n in frame["n"]]
    with pytest.raises(PrivacyError, match="group column"):
        suppress_small_counts(frame, "n", by="nope")
    with pytest.raises(PrivacyError, match="at least 1"):
        suppress_small_counts(frame, "n", k=0)


# ---------------------------------------------------------------- PHI checks

PLANTED = {
    "identifier": "ACC-99812",
    "name": "Jane Q Public",
    "mrn": "MRN: 00482913",
    "ssn": "123-45-6789",
    "date": "1957-03-14",
    "email": "jane.public@example.org",
    "phone": "(555) 014-2231",
    "address": "42 Wallaby Way",
    "zip": "ZIP 90210",
    "ip": "192.168.10.24",
    "path": "/home/jpublic/genome.vcf",
}
MORE_DATES = ["14/03/1957", "3/14/57", "14.03.1957", "14 Mar 1957", "March 14, 1957", "1957/03/14"]


def _plant(kind: str, value: str, fmt: str) -> str:
    if fmt == "html":
        return f"<html><body>\n<table><tr><th>CYP2C19</th><td>*1/*17</td></tr>\n<p>{value.replace('&', '&amp;')}</p>\n</body></html>\n"
    if fmt == "json":
        return json.dumps({"gene": "CYP2C19", "pos": 94781859, "note": value}, indent=1) + "\n"
    return f"gene\tpos\tnote\nCYP2C19\t94781859\t{value}\n"


@pytest.mark.parametrize("fmt", ["html", "json", "tsv"])
@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_phi_check_finds_each_planted_pattern(tmp_path, kind, fmt):
    path = tmp_path / f"out.{fmt}"
    path.write_text(_plant(kind, PLANTED[kind], fmt))
    findings = phi_check([path], identifiers=["ACC-99812"], names=["Jane Q Public"])
    assert [f.kind for f in findings] == [kind], findings
    finding = findings[0]
    assert finding.path == str(path)
    assert finding.line == path.read_text().splitlines().index(
        next(line for line in path.read_text().splitlines() if PLANTED[kind].split()[-1] in line)) + 1
    assert f"[{kind}]" in finding.excerpt
    secret = PLANTED[kind].split(": ")[-1].split()[-1]
    assert secret not in finding.excerpt  # the match is masked


@pytest.mark.parametrize("value", MORE_DATES)
def test_phi_check_date_forms(value):
    assert [f.kind for f in phi_check_text(f"seen on {value}.")] == ["date"]


@pytest.mark.parametrize("text", [
    "chr10:94781859 rs4244285 G>A", "CYP2C19 *2/*17 (activity 1.5)", "pos 94781859, 117509035, 201060815",
    "version 2026.11.0, pgx 0.1.0", "c.1905+1G>A and c.-1639G>A", "HLA-B*57:01", "year 2024",
    "DP 12345 GQ 99", "2.16.840.1.113883.6.1", "ratio 0/1 at 12:345", "http://loinc.org/84413-4",
    "<svg><path d=\"M 10 20 L 30 40\"/></svg>", "1|0 ./. 1/1",
])
def test_phi_check_leaves_genomic_text_alone(text):
    assert phi_check_text(text) == []


def test_phi_check_name_forms_and_labelled_tsv_columns():
    found = phi_check_text("Doe, John\njohn   doe\nJohnny Doe\n", names=["John Doe"])
    assert [(f.line, f.kind) for f in found] == [(1, "name"), (2, "name")]
    tsv = "sample\tmrn\tgene\nS-ABC\t7731\tCYP2D6\n"
    assert [(f.line, f.kind) for f in phi_check_text(tsv, path="x.tsv")] == [(2, "mrn")]


def test_phi_check_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        phi_check([tmp_path / "missing.html"])
    with pytest.raises(ValueError, match="unknown PHI kinds"):
        phi_check_text("x", kinds=["dna"])


@pytest.fixture(scope="module")
def clean_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    # the installed `pgx` command (CI) or this interpreter's pgx, run outside the source tree
    result = run_pgx("report", str(EXAMPLE_VCF), "-o", str(out), "--format", "html,json,fhir,tsv",
                     timeout=120, cwd=str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_clean_report_has_no_false_positives(clean_report):
    files = sorted(p.suffix for p in clean_report.iterdir())
    assert {".html", ".json", ".tsv", ".svg"} <= set(files)
    assert any(p.name.endswith(".fhir.json") for p in clean_report.iterdir())
    findings = phi_check([clean_report])
    # positions, rsIDs, star alleles, HGVS, versions and FHIR codes are never flagged
    assert {f.kind for f in findings} <= {"date"}, [str(f) for f in findings if f.kind != "date"]
    # the only dates are the run date the report writer stamps at day precision (the
    # lead's report writer must write the year only when pseudonymising; see privacy.rst)
    run_date = json.loads(next(clean_report.glob("*[!r].json")).read_text())
    run_date = run_date.get("run_date") or run_date["meta"]["run_date"]
    for f in findings:
        line = Path(f.path).read_text().splitlines()[f.line - 1]
        assert line[f.column - 1:f.column - 1 + len(run_date)] == run_date, str(f)


def test_raw_sample_names_are_found_in_every_format(clean_report):
    """Reports are not pseudonymised yet (the lead wires --pseudonymize); the check must see the raw ids."""
    findings = phi_check([clean_report], identifiers=RAW_SAMPLES, kinds=["identifier"])
    suffixes = {Path(f.path).name.split(".", 1)[1] for f in findings}
    assert {"html", "json", "fhir.json", "tsv"} <= suffixes


# ---------------------------------------------------------------- logs

def test_log_filter_redacts_with_caplog(caplog):
    log = logging.getLogger("pgx.test_privacy")
    redactor = install_log_redaction(["SAMPLE_A", "MRN0042"])
    try:
        with caplog.at_level(logging.INFO, logger="pgx.test_privacy"):
            log.info("sample %s (%s): CYP2C19 %s", "SAMPLE_A", "mrn0042", "*1/*17")
            log.info("GT %s and %s, rs4244285 G/A, rs12248560:CT, HLA-B*57:01, *4x2/*10", "0/1", "1|0")
            log.warning("chr10:94781859 step 3/10 done for sample index 2")
            try:
                raise ValueError("bad call for SAMPLE_A: 1/1")
            except ValueError:
                log.exception("failed")
            redactor.add(["LATE_ID"])
            log.info("LATE_ID")
    finally:
        uninstall_log_redaction()
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "sample [id] ([id]): CYP2C19 [genotype]"
    assert messages[1] == "GT [genotype] and [genotype], [genotype], [genotype], HLA-B[genotype], [genotype]"
    assert messages[2] == "chr10:94781859 step 3/10 done for sample index 2"
    assert messages[4] == "[id]"
    text = caplog.text
    for secret in ("SAMPLE_A", "0042", "*17", "1/1", "G/A", "57:01"):
        assert secret not in text
    assert "ValueError: bad call for [id]: [genotype]" in text
    log.warning("SAMPLE_A after uninstall")
    assert caplog.records[-1].getMessage() == "SAMPLE_A after uninstall"


def test_redacting_filter_on_a_handler():
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(RedactingFilter(["NA12878"], genotypes=False))
    log = logging.getLogger("pgx.test_privacy.handler")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("%s is 0/1", "NA12878")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    assert records[0].getMessage() == "[id] is 0/1"


# ---------------------------------------------------------------- audit trail

def _log_with(tmp_path: Path, n: int = 4) -> AuditLog:
    data = tmp_path / "in.vcf"
    data.write_text("##fileformat=VCFv4.2\n")
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(n):
        log.append(f"report run {i}", inputs=[data], versions={"pgx": pgx.__version__, "reference_data": "2026.11.0"},
                   samples=[pseudonym("SAMPLE_A", key=KEY)], user="tester")
    return log


def test_audit_log_records_and_chain(tmp_path):
    log = _log_with(tmp_path)
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    records = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(records, records[1:]))
    first = records[0]
    assert first["user"] == "tester" and first["time"].endswith("Z")
    assert first["inputs"][0]["sha256"] == __import__("hashlib").sha256(b"##fileformat=VCFv4.2\n").hexdigest()
    assert first["versions"] == {"pgx": pgx.__version__, "reference_data": "2026.11.0"}
    assert first["samples"] == [pseudonym("SAMPLE_A", key=KEY)]
    assert "in.vcf" not in log.path.read_text()
    summary = verify_audit_log(log.path)
    assert summary.records == 4 and summary.head == records[-1]["hash"] == chain_head(log.path)
    assert verify_audit_log(log.path, expected_head=records[1]["hash"]).records == 4


def _rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def test_audit_edit_detected(tmp_path):
    log = _log_with(tmp_path)
    lines = log.path.read_text().splitlines()
    lines[1] = lines[1].replace("report run 1", "report run X")
    _rewrite(log.path, lines)
    with pytest.raises(AuditLogError, match="line 2: record was edited") as info:
        verify_audit_log(log.path)
    assert info.value.line == 2


def test_audit_edit_with_recomputed_hash_detected(tmp_path):
    log = _log_with(tmp_path)
    lines = log.path.read_text().splitlines()
    record = json.loads(lines[1])
    record["user"] = "someone else"
    from pgx.privacy._audit import _record_hash
    record["hash"] = _record_hash(record)
    lines[1] = json.dumps(record)
    _rewrite(log.path, lines)
    with pytest.raises(AuditLogError, match="line 3: chain broken"):
        verify_audit_log(log.path)


def test_audit_deletion_detected(tmp_path):
    log = _log_with(tmp_path)
    lines = log.path.read_text().splitlines()
    del lines[2]
    _rewrite(log.path, lines)
    with pytest.raises(AuditLogError, match="line 3: record out of sequence: expected seq 3, found 4"):
        verify_audit_log(log.path)


def test_audit_swap_detected(tmp_path):
    log = _log_with(tmp_path)
    lines = log.path.read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    _rewrite(log.path, lines)
    with pytest.raises(AuditLogError, match="line 2: record out of sequence: expected seq 2, found 3"):
        verify_audit_log(log.path)


def test_audit_truncation_detected_against_a_known_head(tmp_path):
    log = _log_with(tmp_path)
    head = chain_head(log.path)
    _rewrite(log.path, log.path.read_text().splitlines()[:-1])
    assert verify_audit_log(log.path).records == 3
    with pytest.raises(AuditLogError, match="line 4: the expected chain head"):
        verify_audit_log(log.path, expected_head=head)


def test_audit_torn_or_garbage_lines(tmp_path):
    log = _log_with(tmp_path, 2)
    with open(log.path, "a") as handle:
        handle.write('{"seq": 3')
    with pytest.raises(AuditLogError, match="line 3: the last record is incomplete"):
        verify_audit_log(log.path)
    with pytest.raises(AuditLogError, match="the last line is not an audit record"):
        log.append("report")
    _rewrite(log.path, log.path.read_text().splitlines()[:1] + ["[1, 2]"])
    with pytest.raises(AuditLogError, match="line 2: record lacks fields"):
        verify_audit_log(log.path)


def test_pseudonymised_features_group_ages_over_89(tmp_path):
    from pgx.pipeline import build_features, simulate
    from pgx.privacy import cap_ages

    files = simulate(tmp_path / "cohort", n_patients=60, seed=4)
    patients = pl.read_parquet(files["patients"])
    old = patients["patient_id"][:3].to_list()
    patients.with_columns(  # three patients born long ago: 90+ at their index date
        pl.when(pl.col("patient_id").is_in(old)).then(pl.col("index_date").dt.year() - 97)
        .otherwise(pl.col("birth_year")).alias("birth_year")).write_parquet(files["patients"])
    plain = build_features(tmp_path / "cohort", tmp_path / "plain.parquet")
    assert plain.filter(pl.col("patient_id").is_in(old))["age"].min() >= 96
    pseudonyms = {p: f"P-{i:012d}" for i, p in enumerate(patients["patient_id"])}
    hidden = build_features(tmp_path / "cohort", tmp_path / "hidden.parquet", pseudonyms=pseudonyms)
    assert hidden["age"].max() == 90 and (hidden["age"] == 90).sum() >= 3
    assert sorted(hidden["age"].to_list()) == sorted(min(a, 90) for a in plain["age"].to_list())
    assert set(hidden["patient_id"]) <= set(pseudonyms.values())
    for column in [c for c in hidden.columns if c.startswith("bm_age_") and "_slope_" not in c and "_count_" not in c]:
        assert hidden[column].drop_nulls().max() <= 90, column
    assert cap_ages(pl.DataFrame({"age": [95.0, 30.0]}))["age"].to_list() == [90.0, 30.0]
    with pytest.raises(PrivacyError, match="numeric"):
        cap_ages(pl.DataFrame({"age": ["95"]}))
