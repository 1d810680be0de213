"""Bad input: every malformed file raises VcfFormatError naming file, line and field;
the compiled kernel and its pure-Python twin agree on every truncation."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pytest

import pgx
from pgx import PgxError, VcfFormatError
from pgx.exceptions import PurePythonKernelWarning

HEAD = (
    "##fileformat=VCFv4.2\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
)
GOOD = "chr1\t100\trs1\tA\tG,T\t50\tPASS\tX=1\tGT:DP\t0/1:10\t2|2:7\n"


def _error(path, **kw) -> VcfFormatError:
    with pytest.raises(VcfFormatError) as info:
        pgx.read_vcf(path, **kw)
    err = info.value
    assert isinstance(err, PgxError) and isinstance(err, ValueError)
    assert err.path == str(path)
    return err


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("chr1\t100\trs1\tA\tG\t50\tPASS\n", "INFO", "expected 11 tab-separated columns"),
        ("chr1\t100\trs1\tA\tG\t50\tPASS\tX=1\tGT:DP\t0/1:10\n", "sample 1 (column 11)", "found 10"),
        ("chr1\t100\trs1\tA\tG\t50\tPASS\tX=1\tGT\t0/1\t0/0\t1/1\n", "sample columns", "found 12"),
        ("chr1\tabc\trs1\tA\tG\t50\tPASS\tX=1\tGT\t0/1\t0/0\n", "POS", "expected a whole number (0 for a telomere"),
        ("chr1\t1e5\trs1\tA\tG\t50\tPASS\tX=1\tGT\t0/1\t0/0\n", "POS", "found '1e5'"),
        ("chr1\t-5\trs1\tA\tG\t50\tPASS\tX=1\tGT\t0/1\t0/0\n", "POS", "found '-5'"),
        ("chr1\t100\trs1\tAXG\tG\t50\tPASS\tX=1\tGT\t0/1\t0/0\n", "REF", "found 'AXG'"),
        ("chr1\t100\trs1\tA\tG,Q\t50\tPASS\tX=1\tGT\t0/1\t0/0\n", "ALT", "found 'Q'"),
        ("chr1\t100\trs1\tA\tG\t50\tPASS\tX=1\tGT\t0/1\t0-0\n", "FORMAT/GT of sample 1", "found '0-0'"),
        ("chr1\t100\trs1\tA\tG\t50\tPASS\tX=1\tGT\t" + "/".join("0" * 65) + "\t0/0\n", "FORMAT/GT of sample 0",
         "more than 64 alleles"),
        ("chr1\t100\trs1\tA\tG\t50\tPASS\tX=1\tGT:DP\t0/1:x\t0/0:1\n", "FORMAT/DP of sample 0", "found 'x'"),
        ("chr1\t100\trs1\tA\tG\t50\tPASS\tEND=x\tGT\t0/1\t0/0\n", "INFO/END", "found 'x'"),
        ("chr1\t100\trs1\tA\tG\t50\tPASS\tX=1\tGT:PS\t0|1:9\t0|0:1.5\n", "FORMAT/PS of sample 1", "found '1.5'"),
        ("chr1\t100\trs1\tA\tG\tfoo\tPASS\tX=1\tGT\t0/1\t0/0\n", "QUAL", "found 'foo'"),
        ("#chr1\t100\trs1\tA\tG\t50\tPASS\tX=1\tGT\t0/1\t0/0\n", "CHROM", "header line"),
    ],
)
@pytest.mark.parametrize("pure_python", [False, True])
def test_malformed_record(write_vcf, line, field, message, pure_python):
    path = write_vcf(HEAD + GOOD + line + GOOD.replace("100", "300"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PurePythonKernelWarning)
        err = _error(path, pure_python=pure_python)
    assert err.line == 7
    assert err.field == field
    assert message in str(err)
    assert str(err).startswith(f"{path}, line 7, field {field}: ")


def test_header_problems(write_vcf, tmp_path):
    no_chrom = write_vcf(HEAD.splitlines(keepends=True)[0] + GOOD, "a.vcf")
    assert "no '#CHROM' line" in str(_error(no_chrom)) or "not a VCF" in str(_error(no_chrom))
    only_meta = write_vcf("##fileformat=VCFv4.2\n##x=y\n", "b.vcf")
    err = _error(only_meta)
    assert "no '#CHROM' line" in str(err) and err.line == 3
    not_vcf = write_vcf("hello world\n", "c.vcf")
    assert "expected '##fileformat=VCFv4.x'" in str(_error(not_vcf))
    bad_cols = write_vcf(HEAD.replace("#CHROM\tPOS", "#CHROM\tPOSITION"), "d.vcf")
    assert _error(bad_cols).field == "#CHROM"
    dup = write_vcf(HEAD.replace("\tA\tB", "\tA\tA"), "e.vcf")
    assert "repeats an earlier sample name" in str(_error(dup))
    empty = write_vcf("", "f.vcf")
    assert "empty" in str(_error(empty))
    missing = tmp_path / "nope.vcf"
    assert "no such file" in str(_error(missing))


def test_binary_file(tmp_path):
    path = tmp_path / "image.vcf"
    path.write_bytes(bytes(range(256)) * 4)
    assert "binary file" in str(_error(path))


@pytest.fixture(params=["isal", "zlib_ng"])
def inflater(request, monkeypatch):
    """Inflate with ISA-L or with zlib-ng (the reader picks one by compression ratio)."""
    import pgx.io._source as source

    monkeypatch.setattr(source, "ISAL_BELOW_RATIO", float("inf") if request.param == "isal" else 0.0)
    return request.param


@pytest.mark.parametrize("compression", ["gzip", "bgzip"])
def test_truncated_compressed_stream(write_vcf, tmp_path, compression, inflater):
    body = "".join(GOOD.replace("100", str(100 + i)) for i in range(3000))
    path = write_vcf(HEAD + body, compression=compression)
    data = Path(path).read_bytes()
    cut = tmp_path / ("cut.vcf.gz")
    cut.write_bytes(data[: len(data) * 2 // 3])
    err = _error(cut)
    assert "truncated" in str(err)
    assert err.path == str(cut)


def test_corrupt_gzip(write_vcf, tmp_path, inflater):
    path = write_vcf(HEAD + GOOD * 10, compression="gzip")
    data = bytearray(Path(path).read_bytes())
    data[30:60] = b"\xff" * 30
    bad = tmp_path / "bad.vcf.gz"
    bad.write_bytes(bytes(data))
    assert isinstance(_error(bad), VcfFormatError)


def _twin_and_kernel(path):
    out = []
    for pure in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PurePythonKernelWarning)
            try:
                cs = pgx.read_vcf(path, pure_python=pure, fields=["DP"])
                out.append(("ok", cs.genotypes.tolist(), cs.dp.tolist(), cs.variants.rows()))
            except VcfFormatError as exc:
                out.append(("error", exc.line, exc.field, exc.reason))
    return out


def test_truncate_last_record_at_every_byte(write_vcf):
    """Cut the last record at every byte: kernel and twin agree, earlier records stay intact,
    and a cut that breaks the record is reported on its line."""
    last = "chr1\t200\trs2\tAC\tA,ACT\t9.5\tq10;s50\tEND=201;X=2\tGT:DP\t1|2:33\t./0:.\n"
    base = pgx.read_vcf(write_vcf(HEAD + GOOD, "base.vcf"), fields=["DP"])
    for cut in range(1, len(last)):
        path = write_vcf(HEAD + GOOD + last[:cut], f"cut{cut}.vcf")
        kernel, twin = _twin_and_kernel(path)
        assert kernel == twin, cut
        if kernel[0] == "error":
            assert kernel[1] == 7, cut
        else:
            np.testing.assert_array_equal(np.array(kernel[1][0]), base.genotypes[0])


@pytest.mark.parametrize("n_fields", range(1, 11))
def test_truncate_record_at_every_field(write_vcf, n_fields):
    fields = GOOD.rstrip("\n").split("\t")
    names = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", "sample 0 (column 10)",
             "sample 1 (column 11)"]
    path = write_vcf(HEAD + GOOD + "\t".join(fields[:n_fields]) + "\n")
    err = _error(path)
    assert err.line == 7
    assert err.field == names[n_fields]
    assert f"found {n_fields}" in str(err)
