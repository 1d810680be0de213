"""Contig lengths of the human genome builds, for build detection."""

from __future__ import annotations

import os
from functools import lru_cache

from pgx.exceptions import ReferenceDataError
from pgx.reference._paths import reference_dir as _reference_dir

__all__ = ["contig_lengths", "gene_ids", "normalize_contig"]


def normalize_contig(name: str) -> str:
    """Return the ``chr``-prefixed spelling of a human contig name.

    Parameters
    ----------
    name : str
        A contig as a VCF writes it: ``1``, ``chr1``, ``X``, ``MT``, ``chrM``.

    Returns
    -------
    str
        ``chr1``, ``chrX``, ``chrM``; names that are not primary human contigs come back unchanged.

    Examples
    --------
    >>> normalize_contig("7"), normalize_contig("chr7"), normalize_contig("MT")
    ('chr7', 'chr7', 'chrM')
    """
    bare = name[3:] if name.lower().startswith("chr") else name
    if bare in ("M", "MT"):
        return "chrM"
    if bare.isdigit() and 1 <= int(bare) <= 22 or bare in ("X", "Y"):
        return "chr" + bare
    return name


@lru_cache(maxsize=8)
def _load(folder: str) -> dict[str, dict[str, int]]:
    path = os.path.join(folder, "genome", "contigs.tsv")
    table: dict[str, dict[str, int]] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle if not line.startswith("#")]
    except OSError as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc.strerror}") from exc
    if not lines or lines[0].split("\t") != ["genome_build", "contig", "length"]:
        raise ReferenceDataError(f"{path}: expected the header 'genome_build, contig, length'")
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != 3 or not fields[2].isdigit():
            raise ReferenceDataError(
                f"{path}, data row {number - 1}: expected build, contig and a whole-number length, "
                f"found {line!r}"
            )
        table.setdefault(fields[0], {})[fields[1]] = int(fields[2])
    return table


def contig_lengths(genome_build: str, *, reference_dir: str | None = None) -> dict[str, int]:
    """Return the primary contig lengths of a genome build, keyed by ``chr`` names.

    Parameters
    ----------
    genome_build : {"GRCh38", "GRCh37"}
        The build.
    reference_dir : str, optional
        Read the table from this reference folder instead of the shipped one.

    Returns
    -------
    dict of str to int

    Raises
    ------
    ReferenceDataError
        If the build is unknown or the table is malformed.

    Examples
    --------
    >>> contig_lengths("GRCh38")["chr1"]
    248956422
    """
    table = _load(str(_reference_dir(reference_dir)))
    if genome_build not in table:
        raise ReferenceDataError(
            f"unknown genome build {genome_build!r}; expected one of {sorted(table)}"
        )
    return dict(table[genome_build])


@lru_cache(maxsize=8)
def _load_gene_ids(folder: str) -> dict[str, dict[str, str]]:
    path = os.path.join(folder, "genome", "genes.tsv")
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle if not line.startswith("#")]
    except OSError as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc.strerror}") from exc
    columns = ["gene", "hgnc_id", "ncbi_gene", "ensembl_gene", "source"]
    if not lines or lines[0].split("\t") != columns:
        raise ReferenceDataError(f"{path}: expected the header {', '.join(columns)}")
    table: dict[str, dict[str, str]] = {}
    for number, line in enumerate(lines[1:], start=1):
        fields = line.split("\t")
        if len(fields) != len(columns) or not fields[1].startswith("HGNC:") or not fields[1][5:].isdigit():
            raise ReferenceDataError(f"{path}, data row {number}: expected {len(columns)} fields with an "
                                     f"HGNC id such as HGNC:2625 in column hgnc_id, found {line!r}")
        table[fields[0]] = dict(zip(columns[1:], fields[1:]))
    return table


def gene_ids(gene: str, *, reference_dir: str | None = None) -> dict[str, str]:
    """Return a gene's HGNC, NCBI Gene and Ensembl ids (``reference/genome/genes.tsv``).

    Parameters
    ----------
    gene : str
        An HGNC symbol of a gene pgx calls.
    reference_dir : str, optional
        Read the table from this reference folder instead of the shipped one.

    Returns
    -------
    dict of str to str
        ``hgnc_id`` (``HGNC:<n>``), ``ncbi_gene``, ``ensembl_gene`` and ``source`` (where the row
        comes from: CPIC's gene table, or the correction applied).

    Raises
    ------
    ReferenceDataError
        If the gene is not in the table or the table is malformed.

    Examples
    --------
    >>> gene_ids("CYP2D6")["hgnc_id"]
    'HGNC:2625'
    """
    table = _load_gene_ids(str(_reference_dir(reference_dir)))
    if gene not in table:
        raise ReferenceDataError(f"no gene ids for {gene!r}; genes.tsv lists {', '.join(sorted(table))}")
    return dict(table[gene])
