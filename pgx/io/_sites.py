"""The definition positions of the reference tables, and what a VCF's records say about them.

Used to infer the genome build from REF bases when the header is silent, and to tell
variant-only files (no reference calls) apart.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from pgx.reference import genes, normalize_contig, positions, reference_dir as _reference_dir

__all__ = ["definition_sites", "sites_in_records", "ref_base_counts", "build_from_ref_bases"]

_BUILDS = ("GRCh38", "GRCh37")
#: REF-base inference decides only with at least this many matching definition positions ...
MIN_MATCHES = 5
#: ... and at least this many times more matches than the other build, and than mismatches
MIN_RATIO = 4


@lru_cache(maxsize=8)
def _sites(genome_build: str, folder: str) -> pl.DataFrame:
    frames = [positions(gene, genome_build=genome_build, reference_dir=folder)
              for gene in genes(reference_dir=folder)]
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={"gene": pl.String, "chrom": pl.String, "pos": pl.Int64,
                                    "genome_ref": pl.String})
    return (pl.concat(frames).select("gene", "chrom", "pos", "genome_ref")
            .unique(["chrom", "pos"], keep="first", maintain_order=True))


def definition_sites(genome_build: str, *, reference_dir: str | None = None) -> pl.DataFrame:
    """Every definition position of the reference tables in one build.

    Parameters
    ----------
    genome_build : {"GRCh38", "GRCh37"}
    reference_dir : str, optional
        A reference folder other than the shipped one.

    Returns
    -------
    polars.DataFrame
        One row per (chrom, pos): ``gene``, ``chrom`` (``chr``-prefixed), ``pos`` (1-based) and
        ``genome_ref``, the base(s) of the build's reference sequence there.

    Examples
    --------
    >>> sites = definition_sites("GRCh38")
    >>> sites.filter(pos=94781859).select("gene", "genome_ref").row(0)
    ('CYP2C19', 'G')
    """
    return _sites(genome_build, str(_reference_dir(reference_dir)))


def sites_in_records(variants: pl.DataFrame, genome_build: str, *,
                     reference_dir: str | None = None) -> pl.DataFrame:
    """The records of a variant table that sit at definition positions of a build.

    Parameters
    ----------
    variants : polars.DataFrame
        A :attr:`pgx.CallSet.variants` table (``chrom``, ``pos`` 1-based, ``ref``).
    genome_build : {"GRCh38", "GRCh37"}
    reference_dir : str, optional

    Returns
    -------
    polars.DataFrame
        ``row`` (the record's index in ``variants``), ``gene``, ``chrom``, ``pos``, ``ref`` and
        ``genome_ref``, in record order.

    Examples
    --------
    >>> import pgx
    >>> rows = sites_in_records(pgx.read_vcf(pgx.example_vcf()).variants, "GRCh38")
    >>> rows.filter(pos=94781859).select("gene", "ref", "genome_ref").row(0)
    ('CYP2C19', 'G', 'G')
    """
    chroms = variants["chrom"].unique().to_list()
    mapping = {c: normalize_contig(c) for c in chroms if c is not None}
    records = variants.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        pl.col("chrom").replace_strict(mapping, default=None, return_dtype=pl.String),
        pl.col("pos").cast(pl.Int64), "ref",
    )
    sites = definition_sites(genome_build, reference_dir=reference_dir)
    return records.join(sites, on=["chrom", "pos"], how="inner").sort("row").select(
        "row", "gene", "chrom", "pos", "ref", "genome_ref")


def ref_base_counts(variants: pl.DataFrame, *, reference_dir: str | None = None) -> dict[str, tuple[int, int]]:
    """Count, per build, the definition positions whose record's REF base matches the build's.

    Parameters
    ----------
    variants : polars.DataFrame
        A :attr:`pgx.CallSet.variants` table.
    reference_dir : str, optional

    Returns
    -------
    dict of str to (int, int)
        ``{build: (matching positions, mismatching positions)}`` for GRCh38 and GRCh37;
        counts of several chunks of one file add up.

    Examples
    --------
    >>> import pgx
    >>> counts = ref_base_counts(pgx.read_vcf(pgx.example_vcf()).variants)
    >>> counts["GRCh38"][0] >= 10, counts["GRCh38"][1], counts["GRCh37"]
    (True, 0, (0, 0))
    """
    counts = {}
    for build in _BUILDS:
        rows = sites_in_records(variants, build, reference_dir=reference_dir).unique(["chrom", "pos"])
        same = int(rows.select(
            (pl.col("ref").str.slice(0, 1) == pl.col("genome_ref").str.slice(0, 1)).sum()).item() or 0)
        counts[build] = (same, rows.height - same)
    return counts


def build_from_ref_bases(counts: dict[str, tuple[int, int]]) -> tuple[str | None, str]:
    """Decide the genome build from :func:`ref_base_counts`, only when the evidence is clear.

    In the right build, records at definition positions carry that build's reference
    base; in the wrong one, few records fall on definition positions at all. A build is
    chosen only when it has at least :data:`MIN_MATCHES` matching positions and
    :data:`MIN_RATIO` times more than the other build has, and than its own mismatches.

    Parameters
    ----------
    counts : dict of str to (int, int)
        As :func:`ref_base_counts` returns.

    Returns
    -------
    build : str or None
        None when the evidence is not clear.
    evidence : str
        The counts behind the decision, for messages and reports.

    Examples
    --------
    >>> build_from_ref_bases({"GRCh38": (13, 0), "GRCh37": (0, 0)})
    ('GRCh38', 'REF bases at definition positions: 13 match GRCh38 (0 mismatch), 0 match GRCh37')
    >>> build_from_ref_bases({"GRCh38": (3, 0), "GRCh37": (2, 1)})[0] is None
    True
    """
    best, other = sorted(_BUILDS, key=lambda b: -counts[b][0])
    match, mismatch = counts[best]
    evidence = (f"REF bases at definition positions: {match} match {best} ({mismatch} mismatch), "
                f"{counts[other][0]} match {other}")
    clear = match >= MIN_MATCHES and match >= MIN_RATIO * counts[other][0] and match >= MIN_RATIO * mismatch
    return (best if clear else None), evidence
