"""The pgx command end to end, in a subprocess as a user runs it."""

from __future__ import annotations

import subprocess

import pytest

from pgxcli import run_pgx
import pgx


def _run(*args: str) -> subprocess.CompletedProcess:
    return run_pgx(*args, timeout=120)


def test_version_and_help():
    out = _run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"pgx {pgx.__version__}"
    out = _run("--help")
    assert out.returncode == 0 and "summary" in out.stdout
    out = _run("summary", "--help")
    assert out.returncode == 0 and "VCF" in out.stdout


def test_summary_of_shipped_example():
    out = _run("summary", pgx.example_vcf())
    assert out.returncode == 0, out.stderr
    assert "samples: 4" in out.stdout
    assert "variants: 13" in out.stdout
    assert "genome build: GRCh38" in out.stdout


@pytest.mark.parametrize(
    ("content", "needle"),
    [("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\tx\t.\tA\tG\t.\t.\t.\n",
      "line 3, field POS"),
     ("garbage\n", "expected '##fileformat=VCFv4.x'")],
)
def test_bad_input_exits_2_without_traceback(tmp_path, content, needle):
    path = tmp_path / "bad.vcf"
    path.write_text(content)
    out = _run("summary", str(path))
    assert out.returncode == 2
    assert needle in out.stderr
    assert "Traceback" not in out.stderr
    debug = _run("--debug", "summary", str(path))
    assert "Traceback" in debug.stderr


def test_usage_error_exits_2():
    out = _run("summary")
    assert out.returncode == 2
    assert "required: VCF" in out.stderr


def test_unknown_sample_is_named_and_unindexed_bcf_is_quiet(tmp_path):
    """`--sample NOPE` names NOPE; an unindexed BCF prints no htslib index noise."""
    import pysam

    bcf = str(tmp_path / "example.bcf")
    with pysam.VariantFile(pgx.example_vcf()) as inp, pysam.VariantFile(bcf, "wb", header=inp.header) as out:
        for rec in inp:
            out.write(rec)
    bad = run_pgx("call", bcf, "--samples", "NOPE", "-o", str(tmp_path / "calls.tsv"))
    assert bad.returncode == 2
    assert "'NOPE' is not a sample of" in bad.stderr
    assert "[E::" not in bad.stderr
    good = run_pgx("call", bcf, "-o", str(tmp_path / "calls.tsv"))
    assert good.returncode == 0, good.stderr
    assert "[E::" not in good.stderr and "idx_find_and_load" not in good.stderr
