"""End-to-end `pgx call` and `pgx report` in subprocesses, on shipped and simulated data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pgxcli import pgx_command, run_pgx
import pgx
from pgx.simulate import simulate_pgx_vcf


_cmd = pgx_command


def _run(*args: str) -> subprocess.CompletedProcess:
    return run_pgx(*args)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_call_writes_a_calls_table_that_report_can_start_from(tmp_path):
    calls = tmp_path / "calls.tsv"
    out = _run("call", pgx.example_vcf(), "-o", str(calls), "--genes", "CYP2C19,TPMT", "--quiet")
    assert out.returncode == 0, out.stderr
    table = pgx.pipeline.read_calls_tsv(calls)
    assert table.height == 8 and set(table["gene"]) == {"CYP2C19", "TPMT"}
    report = tmp_path / "from_calls"
    out = _run("report", "--from-calls", str(calls), "-o", str(report), "--format", "json", "--quiet")
    assert out.returncode == 0, out.stderr
    doc = json.loads((report / "SAMPLE_D.json").read_text())
    text = json.dumps(doc)
    assert "*2/*2" in text and "Poor Metabolizer" in text


def test_report_from_another_tools_calls(tmp_path):
    other = tmp_path / "other.tsv"
    other.write_text("sample_id\tgene\tdiplotype\nP1\tCYP2C19\t*2/*2\nP1\tCYP2D6\t*4/*4\n")
    out = _run("report", "--from-calls", str(other), "-o", str(tmp_path / "r"), "--format", "json", "--quiet")
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "r" / "P1.json").read_text()
    assert "clopidogrel" in text and "Poor Metabolizer" in text


def test_every_format_written_and_valid(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from pgx.report import check_fhir_bundle, report_schema

    out = _run("report", pgx.example_vcf(), "-o", str(tmp_path), "--format", "html,json,fhir,tsv", "--quiet")
    assert out.returncode == 0, out.stderr
    for sample in ("SAMPLE_A", "SAMPLE_B", "SAMPLE_C", "SAMPLE_D"):
        doc = json.loads((tmp_path / f"{sample}.json").read_text())
        jsonschema.validate(doc, report_schema())
        check_fhir_bundle(json.loads((tmp_path / f"{sample}.fhir.json").read_text()))
        html = (tmp_path / f"{sample}.html").read_text()
        assert "<html" in html and "http://" not in html and "https://" not in html
        assert (tmp_path / f"{sample}.tsv").read_text().count("\n") > 5
    assert (tmp_path / "phenotype_frequencies.tsv").exists()
    assert (tmp_path / "phenotype_frequencies.svg").read_text().startswith("<svg")
    for path in tmp_path.iterdir():
        assert str(Path(pgx.example_vcf()).parent) not in path.read_text(errors="ignore"), path.name


def test_phenoconversion_reaches_the_report(tmp_path):
    meds = tmp_path / "meds.tsv"
    meds.write_text("sample_id\tdrug\nSAMPLE_A\tparoxetine\n")
    outside = tmp_path / "outside.tsv"
    outside.write_text("sample_id\tgene\tdiplotype\nSAMPLE_A\tCYP2D6\t*1/*1\n")
    out = _run("report", pgx.example_vcf(), "-o", str(tmp_path / "r"), "--format", "json", "--sample", "SAMPLE_A",
               "--medications", str(meds), "--outside-calls", str(outside), "--drugs", "codeine", "--quiet")
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "r" / "SAMPLE_A.json").read_text())
    text = json.dumps(doc)
    assert "codeine" in text and "avoid" in text and "Poor Metabolizer" in text


def test_interrupted_cohort_run_resumes_to_the_same_outputs(tmp_path):
    vcf = tmp_path / "cohort.vcf"
    simulate_pgx_vcf(vcf, n_samples=80, seed=7)
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    out = _run("report", str(vcf), "-o", str(whole), "--format", "html,json,tsv", "--quiet")
    assert out.returncode == 0, out.stderr
    proc = subprocess.Popen(_cmd("report", str(vcf), "-o", str(resumed), "--format", "html,json,tsv", "--quiet"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if resumed.exists() and len(list(resumed.glob("*.html"))) >= 10:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=60)
    partial = len(list(resumed.glob("*.html")))
    assert 0 < partial, "the run was not interrupted mid-way"
    again = _run("report", str(vcf), "-o", str(resumed), "--format", "html,json,tsv")
    assert again.returncode == 0, again.stderr
    stray = [p.name for p in resumed.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert not stray
    assert _snapshot(resumed) == _snapshot(whole)


def test_bad_inputs_exit_2_and_keep_earlier_outputs(tmp_path):
    outdir = tmp_path / "out"
    assert _run("report", pgx.example_vcf(), "-o", str(outdir), "--quiet").returncode == 0
    before = _snapshot(outdir)
    bad_vcf = tmp_path / "bad.vcf"
    bad_vcf.write_text(Path(pgx.example_vcf()).read_text().replace("\t97450058\t", "\tnotapos\t"))
    cases = [
        (("report", str(bad_vcf), "-o", str(outdir)), "line 17, field POS"),
        (("report", pgx.example_vcf(), "-o", str(outdir), "--genes", "CYP2C91"), "CYP2C91"),
        (("report", pgx.example_vcf(), "-o", str(outdir), "--outside-calls", str(tmp_path / "none.tsv")),
         "cannot read outside calls"),
        (("report", pgx.example_vcf(), "-o", str(outdir), "--drugs", "codiene"), "codeine"),
        (("report", pgx.example_vcf(), "-o", str(outdir), "--format", "pdf"), "unknown format"),
    ]
    for args, needle in cases:
        out = _run(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert needle in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) <= 2
    assert _snapshot(outdir) == before


def test_unwritable_output_folder_exits_2(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    out = _run("report", pgx.example_vcf(), "-o", str(blocker / "reports"))
    assert out.returncode == 2 and "cannot create the output folder" in out.stderr
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        out = _run("report", pgx.example_vcf(), "-o", str(locked))
        assert out.returncode == 2 and "not writable" in out.stderr


def test_report_with_a_somatic_vcf(tmp_path):
    out = _run("report", pgx.example_vcf(), "--sample", "SAMPLE_A", "-o", str(tmp_path), "--format", "json",
               "--somatic", pgx.example_vcf("somatic_vep.vcf"), "--tumor-type", "LUAD", "--target-mb", "1.5",
               "--quiet")
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp_path / "tumour_summary.json").read_text())
    assert summary["tumor_type"] == "LUAD" and summary["tmb_mutations_per_mb"] == 6.0
    matches = (tmp_path / "tumour_matches.tsv").read_text()
    assert "EGFR" in matches and "osimertinib" in matches.lower()
    bad = _run("report", pgx.example_vcf(), "-o", str(tmp_path / "b"), "--somatic",
               pgx.example_vcf("somatic_unannotated.vcf"), "--tumor-type", "LUAD")
    assert bad.returncode == 2 and "CSQ" in bad.stderr and "Traceback" not in bad.stderr


def test_some_samples_failing_exits_1_and_writes_the_others(tmp_path):
    # a folder squatting on one sample's report name makes that sample fail to write
    (tmp_path / "SAMPLE_B.json").mkdir()
    out = _run("report", pgx.example_vcf(), "-o", str(tmp_path), "--format", "json", "--quiet")
    assert out.returncode == 1, out.stderr
    assert "SAMPLE_B" in out.stderr and "Traceback" not in out.stderr
    for name in ("SAMPLE_A", "SAMPLE_C", "SAMPLE_D"):
        assert json.loads((tmp_path / f"{name}.json").read_text())["sample_id"] == name


def test_progress_bar_on_a_terminal_only(tmp_path):
    import pty

    master, slave = pty.openpty()
    proc = subprocess.run(_cmd("report", pgx.example_vcf(), "-o", str(tmp_path / "t"), "--format", "json"),
                          stdout=subprocess.DEVNULL, stderr=slave, timeout=300)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.returncode == 0
    assert "4/4 samples" in b"".join(chunks).decode(errors="replace")
    piped = _run("report", pgx.example_vcf(), "-o", str(tmp_path / "p"), "--format", "json")
    assert "4/4 samples" not in piped.stderr
    quiet = subprocess.run(_cmd("report", pgx.example_vcf(), "-o", str(tmp_path / "q"), "--quiet"),
                           capture_output=True, text=True, timeout=300)
    assert quiet.stderr == ""


def test_worker_processes_write_the_same_outputs_and_force_rewrites(tmp_path):
    # --threads 2 renders sample blocks in worker processes: same bytes as one process
    vcf = tmp_path / "cohort.vcf"
    simulate_pgx_vcf(vcf, n_samples=12, seed=11)
    one, two = tmp_path / "one", tmp_path / "two"
    for outdir, threads in ((one, "1"), (two, "2")):
        out = _run("report", str(vcf), "-o", str(outdir), "--format", "html,json,fhir,tsv", "--quiet",
                   "--threads", threads)
        assert out.returncode == 0, out.stderr
    assert _snapshot(one) == _snapshot(two)
    assert len(list(two.glob("*.html"))) == 12
    def sample_files():  # the cohort summary is made again on every run
        return {p.name: p.stat().st_ino for p in two.iterdir() if p.name.startswith("SIM")}

    inodes = sample_files()
    assert len(inodes) == 12 * 4
    again = _run("report", str(vcf), "-o", str(two), "--format", "html,json,fhir,tsv", "--quiet", "--threads", "2")
    assert again.returncode == 0, again.stderr
    assert sample_files() == inodes  # complete samples skipped
    forced = _run("report", str(vcf), "-o", str(two), "--format", "html,json,fhir,tsv", "--quiet", "--threads", "2",
                  "--force")
    assert forced.returncode == 0, forced.stderr
    assert all(sample_files()[name] != inode for name, inode in inodes.items())
    assert _snapshot(two) == _snapshot(one)
