"""First passes over a VCF before a partitioned job plans its partitions.

A partitioned job reads its file block by block and region by region, so no single read
sees what :func:`pgx.read_vcf` sees of the whole file. These passes read just enough of it
to answer two questions the same way an in-process run does: does the file hold any GT
call, and which genome build do its records use when the header does not say.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import polars as pl

from pgx._typing import PathLike
from pgx.exceptions import GenomeBuildError, PgxWarning, RegionError
from pgx.io._checks import _no_calls_error, require_genotypes
from pgx.io._header import infer_genome_build
from pgx.io._index import existing_index
from pgx.io._sites import build_from_ref_bases, definition_sites, ref_base_counts
from pgx.io._vcf import iter_vcf, read_header, read_vcf

__all__ = ["require_file_genotypes", "infer_file_genome_build"]

#: genotype calls per chunk of the pass over genotypes (records x the job's samples) ...
_GT_CALLS = 2_000_000
#: ... and of the pass over sites alone
_SITES_CHUNK = 50_000
_BUILDS = ("GRCh38", "GRCh37")
_NO_RECORDS = pl.DataFrame(schema={"chrom": pl.String, "pos": pl.Int64, "ref": pl.String})


def _unknown_build_error(path: PathLike) -> GenomeBuildError:
    """The error of a file whose header and REF bases leave the build unknown."""
    return GenomeBuildError(
        f"{os.fspath(path)}: the genome build of the calls is unknown: the header has no ##contig lengths, "
        "##contig assembly= or ##reference naming a build, and the REF bases at the definition positions "
        "do not decide it; pass genome_build='GRCh38' or 'GRCh37'")


def require_file_genotypes(path: PathLike, *, samples: Sequence[str | int] | None = None) -> None:
    """Raise, as :func:`pgx.pipeline.call` does, when a file has no GT call for its samples.

    The records are streamed in small chunks (GT only, a few million calls at most) and the
    pass stops at the first chunk holding a called genotype, so a file with genotypes costs
    one chunk; only a file without any is read to its end (to count its records for the
    message).

    Parameters
    ----------
    path : str or os.PathLike
        The VCF/BCF.
    samples : sequence of str or int, optional
        The samples a job calls (default: every sample of the file).

    Raises
    ------
    NoGenotypesError
        A sites-only file, or one whose records carry no GT call for any of the samples;
        the message is the one :func:`pgx.io.require_genotypes` gives for the whole file
        read at once.

    Examples
    --------
    >>> import pgx
    >>> require_file_genotypes(pgx.example_vcf(), samples=["SAMPLE_B"])
    """
    path = os.fspath(path)
    header = read_header(path)
    require_genotypes(header, path=path)
    size = max(1, _GT_CALLS // max(1, len(header.samples if samples is None else samples)))
    records = n_samples = 0
    with warnings.catch_warnings():  # the partitions read these records again and warn then
        warnings.simplefilter("ignore", PgxWarning)
        for chunk in iter_vcf(path, chunk_size=min(size, 1_000), samples=samples, fields=[]):
            if (chunk.genotypes >= 0).any():
                return
            records, n_samples = records + chunk.n_variants, chunk.n_samples
    if records:
        raise _no_calls_error(records, n_samples, path)


def infer_file_genome_build(path: PathLike, *, genome_build: str | None = None, index: PathLike | None = None,
                            reference_dir: str | None = None) -> tuple[str, str]:
    """The genome build of a whole file, found as :func:`pgx.read_vcf` finds it, without reading the calls.

    The header decides when it can (:func:`pgx.io.infer_genome_build`). Otherwise the REF
    bases of the records at the reference tables' definition positions do: read through
    the file's tabix/CSI index (or ``index``) one gene's span at a time when there is one,
    else in one streaming pass over the sites (no sample column is parsed). The counts are
    those of the whole file, so the evidence string equals the one :func:`pgx.read_vcf`
    puts in ``CallSet.genome_build_source``.

    Parameters
    ----------
    path : str or os.PathLike
        The VCF/BCF.
    genome_build : {"GRCh38", "GRCh37"}, optional
        The build the caller gives: checked against the header, then returned.
    index : str or os.PathLike, optional
        A tabix index of the file kept elsewhere (see :func:`pgx.io.index_vcf`).
    reference_dir : str, optional
        A reference folder other than the shipped one (its definition positions).

    Returns
    -------
    build : str
        ``"GRCh38"`` or ``"GRCh37"``.
    evidence : str
        How it was found, as in ``CallSet.genome_build_source`` (``"given by the caller"``
        for a given build).

    Raises
    ------
    GenomeBuildError
        The header and the REF bases do not decide the build (the message is the one
        :func:`pgx.pipeline.call` gives), or the given build contradicts the header.

    Examples
    --------
    >>> import pgx
    >>> infer_file_genome_build(pgx.example_vcf())
    ('GRCh38', '##contig lengths (8 contigs)')
    """
    path = os.fspath(path)
    build, evidence = infer_genome_build(read_header(path), path=path, requested=genome_build)
    if build is not None:
        return build, evidence
    with warnings.catch_warnings():  # the partitions read these records again and warn then
        warnings.simplefilter("ignore", PgxWarning)
        if index is not None or existing_index(path) is not None:
            records = _records_by_region(path, index, reference_dir)
        else:
            records = _records_streamed(path, reference_dir)
    build, evidence = build_from_ref_bases(ref_base_counts(records, reference_dir=reference_dir))
    if build is None:
        raise _unknown_build_error(path)
    return build, evidence


def _at_definition_positions(variants: pl.DataFrame, positions: set[int]) -> pl.DataFrame:
    return variants.select("chrom", "pos", "ref").filter(pl.col("pos").is_in(list(positions)))


def _positions(reference_dir: str | None) -> set[int]:
    return {p for build in _BUILDS for p in definition_sites(build, reference_dir=reference_dir)["pos"].to_list()}


def _records_by_region(path: str, index: PathLike | None, reference_dir: str | None) -> pl.DataFrame:
    """The records within each gene's span of definition positions, in both builds."""
    positions = _positions(reference_dir)
    frames = []
    for build in _BUILDS:
        spans = (definition_sites(build, reference_dir=reference_dir)
                 .group_by("gene", "chrom", maintain_order=True).agg(pl.col("pos").min().alias("start"),
                                                                     pl.col("pos").max().alias("stop")))
        for chrom, start, stop in spans.select("chrom", "start", "stop").rows():
            try:
                callset = read_vcf(path, region=f"{chrom}:{start}-{stop}", samples=[], fields=[], index=index)
            except RegionError:  # the contig is not in the file
                continue
            frames.append(_at_definition_positions(callset.variants, positions))
    return pl.concat(frames) if frames else _NO_RECORDS


def _records_streamed(path: str, reference_dir: str | None) -> pl.DataFrame:
    """The records at definition positions, from one pass over the file's sites."""
    positions = _positions(reference_dir)
    frames = [_at_definition_positions(chunk.variants, positions)
              for chunk in iter_vcf(path, chunk_size=_SITES_CHUNK, samples=[], fields=[])]
    return pl.concat(frames) if frames else _NO_RECORDS
