"""Genotype encodings (pgx.encode.dosage, one_hot, ...): the Cython kernels against their
pure-Python twin on random arrays, hand cases, bad input, and the star-allele indicators
against the caller."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pgx
from pgx import CallSet
from pgx._ext import _encode as compiled
from pgx._ext import _encode_py as twin
from pgx._ext import encode_kernels
from pgx.calling import call_diplotypes, diplotype_indicators, gene_model, haplotype_indicators
from pgx.encode import allele_dosage, dosage, dosage_csr, one_hot
from pgx.exceptions import GenomeBuildError, PurePythonKernelWarning
from pgx.schema import SchemaError

SHAPES = [(0, 5, 2), (4, 0, 2), (0, 0, 2), (1, 1, 2), (37, 23, 2), (29, 31, 1), (17, 13, 3), (5, 7, 0),
          (3, 300, 2)]


def random_genotypes(seed: int, shape: tuple[int, int, int], *, max_allele: int = 3) -> np.ndarray:
    """Calls with multi-allelic ALTs, ~10% missing alleles, haploid calls padded with -2,
    a few all -2 calls and odd negative codes (which count as missing)."""
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, max_allele + 1, size=shape, dtype=np.int8)
    gt[rng.random(shape) < 0.1] = -1
    if shape[2] > 1:
        haploid = rng.random(shape[:2]) < 0.15
        gt[haploid, 1:] = -2
        gt[rng.random(shape[:2]) < 0.02] = -2
    gt[rng.random(shape) < 0.01] = -128
    gt[rng.random(shape) < 0.01] = -3
    return gt


def run_both(name: str, *args) -> tuple:
    """Call kernel ``name`` of both modules on copies of ``args``; return both sets of outputs."""
    outs = []
    for module in (compiled, twin):
        copied = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        result = getattr(module, name)(*copied)
        outs.append((result, copied))
    return outs[0], outs[1]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [np.int8, np.float32])
def test_dosage_kernel_matches_twin(shape, seed, dtype):
    gt = random_genotypes(seed, shape)
    (_, (_, got)), (_, (_, want)) = run_both("dosage", gt, np.full(shape[:2], 99, dtype=dtype))
    np.testing.assert_array_equal(got, want)  # NaN == NaN here


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("missing_column", [False, True])
def test_one_hot_kernel_matches_twin(shape, missing_column):
    gt = random_genotypes(7, shape)
    out = np.full((shape[0], shape[2] + 1 + missing_column, shape[1]), 9, dtype=np.uint8)
    (_, (_, got, _)), (_, (_, want, _)) = run_both("one_hot", gt, out, missing_column)
    np.testing.assert_array_equal(got, want)
    if shape[0] and shape[1]:
        assert set(np.unique(got)) <= {0, 1}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("seed", range(3))
def test_allele_dosage_kernel_matches_twin(shape, seed):
    gt = random_genotypes(seed, shape, max_allele=3)
    n_alt = np.random.default_rng(seed).integers(3, 6, size=shape[0])
    offsets = np.concatenate([[0], np.cumsum(n_alt)]).astype(np.int64)
    out = np.zeros((int(offsets[-1]), shape[1]), dtype=np.int8)
    (code, (_, _, got)), (twin_code, (_, _, want)) = run_both("allele_dosage", gt, offsets, out)
    assert code == twin_code == -1
    np.testing.assert_array_equal(got, want)


def test_allele_dosage_kernel_reports_first_allele_past_the_alts():
    gt = np.array([[[0, 1]], [[2, 0]], [[3, 3]]], dtype=np.int8)
    offsets = np.array([0, 1, 2, 3], dtype=np.int64)
    (code, _), (twin_code, _) = run_both("allele_dosage", gt, offsets, np.zeros((3, 1), dtype=np.int8))
    assert code == twin_code == 1


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_csr_kernels_match_twin(shape):
    gt = random_genotypes(11, shape)
    n = shape[0]
    scratch = np.zeros(shape[1], dtype=np.int8)
    (_, (_, nz, miss, _)), (_, (_, twin_nz, twin_miss, _)) = run_both(
        "csr_count", gt, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), scratch)
    np.testing.assert_array_equal(nz, twin_nz)
    np.testing.assert_array_equal(miss, twin_miss)
    indptr = np.concatenate([[0], np.cumsum(nz)]).astype(np.int64)
    missing_indptr = np.concatenate([[0], np.cumsum(miss)]).astype(np.int64)
    args = (gt, indptr, np.zeros(int(indptr[-1]), np.int8), np.zeros(int(indptr[-1]), np.int32), missing_indptr,
            np.zeros(int(missing_indptr[-1]), np.int32), scratch)
    (_, got), (_, want) = run_both("csr_fill", *args)
    for a, b in zip(got[2:6], want[2:6]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(37, 23, 2), (17, 13, 3), (29, 31, 1), (3, 300, 2)], ids=str)
def test_int16_genotypes_match_twin_and_int8(shape):
    """Files with allele indexes above 127 are read as int16: every genotype kernel takes
    them (a fused specialisation), agrees with the twin, and gives the int8 result on the
    same calls when they fit int8."""
    small = random_genotypes(3, shape)
    wide = small.astype(np.int16)
    big = wide.copy()
    big[big > 0] += 200  # indexes 201..203, past int8
    n = shape[0]
    for name, make_out in (("dosage", lambda: np.full(shape[:2], 99, dtype=np.int8)),
                           ("dosage", lambda: np.full(shape[:2], 99, dtype=np.float32)),
                           ("one_hot", lambda: np.full((n, shape[2] + 2, shape[1]), 9, dtype=np.uint8))):
        extra = (True,) if name == "one_hot" else ()
        (_, (_, got, *_)), (_, (_, want, *_)) = run_both(name, big, make_out(), *extra)
        np.testing.assert_array_equal(got, want)
        (_, (_, narrow, *_)), _ = run_both(name, small, make_out(), *extra)
        (_, (_, from_wide, *_)), _ = run_both(name, wide, make_out(), *extra)
        np.testing.assert_array_equal(from_wide, narrow)
        np.testing.assert_array_equal(got, narrow)  # a dosage counts ALTs, whatever their index
    offsets = (np.arange(n + 1) * 203).astype(np.int64)
    (code, (_, _, got)), (twin_code, (_, _, want)) = run_both(
        "allele_dosage", big, offsets, np.zeros((int(offsets[-1]), shape[1]), dtype=np.int8))
    assert code == twin_code == -1
    np.testing.assert_array_equal(got, want)
    # copies land in the rows of ALTs 201..203 only (missing calls are -1 in every row)
    assert (got > 0).any() and (got[(np.arange(n)[:, None] * 203 + np.arange(200)).ravel()] <= 0).all()
    scratch = np.zeros(shape[1], dtype=np.int8)
    (_, (_, nz, miss, _)), (_, (_, twin_nz, twin_miss, _)) = run_both(
        "csr_count", big, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), scratch)
    np.testing.assert_array_equal(nz, twin_nz)
    np.testing.assert_array_equal(miss, twin_miss)
    counts, missing = dosage_csr(big)
    np.testing.assert_array_equal(counts.toarray(), np.maximum(dosage(small), 0))
    np.testing.assert_array_equal(missing.toarray(), dosage(small) < 0)


def random_definitions(seed: int, n_sites: int, n_alleles: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR allele -> sites lists (1-3 sites each, the first allele the reference on all sites)."""
    rng = np.random.default_rng(seed)
    lists = [np.arange(n_sites)] + [np.sort(rng.choice(n_sites, size=min(n_sites, rng.integers(1, 4)),
                                                       replace=False)) for _ in range(n_alleles - 1)]
    indptr = np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)
    indices = np.concatenate(lists).astype(np.int64)
    reference = np.zeros(n_alleles, dtype=np.uint8)
    reference[0] = 1
    return indptr, indices, reference


@pytest.mark.parametrize("n_samples", [0, 1, 40])
@pytest.mark.parametrize("seed", range(4))
def test_haplotype_carriers_kernel_matches_twin(n_samples, seed):
    rng = np.random.default_rng(seed)
    n_sites, n_alleles = 6, 9
    haps = rng.choice(np.array([-1, 0, 1, 1], dtype=np.int8), size=(n_samples, 2, n_sites))
    haps[rng.random(n_samples) < 0.2, 1, :] = -2  # haploid samples
    indptr, indices, reference = random_definitions(seed, n_sites, n_alleles)
    out = np.full((n_samples, 2, n_alleles), 7, dtype=np.int8)
    (_, (*_, got)), (_, (*_, want)) = run_both("haplotype_carriers", haps, indptr, indices, reference, out)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n_samples", [0, 1, 40])
@pytest.mark.parametrize("seed", range(4))
def test_allele_copies_kernel_matches_twin(n_samples, seed):
    rng = np.random.default_rng(seed)
    n_sites, n_alleles = 6, 9
    dos = rng.choice(np.array([-1, 0, 0, 1, 2], dtype=np.int8), size=(n_samples, n_sites))
    indptr, indices, reference = random_definitions(seed, n_sites, n_alleles)
    out = np.full((n_samples, n_alleles), 7, dtype=np.int8)
    (_, (*_, got)), (_, (*_, want)) = run_both("allele_copies", dos, indptr, indices, reference, 2, out)
    np.testing.assert_array_equal(got, want)


def test_star_allele_kernels_hand_cases():
    # sites: 0, 1, 2; alleles: reference (all sites), X = {0, 1}, Y = {2}
    indptr = np.array([0, 3, 5, 6], dtype=np.int64)
    indices = np.array([0, 1, 2, 0, 1, 2], dtype=np.int64)
    reference = np.array([1, 0, 0], dtype=np.uint8)
    haps = np.array([[[1, 1, 0], [0, 0, 0]],      # X on haplotype 1, reference on 2
                     [[1, -1, 0], [0, -1, -1]],   # X not known; Y not carried then not known
                     [[1, 1, 1], [-2, -2, -2]]], dtype=np.int8)  # haploid, X and Y
    out = np.zeros((3, 2, 3), dtype=np.int8)
    compiled.haplotype_carriers(haps, indptr, indices, reference, out)
    assert out.tolist() == [[[0, 1, 0], [1, 0, 0]],
                            [[0, -1, 0], [-1, 0, -1]],
                            [[0, 1, 1], [-2, -2, -2]]]
    dos = np.array([[1, 1, 0], [2, 1, 0], [1, -1, 0], [0, -1, -1], [-1, -1, 2]], dtype=np.int8)
    copies = np.zeros((5, 3), dtype=np.int8)
    compiled.allele_copies(dos, indptr, indices, reference, 2, copies)
    assert copies.tolist() == [[1, 1, 0], [0, 1, 0], [-1, -1, 0], [-1, 0, -1], [0, -1, 2]]


# ---- the public API -------------------------------------------------------------------------


HAND = np.array([[[0, 0], [0, 1], [1, 0], [1, 1], [-1, -1], [-1, 1], [0, -1], [1, -2], [0, -2], [-1, -2],
                  [1, 2], [2, 2], [-2, -2]]], dtype=np.int8)


def test_dosage_hand_cases():
    assert dosage(HAND).tolist() == [[0, 1, 1, 2, -1, -1, -1, 1, 0, -1, 2, 2, -1]]
    floats = dosage(HAND, dtype="float32")
    assert floats.dtype == np.float32
    np.testing.assert_array_equal(floats, np.where(dosage(HAND) < 0, np.nan, dosage(HAND)))


def test_one_hot_hand_cases():
    out = one_hot(HAND, missing_indicator=True)
    assert out.shape == (1, 4, 13) and out.dtype == np.uint8
    d = dosage(HAND)[0]
    for k in range(3):
        assert out[0, k].tolist() == (d == k).astype(int).tolist()
    assert out[0, 3].tolist() == (d < 0).astype(int).tolist()
    assert (out[0].sum(axis=0) == 1).all()  # every call is in exactly one level
    assert one_hot(HAND).shape == (1, 3, 13)
    assert one_hot(HAND[:, :, :1]).shape == (1, 2, 13)  # haploid array: levels 0 and 1


def test_allele_dosage_hand_cases_and_callset():
    gt = np.array([[[0, 1], [1, 2], [2, 2], [-1, 2], [2, -2]],
                   [[0, 0], [0, 1], [1, 1], [0, 0], [1, -2]],
                   [[0, 0], [0, 0], [0, 0], [0, 0], [0, -2]]], dtype=np.int8)
    cs = CallSet.from_arrays(gt, chrom=["chr1"] * 3, pos=[10, 20, 30], ref=["A", "C", "G"],
                             alt=[["C", "T"], ["G"], []], sample_ids=list("ABCDE"))
    counts, variant, allele = allele_dosage(cs)
    assert counts.tolist() == [[1, 1, 0, -1, 0], [0, 1, 2, -1, 1], [0, 1, 2, 0, 1]]
    assert variant.tolist() == [0, 0, 1] and allele.tolist() == [1, 2, 1]
    counts2, variant2, allele2 = allele_dosage(gt, n_alt=[2, 1, 0])
    np.testing.assert_array_equal(counts2, counts)
    # by default every variant gets as many rows as the largest allele index (2)
    counts3, variant3, allele3 = allele_dosage(gt)
    assert variant3.tolist() == [0, 0, 1, 1, 2, 2] and allele3.tolist() == [1, 2, 1, 2, 1, 2]
    # the per-ALT counts add up to the dosage wherever the call is not missing
    d = dosage(gt)
    summed = np.add.reduceat(counts3.astype(int), [0, 2, 4], axis=0)
    np.testing.assert_array_equal(np.where(d < 0, -1, summed), np.where(d < 0, -1, d))


def test_allele_past_the_alts_is_a_clear_error():
    gt = np.array([[[0, 1]], [[0, 2]]], dtype=np.int8)
    cs = CallSet.from_arrays(gt, chrom=["chr2"] * 2, pos=[5, 9], ref=["A", "C"], alt=[["G"], ["T"]],
                             sample_ids=["S"])
    with pytest.raises(SchemaError, match=r"variant 1 \(0-based\), chr2:9 has a call with allele 2, but only 1 ALT"):
        allele_dosage(cs)
    with pytest.raises(SchemaError, match="n_alt must be"):
        allele_dosage(gt, n_alt=[1, 2, 3])
    with pytest.raises(SchemaError, match="n_alt is for a bare genotype array"):
        allele_dosage(cs, n_alt=2)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_dosage_csr_equals_dense(shape):
    gt = random_genotypes(3, shape)
    counts, missing = dosage_csr(gt)
    dense = dosage(gt)
    assert counts.shape == missing.shape == shape[:2]
    assert counts.dtype == np.int8 and missing.dtype == np.bool_
    np.testing.assert_array_equal(counts.toarray(), np.maximum(dense, 0))
    np.testing.assert_array_equal(missing.toarray(), dense < 0)
    assert counts.has_sorted_indices and counts.nnz == int((dense > 0).sum())


def test_encodings_accept_a_callset_and_non_contiguous_arrays():
    gt = random_genotypes(5, (12, 9, 2)).clip(-1, 1)
    cs = CallSet.from_arrays(gt, chrom=["chr1"] * 12, pos=list(range(1, 13)), ref=["A"] * 12, alt=[["C"]] * 12,
                             sample_ids=[f"S{i}" for i in range(9)])
    np.testing.assert_array_equal(dosage(cs), dosage(gt))
    np.testing.assert_array_equal(one_hot(cs), one_hot(gt))
    np.testing.assert_array_equal(dosage(gt[:, ::2]), dosage(np.ascontiguousarray(gt[:, ::2])))
    read_only = gt.copy()
    read_only.setflags(write=False)  # a memory-mapped or shared array
    np.testing.assert_array_equal(dosage(read_only), dosage(gt))
    np.testing.assert_array_equal(dosage_csr(read_only)[0].toarray(), dosage_csr(gt)[0].toarray())


@pytest.mark.parametrize("function", [dosage, one_hot, allele_dosage, dosage_csr])
@pytest.mark.parametrize(("bad", "found"), [
    (np.zeros((2, 3, 2), dtype=np.int32), r"found a 3-d int32 array of shape \(2, 3, 2\)"),
    (np.zeros((2, 3), dtype=np.int8), r"found a 2-d int8 array of shape \(2, 3\)"),
    ([[[0, 1]]], "found list"),
])
def test_bad_input_is_a_clear_pgx_error(function, bad, found):
    with pytest.raises(SchemaError, match=found) as info:
        function(bad)
    assert isinstance(info.value, pgx.PgxError) and isinstance(info.value, ValueError)
    assert "int8" in str(info.value) and "(variants, samples, ploidy)" in str(info.value)


def test_bad_dtype_option():
    with pytest.raises(SchemaError, match="dtype must be 'int8' or 'float32', found 'int16'"):
        dosage(HAND, dtype="int16")


def test_pure_python_opt_in_gives_the_same_results(monkeypatch):
    gt = random_genotypes(2, (20, 15, 2))
    expected = [dosage(gt), one_hot(gt, missing_indicator=True), allele_dosage(gt)[0], dosage_csr(gt)[0].toarray()]
    monkeypatch.setenv("PGX_PURE_PYTHON", "1")
    with pytest.warns(PurePythonKernelWarning, match="pure-Python genotype-encoding kernels"):
        assert encode_kernels() is twin
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PurePythonKernelWarning)
        got = [dosage(gt), one_hot(gt, missing_indicator=True), allele_dosage(gt)[0], dosage_csr(gt)[0].toarray()]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


# ---- star-allele indicators -----------------------------------------------------------------

TPMT = dict(chrom=["chr6", "chr6"], pos=[18130687, 18138997], ref=["T", "C"], alt=[["C"], ["T"]])


def tpmt(gt, phased, **kw) -> CallSet:
    gt = np.array(gt, dtype=np.int8)
    return CallSet.from_arrays(gt, sample_ids=[f"S{i}" for i in range(gt.shape[1])], phased=phased,
                               genome_build="GRCh38", **TPMT, **kw)


def columns(alleles, names=("*1", "*3A", "*3B", "*3C")):
    return [alleles.index(a) for a in names]


def test_haplotype_indicators_phased_unphased_missing_haploid():
    cs = tpmt([[[1, 0], [1, 0], [0, 1], [1, 1], [-1, 0], [1, -2], [0, 0]],
               [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [1, -2], [0, 0]]],
              phased=[[True, True, False, False, True, True, False]] * 2)
    haps, alleles = haplotype_indicators(cs, "TPMT", assume_reference=True)
    assert alleles[0] == "*1" and haps.shape == (7, 2, len(alleles))
    c = columns(alleles)
    assert haps[0][:, c].tolist() == [[0, 1, 1, 1], [1, 0, 0, 0]]      # cis, phased
    assert haps[1][:, c].tolist() == [[0, 0, 0, 1], [0, 0, 1, 0]]      # trans, phased
    assert haps[2][:, c].tolist() == [[1, 1, 1, 1], [0, 0, 0, 0]]      # unphased: the most the calls allow
    assert haps[3][:, c].tolist() == [[0, 1, 1, 1], [0, 0, 0, 1]]      # unphased, *3C homozygous
    assert haps[4][:, c].tolist() == [[0, -1, 1, -1], [-1, 0, 0, -1]]  # *3C site not called
    assert haps[5][:, c].tolist() == [[0, 1, 1, 1], [-2, -2, -2, -2]]  # haploid
    assert haps[6][:, c].tolist() == [[1, 0, 0, 0], [1, 0, 0, 0]]      # reference
    copies, alleles2 = diplotype_indicators(cs, "TPMT", assume_reference=True)
    assert alleles2 == alleles
    assert copies[:, c].tolist() == [[1, 1, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1], [0, 1, 1, 2], [-1, -1, 1, -1],
                                     [0, 1, 1, 1], [2, 0, 0, 0]]


def test_star_indicators_take_a_gene_model_and_need_a_build():
    cs = tpmt([[[1, 0]], [[1, 0]]], phased=[[True]] * 2)
    model = gene_model("TPMT", "GRCh38")
    a, names = diplotype_indicators(cs, model)
    b, _ = diplotype_indicators(cs, "TPMT", genome_build="GRCh38")
    np.testing.assert_array_equal(a, b)
    assert names == model.alleles.names
    unknown = CallSet.from_arrays(np.array([[[1, 0]]], dtype=np.int8), chrom=["chr6"], pos=[18130687], ref=["T"],
                                  alt=[["C"]], sample_ids=["S"])
    with pytest.raises(GenomeBuildError, match="genome_build="):
        haplotype_indicators(unknown, "TPMT")
    with pytest.raises(SchemaError, match="need a CallSet"):
        haplotype_indicators(np.zeros((1, 1, 2), dtype=np.int8), "TPMT")


@pytest.mark.parametrize("phased", [True, False])
def test_called_alleles_are_carried(phased):
    """Every allele pgx.calling calls on fully called data is carried by the indicators."""
    model = gene_model("TPMT", "GRCh38")
    sites = model.sites
    rng = np.random.default_rng(2504)
    # one record per definition position, its ALTs those of the position's sites
    alts = [[a for p, _, a in sites.sites if p == k] for k in range(len(sites.positions))]
    n = 80
    gt = np.zeros((len(sites.positions), n, 2), dtype=np.int8)
    for s in range(n):  # up to two ALTs per sample, every position called
        for _ in range(rng.integers(0, 3)):
            p = rng.integers(len(sites.positions))
            gt[p, s, rng.integers(2)] = rng.integers(len(alts[p])) + 1
    cs = CallSet.from_arrays(
        gt, chrom=[sites.chrom] * len(alts), pos=[p for p, _ in sites.positions], ref=[r for _, r in sites.positions],
        alt=alts, sample_ids=[f"S{i}" for i in range(n)], phased=np.full(gt.shape[:2], phased),
        genome_build="GRCh38")
    calls = call_diplotypes(cs, genes=["TPMT"])
    copies, alleles = diplotype_indicators(cs, model)
    haps, _ = haplotype_indicators(cs, model)
    checked = 0
    for s, (h1, h2) in enumerate(calls.select("haplotype_1", "haplotype_2").iter_rows()):
        if h1 is None:
            continue
        for allele in {h1, h2}:
            assert copies[s, alleles.index(allele)] >= (2 if h1 == h2 else 1), (s, h1, h2)
        if phased:  # and on the haplotype it was called on
            assert {haps[s, 0, alleles.index(h1)], haps[s, 1, alleles.index(h2)]} == {1} or (
                {haps[s, 1, alleles.index(h1)], haps[s, 0, alleles.index(h2)]} == {1}), (s, h1, h2)
        checked += 1
    assert checked > n // 2


def _random_gene_records(seed: int, n_samples: int, ploidy: int):
    """A gene with four positions (SNVs, a multi-ALT SNV, a deletion) and records over them:
    repeats, contradicting repeats, multi-allelic and unrelated ALTs, half, haploid,
    polyploid and phased calls with phase sets."""
    rng = np.random.default_rng(seed)
    from pgx.encode._loci import GeneSites
    sites = GeneSites("G", "chr1", ((100, "A"), (110, "C"), (120, "GT"), (130, "T")),
                      ((0, "A", "G"), (1, "C", "T"), (1, "C", "A"), (2, "GT", "G"), (3, "T", "C")),
                      ("rs1", None, "rs3", None))
    records = [(100, "A", ["G"]), (100, "A", ["G"]), (110, "C", ["T", "A"]), (110, "C", ["A"]),
               (120, "GT", ["G"]), (130, "T", ["C", "G"]), (130, "T", ["C"]), (110, "C", ["G"])]
    picks = rng.choice(len(records), size=rng.integers(1, 9), replace=True)
    chosen = [records[k] for k in sorted(picks)]
    gt = np.stack([rng.integers(-1, len(alt) + 1, size=(n_samples, ploidy)) for _, _, alt in chosen]).astype(np.int8)
    if ploidy >= 2:
        gt[:, rng.random(n_samples) < 0.2, 1] = -2  # haploid calls
    if ploidy >= 3:
        gt[:, rng.random(n_samples) < 0.6, 2:] = -2  # most calls diploid
    phased = rng.random(gt.shape[:2]) < 0.5
    cs = CallSet.from_arrays(gt, chrom=["chr1"] * len(chosen), pos=[p for p, _, _ in chosen],
                             ref=[r for _, r, _ in chosen], alt=[a for _, _, a in chosen],
                             sample_ids=[f"S{i}" for i in range(n_samples)], phased=phased)
    if seed % 2:
        import dataclasses
        cs = dataclasses.replace(cs, calldata={**cs.calldata, "PS": rng.integers(1, 3, size=gt.shape[:2])
                                               .astype(np.int32)})
    return cs, sites


@pytest.mark.parametrize("ploidy", [1, 2, 3])
@pytest.mark.parametrize("seed", range(12))
def test_encode_gene_record_kernels_match_twin(monkeypatch, seed, ploidy):
    """encode_gene with the compiled record kernels equals encode_gene with the numpy twin,
    field by field, on random records (the twin is the old per-record numpy code)."""
    import pgx.encode._loci as loci
    cs, sites = _random_gene_records(seed, 60, ploidy)
    got = loci.encode_gene(cs, sites)
    monkeypatch.setattr(loci, "encode_kernels", lambda: twin)
    want = loci.encode_gene(cs, sites)
    for field in ("dosage", "haplotypes", "called", "novel", "haploid", "phased", "gvcf_reference",
                  "dosage_max", "half_call", "duplicate", "contradictory", "novel_with_defined", "polyploid"):
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field), err_msg=field)


def test_encode_gene_records_hand_case():
    """A repeated record counts once, a contradicting one blocks the position, a half call
    gives one or two copies (and makes the sample unphased)."""
    from pgx.encode._loci import GeneSites, encode_gene
    sites = GeneSites("G", "chr1", ((100, "A"), (110, "C")), ((0, "A", "G"), (1, "C", "T")), (None, None))
    gt = np.array([[[0, 1], [1, 1], [-1, 1]],    # 100 A>G
                   [[0, 1], [0, 1], [0, 0]],     # 100 A>G again: S0 repeat, S1 contradiction
                   [[1, 0], [0, 0], [0, 0]]],    # 110 C>T
                  dtype=np.int8)
    cs = CallSet.from_arrays(gt, chrom=["chr1"] * 3, pos=[100, 100, 110], ref=["A", "A", "C"],
                             alt=[["G"], ["G"], ["T"]], sample_ids=["S0", "S1", "S2"],
                             phased=np.ones((3, 3), dtype=bool))
    enc = encode_gene(cs, sites)
    assert enc.duplicate[:, 0].tolist() == [True, False, False]
    assert enc.contradictory[:, 0].tolist() == [False, True, False]
    assert enc.dosage.tolist() == [[1, 1], [-1, 0], [1, 0]]
    assert enc.dosage_max.tolist() == [[1, 1], [-1, 0], [2, 0]]
    assert enc.half_call[:, 0].tolist() == [False, False, True]
    assert enc.haplotypes[0].tolist() == [[0, 1], [1, 0]]
    assert enc.phased.tolist() == [True, True, False]
