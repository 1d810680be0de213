"""Partitioned jobs on a bgzip-compressed VCF without an index (issue #9: "or a scan that records
BGZF block offsets for unindexed files"): the job indexes the file itself, away from it, and each
partition reads only its gene's region; the calls are those of the whole file."""

from __future__ import annotations

import os
import tempfile
import warnings

import polars as pl
import pysam
import pytest

import pgx
import pgx.cluster as cluster
from pgx.cluster import call_partitioned, report_partitioned
from pgx.simulate import simulate_pgx_vcf

GENES = ["CYP2C19", "CYP2D6", "DPYD", "G6PD", "HLA-B", "SLCO1B1"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unindexed")
    plain = folder / "cohort.vcf"
    simulate_pgx_vcf(plain, n_samples=12, seed=11)
    bgzf = folder / "input" / "cohort.vcf.gz"
    bgzf.parent.mkdir()
    pysam.tabix_compress(str(plain), str(bgzf))
    lines = plain.read_text().splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    unsorted_text = folder / "unsorted.vcf"
    unsorted_text.write_text("".join(header + body[len(body) // 2:] + body[: len(body) // 2]))
    unsorted = folder / "unsorted" / "cohort.vcf.gz"
    unsorted.parent.mkdir()
    pysam.tabix_compress(str(unsorted_text), str(unsorted))
    expected = pgx.call(pgx.read_vcf(plain), genes=GENES)
    return {"plain": plain, "bgzf": bgzf, "unsorted": unsorted, "expected": expected}


@pytest.fixture()
def reads(monkeypatch):
    """The region of every read_vcf call the partitions make (None: the whole file)."""
    seen: list = []
    original = cluster.read_vcf

    def spy(path, **options):
        seen.append(options.get("region"))
        return original(path, **options)

    monkeypatch.setattr(cluster, "read_vcf", spy)
    return seen


@pytest.fixture()
def private_tmp(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    os.makedirs(tempfile.tempdir)
    return tmp_path / "tmp"


def test_unindexed_bgzf_is_indexed_into_the_job_folder_and_read_by_region(files, reads, tmp_path):
    parts_dir = tmp_path / "parts"
    run = call_partitioned(files["bgzf"], parquet_dir=parts_dir, genes=GENES, sample_block=5)
    assert run.calls.equals(files["expected"])
    assert [p.name for p in run.partitions[:len(GENES)]] == [f"part-00000-{g}" for g in GENES]
    assert all(p.region is not None for p in run.partitions)
    assert reads and all(region is not None for region in reads)  # no task read the whole file
    assert os.listdir(files["bgzf"].parent) == ["cohort.vcf.gz"]  # nothing written beside the input
    indexes = list(parts_dir.glob("_input-*.tbi"))
    assert len(indexes) == 1
    # a rerun resumes from the complete partitions, through the same index
    stamp = indexes[0].stat().st_mtime_ns
    again = call_partitioned(files["bgzf"], parquet_dir=parts_dir, genes=GENES, sample_block=5)
    assert again.computed == () and len(again.skipped) == len(run.partitions)
    assert again.calls.equals(files["expected"]) and indexes[0].stat().st_mtime_ns == stamp


def test_without_a_job_folder_the_index_goes_to_a_temporary_cache(files, reads, private_tmp):
    run = call_partitioned(files["bgzf"], genes=GENES, sample_block=5)
    assert run.calls.equals(files["expected"])
    assert all(region is not None for region in reads)
    cached = list((private_tmp / f"pgx-index-{os.getuid()}").glob("_input-*.tbi"))
    assert len(cached) == 1
    report = report_partitioned(files["bgzf"], private_tmp / "reports", genes=GENES, formats=["tsv"],
                                sample_block=5)
    # a report's calls also carry each definition position's genotype and status (the reports'
    # allele-matching tables); the rest equals what calling alone gives
    details = ["position_genotypes", "position_status"]
    assert report.calls.drop(details).equals(files["expected"].drop(details))
    assert report.calls["position_status"].null_count() < report.calls.height
    assert list((private_tmp / f"pgx-index-{os.getuid()}").glob("_input-*.tbi")) == cached  # reused, not rebuilt


def test_unsorted_or_plain_files_fall_back_to_whole_file_blocks(files, reads, private_tmp):
    for path in (files["unsorted"], files["plain"]):
        reads.clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pgx.UnsortedInputWarning)
            run = call_partitioned(path, genes=GENES, sample_block=5)
        assert any(issubclass(w.category, pgx.UnsortedInputWarning) for w in caught) == (path == files["unsorted"])
        assert [p.region for p in run.partitions] == [None, None, None]
        assert reads == [None, None, None]
        assert run.calls.sort("sample_id", "gene").equals(files["expected"].sort("sample_id", "gene"))
    assert not list((private_tmp / f"pgx-index-{os.getuid()}").glob("*.tmp"))
    with pytest.raises(pgx.RegionError, match="sorted"):
        call_partitioned(files["unsorted"], genes=GENES, by_region=True)


def test_by_region_false_reads_whole_file_blocks(files, reads, tmp_path):
    run = call_partitioned(files["bgzf"], parquet_dir=tmp_path / "p", genes=GENES, sample_block=5, by_region=False)
    assert [p.region for p in run.partitions] == [None, None, None]
    assert not list((tmp_path / "p").glob("_input-*"))
    assert run.calls.equals(files["expected"])
