"""Shared fixtures: VCF files made at test time (binary fixtures are never committed)."""

from __future__ import annotations

import gzip
import os

import pytest

@pytest.fixture
def write_vcf(tmp_path):
    """Write text to a file in tmp_path: plain, gzip or bgzip (with a tabix index)."""

    def _write(text: str, name: str = "test.vcf", *, compression: str = "none", index: bool = False) -> str:
        path = tmp_path / name
        if compression == "none":
            path.write_bytes(text.encode())
            return str(path)
        if compression == "gzip":
            gz = str(path) + ".gz"
            with gzip.open(gz, "wb") as handle:
                handle.write(text.encode())
            return gz
        import pysam

        path.write_bytes(text.encode())
        out = str(path) + ".gz"
        pysam.tabix_compress(str(path), out, force=True)
        os.remove(path)
        if index:
            pysam.tabix_index(out, preset="vcf", force=True)
        return out

    return _write
