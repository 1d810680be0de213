"""The locus layout and structural haplotypes behind copy-number calling from reads
(``reference/structural/<GENE>_locus.tsv`` and ``<GENE>_structures.tsv``)."""

from __future__ import annotations

import os
from functools import lru_cache

import polars as pl

from pgx.exceptions import ReferenceDataError
from pgx.reference._paths import reference_dir as _reference_dir

__all__ = ["structural_genes", "structural_locus", "structural_layouts", "structural_sequence"]

_LOCUS_COLUMNS = ["genome_build", "feature", "number", "chrom", "start0", "end"]
_LAYOUT_COLUMNS = ["structure", "units", "name", "hybrid_allele", "alleles"]
_SEQUENCE_COLUMNS = ["genome_build", "chrom", "start0", "end", "sha256", "sequence"]


def _read(path: str, columns: list[str]) -> list[list[str]]:
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle if not line.startswith("#") and line.strip()]
    except OSError as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc.strerror}") from exc
    if not lines or lines[0].split("\t") != columns:
        raise ReferenceDataError(f"{path}: expected the header {', '.join(columns)}, "
                                 f"found {lines[0] if lines else 'an empty file'!r}")
    rows = [line.split("\t") for line in lines[1:]]
    for number, row in enumerate(rows, start=1):
        if len(row) != len(columns):
            raise ReferenceDataError(f"{path}, data row {number}: expected {len(columns)} tab-separated fields, "
                                     f"found {len(row)}")
    return rows


def structural_genes(*, reference_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Genes whose copy number pgx calls from aligned reads.

    Examples
    --------
    >>> structural_genes()
    ['CYP2D6']
    """
    folder = os.path.join(str(_reference_dir(reference_dir)), "structural")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(n[: -len("_locus.tsv")] for n in names if n.endswith("_locus.tsv"))


@lru_cache(maxsize=16)
def _locus(folder: str, gene: str) -> pl.DataFrame:
    path = os.path.join(folder, "structural", f"{gene}_locus.tsv")
    rows = _read(path, _LOCUS_COLUMNS)
    try:
        return pl.DataFrame(
            {"genome_build": [r[0] for r in rows], "feature": [r[1] for r in rows],
             "number": [int(r[2]) if r[2] else None for r in rows], "chrom": [r[3] for r in rows],
             "start0": [int(r[4]) for r in rows], "end": [int(r[5]) for r in rows]},
            schema={"genome_build": pl.String, "feature": pl.String, "number": pl.Int64, "chrom": pl.String,
                    "start0": pl.Int64, "end": pl.Int64})
    except ValueError as exc:
        raise ReferenceDataError(f"{path}: expected integers in number, start0 and end ({exc})") from exc


def structural_locus(gene: str, *, genome_build: str = "GRCh38",
                     reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """The locus window, exons and control region used to call ``gene`` from reads.

    Parameters
    ----------
    gene : str
        A gene of :func:`structural_genes`.
    genome_build : {"GRCh38", "GRCh37"}
    reference_dir : path, optional

    Returns
    -------
    polars.DataFrame
        Columns ``feature`` (``locus``, ``<GENE>_exon``, ``<PARALOG>_exon``, ``control_locus``),
        ``number`` (exon number, 5' to 3'), ``chrom``, ``start0`` and ``end`` (0-based, half-open).

    Raises
    ------
    ReferenceDataError
        The gene has no locus table, or the build is not in it.

    Examples
    --------
    >>> locus = structural_locus("CYP2D6")
    >>> locus.filter(feature="CYP2D6_exon", number=1).select("start0", "end").row(0)
    (42130611, 42130810)
    """
    if gene not in structural_genes(reference_dir=reference_dir):
        raise ReferenceDataError(f"no structural locus table for gene {gene!r}; expected one of "
                                 f"{structural_genes(reference_dir=reference_dir)}")
    table = _locus(str(_reference_dir(reference_dir)), gene)
    out = table.filter(pl.col("genome_build") == genome_build)
    if out.height == 0:
        raise ReferenceDataError(f"the {gene} locus table has no rows for genome build {genome_build!r}; "
                                 f"expected one of {sorted(set(table['genome_build']))}")
    return out.drop("genome_build")


def structural_layouts(gene: str, *, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """The structural haplotypes of ``gene``: gene-copy units, CPIC-style name, hybrid allele and
    the star alleles its CYP2D6 copies may carry (``alleles``: empty for any, ``-*4`` for any but ``*4``).

    Examples
    --------
    >>> layouts = structural_layouts("CYP2D6")
    >>> layouts.filter(structure="deletion").select("units", "name").row(0)
    ('D7', '*5')
    """
    path = os.path.join(str(_reference_dir(reference_dir)), "structural", f"{gene}_structures.tsv")
    rows = _read(path, _LAYOUT_COLUMNS)
    return pl.DataFrame(rows, schema=_LAYOUT_COLUMNS, orient="row")


def structural_sequence(gene: str, *, genome_build: str = "GRCh38",
                        reference_dir: str | os.PathLike[str] | None = None) -> tuple[str, int, str] | None:
    """The reference sequence of ``gene``'s locus, where pgx ships it (``<GENE>_sequence.tsv``).

    Parameters
    ----------
    gene : str
        A gene of :func:`structural_genes`.
    genome_build : {"GRCh38", "GRCh37"}
    reference_dir : path, optional

    Returns
    -------
    (str, int, str) or None
        ``(chrom, start0, sequence)``: the sequence starts at 0-based ``start0`` on ``chrom``;
        ``N`` where the source does not confirm a base. None when the build's sequence is not shipped.

    Raises
    ------
    ReferenceDataError
        The table is malformed or its sha256 does not match its sequence.

    Examples
    --------
    >>> chrom, start0, seq = structural_sequence("CYP2D6")
    >>> chrom, start0, len(seq)
    ('chr22', 42100000, 70000)
    >>> seq[42126611 - 1 - start0]   # rs1135840 (CYP2D6 *2), reference C
    'C'
    >>> structural_sequence("CYP2D6", genome_build="GRCh37") is None
    True
    """
    import hashlib

    path = os.path.join(str(_reference_dir(reference_dir)), "structural", f"{gene}_sequence.tsv")
    if not os.path.exists(path):
        return None
    for build, chrom, start0, end, digest, seq in _read(path, _SEQUENCE_COLUMNS):
        if build != genome_build:
            continue
        if hashlib.sha256(seq.encode()).hexdigest() != digest or len(seq) != int(end) - int(start0):
            raise ReferenceDataError(f"{path}: the {build} sequence does not match its sha256 and length "
                                     f"(expected {digest}, {int(end) - int(start0)} bases)")
        return chrom, int(start0), seq
    return None
