"""Build a gene's matching model (sites and allele matrix) from the reference tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from pgx import reference
from pgx.calling._match import AlleleModel, allele_sort_key
from pgx.encode import GeneSites
from pgx.exceptions import ReferenceDataError

__all__ = ["GeneModel", "gene_model"]


@dataclass(frozen=True)
class GeneModel:
    """Everything the caller needs about one gene in one build.

    Attributes
    ----------
    gene : str
    sites : GeneSites
    alleles : AlleleModel
    site_position : int array (sites,)
    rule : {"match", "lowest_function"}
    info : dict of str to str
        The gene's ``gene.tsv`` keys (strand, fallbacks, haploid contigs, ...).
    """

    gene: str
    sites: GeneSites
    alleles: AlleleModel
    site_position: np.ndarray
    rule: str
    info: dict


@lru_cache(maxsize=256)
def gene_model(gene: str, genome_build: str, reference_dir: str | None = None) -> GeneModel:
    """Load (and cache) the matching model of ``gene`` in ``genome_build``.

    Parameters
    ----------
    gene : str
    genome_build : {"GRCh38", "GRCh37"}
    reference_dir : str, optional
        A reference folder other than the shipped one.

    Returns
    -------
    GeneModel

    Raises
    ------
    ReferenceDataError
        If the gene is unknown or its tables disagree.
    """
    info = reference.gene_info(gene, reference_dir=reference_dir)
    positions = reference.positions(gene, genome_build=genome_build, reference_dir=reference_dir)
    definitions = reference.allele_definitions(gene, genome_build=genome_build, reference_dir=reference_dir)
    table = reference.allele_table(gene, reference_dir=reference_dir)
    if positions.height == 0:
        raise ReferenceDataError(f"{gene} has no definition positions in {genome_build} (outside calls only)")
    chroms = set(positions["chrom"].to_list())
    if len(chroms) != 1:
        raise ReferenceDataError(f"{gene}: definition positions span several contigs {sorted(chroms)}")
    chrom = reference.normalize_contig(chroms.pop())
    # one logical position per POS; several REF spellings (a repeat's insertions and
    # deletions) share it, the shortest REF standing for the position
    shortest: dict[int, str] = {}
    for p, r in positions.select("pos", "ref").iter_rows():
        if int(p) not in shortest or len(r) < len(shortest[int(p)]):
            shortest[int(p)] = r
    pos_rows = sorted(shortest.items())
    pos_index = {p: k for k, (p, _) in enumerate(pos_rows)}
    rsid_of = {int(p): rs for p, rs in positions.select("pos", "rsid").iter_rows()}
    site_list: list[tuple[int, str, str]] = []
    for p, r, alts in positions.select("pos", "ref", "alt").iter_rows():
        for alt in str(alts).split(","):
            key = (pos_index[int(p)], r, alt)
            if key not in site_list:
                site_list.append(key)
    site_index = {(pos_rows[pi][0], a): s for s, (pi, _, a) in enumerate(site_list)}
    context = tuple((int(p), c) for p, c in positions.select("pos", "ref_context").iter_rows() if c)
    sites = GeneSites(gene, chrom, tuple(pos_rows), tuple(site_list),
                      tuple(rsid_of.get(p) or None for p, _ in pos_rows), context)
    ref_rows = table.filter(pl.col("is_reference"))
    if ref_rows.height != 1:
        raise ReferenceDataError(f"{gene}: expected exactly one reference allele, found {ref_rows.height}")
    reference_name = ref_rows["allele"][0]
    structural = set(table.filter(pl.col("structural"))["allele"].to_list())
    # per allele: ALT sites carried, wobble sites (ref or ALT) and positions specified
    carried: dict[str, list[int]] = {}
    wobble: dict[str, list[int]] = {}
    specified: dict[str, list[int]] = {}
    for allele, p, r, alt, is_wobble in definitions.select("allele", "pos", "ref", "alt", "wobble").iter_rows():
        p = int(p)
        if alt == r and p in pos_index:
            specified.setdefault(allele, []).append(pos_index[p])
            continue
        s = site_index.get((p, alt))
        if s is None:
            raise ReferenceDataError(
                f"{gene}: allele {allele} is defined by {chrom}:{p} {alt}, which positions.tsv does not list"
            )
        (wobble if is_wobble else carried).setdefault(allele, []).append(s)
        specified.setdefault(allele, []).append(pos_index[p])
    names = [reference_name] + sorted((a for a in specified if a != reference_name and a not in structural),
                                      key=allele_sort_key)
    n_sites = len(site_list)
    matrix = np.zeros((len(names), n_sites), dtype=bool)
    optional = np.zeros((len(names), n_sites), dtype=bool)
    pos_matrix = np.zeros((len(names), len(pos_rows)), dtype=bool)
    pos_matrix[0, :] = True
    # where the reference allele itself is a wobble, every allele that leaves the position
    # blank inherits it (a blank means "as the reference allele")
    ref_wobble = wobble.get(reference_name, [])
    for k, name in enumerate(names):
        matrix[k, carried.get(name, [])] = True
        optional[k, wobble.get(name, [])] = True
        if k:
            pos_matrix[k, specified.get(name, [])] = True
        inherit = [s for s in ref_wobble if not pos_matrix[k, site_list[s][0]] or k == 0]
        optional[k, inherit] = True
    activity_of = {a: v for a, v in table.select("allele", "activity_value").iter_rows()}
    activity = np.array([_number(activity_of.get(n)) for n in names], dtype=float)
    model = AlleleModel(tuple(names), 0, matrix, pos_matrix, activity, optional)
    rule = "lowest_function" if info.get("rule", "") == "lowest_function" else "match"
    site_position = np.array([pi for pi, _, _ in site_list], dtype=np.intp)
    return GeneModel(gene, sites, model, site_position, rule, dict(info))


def _number(value) -> float:
    if value is None:
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
