"""pgx.io.index_vcf and read_vcf(index=): region reads through an index kept away from the VCF."""

from __future__ import annotations

import os

import numpy as np
import pysam
import pytest

import pgx
from pgx.exceptions import RegionError
from pgx.io import existing_index, index_vcf


@pytest.fixture()
def bgzf(tmp_path):
    out = tmp_path / "in" / "example.vcf.gz"
    out.parent.mkdir()
    pysam.tabix_compress(pgx.example_vcf(), str(out))
    return out


def test_region_through_an_index_elsewhere_equals_the_whole_file_filtered(bgzf, tmp_path):
    tbi = index_vcf(bgzf, tmp_path / "idx.tbi")
    assert os.listdir(bgzf.parent) == ["example.vcf.gz"]  # nothing beside the input
    assert existing_index(bgzf) is None
    whole = pgx.read_vcf(bgzf)
    for contig in whole.variants["chrom"].unique().to_list():
        part = pgx.read_vcf(bgzf, region=contig, index=tbi)
        rows = np.flatnonzero((whole.variants["chrom"] == contig).to_numpy())
        assert part.n_variants == len(rows) > 0
        np.testing.assert_array_equal(part.genotypes, whole.genotypes[rows])
        assert part.variants["pos"].to_list() == whole.variants["pos"].to_numpy()[rows].tolist()
    chunks = list(pgx.iter_vcf(bgzf, region="chr10", index=tbi, chunk_size=2))
    assert sum(c.n_variants for c in chunks) == pgx.read_vcf(bgzf, region="chr10", index=tbi).n_variants


def test_without_the_index_the_region_read_still_fails_clearly(bgzf, tmp_path):
    with pytest.raises(RegionError, match="needs a tabix index"):
        pgx.read_vcf(bgzf, region="chr10")
    with pytest.raises(RegionError, match="does not exist"):
        pgx.read_vcf(bgzf, region="chr10", index=tmp_path / "missing.tbi")
    with pytest.raises(ValueError, match="only with region"):
        pgx.read_vcf(bgzf, index=tmp_path / "missing.tbi")


def test_plain_text_and_plain_gzip_cannot_be_indexed(tmp_path):
    import gzip
    import shutil

    with pytest.raises(RegionError, match="plain text"):
        index_vcf(pgx.example_vcf(), tmp_path / "a.tbi")
    gz = tmp_path / "plain.vcf.gz"
    with open(pgx.example_vcf(), "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    with pytest.raises(RegionError, match="plain gzip"):
        index_vcf(gz, tmp_path / "b.tbi")
    assert not list(tmp_path.glob("*.tbi*"))


def test_unsorted_file_is_refused_and_leaves_no_index(tmp_path):
    with open(pgx.example_vcf()) as handle:
        lines = handle.read().splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    text = tmp_path / "unsorted.vcf"
    text.write_text("".join(header + body[::-1]))
    gz = tmp_path / "unsorted.vcf.gz"
    pysam.tabix_compress(str(text), str(gz))
    with pytest.raises(RegionError, match="sorted"):
        index_vcf(gz, tmp_path / "u.tbi")
    assert not list(tmp_path.glob("u.tbi*"))


def test_index_into_a_missing_folder_names_it(bgzf, tmp_path):
    with pytest.raises(RegionError, match="missing or not writable"):
        index_vcf(bgzf, tmp_path / "no" / "such" / "x.tbi")
    assert not list(tmp_path.rglob("*.tbi*"))
