"""Issue #19 in partitioned runs (pgx.cluster): a header that names no build, and a file without GT
calls, behave as in one process. Every input is the shipped example rewritten as
tests/test_safe_inputs.py does, plain and bgzip-compressed with a tabix index (then each
partition reads one gene's region)."""

from __future__ import annotations

import importlib.util
import json

import pysam
import pytest

import pgx
from pgx.cluster import call_partitioned, report_partitioned
from pgx.exceptions import NoGenotypesError
from pgxcli import run_pgx
from test_safe_inputs import _NO_GT_TEXT, GENES, _rewrite, _to_grch37

needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="the Dask extra is not installed")

CLI_GENES = ",".join(GENES)
UNKNOWN = ("{}: the genome build of the calls is unknown: the header has no ##contig lengths, ##contig assembly= "
           "or ##reference naming a build, and the REF bases at the definition positions do not decide it; "
           "pass {}")


def _input(tmp_path, text: str, name: str, indexed: bool) -> str:
    plain = tmp_path / name
    plain.write_text(text)
    if not indexed:
        return str(plain)
    packed = str(plain) + ".gz"
    pysam.tabix_compress(str(plain), packed)
    pysam.tabix_index(packed, preset="vcf")
    return packed


BARE = {"bare38": _rewrite(), "bare37": _rewrite(record=_to_grch37)}


@pytest.mark.parametrize("indexed", [False, True], ids=["plain", "tabix"])
@pytest.mark.parametrize("name", sorted(BARE))
def test_partitioned_calls_infer_the_build_from_ref_bases(tmp_path, name, indexed):
    path = _input(tmp_path, BARE[name], name + ".vcf", indexed)
    whole = pgx.read_vcf(path)
    assert whole.genome_build == ("GRCh37" if name == "bare37" else "GRCh38")
    assert whole.genome_build_source.startswith(f"REF bases at definition positions: 13 match {whole.genome_build}")
    run = call_partitioned(path, genes=GENES, sample_block=2)
    assert all(part.region is not None for part in run.partitions) == indexed  # one gene's region each
    assert (run.genome_build, run.genome_build_source) == (whole.genome_build, whole.genome_build_source)
    assert run.calls.equals(pgx.call(path, genes=GENES))
    given = call_partitioned(path, genes=GENES, sample_block=2, genome_build=whole.genome_build)
    assert (given.genome_build, given.genome_build_source) == (whole.genome_build, None)
    assert given.calls.equals(run.calls)


@pytest.mark.parametrize("indexed", [False, True], ids=["plain", "tabix"])
def test_partitioned_reports_state_the_inferred_build(tmp_path, indexed):
    path = _input(tmp_path, BARE["bare37"], "bare37.vcf", indexed)
    report_partitioned(path, tmp_path / "blocks", genes=GENES, formats=["json"], sample_block=3)
    pgx.pipeline.report(path, tmp_path / "whole", genes=GENES, formats=["json"])
    for sample in pgx.read_vcf(path).sample_ids:
        split = (tmp_path / "blocks" / f"{sample}.json").read_bytes()
        assert split == (tmp_path / "whole" / f"{sample}.json").read_bytes()
        doc = json.loads(split)
        assert doc["genome_build"] == "GRCh37"
        assert doc["genome_build_source"].startswith("REF bases at definition positions: 13 match GRCh37")


def _cli_runs(tmp_path, path: str, *options: str) -> dict:
    """``pgx call`` in one process and by partitions with ``options``: outputs and stderr."""
    runs = {}
    for label, more in (("whole", ()), ("split", options)):
        out = run_pgx("call", path, "--genes", CLI_GENES, *more, "-o", str(tmp_path / f"{label}.tsv"), timeout=180)
        assert out.returncode == 0, out.stderr
        runs[label] = ((tmp_path / f"{label}.tsv").read_bytes(), out.stderr.strip().rsplit("; ", 1)[-1])
    return runs


def test_cli_sample_blocks_say_the_inferred_build(tmp_path):
    path = _input(tmp_path, BARE["bare37"], "bare37.vcf", True)
    runs = _cli_runs(tmp_path, path, "--sample-block", "2")
    assert runs["split"] == runs["whole"]
    assert runs["split"][1].startswith("genome build GRCh37 inferred from REF bases at definition positions: 13 match")


@needs_dask
def test_cli_dask_workers_infer_the_build(tmp_path):
    path = _input(tmp_path, BARE["bare38"], "bare38.vcf", True)
    runs = _cli_runs(tmp_path, path, "--workers", "2", "--sample-block", "2")
    assert runs["split"] == runs["whole"]
    assert runs["split"][1].startswith("genome build GRCh38 inferred from REF bases at definition positions: 13 match")
    out = run_pgx("report", path, "--genes", CLI_GENES, "--format", "json", "--workers", "2", "--sample-block", "2",
                  "-o", str(tmp_path / "reports"), timeout=300)
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "reports" / "SAMPLE_A.json").read_text())
    assert (doc["genome_build"], doc["genome_build_source"]) == ("GRCh38", runs["whole"][1].split(" from ", 1)[1])


FEW = _rewrite(record=lambda f: f if f[2] in {"rs4244285", "rs1799853"} else None)  # 2 records: undecided


def _refused(tmp_path, path: str, line: str, *options: str) -> None:
    """``pgx call`` and ``pgx report`` with ``options`` stop with exit 2 and ``line``, writing nothing."""
    for command, target, more in (("call", "calls.tsv", ("--parquet-dir", str(tmp_path / "parts"))),
                                  ("report", "reports", ())):
        out = run_pgx(command, path, *options, *more, "-o", str(tmp_path / target), timeout=180)
        assert (out.returncode, out.stderr) == (2, line + "\n"), out.stderr
        assert not (tmp_path / target).exists() and not (tmp_path / "parts").exists()


@pytest.mark.parametrize("indexed", [False, True], ids=["plain", "tabix"])
def test_unclear_build_gives_the_in_process_error(tmp_path, indexed):
    path = _input(tmp_path, FEW, "few.vcf", indexed)
    message = UNKNOWN.format(path, "genome_build='GRCh38' or 'GRCh37'")
    for run in (lambda: call_partitioned(path, sample_block=2),
                lambda: report_partitioned(path, tmp_path / "py-out", sample_block=2),
                lambda: pgx.call(path)):
        with pytest.raises(pgx.GenomeBuildError) as caught:
            run()
        assert str(caught.value) == message
    assert not (tmp_path / "py-out").exists()
    _refused(tmp_path, path, "pgx: error: " + UNKNOWN.format(path, "--genome-build GRCh38 or --genome-build GRCh37"),
             "--sample-block", "2")


NO_GT = ("{}, field FORMAT/GT: the file has no genotypes: none of its 13 records has a GT call for any of its "
         "{} sample(s) (no GT in FORMAT, or every GT is '.')")


def _all_missing(fields):
    return fields[:9] + ["./." + call[3:] for call in fields[9:]]


@pytest.mark.parametrize(("text", "indexed"), [(_NO_GT_TEXT, False), (_NO_GT_TEXT, True),
                                               (_rewrite(record=_all_missing), True)],
                         ids=["no-GT-plain", "no-GT-tabix", "every-GT-missing"])
def test_files_without_gt_are_refused_by_sample_blocks(tmp_path, text, indexed):
    path = _input(tmp_path, text, "nogt.vcf", indexed)
    for run in (lambda: call_partitioned(path, sample_block=2, parquet_dir=tmp_path / "py-parts"),
                lambda: report_partitioned(path, tmp_path / "py-out", sample_block=2),
                lambda: pgx.call(path)):
        with pytest.raises(NoGenotypesError) as caught:
            run()
        assert str(caught.value) == NO_GT.format(path, 4)
    with pytest.raises(NoGenotypesError, match=r"any of its 2 sample\(s\)"):
        call_partitioned(path, samples=["SAMPLE_B", "SAMPLE_D"], sample_block=1)
    assert not (tmp_path / "py-out").exists() and not (tmp_path / "py-parts").exists()
    _refused(tmp_path, path, "pgx: error: " + NO_GT.format(path, 4), "--sample-block", "2")


@needs_dask
def test_files_without_gt_are_refused_on_dask_workers(tmp_path):
    path = _input(tmp_path, _NO_GT_TEXT, "nogt.vcf", True)
    _refused(tmp_path, path, "pgx: error: " + NO_GT.format(path, 4), "--workers", "2")
