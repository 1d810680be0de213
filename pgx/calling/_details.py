"""Allele-matching details: per definition position, what the input says for each sample
(its genotype as written in the VCF) and how the caller used it (its status).

Kept apart from the matching itself: it reads the same encoded genotypes
(:class:`pgx.encode.GeneGenotypes`) and the CallSet's records at the definition positions,
and changes nothing the caller decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from pgx.calling._model import GeneModel, gene_model
from pgx.callset import CallSet
from pgx.encode import GeneGenotypes

__all__ = ["DefinitionPosition", "POSITION_STATUSES", "GENOTYPED_STATUSES", "definition_positions", "position_calls"]

#: what a definition position is for one sample, as ``position_status`` says it
POSITION_STATUSES: dict[str, str] = {
    "reference": "called, no allele the definitions name",
    "variant": "called, carries an allele the definitions name",
    "assumed reference": "absent from the input and assumed reference (assume_reference)",
    "missing": "no usable call: no record, or a record that calls nothing (./.)",
    "novel allele": "an allele no definition uses was called (not used for matching)",
    "not placed": "an indel that may be this position's, written elsewhere in a repeat (not used)",
    "not used": "records contradict each other, call more than two alleles, or disagree with the "
                "definitions' reference bases (not used)",
}
#: the statuses that count as genotyped (the others are listed in ``missing_positions``,
#: except ``novel allele``, listed in ``novel_positions``)
GENOTYPED_STATUSES: tuple[str, ...] = ("reference", "variant", "assumed reference")
_STATUS = list(POSITION_STATUSES)


@dataclass(frozen=True)
class DefinitionPosition:
    """One definition position of a gene, as the details tables show it.

    Attributes
    ----------
    chrom : str
        ``chr``-prefixed contig.
    position : int
        1-based VCF POS in the genome build asked for.
    rsid : str or None
    ref : str
        The reference bases at the position (the shortest spelling the definitions use).
    variants : tuple of str
        Each defined change at the position as ``REF>ALT`` (``C>T``; ``CA>C`` for a deletion).
    alleles : tuple of str
        The named alleles carrying one of those changes, in the reference tables' order.
    """

    chrom: str
    position: int
    rsid: str | None
    ref: str
    variants: tuple[str, ...]
    alleles: tuple[str, ...]

    @property
    def label(self) -> str:
        """``chrom:pos (rsID)``, as ``missing_positions`` names the position."""
        return f"{self.chrom}:{self.position}" + (f" ({self.rsid})" if self.rsid else "")


def _positions_of(model: GeneModel) -> tuple[DefinitionPosition, ...]:
    sites = model.sites
    alleles = model.alleles
    # (alleles, sites): carries, or may carry (a wobble), the site's ALT
    uses = alleles.sites if alleles.optional is None else alleles.sites | alleles.optional
    out = []
    for k, (pos, ref) in enumerate(sites.positions):
        here = np.flatnonzero(model.site_position == k)
        names = tuple(alleles.names[a] for a in np.flatnonzero(uses[:, here].any(axis=1)))
        out.append(DefinitionPosition(sites.chrom, int(pos), sites.rsids[k], ref,
                                      tuple(f"{sites.sites[s][1]}>{sites.sites[s][2]}" for s in here), names))
    return tuple(out)


@lru_cache(maxsize=256)
def definition_positions(gene: str, *, genome_build: str = "GRCh38",
                         reference_dir: str | None = None) -> tuple[DefinitionPosition, ...]:
    """The definition positions of ``gene``, in the order of the calls table's
    ``position_genotypes`` and ``position_status`` lists.

    Parameters
    ----------
    gene : str
    genome_build : {"GRCh38", "GRCh37"}, default "GRCh38"
    reference_dir : str, optional
        A reference folder other than the shipped one.

    Returns
    -------
    tuple of DefinitionPosition
        Sorted by position; one per position the matching uses (spellings of a repeat's
        indels at one POS share it).

    Raises
    ------
    ReferenceDataError
        If the gene is unknown or has no definition positions in the build.

    Examples
    --------
    >>> first = definition_positions("CYP2C19")[0]
    >>> first.label, first.variants, first.alleles
    ('chr10:94761900 (rs12248560)', ('C>T',), ('*4', '*17'))
    """
    return _positions_of(gene_model(gene, genome_build, reference_dir))


def _gt_texts(gt: np.ndarray, phased: np.ndarray, alleles: list[str]) -> np.ndarray:
    """Each sample's GT written with the record's alleles (``C/T``, ``T|C``, ``./.``, ``T``)."""
    n, ploidy = gt.shape
    width = len(alleles) + 3
    key = phased.astype(np.int64)
    for j in range(ploidy):
        key = key * width + (gt[:, j].astype(np.int64) + 2)
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    texts = []
    for s in first:
        shown = [("." if a == -1 else alleles[a] if a < len(alleles) else ".") for a in gt[s].tolist() if a != -2]
        texts.append(("|" if phased[s] else "/").join(shown))
    return np.array(texts, dtype=object)[inverse.reshape(-1)]


def position_calls(callset: CallSet, model: GeneModel, enc: GeneGenotypes,
                   rows_in_region: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per sample and definition position: the genotype as the VCF writes it, and its status.

    Parameters
    ----------
    callset : CallSet
    model : GeneModel
        The gene's model (:func:`pgx.calling.gene_model`); positions in its order.
    enc : GeneGenotypes
        :func:`pgx.encode.encode_gene` of ``callset`` at ``model.sites``.
    rows_in_region : polars.DataFrame
        The records around the gene (:func:`pgx.encode.region_rows`).

    Returns
    -------
    genotypes : object array (samples, positions)
        The GT of the records at the position's POS with their own alleles (``C/T``,
        ``T|C``, ``./.``), records at one POS joined by ``"; "``; a gVCF reference block
        covering the position as ``0/0 (gVCF block)``; ``""`` when no record is there.
    status : object array (samples, positions)
        One of :data:`POSITION_STATUSES`.
    """
    n = callset.n_samples
    positions = [p for p, _ in model.sites.positions]
    n_pos = len(positions)
    index = {p: k for k, p in enumerate(positions)}
    genotypes = np.full((n, n_pos), "", dtype=object)
    pos_values = np.array(positions, dtype=np.int64)
    seen = np.zeros(n_pos, dtype=bool)
    for row, pos, ref, alts, end in rows_in_region.iter_rows():
        symbolic = all(a.startswith("<") or a == "*" for a in alts)
        if alts and symbolic and end > pos:
            # a gVCF reference block: what it says at each position it covers
            covered = np.flatnonzero((pos_values >= pos) & (pos_values <= end))
            if not covered.size:
                continue
            texts = _gt_texts(callset.genotypes[row], callset.phased[row], ["0", *alts]) + " (gVCF block)"
            targets = covered
        elif pos in index:
            texts = _gt_texts(callset.genotypes[row], callset.phased[row], [ref, *alts])
            targets = np.array([index[pos]])
        else:
            continue
        for k in targets:
            if seen[k]:  # another record at this POS (rare): join them
                before = genotypes[:, k]
                genotypes[:, k] = np.where(before == "", texts, before + "; " + texts)
            else:
                genotypes[:, k] = texts
                seen[k] = True
    carried = np.zeros((n, n_pos), dtype=bool)
    for s, k in enumerate(model.site_position.tolist()):
        carried[:, k] |= enc.dosage[:, s] > 0
    code = np.full((n, n_pos), _STATUS.index("missing"), dtype=np.int8)
    code[enc.contradictory | enc.polyploid | enc.ref_mismatch] = _STATUS.index("not used")
    code[enc.unplaced] = _STATUS.index("not placed")
    code[enc.novel] = _STATUS.index("novel allele")
    code[enc.called] = _STATUS.index("reference")
    code[enc.called & enc.assumed_reference[None, :]] = _STATUS.index("assumed reference")
    code[enc.called & carried] = _STATUS.index("variant")
    return genotypes, np.array(_STATUS, dtype=object)[code]


def details_columns(callset: CallSet, model: GeneModel, enc: GeneGenotypes,
                    rows_in_region: pl.DataFrame) -> list[pl.Series]:
    """:func:`position_calls` as the calls table's ``position_genotypes`` and ``position_status``
    list columns (one row per sample, in the CallSet's order)."""
    genotypes, status = position_calls(callset, model, enc, rows_in_region)
    n, n_pos = genotypes.shape
    return [_lists(name, values, n, n_pos) for name, values in
            (("position_genotypes", genotypes), ("position_status", status))]


def _lists(name: str, values: np.ndarray, n: int, n_pos: int) -> pl.Series:
    if n == 0 or n_pos == 0:
        return pl.Series(name, [[] for _ in range(n)], dtype=pl.List(pl.String))
    flat = pl.Series(name, values.reshape(-1).tolist(), dtype=pl.String)
    return flat.reshape((n, n_pos)).cast(pl.List(pl.String)).alias(name)
