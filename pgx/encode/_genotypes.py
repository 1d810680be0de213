"""Genotype encodings for models: dosage, one-hot, per-ALT dosage, star-allele indicators, CSR.

Every dense encoding is *feature-major*: one row per feature (variant, ALT allele or
level), the last axis the samples, as in :attr:`pgx.CallSet.genotypes`; its ``.T``
(after a reshape for :func:`one_hot`) is the (samples, features) matrix scikit-learn
and LightGBM take. A missing call stays distinct from a reference call in every
encoding. The work is done by the Cython kernels of :mod:`pgx._ext._encode`; the
functions here validate, allocate and call them.

Dosage rule (shared by every encoding): a genotype slot holds an allele index (0 REF,
1.. ALT), ``-1`` for an allele not called and ``-2`` for a ploidy slot the call does
not have (a haploid call in a diploid array). A call's dosage is its number of
non-reference alleles; the call is missing when any slot is not called (``./1`` is
missing, not 1) or when it has no slot at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from pgx._ext import encode_kernels
from pgx.callset import GENOTYPE_DTYPES, CallSet
from pgx.schema import SchemaError

if TYPE_CHECKING:
    import scipy.sparse

__all__ = ["dosage", "one_hot", "allele_dosage", "dosage_csr"]


def _genotypes(data: CallSet | np.ndarray, *, name: str = "genotypes") -> np.ndarray:
    """The C-contiguous int8 or int16 (variants, samples, ploidy) array of ``data``, or a SchemaError."""
    if isinstance(data, CallSet):
        return np.ascontiguousarray(data.genotypes)
    if not isinstance(data, np.ndarray):
        raise SchemaError(
            f"{name} must be a CallSet or an int8 (or int16) numpy array of shape (variants, samples, ploidy); "
            f"found {type(data).__name__}"
        )
    if data.dtype not in GENOTYPE_DTYPES or data.ndim != 3:
        raise SchemaError(
            f"{name} must be an int8 (or int16) array of shape (variants, samples, ploidy) "
            f"(allele indexes, -1 missing, -2 no such slot); found a {data.ndim}-d {data.dtype} array "
            f"of shape {data.shape}"
        )
    return np.ascontiguousarray(data)


def dosage(data: CallSet | np.ndarray, *, dtype: Literal["int8", "float32"] = "int8") -> np.ndarray:
    """Non-reference allele count of every call, missing calls kept distinct.

    Parameters
    ----------
    data : CallSet or numpy.ndarray
        A CallSet, or its genotype array: int8 or int16 (variants, samples, ploidy),
        ``-1`` an allele not called, ``-2`` a ploidy slot the call does not have.
    dtype : {"int8", "float32"}, default "int8"
        ``"int8"``: missing calls are ``-1``. ``"float32"``: missing calls are NaN
        (the native missing value of LightGBM and scikit-learn's histogram models).

    Returns
    -------
    numpy.ndarray, shape (variants, samples)
        0, 1, 2 (up to the ploidy) ALT alleles per call. Every ALT counts: ``1/2`` is
        2. A call with any allele not called is missing; a haploid call (``[1, -2]``)
        counts its one allele. Use ``.T`` for a (samples, variants) model matrix.

    Raises
    ------
    SchemaError
        If ``data`` is not a CallSet or an int8 or int16 array with three dimensions,
        or ``dtype`` is not one of the two choices.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.encode import dosage
    >>> gt = np.array([[[0, 0], [0, 1], [1, 1], [-1, 1], [1, -2], [1, 2]]], dtype=np.int8)
    >>> dosage(gt)
    array([[ 0,  1,  2, -1,  1,  2]], dtype=int8)
    >>> dosage(gt, dtype="float32")
    array([[ 0.,  1.,  2., nan,  1.,  2.]], dtype=float32)
    """
    gt = _genotypes(data)
    if dtype not in ("int8", "float32"):
        raise SchemaError(f"dtype must be 'int8' or 'float32', found {dtype!r}")
    out = np.empty(gt.shape[:2], dtype=dtype)
    encode_kernels().dosage(gt, out)
    return out


def one_hot(data: CallSet | np.ndarray, *, missing_indicator: bool = False) -> np.ndarray:
    """Genotype indicators: one 0/1 level per possible dosage (0, 1, 2 for diploid calls).

    Parameters
    ----------
    data : CallSet or numpy.ndarray
        As for :func:`dosage`.
    missing_indicator : bool, default False
        Add a last level that is 1 where the call is missing.

    Returns
    -------
    numpy.ndarray of uint8, shape (variants, levels, samples)
        ``levels`` is ploidy + 1 (plus 1 with ``missing_indicator``); level ``k`` is 1
        where the call has ``k`` ALT alleles (:func:`dosage`). A missing call is 0 at
        every dosage level, so it is told from a reference call (1 at level 0).
        ``out.reshape(-1, n_samples).T`` is the (samples, variants x levels) model
        matrix, its columns variant by variant.

    Raises
    ------
    SchemaError
        If ``data`` is not a CallSet or an int8 or int16 array with three dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.encode import one_hot
    >>> gt = np.array([[[0, 0], [0, 1], [1, 1], [-1, -1]]], dtype=np.int8)
    >>> one_hot(gt)[0]
    array([[1, 0, 0, 0],
           [0, 1, 0, 0],
           [0, 0, 1, 0]], dtype=uint8)
    >>> one_hot(gt, missing_indicator=True)[0, 3]
    array([0, 0, 0, 1], dtype=uint8)
    """
    gt = _genotypes(data)
    levels = gt.shape[2] + 1 + int(bool(missing_indicator))
    out = np.empty((gt.shape[0], levels, gt.shape[1]), dtype=np.uint8)
    encode_kernels().one_hot(gt, out, bool(missing_indicator))
    return out


def allele_dosage(
    data: CallSet | np.ndarray, *, n_alt: int | Sequence[int] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Copies of each ALT allele, one row per (variant, ALT): the multi-allelic dosage.

    Parameters
    ----------
    data : CallSet or numpy.ndarray
        As for :func:`dosage`.
    n_alt : int or sequence of int, optional
        ALT alleles per variant, for a bare genotype array (one number for all variants,
        or one per variant). A CallSet's come from its ``alt`` column. By default the
        largest allele index in the array, for every variant.

    Returns
    -------
    dosage : numpy.ndarray of int8, shape (sum of n_alt, samples)
        Copies of the ALT allele in each call; ``-1`` in every row of a missing call.
        Rows go variant by variant, ALT by ALT; a variant without ALT alleles has none.
    variant : numpy.ndarray of int64
        The 0-based variant (row of the genotypes) of each row.
    allele : numpy.ndarray of int8 (int16 when a variant has more than 127 ALT alleles)
        The ALT number of each row (1 = the first ALT, as in GT).

    Raises
    ------
    SchemaError
        If ``data`` is not a CallSet or an int8 or int16 array with three dimensions, if
        ``n_alt`` does not fit, or if a call names an allele past its variant's ALTs.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx import CallSet
    >>> from pgx.encode import allele_dosage
    >>> cs = CallSet.from_arrays(
    ...     np.array([[[0, 1], [1, 2], [2, 2], [-1, 0]], [[0, 1], [0, 0], [1, 1], [0, 0]]], dtype=np.int8),
    ...     chrom=["chr1", "chr1"], pos=[100, 200], ref=["A", "C"], alt=[["G", "T"], ["A"]],
    ...     sample_ids=["S1", "S2", "S3", "S4"])
    >>> counts, variant, allele = allele_dosage(cs)
    >>> counts
    array([[ 1,  1,  0, -1],
           [ 0,  1,  2, -1],
           [ 1,  0,  2,  0]], dtype=int8)
    >>> variant.tolist(), allele.tolist()
    ([0, 0, 1], [1, 2, 1])
    """
    gt = _genotypes(data)
    n_var = gt.shape[0]
    if isinstance(data, CallSet):
        if n_alt is not None:
            raise SchemaError("n_alt is for a bare genotype array; a CallSet's ALT counts come from its alt column")
        counts = data.variants["alt"].list.len().fill_null(0).to_numpy().astype(np.int64)
    elif n_alt is None:
        counts = np.full(n_var, max(1, int(gt.max(initial=0))), dtype=np.int64)
    else:
        counts = np.asarray(n_alt, dtype=np.int64)
        counts = np.full(n_var, counts) if counts.ndim == 0 else counts
        top = int(np.iinfo(gt.dtype).max)
        if counts.shape != (n_var,) or (counts < 0).any() or (counts > top).any():
            raise SchemaError(
                f"n_alt must be one count from 0 to {top}, or one per variant ({n_var}); found {np.asarray(n_alt)!r}"
            )
    offsets = np.zeros(n_var + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    out = np.zeros((int(offsets[-1]), gt.shape[1]), dtype=np.int8)
    bad = encode_kernels().allele_dosage(gt, offsets, out)
    if bad >= 0:
        where = f"variant {bad} (0-based)"
        if isinstance(data, CallSet):
            chrom, pos = data.variants.row(bad)[:2]
            where += f", {chrom}:{pos}"
        raise SchemaError(
            f"{where} has a call with allele {int(gt[bad].max())}, but only {int(counts[bad])} ALT allele(s)"
        )
    variant = np.repeat(np.arange(n_var, dtype=np.int64), counts)
    wide = int(counts.max(initial=0)) > np.iinfo(np.int8).max
    allele = (np.arange(out.shape[0], dtype=np.int64) - offsets[variant] + 1).astype(np.int16 if wide else np.int8)
    return out, variant, allele


def dosage_csr(data: CallSet | np.ndarray) -> tuple[scipy.sparse.csr_matrix, scipy.sparse.csr_matrix]:
    """Sparse dosage for many (mostly rare) variants, with missing calls in a second matrix.

    Parameters
    ----------
    data : CallSet or numpy.ndarray
        As for :func:`dosage`.

    Returns
    -------
    dosage : scipy.sparse.csr_matrix of int8, shape (variants, samples)
        The non-zero dosages of :func:`dosage`; a missing call is *not* stored here
        (it reads as 0), so always use it together with ``missing``.
    missing : scipy.sparse.csr_matrix of bool, shape (variants, samples)
        True where the call is missing.

    Raises
    ------
    SchemaError
        If ``data`` is not a CallSet or an int8 or int16 array with three dimensions.

    Notes
    -----
    ``dosage.T`` is a (samples, variants) CSC matrix without a copy, which
    scikit-learn and LightGBM accept as it is; ``dosage.T.tocsr()`` when rows must be
    samples. Column indices are sorted within each row.

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.encode import dosage_csr
    >>> gt = np.array([[[0, 0], [0, 1], [-1, -1]], [[1, 1], [0, 0], [0, 0]]], dtype=np.int8)
    >>> counts, missing = dosage_csr(gt)
    >>> counts.toarray()
    array([[0, 1, 0],
           [2, 0, 0]], dtype=int8)
    >>> missing.toarray()
    array([[False, False,  True],
           [False, False, False]])
    """
    import scipy.sparse

    gt = _genotypes(data)
    kernels = encode_kernels()
    n_var, n_samp = gt.shape[:2]
    nonzero = np.empty(n_var, dtype=np.int64)
    n_missing = np.empty(n_var, dtype=np.int64)
    scratch = np.empty(n_samp, dtype=np.int8)
    kernels.csr_count(gt, nonzero, n_missing, scratch)
    indptr = np.zeros(n_var + 1, dtype=np.int64)
    np.cumsum(nonzero, out=indptr[1:])
    missing_indptr = np.zeros(n_var + 1, dtype=np.int64)
    np.cumsum(n_missing, out=missing_indptr[1:])
    nnz, n_miss = int(indptr[-1]), int(missing_indptr[-1])
    data_out = np.empty(nnz, dtype=np.int8)
    indices = np.empty(nnz, dtype=np.int32)
    missing_indices = np.empty(n_miss, dtype=np.int32)
    kernels.csr_fill(gt, indptr, data_out, indices, missing_indptr, missing_indices, scratch)
    shape = (n_var, n_samp)
    return (_csr(scipy.sparse, data_out, indices, indptr, shape),
            _csr(scipy.sparse, np.ones(n_miss, dtype=bool), missing_indices, missing_indptr, shape))


def _csr(sparse, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]):
    # scipy keeps int32 index arrays when both fit, and would otherwise copy both to int64
    if indptr[-1] <= np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=shape, copy=False)
    matrix.has_sorted_indices = True
    return matrix
