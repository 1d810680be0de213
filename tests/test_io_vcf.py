"""pgx.read_vcf / pgx.iter_vcf against the generator's truth, the pure-Python twin,
scikit-allel and pysam; every input flavour the issue lists; buffer and chunk sweeps."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest

import pgx
import pgx.io._vcf as vcf_module
from vcfgen import make_vcf_text
from pgx import (DuplicateRecordWarning, GenomeBuildError, RegionError, UndefinedAlleleWarning, UnsortedInputWarning,
                 VcfFormatError)
from pgx.exceptions import PurePythonKernelWarning


def _check_against_truth(cs: pgx.CallSet, spec) -> None:
    np.testing.assert_array_equal(cs.genotypes, spec.genotypes)
    np.testing.assert_array_equal(cs.phased, spec.phased)
    assert cs.variants["pos"].to_list() == spec.pos
    assert cs.variants["chrom"].to_list() == spec.chrom
    assert cs.variants["ref"].to_list() == spec.ref
    assert cs.variants["alt"].to_list() == spec.alt


def _read_twin(path: str, **kw) -> pgx.CallSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PurePythonKernelWarning)
        return pgx.read_vcf(path, pure_python=True, **kw)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("compression", ["none", "gzip", "bgzip"])
def test_read_matches_truth_and_twin(write_vcf, seed, compression):
    spec = make_vcf_text(seed=seed, n_samples=7, n_records=60)
    path = write_vcf(spec.text, compression=compression)
    cs = pgx.read_vcf(path, fields=["DP", "AD", "AC", "DB", "NOTE"])
    _check_against_truth(cs, spec)
    np.testing.assert_array_equal(cs.dp, spec.dp)
    twin = _read_twin(path, fields=["DP", "AD", "AC", "DB", "NOTE"])
    np.testing.assert_array_equal(cs.genotypes, twin.genotypes)
    np.testing.assert_array_equal(cs.phased, twin.phased)
    np.testing.assert_array_equal(cs.ad, twin.ad)
    assert cs.variants.equals(twin.variants)


@pytest.mark.parametrize("inflater", ["isal", "zlib_ng"])
@pytest.mark.parametrize("compression", ["gzip", "bgzip"])
def test_either_inflater_reads_the_same(write_vcf, monkeypatch, inflater, compression):
    """Compressed text goes through ISA-L or zlib-ng by its compression ratio: both give
    the truth, with buffers small enough that the inflate thread hands over many."""
    import pgx.io._source as source

    spec = make_vcf_text(seed=11, n_samples=9, n_records=400)
    path = write_vcf(spec.text, compression=compression)
    monkeypatch.setattr(source, "ISAL_BELOW_RATIO", float("inf") if inflater == "isal" else 0.0)
    monkeypatch.setattr(vcf_module, "_BUFFER", 1000)
    used = []
    chooser = source._gzip_reader
    monkeypatch.setattr(source, "_gzip_reader", lambda *a: used.append(chooser(*a)) or used[-1])
    cs = pgx.read_vcf(path, fields=["DP", "AD"])
    from isal import igzip
    from zlib_ng import zlib_ng

    assert type(used[0][0]) is (igzip._IGzipReader if inflater == "isal" else zlib_ng._GzipReader)
    _check_against_truth(cs, spec)
    np.testing.assert_array_equal(cs.dp, spec.dp)


@pytest.mark.parametrize("buffer", [64, 97, 256, 1000, 4096])
def test_buffer_size_sweep(write_vcf, monkeypatch, buffer):
    spec = make_vcf_text(seed=11, n_samples=4, n_records=50, long_header=5)
    path = write_vcf(spec.text, compression="bgzip")
    monkeypatch.setattr(vcf_module, "_BUFFER", buffer)
    _check_against_truth(pgx.read_vcf(path), spec)


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 50, 1000])
def test_iter_vcf_chunk_sweep(write_vcf, chunk_size):
    spec = make_vcf_text(seed=3, n_samples=6, n_records=50)
    path = write_vcf(spec.text)
    chunks = list(pgx.iter_vcf(path, chunk_size=chunk_size, fields=["DP"]))
    assert all(c.n_variants <= chunk_size for c in chunks)
    assert sum(c.n_variants for c in chunks) == 50
    gt = np.concatenate([c.genotypes for c in chunks])
    np.testing.assert_array_equal(gt, spec.genotypes)
    assert pl.concat([c.variants for c in chunks])["pos"].to_list() == spec.pos
    np.testing.assert_array_equal(np.concatenate([c.dp for c in chunks]), spec.dp)


def test_against_scikit_allel_and_pysam(write_vcf):
    allel = pytest.importorskip("allel")
    import pysam

    spec = make_vcf_text(seed=21, n_samples=9, n_records=80)
    path = write_vcf(spec.text, compression="bgzip")
    cs = pgx.read_vcf(path)
    ref = allel.read_vcf(path, fields=["variants/CHROM", "variants/POS", "variants/REF",
                                       "variants/ALT", "calldata/GT"], alt_number=3)
    np.testing.assert_array_equal(cs.variants["pos"].to_numpy(), ref["variants/POS"])
    assert cs.variants["chrom"].to_list() == list(ref["variants/CHROM"])
    assert cs.variants["ref"].to_list() == list(ref["variants/REF"])
    allel_alts = [[a for a in row if a] for row in ref["variants/ALT"]]
    assert cs.variants["alt"].to_list() == allel_alts
    # scikit-allel pads haploid calls with -1 where pgx says -2 (no such allele slot)
    np.testing.assert_array_equal(np.where(cs.genotypes == -2, -1, cs.genotypes), ref["calldata/GT"])
    with pysam.VariantFile(path) as handle:
        for i, rec in enumerate(handle):
            assert rec.pos == cs.variants["pos"][i]
            for s, sample in enumerate(rec.samples.values()):
                gt = tuple(-1 if a is None else a for a in sample["GT"])
                ours = tuple(int(a) for a in cs.genotypes[i, s] if a != -2)
                if gt == (-1,) and ours == (-1, -1):
                    continue  # pysam reports a lone '.' as haploid missing
                assert ours == gt, (i, s)
                if len(gt) == 2 and -1 not in gt:
                    assert bool(cs.phased[i, s]) == sample.phased


def test_gvcf_blocks_and_end(write_vcf):
    spec = make_vcf_text(seed=5, n_samples=1, n_records=60, gvcf=True)
    path = write_vcf(spec.text, compression="bgzip")
    cs = pgx.read_vcf(path)
    _check_against_truth(cs, spec)
    v = cs.variants
    blocks = v.filter(pl.col("alt").list.first() == "<NON_REF>")
    assert blocks.height > 0
    assert (blocks["end"] >= blocks["pos"]).all()
    others = v.filter(pl.col("alt").list.first() != "<NON_REF>")
    assert (others["end"] == others["pos"] + others["ref"].str.len_bytes() - 1).all()


def test_crlf_long_header_bare_contigs(write_vcf):
    spec = make_vcf_text(seed=8, crlf=True, long_header=3000, contig_style="bare")
    path = write_vcf(spec.text, compression="gzip")
    cs = pgx.read_vcf(path)
    _check_against_truth(cs, spec)
    assert cs.genome_build == "GRCh38"


def test_sites_only_and_no_calls(write_vcf):
    spec = make_vcf_text(seed=2, n_samples=0, n_records=20)
    cs = pgx.read_vcf(write_vcf(spec.text))
    assert cs.genotypes.shape == (20, 0, 2)
    assert cs.variants["pos"].to_list() == spec.pos
    text = make_vcf_text(seed=2, n_samples=3, n_records=5, format_extra=False, missing=False).text
    lines = text.splitlines()
    empty = [ln if ln.startswith("#") else "\t".join(ln.split("\t")[:9] + [".", "./.", ln.split("\t")[11]]) for ln in lines]
    cs = pgx.read_vcf(write_vcf("\n".join(empty) + "\n", "empty.vcf"))
    assert (cs.genotypes[:, 0] == -1).all() and (cs.genotypes[:, 1] == -1).all()
    assert not cs.phased[:, :2].any()


def test_haploid_and_half_missing_codes(write_vcf):
    head = ("##fileformat=VCFv4.2\n##contig=<ID=chrY,length=57227415>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\n")
    body = "chrY\t100\t.\tA\tG,T\t.\t.\t.\tGT\t1\t./2\t.\nchrY\t200\t.\tC\tG\t.\t.\t.\tGT\t0|.\t.|.\t1/1\n"
    cs = pgx.read_vcf(write_vcf(head + body))
    assert cs.genotypes.tolist() == [[[1, -2], [-1, 2], [-1, -1]], [[0, -1], [-1, -1], [1, 1]]]
    assert cs.phased.tolist() == [[True, False, False], [True, True, False]]
    assert cs.genome_build == "GRCh38"


def test_samples_selection_and_order(write_vcf):
    spec = make_vcf_text(seed=4, n_samples=6, n_records=10)
    path = write_vcf(spec.text)
    cs = pgx.read_vcf(path, samples=["S4", 1])
    assert cs.sample_ids == ("S4", "S1")
    np.testing.assert_array_equal(cs.genotypes, spec.genotypes[:, [4, 1]])
    with pytest.raises(ValueError, match=r"samples\[0\] = .nobody. is not a sample"):
        pgx.read_vcf(path, samples=["nobody"])
    with pytest.raises(ValueError, match="out of range"):
        pgx.read_vcf(path, samples=[6])


def test_info_fields_typed(write_vcf):
    spec = make_vcf_text(seed=6, n_samples=2, n_records=30)
    cs = pgx.read_vcf(write_vcf(spec.text), fields=["AC", "DB", "NOTE"])
    assert cs.variants.schema["AC"] == pl.List(pl.Int64)
    assert cs.variants.schema["DB"] == pl.Boolean
    assert cs.variants.schema["NOTE"] == pl.String
    assert cs.variants["AC"].list.len().to_list() == [len(a) for a in spec.alt]
    with pytest.raises(ValueError, match="declared INFO fields"):
        pgx.read_vcf(write_vcf(spec.text, "b.vcf"), fields=["NOPE"])


def test_region_queries(write_vcf):
    spec = make_vcf_text(seed=9, n_samples=3, n_records=60)
    path = write_vcf(spec.text, compression="bgzip", index=True)
    lo, hi = spec.pos[5], spec.pos[20]
    for contig in ("chr1", "1"):
        cs = pgx.read_vcf(path, region=f"{contig}:{lo}-{hi}")
        expected = [i for i, (c, p) in enumerate(zip(spec.chrom, spec.pos)) if c == "chr1" and lo <= p <= hi]
        assert cs.variants["pos"].to_list() == [spec.pos[i] for i in expected]
        np.testing.assert_array_equal(cs.genotypes, spec.genotypes[expected])
    whole = pgx.read_vcf(path, region="X")
    assert set(whole.variants["chrom"].to_list()) == {"chrX"}
    with pytest.raises(RegionError, match="contig 'chr5' is not in the file"):
        pgx.read_vcf(path, region="chr5:1-10")
    with pytest.raises(RegionError, match="not of the form"):
        pgx.read_vcf(path, region="chr1:x-y")
    plain = write_vcf(spec.text, "plain.vcf")
    with pytest.raises(RegionError, match="plain text"):
        pgx.read_vcf(plain, region="chr1:1-100")
    unindexed = write_vcf(spec.text, "noindex.vcf", compression="bgzip")
    with pytest.raises(VcfFormatError, match=r"tabix index .*neither exists"):
        pgx.read_vcf(unindexed, region="chr1:1-100")


def test_bcf_through_pysam(write_vcf, tmp_path):
    import pysam

    spec = make_vcf_text(seed=12, n_samples=4, n_records=40, haploid=False)
    src = write_vcf(spec.text, compression="bgzip", index=True)
    bcf = str(tmp_path / "x.bcf")
    with pysam.VariantFile(src) as inp, pysam.VariantFile(bcf, "wb", header=inp.header) as out:
        for rec in inp:
            out.write(rec)
    cs = pgx.read_vcf(bcf)
    # pysam writes a lone '.' back as './.' and keeps everything else
    _check_against_truth(cs, spec)


def test_genome_build_detection_and_conflict(write_vcf):
    text = make_vcf_text(seed=1, n_records=5).text.replace("248956422", "249250621").replace(
        "133797422", "135534747").replace("156040895", "155270560").replace("57227415", "59373566")
    path = write_vcf(text)
    assert pgx.read_vcf(path).genome_build == "GRCh37"
    with pytest.raises(GenomeBuildError, match=r"GRCh38.*GRCh37"):
        pgx.read_vcf(path, genome_build="GRCh38")
    no_contigs = "\n".join(ln for ln in text.splitlines() if not ln.startswith("##contig")) + "\n"
    assert pgx.read_vcf(write_vcf(no_contigs, "n.vcf")).genome_build is None
    assert pgx.read_vcf(write_vcf(no_contigs, "m.vcf"), genome_build="GRCh37").genome_build == "GRCh37"
    with_ref = no_contigs.replace("##fileformat=VCFv4.3\n", "##fileformat=VCFv4.3\n##reference=file:///ref/hg19.fa\n")
    assert pgx.read_vcf(write_vcf(with_ref, "r.vcf")).genome_build == "GRCh37"


def test_warnings_duplicate_and_unsorted(write_vcf):
    head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\n"
    dup = head + "chr1\t10\t.\tA\tG\t.\t.\t.\tGT\t0/1\nchr1\t10\t.\tA\tG\t.\t.\t.\tGT\t1/1\n"
    with pytest.warns(DuplicateRecordWarning, match="line 4: duplicate record chr1:10 A>G"):
        pgx.read_vcf(write_vcf(dup))
    unsorted = head + "chr1\t20\t.\tA\tG\t.\t.\t.\tGT\t0/1\nchr1\t10\t.\tA\tG\t.\t.\t.\tGT\t1/1\n"
    with pytest.warns(UnsortedInputWarning, match="line 4: records are not sorted"):
        list(pgx.iter_vcf(write_vcf(unsorted, "u.vcf"), chunk_size=1))
    revisit = head + "".join(f"{c}\t{p}\t.\tA\tG\t.\t.\t.\tGT\t0/1\n" for c, p in
                             [("chr1", 5), ("chr2", 5), ("chr1", 9)])
    with pytest.warns(UnsortedInputWarning, match="line 5"):
        list(pgx.iter_vcf(write_vcf(revisit, "v.vcf"), chunk_size=1))


def test_pure_python_kernel_is_opt_in(monkeypatch, write_vcf):
    path = write_vcf(make_vcf_text(seed=1, n_records=3).text)
    monkeypatch.setenv("PGX_PURE_PYTHON", "1")
    with pytest.warns(PurePythonKernelWarning, match="pure-Python VCF kernel"):
        pgx.read_vcf(path)


def _kernel_and_twin_agree(path: str, **kw) -> bool:
    """Read with the kernel and the twin: the same arrays (True) or the same error (False).

    A GT naming an ALT the record lacks reads as missing with a warning; both readers must
    list the same such calls.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedAlleleWarning)
        try:
            cs = pgx.read_vcf(path, **kw)
        except VcfFormatError as exc:
            with pytest.raises(VcfFormatError) as twin_exc:
                _read_twin(path, **kw)
            assert str(twin_exc.value) == str(exc)
            return False
        twin = _read_twin(path, **kw)
    np.testing.assert_array_equal(cs.undefined_alleles, twin.undefined_alleles)
    np.testing.assert_array_equal(cs.genotypes, twin.genotypes)
    np.testing.assert_array_equal(cs.phased, twin.phased)
    assert cs.calldata.keys() == twin.calldata.keys()
    for key in cs.calldata:
        np.testing.assert_array_equal(cs.calldata[key], twin.calldata[key])
    return True


def _one_cell_changed(rows: list[tuple[str, list[str]]], row: int, sample: int, cell: str) -> str:
    """The records ``(site columns, sample cells)`` as text, with one cell replaced."""
    return "".join(site + "\t".join(cell if (i, j) == (row, sample) else c for j, c in enumerate(cells)) + "\n"
                   for i, (site, cells) in enumerate(rows))


def test_gt_only_fast_paths_match_twin(write_vcf):
    """GT-only rows take the vector and word loops (4 and 1 calls at a time): every kind of
    call placed anywhere in a row must give the twin's genotypes, or the twin's error. Each
    case is its own file: 40 clean records with one call replaced by an odd one, so a bad
    call does not hide the cases after it."""
    odd = ["0|1", "1/1", "./.", ".", "1", "0|.", "10|1", "2|0", "3/3", "0|1|0", "|1|0", "a|0", "0 1",
           "0/1:", "", "0|11", "11|0"]
    tally: list[bool] = []  # per case: arrays compared (True) or the same error (False)
    for seed in range(8):
        rng = np.random.default_rng(seed)
        n_samples = int(rng.integers(1, 23))
        rows = []
        for i in range(40):
            n_alt = int(rng.integers(1, 13))
            alt = ",".join(["C", "G", "T", "CA", "GA", "TA", "CC", "GG", "TT", "AC", "AG", "AT"][:n_alt])
            calls = [f"{rng.integers(0, 2)}{'|/'[rng.integers(0, 2)]}{rng.integers(0, 2)}" for _ in range(n_samples)]
            rows.append((f"chr1\t{100 + i}\t.\tA\t{alt}\t.\tPASS\t.\tGT\t", calls))
        head = ("##fileformat=VCFv4.2\n##contig=<ID=chr1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n"
                "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
                + "\t".join(f"S{j}" for j in range(n_samples)) + "\n")
        for case in range(14):
            row, sample = int(rng.integers(0, 40)), int(rng.integers(0, n_samples))
            text = _one_cell_changed(rows, row, sample, odd[int(rng.integers(0, len(odd)))])
            tally.append(_kernel_and_twin_agree(write_vcf(head + text, f"gt{seed}_{case}.vcf"), ploidy=2))
    # 112 cases (55 compare arrays today); about half the odd calls are valid: a floor on both
    assert len(tally) == 112 and sum(tally) >= 50 and tally.count(False) >= 10, sum(tally)


def test_inflate_thread_stops_when_iteration_stops_early(write_vcf, monkeypatch):
    import threading

    spec = make_vcf_text(seed=5, n_samples=3, n_records=200)
    path = write_vcf(spec.text, compression="bgzip")
    monkeypatch.setattr(vcf_module, "_BUFFER", 256)  # many small buffers: the thread runs ahead
    chunks = pgx.iter_vcf(path, chunk_size=10)
    first = next(chunks)
    np.testing.assert_array_equal(first.genotypes, spec.genotypes[:10])
    chunks.close()
    assert not [t for t in threading.enumerate() if t.name == "pgx-inflate"]


_SITE_TEXTS = {
    "plain": b"chr1\t10\trs1\tA\tG\t50\tPASS\tDP=3\nchr1\t12\t.\tAC\tA,<DEL>\t.\t.\t.\n",
    "empty_fields": b"\t10\t\tA\t\t\t\t\n.\t11\t.\tC\t.\t.\t.\t.\n",
    "long_values": (b"chromosome_with_a_long_name\t5\tid_longer_than_twelve\tACGTACGTACGTACGT\t"
                    b"<A_LONG_SYMBOLIC_ALLELE>,ACGTACGTACGTACGTA\t1.5e3\tq10;;LowQualityFilterName\t"
                    b"KEY_LONGER_THAN_TWELVE=1;FLAG\n"),
    "numbers": b"1\t1\t.\tA\tT\t.5\tPASS\tX\n1\t2\t.\tA\tT\t7.\tPASS\tX\n1\t3\t.\tA\tT\t-0\tPASS\tX\n"
               b"1\t4\t.\tA\tT\t3.4028235e38\tPASS\tX\n1\t5\t.\tA\tT\t0.1\tPASS\tX\n",
    "non_ascii": "chr1\t10\tr\u00e9s\tA\tG\t50\tPASS\tNOTE=\u00e9\n".encode(),
    "odd_qual": b"chr1\t10\t.\tA\tG\tinf\tPASS\t.\n",
    "bad_qual": b"chr1\t10\t.\tA\tG\t1_0\tPASS\t.\n",
    "none": b"",
}


@pytest.mark.parametrize("name", sorted(_SITE_TEXTS))
@pytest.mark.parametrize("n_columns", [7, 8])
def test_site_columns_kernel_matches_twin(name, n_columns):
    from pgx._ext import _vcf, _vcf_py

    raw = _SITE_TEXTS[name]
    if n_columns == 7:
        raw = b"".join(b"\t".join(line.split(b"\t")[:7]) + b"\n" for line in raw.splitlines())
    data = np.frombuffer(raw, dtype=np.uint8)
    rows = raw.count(b"\n")
    built, twin = _vcf.site_columns(data, rows, n_columns), _vcf_py.site_columns(data, rows, n_columns)
    if name in ("non_ascii", "odd_qual", "bad_qual"):  # left to the general path
        assert built is None and twin is None
        return
    frame = pl.DataFrame([pl.Series(column).alias(key) for key, column in built.items()])
    expected = pl.DataFrame([pl.Series(column).alias(key) for key, column in twin.items()])
    assert frame.equals(expected)
    assert frame.columns == ["chrom", "id", "ref", "alt", "qual", "filter"] + (["info"] if n_columns == 8 else [])
    # a row count or column count that does not fit the text is refused, not guessed
    assert _vcf.site_columns(data, rows + 1, n_columns) is None
    assert _vcf_py.site_columns(data, rows + 1, n_columns) is None
    if rows:
        other = 15 - n_columns
        assert _vcf.site_columns(data, rows, other) is None
        assert _vcf_py.site_columns(data, rows, other) is None


def _sites_vcf(body: list[str]) -> str:
    head = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n"
            '##INFO=<ID=NOTE,Number=1,Type=String,Description="n">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="g">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")
    return head + "".join(line + "\n" for line in body)


@pytest.mark.parametrize("piece", [1, 64, 1 << 30])
def test_site_columns_same_frame_as_general_path(write_vcf, monkeypatch, piece):
    """The kernel's column builder, the general (CSV) path and the twin give one frame,
    whether the site text goes to the worker in one piece or many (whose buffers the
    kernel writes again once the worker has parsed them)."""
    spec = make_vcf_text(seed=4, n_samples=3, n_records=80)
    path = write_vcf(spec.text, compression="bgzip")
    monkeypatch.setattr(vcf_module, "_SITE_PIECE", piece)
    monkeypatch.setattr(vcf_module, "_BUFFER", 512)
    fields = ["AC", "DB", "NOTE"]
    built = pgx.read_vcf(path, fields=fields)
    _check_against_truth(built, spec)
    assert built.variants.equals(_read_twin(path, fields=fields).variants)
    from pgx._ext import _vcf

    monkeypatch.setattr(_vcf, "site_columns", lambda data, rows, columns: None)
    general = pgx.read_vcf(path, fields=fields)
    assert built.variants.equals(general.variants)
    assert built.variants.schema == general.variants.schema


def test_sites_non_ascii_and_odd_qual_use_general_path(write_vcf):
    body = [
        "chr1\t100\tr\u00e9s\tA\tG\t50\tPASS\tNOTE=\u00e9t\u00e9\tGT\t0/1",
        "chr1\t200\t.\tC\tT\tinf\t.\t.\tGT\t1/1",
        "chr1\t300\t.\tG\tA\t12.5\tq10;s50\tNOTE=x\tGT\t0/0",
    ]
    path = write_vcf(_sites_vcf(body), compression="bgzip")
    cs = pgx.read_vcf(path, fields=["NOTE"])
    v = cs.variants
    assert v["id"].to_list() == ["r\u00e9s", None, None]
    assert v["qual"].to_list() == [50.0, float("inf"), 12.5]
    assert v["filter"].to_list() == [["PASS"], None, ["q10", "s50"]]
    assert v["NOTE"].to_list() == ["\u00e9t\u00e9", None, "x"]
    assert v.equals(_read_twin(path, fields=["NOTE"]).variants)


def test_bad_qual_names_file_line_field(write_vcf):
    body = ["chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1", "chr1\t200\t.\tC\tT\thigh\t.\t.\tGT\t1/1"]
    path = write_vcf(_sites_vcf(body))
    for pure in (False, True):
        with pytest.raises(VcfFormatError, match=r"line 7.*QUAL.*'high'|QUAL.*line 7|line 7") as info:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PurePythonKernelWarning)
                pgx.read_vcf(path, pure_python=pure)
        assert "QUAL" in str(info.value) and "high" in str(info.value) and path in str(info.value)


def test_integer_subfield_fast_path_matches_twin(write_vcf):
    """Calls "A/B:..." with DP/GQ/PS wanted take the kernel's subfield loop: every odd cell
    (missing, negative, huge or malformed numbers, short or long cells, odd genotypes)
    anywhere in a row must give the twin's arrays, or the twin's error. An odd cell goes to
    the general code and the loop resumes after it. Each case is its own file: 30 clean
    records with one cell made odd, read three ways (fields None, DP, GQ+PS)."""
    odd = [".", "-3", "2147483648", "99999999999", "1x", "", "+4", "0/1", "3.5", "1,2"]
    odd_gt = ["./.", "0", "1|2", "10/1", "0/3", "a/0"]
    tally: list[bool] = []
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        n_samples = int(rng.integers(1, 13))
        fmt = ["GT:AD:DP:GQ:PL", "GT:DP:GQ", "GT:GQ:DP:PS", "GT:PL:DP", "GT"][seed % 5]
        keys = fmt.split(":")
        rows = []
        for i in range(30):
            cells = []
            for _ in range(n_samples):
                values = {"GT": f"{rng.integers(0, 2)}{'|/'[rng.integers(0, 2)]}{rng.integers(0, 2)}",
                          "AD": f"{rng.integers(0, 40)},{rng.integers(0, 40)}", "DP": str(rng.integers(0, 1000)),
                          "GQ": str(rng.integers(0, 100)), "PS": str(rng.integers(1, 10**6)), "PL": "0,30,300"}
                cells.append([values[k] for k in keys])
            rows.append((f"chr1\t{100 + i}\t.\tA\tC,G\t.\tPASS\t.\t{fmt}\t", cells))
        head = ("##fileformat=VCFv4.2\n##contig=<ID=chr1>\n"
                + "".join(f'##FORMAT=<ID={k},Number=1,Type=String,Description="x">\n' for k in ("GT", "AD", "DP", "GQ", "PS", "PL"))
                + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
                + "\t".join(f"S{j}" for j in range(n_samples)) + "\n")
        for case in range(8):
            row, sample = int(rng.integers(0, 30)), int(rng.integers(0, n_samples))
            cell = list(rows[row][1][sample])
            roll = rng.random()
            if roll < 0.5 and len(cell) > 1:
                cell[int(rng.integers(1, len(cell)))] = odd[int(rng.integers(0, len(odd)))]
            elif roll < 0.7:
                cell[0] = odd_gt[int(rng.integers(0, len(odd_gt)))]
            elif roll < 0.85:
                cell = cell[: int(rng.integers(1, len(cell) + 1))]
            else:
                cell = cell + ["7"]
            text = _one_cell_changed([(site, [":".join(c) for c in cells]) for site, cells in rows], row, sample,
                                     ":".join(cell))
            path = write_vcf(head + text, f"int{seed}_{case}.vcf")
            tally += [_kernel_and_twin_agree(path, fields=fields) for fields in (None, ["DP"], ["GQ", "PS"])]
    # 192 reads of 64 files, one odd cell each (137 compare arrays today): floors on both outcomes
    assert len(tally) == 192 and sum(tally) >= 100 and tally.count(False) >= 10, sum(tally)

