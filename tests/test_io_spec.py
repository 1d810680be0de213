"""Valid VCF the reader once refused (issue #20): POS 0, calls of any ploidy, allele indexes
above 127, GTs naming an ALT the record lacks, and VCF 4.4/4.5 constructs. Each is read by
the compiled kernel and its pure-Python twin alike, checked against pysam (htslib), and,
where it reaches a definition position, followed through pgx.call to the warnings column."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest

import pgx
import pgx.io._vcf as vcf_module
from pgx import UndefinedAlleleWarning, VcfFormatError
from pgx.exceptions import PurePythonKernelWarning

HEAD = ("##fileformat=VCFv4.3\n##contig=<ID=chr1,length=248956422>\n##contig=<ID=chr10,length=133797422>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")


def _text(samples: int, rows: list[str], head: str = HEAD) -> str:
    names = "".join(f"\tS{i}" for i in range(samples))
    return head + names + "\n" + "".join("\t".join(r.split()) + "\n" for r in rows)


def _read(path, *, pure_python: bool = False, **kw) -> pgx.CallSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PurePythonKernelWarning)
        return pgx.read_vcf(path, pure_python=pure_python, **kw)


def _both(path, **kw) -> pgx.CallSet:
    """Read with the kernel and the twin; assert they agree; return the kernel's CallSet."""
    cs = _read(path, **kw)
    twin = _read(path, pure_python=True, **kw)
    assert cs.genotypes.dtype == twin.genotypes.dtype
    np.testing.assert_array_equal(cs.genotypes, twin.genotypes)
    np.testing.assert_array_equal(cs.phased, twin.phased)
    np.testing.assert_array_equal(cs.undefined_alleles, twin.undefined_alleles)
    assert cs.variants.equals(twin.variants)
    return cs


def _agrees_with_pysam(path, cs: pgx.CallSet) -> int:
    """Every record's POS and every call's alleles as htslib reads them (an index past the
    ALTs is missing for both); return the calls compared."""
    import pysam

    compared = 0
    with pysam.VariantFile(str(path)) as handle:
        for i, rec in enumerate(handle):
            assert rec.pos == cs.variants["pos"][i]
            n_alt = len(rec.alts or ())
            for s, sample in enumerate(rec.samples.values()):
                ours = tuple(int(a) for a in cs.genotypes[i, s] if a != -2)
                alleles = sample["GT"] if "GT" in sample else (None,)  # no GT in FORMAT: not called
                theirs = tuple(-1 if a is None or a > n_alt else a for a in alleles)
                if theirs == (-1,):
                    theirs = (-1, -1)  # a lone '.' reads as './.' in pgx
                assert ours == theirs, (i, s, ours, sample["GT"])
                if len(theirs) > 1 and -1 not in theirs:
                    assert bool(cs.phased[i, s]) == sample.phased, (i, s)
                compared += 1
    assert compared == cs.n_variants * cs.n_samples
    return compared


# --- POS 0 -------------------------------------------------------------------------------------

def test_pos_zero_telomere_is_read(write_vcf):
    path = write_vcf(_text(2, ["chr1 0 tel N . . PASS . GT 0/0 0|0", "chr1 1 . A G . PASS . GT 0/1 1|1"]))
    cs = _both(path)
    assert cs.variants["pos"].to_list() == [0, 1]
    assert cs.variants["end"].to_list() == [0, 1]
    assert cs.genotypes[:, :, :2].tolist() == [[[0, 0], [0, 0]], [[0, 1], [1, 1]]]
    assert _agrees_with_pysam(path, cs) == 4


# --- any ploidy --------------------------------------------------------------------------------

PLOIDY_ROWS = [
    "chr1 100 . A G . . . GT:DP 0/1:5 1:6 .:7",
    "chr1 200 . C T,G . . . GT:DP 0|0|1:5 0/1:6 ./.:7",
    "chr1 300 . G A . . . GT:DP 0/1/1/1:5 1|1:6 0:7",
    "chr1 400 . T C . . . GT:DP ./././.:5 .:6 1/1/0:7",
]
WIDE = [  # the genotypes: as wide as the largest call, shorter calls padded with -2
    [[0, 1, -2, -2], [1, -2, -2, -2], [-1, -1, -2, -2]],
    [[0, 0, 1, -2], [0, 1, -2, -2], [-1, -1, -2, -2]],
    [[0, 1, 1, 1], [1, 1, -2, -2], [0, -2, -2, -2]],
    [[-1, -1, -1, -1], [-1, -1, -2, -2], [1, 1, 0, -2]],
]


def test_genotypes_widen_to_the_largest_ploidy(write_vcf):
    path = write_vcf(_text(3, PLOIDY_ROWS))
    cs = _both(path)
    assert cs.genotypes.tolist() == WIDE and cs.ploidy == 4 and cs.genotypes.dtype == np.int8
    assert cs.phased.tolist() == [[False, True, False], [True, False, False], [False, True, True],
                                  [False, False, False]]
    np.testing.assert_array_equal(cs.dp, [[5, 6, 7]] * 4)  # other fields are untouched by widening
    _agrees_with_pysam(path, cs)
    # ploidy= is the least width: a wider start gives the same calls, padded further
    six = _both(path, ploidy=6)
    assert six.ploidy == 6 and six.genotypes[:, :, :4].tolist() == WIDE and (six.genotypes[:, :, 4:] == -2).all()
    assert _both(path, ploidy=3).genotypes.tolist() == WIDE
    # haploid arrays stay haploid until a longer call, and read the same once widened
    haploid = write_vcf(_text(1, ["chr1 100 . A G . . . GT 1", "chr1 150 . A G . . . GT .",
                                  "chr1 200 . A G . . . GT 0/1"]), "haploid.vcf")
    assert _both(haploid, ploidy=1).genotypes.tolist() == [[[1, -2]], [[-1, -1]], [[0, 1]]]
    assert _both(haploid).genotypes.tolist() == [[[1, -2]], [[-1, -1]], [[0, 1]]]


def test_widening_at_any_buffer_boundary_and_in_chunks(write_vcf, monkeypatch):
    rng = np.random.default_rng(4)
    rows = []
    for i in range(120):
        calls = ["/".join(str(a) for a in rng.integers(0, 2, size=rng.integers(1, 3))) for _ in range(5)]
        if i in (37, 90):  # two widenings, late in the file
            calls[int(rng.integers(0, 5))] = "/".join("1" * (3 if i == 37 else 5))
        rows.append(f"chr1 {100 + i} . A G . . . GT " + " ".join(calls))
    path = write_vcf(_text(5, rows), compression="bgzip")
    whole = _both(path)
    assert whole.ploidy == 5
    monkeypatch.setattr(vcf_module, "_BUFFER", 97)
    np.testing.assert_array_equal(_read(path).genotypes, whole.genotypes)
    chunks = list(pgx.iter_vcf(path, chunk_size=16))
    widths = [chunk.ploidy for chunk in chunks]
    assert widths == sorted(widths) and widths[0] == 2 and widths[-1] == 5  # never narrower than before
    for k, chunk in enumerate(chunks):
        got = whole.genotypes[16 * k: 16 * k + chunk.n_variants]
        np.testing.assert_array_equal(chunk.genotypes, got[:, :, : chunk.ploidy])
        assert (got[:, :, chunk.ploidy:] == -2).all()


def test_more_alleles_than_pgx_reads_is_an_error(write_vcf):
    too_many = "/".join("0" * 65)
    path = write_vcf(_text(1, [f"chr1 100 . A G . . . GT {too_many}"]))
    for pure_python in (False, True):
        with pytest.raises(VcfFormatError, match="more than 64 alleles") as info:
            _read(path, pure_python=pure_python)
        assert info.value.line == 7 and info.value.field == "FORMAT/GT of sample 0"


# --- allele indexes above 127 --------------------------------------------------------------------

def _many_alts(n: int) -> str:
    bases = "ACGT"
    return ",".join("A" + "".join(bases[(k >> (2 * j)) & 3] for j in range(5)) for k in range(n))


def test_allele_indexes_above_127_read_as_int16(write_vcf):
    alts = _many_alts(301)
    rows = ["chr1 100 . A G . . . GT 0/1 1|1", f"chr1 200 . A {alts} . . . GT 0/300 128|5",
            "chr1 300 . A G,T . . . GT 2/. 0/0"]
    path = write_vcf(_text(2, rows))
    cs = _both(path)
    assert cs.genotypes.dtype == np.int16
    assert cs.genotypes.tolist() == [[[0, 1], [1, 1]], [[0, 300], [128, 5]], [[2, -1], [0, 0]]]
    _agrees_with_pysam(path, cs)
    # a normal file keeps int8 genotypes (no more memory)
    assert _both(write_vcf(_text(2, [rows[0], rows[2]]), "small.vcf")).genotypes.dtype == np.int8
    # streaming: int8 chunks until the record that needs int16
    chunks = list(pgx.iter_vcf(path, chunk_size=1))
    assert [c.genotypes.dtype for c in chunks] == [np.int8, np.int16, np.int16]
    # every encoding takes int16 genotypes
    assert pgx.encode.dosage(cs).tolist() == [[1, 2], [1, 2], [-1, 0]]
    counts, variant, allele = pgx.encode.allele_dosage(cs)
    assert allele.dtype == np.int16 and counts.shape == (1 + 301 + 2, 2)
    assert counts[1 + 299].tolist() == [1, 0] and counts[1 + 127].tolist() == [0, 1]


def test_allele_index_past_int16_is_an_error(write_vcf):
    alts = ",".join(["C"] * 32769)
    path = write_vcf(_text(1, [f"chr1 100 . A {alts} . . . GT 0/32768"]))
    for pure_python in (False, True):
        with pytest.raises(VcfFormatError, match="allele index above 32767") as info:
            _read(path, pure_python=pure_python)
        assert info.value.line == 7


# --- a GT naming an ALT the record lacks ---------------------------------------------------------

def test_gt_naming_a_missing_alt_reads_as_missing_with_a_warning(write_vcf):
    rows = ["chr1 100 . A G . . . GT 0/1 0/2", "chr1 200 . A G,T . . . GT 3|1 ./2",
            "chr1 300 . A . . . . GT 0|1 0", "chr1 400 . A G . . . GT 1/1 0/0"]
    path = write_vcf(_text(2, rows))
    for pure_python in (False, True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cs = pgx.read_vcf(path, pure_python=pure_python)
        found = [w for w in caught if w.category is UndefinedAlleleWarning]
        assert len(found) == 1
        assert str(found[0].message).startswith(
            f"{path}, line 7, field FORMAT/GT of sample 1: the genotype refers to an ALT allele the record does not "
            "have (REF and 1 ALT allele(s) allow indexes 0 to 1); that allele is read as missing (-1). "
            "3 call(s) in 3 record(s) do so")
        assert cs.genotypes.tolist() == [[[0, 1], [0, -1]], [[-1, 1], [-1, 2]], [[0, -1], [0, -2]],
                                         [[1, 1], [0, 0]]]
        assert cs.undefined_alleles.tolist() == [[0, 1], [1, 0], [2, 0]]
    with pytest.warns(UndefinedAlleleWarning):
        _both(path)
    _agrees_with_pysam(path, cs)
    # the rows of each chunk count from the chunk's start
    with pytest.warns(UndefinedAlleleWarning):
        chunks = list(pgx.iter_vcf(path, chunk_size=2))
    assert [c.undefined_alleles.tolist() for c in chunks] == [[[0, 1], [1, 0]], [[0, 0]]]


# --- VCF 4.4 and 4.5 constructs ------------------------------------------------------------------

SPEC_HEAD = """##fileformat=VCFv4.5
##contig=<ID=chr1,length=248956422>
##INFO=<ID=END,Number=1,Type=Integer,Description="End">
##INFO=<ID=SVLEN,Number=A,Type=Integer,Description="Length">
##INFO=<ID=SVCLAIM,Number=A,Type=String,Description="Claim">
##INFO=<ID=RN,Number=A,Type=Integer,Description="Repeat count">
##INFO=<ID=RUS,Number=.,Type=String,Description="Repeat unit">
##ALT=<ID=DEL,Description="Deletion">
##ALT=<ID=CNV:TR,Description="Tandem repeat">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=LAA,Number=.,Type=Integer,Description="Local alleles">
##FORMAT=<ID=LAD,Number=LR,Type=Integer,Description="Local depth">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT"""


def test_vcf_4_4_and_4_5_constructs(write_vcf):
    """Telomere, gVCF <*>, explicit phase indicators (|0/1, |1), local alleles (LAA/LAD,
    empty and zero-length), <CNV:TR> with SVCLAIM and repeat fields, breakends, '*', a
    tetraploid call and an empty sample column: read alike by both kernels and htslib."""
    rows = [
        "chr1 0 tel N . . PASS . GT 0 0/0 0|0|0",
        "chr1 10 . A <*> . . END=19 GT 0/0 0/0 0/0/0",
        "chr1 20 . A C,<*> . . . GT:LAA:LAD 0/1:1:3,4 |0/1:1:5,5 ./.:.:.",
        "chr1 30 . A <DEL>,<CNV:TR> . . SVLEN=10,20;SVCLAIM=D,J;RN=1,2;RUS=AC,AC GT 0/1 1/2 |1",
        "chr1 40 . A A[chr1:100[,.A . . . GT 0/1 0|2 .",
        "chr1 50 . AT A,* . . . GT:LAA 1/2:1,2 0/0: 0/1/1/2:",
    ]
    text = _text(3, rows, SPEC_HEAD) + "chr1\t60\t.\tC\tT\t.\t.\t.\tLAA:LAD\t:\t\t1:1\n"
    path = write_vcf(text)
    cs = _both(path, fields=["END", "SVCLAIM", "RUS"])
    assert cs.ploidy == 4 and cs.variants["pos"].to_list() == [0, 10, 20, 30, 40, 50, 60]
    assert cs.variants["end"].to_list() == [0, 19, 20, 30, 40, 51, 60]
    assert cs.variants["alt"][3].to_list() == ["<DEL>", "<CNV:TR>"]
    assert cs.variants["SVCLAIM"][3].to_list() == ["D", "J"]
    assert cs.genotypes[2].tolist() == [[0, 1, -2, -2], [0, 1, -2, -2], [-1, -1, -2, -2]]
    assert cs.genotypes[6].tolist() == [[-1, -1, -2, -2]] * 3  # no GT: missing calls
    assert cs.phased[:, 2].tolist() == [True, False, False, True, False, False, False]
    _agrees_with_pysam(path, cs)


# --- through pgx.call ------------------------------------------------------------------------------

# stable facts (CPIC / PharmVar, GRCh38): CYP2C19 *2 = rs4244285 G>A, *17 = rs12248560 C>T;
# rs3758581 G tells *1 from *38
CYP2C19_ROWS = ["chr10 94761900 . C T . PASS . GT {star17}", "chr10 94781859 . G A . PASS . GT {star2}",
                "chr10 94842866 . A G . PASS . GT {rs3758581}"]
STAR2_LABEL = "chr10:94781859 (rs4244285)"


def _cyp2c19(write_vcf, name: str, *samples: dict, extra: list[str] = ()) -> pl.DataFrame:
    """pgx.call of CYP2C19 on a VCF of ``CYP2C19_ROWS`` with one sample per dict of GTs,
    and the ``extra`` rows."""
    rows = [" ".join(row.format(**samples[0]).split()[:-1] + [row.format(**s).split()[-1] for s in samples])
            for row in CYP2C19_ROWS]
    path = write_vcf(_text(len(samples), rows + list(extra)), name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedAlleleWarning)
        return pgx.call(path, genes=["CYP2C19"])


def _notes(row: dict, code: str) -> str:
    found = [w.partition(": ")[2] for w in row["warnings"] if w.partition(": ")[0] == code]
    return found[0] if found else ""


def test_a_polyploid_call_at_a_definition_position_leaves_the_gene_not_called(write_vcf):
    diploid = {"star17": "0/0", "star2": "0/1", "rs3758581": "0/1"}
    triploid = {"star17": "0/0", "star2": "0/0/1", "rs3758581": "0/1"}
    alone = _cyp2c19(write_vcf, "diploid.vcf", diploid).to_dicts()[0]
    assert alone["diplotype"] == "*2/*38"
    calls = _cyp2c19(write_vcf, "mixed.vcf", diploid, triploid).to_dicts()
    # the diploid sample is called as on its own, though the array is now three slots wide
    assert calls[0]["diplotype"] == alone["diplotype"] and calls[0]["warnings"] == alone["warnings"]
    assert calls[1]["diplotype"] is None and calls[1]["phenotype"] is None
    assert "not_called" in calls[1]["warnings"]
    assert _notes(calls[1], "polyploid_call") == STAR2_LABEL


def test_a_gt_naming_a_missing_alt_reaches_the_call_warnings(write_vcf):
    half = {"star17": "0/0", "star2": "1/2", "rs3758581": "0/1"}      # 1/2 with one ALT: ./1
    absent = {"star17": "0/0", "star2": "0/2", "rs3758581": "0/1"}    # 0/2 with one ALT: ./0
    calls = _cyp2c19(write_vcf, "undefined.vcf", half, absent).to_dicts()
    assert _notes(calls[0], "undefined_allele") == STAR2_LABEL
    assert _notes(calls[0], "half_call") == STAR2_LABEL  # one or two copies of *2: never reference
    assert calls[0]["diplotype"] == "*2/*38"  # rs3758581 0/1 rules out *2/*2
    assert _notes(calls[1], "undefined_allele") == STAR2_LABEL
    assert STAR2_LABEL in calls[1]["missing_positions"]  # ./0 says nothing certain about *2


def test_int16_genotypes_are_called_as_int8_ones(write_vcf):
    """A record with hundreds of ALTs elsewhere makes the whole array int16: the calls at
    the pharmacogene come out exactly as from the int8 file."""
    samples = ({"star17": "0/1", "star2": "0/1", "rs3758581": "1/1"},
               {"star17": "0/0", "star2": "1/1", "rs3758581": "1/1"})
    narrow = _cyp2c19(write_vcf, "narrow.vcf", *samples)
    many = f"chr1 100 . A {_many_alts(200)} . PASS . GT 0/199 150/1"
    wide = _cyp2c19(write_vcf, "wide.vcf", *samples, extra=[many])
    assert pgx.read_vcf(write_vcf(_text(2, [many]), "many.vcf")).genotypes.dtype == np.int16
    assert wide.equals(narrow) and wide["diplotype"].is_not_null().all()
