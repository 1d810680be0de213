"""Checks of what a VCF holds before calling: genotypes at all, reference calls at all."""

from __future__ import annotations

import numpy as np

from pgx.callset import CallSet
from pgx.exceptions import NoGenotypesError
from pgx.io._header import VcfHeader
from pgx.io._sites import definition_sites, sites_in_records

__all__ = ["require_genotypes", "variant_only_reason", "MIN_RECORDS"]

#: a file is judged variant-only only with records at this many definition positions or more
MIN_RECORDS = 5


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
        raise _no_calls_error(n_variants, n_samples, where)


def _no_calls_error(n_variants: int, n_samples: int, path: str | None) -> NoGenotypesError:
    """The error of a file whose ``n_variants`` records hold no GT call for its ``n_samples`` samples."""
    return NoGenotypesError(
        f"the file has no genotypes: none of its {n_variants} records has a GT call for any of "
        f"its {n_samples} sample(s) (no GT in FORMAT, or every GT is '.')",
        path=path, field="FORMAT/GT")


def variant_only_reason(callset: CallSet, genome_build: str, *, reference_dir: str | None = None) -> str | None:
    """Why a CallSet looks variant-only (no reference calls), or None when it does not.

    A file looks variant-only when no sample has a homozygous-reference call at any
    definition position it has a record for, or when every such record has an ALT carrier
    while most definition positions of the genes it touches have no record. Files with
    records at fewer than :data:`MIN_RECORDS` definition positions are not judged.

    Parameters
    ----------
    callset : CallSet
    genome_build : {"GRCh38", "GRCh37"}
    reference_dir : str, optional

    Returns
    -------
    str or None
        One sentence of evidence, or None.

    Examples
    --------
    >>> import pgx
    >>> variant_only_reason(pgx.read_vcf(pgx.example_vcf()), "GRCh38") is None
    True
    """
    rows = sites_in_records(callset.variants, genome_build, reference_dir=reference_dir)
    if rows.unique(["chrom", "pos"]).height < MIN_RECORDS or callset.n_samples == 0:
        return None
    gt = callset.genotypes[rows["row"].to_numpy()]
    called = gt >= 0
    hom_ref = (np.all((gt == 0) | (gt == -2), axis=2) & np.any(gt == 0, axis=2))
    carrier = np.any(called & (gt > 0), axis=(1, 2))
    if not carrier.any():
        return None
    if not hom_ref.any():
        return (f"no sample has a homozygous-reference call at any of the {rows.height} definition "
                "positions the file has records for")
    touched = set(rows["gene"].to_list())
    sites = definition_sites(genome_build, reference_dir=reference_dir)
    sites = sites.filter(sites["gene"].is_in(list(touched)))
    present = rows.unique(["chrom", "pos"]).height
    if carrier.all() and 2 * present < sites.height:
        return (f"every record at a definition position has an ALT carrier, and {sites.height - present} of the "
                f"{sites.height} definition positions of {len(touched)} gene(s) have no record")
    return None
