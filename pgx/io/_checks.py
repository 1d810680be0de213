"""Checks of what a VCF holds before calling: genotypes at all."""

from __future__ import annotations

import numpy as np

from pgx.callset import CallSet
from pgx.exceptions import NoGenotypesError
from pgx.io._header import VcfHeader

__all__ = ["require_genotypes"]


def require_genotypes(callset: CallSet | VcfHeader, *, path: str | None = None) -> None:
    """Raise when a CallSet has nothing to call from: no samples, or no called GT at all.

    Parameters
    ----------
    callset : CallSet or VcfHeader
        The calls read, or only the header (then only the sample columns are checked).
    path : str, optional
        The file, for the message (default ``callset.source``).

    Raises
    ------
    NoGenotypesError
        A sites-only VCF (no sample columns), or one whose records carry no GT call for
        any of its samples (no GT in FORMAT, or every GT ``.``).

    Examples
    --------
    >>> import numpy as np, pgx
    >>> require_genotypes(pgx.read_vcf(pgx.example_vcf()))
    >>> sites = pgx.CallSet.from_arrays(np.zeros((1, 0, 2), dtype=np.int8), chrom=["chr10"],
    ...                                 pos=[94781859], ref=["G"], alt=[["A"]], sample_ids=[])
    >>> require_genotypes(sites, path="sites.vcf")
    Traceback (most recent call last):
    ...
    pgx.exceptions.NoGenotypesError: sites.vcf, field FORMAT/GT: the file has no genotypes: ...
    """
    where = path if path is not None else getattr(callset, "source", None)
    if isinstance(callset, VcfHeader):
        n_samples, n_variants = len(callset.samples), 0
    else:
        n_samples, n_variants = callset.n_samples, callset.n_variants
    if n_samples == 0:
        raise NoGenotypesError(
            "the file has no genotypes: it has no sample columns (a sites-only VCF); "
            "pgx calls star alleles from each sample's GT", path=where, field="FORMAT/GT")
    if n_variants and not np.any(callset.genotypes >= 0):
        raise NoGenotypesError(
            f"the file has no genotypes: none of its {n_variants} records has a GT call for any of "
            f"its {n_samples} sample(s) (no GT in FORMAT, or every GT is '.')",
            path=where, field="FORMAT/GT")

