"""HLA allele proxies from tag SNPs, for samples without an HLA typing (outside call).

A tag SNP is in linkage disequilibrium with an HLA allele (rs2395029 G with HLA-B*57:01):
its genotype says whether the sample probably carries the allele. The result is a
carrier status, not an HLA diplotype, so a proxy row has no haplotypes; its
``diplotype`` names each status and the tag behind it, its phenotype is the status in
the words the recommendation tables use (``HLA-B*57:01 positive``), and its
``warnings`` carry :data:`HLA_TAG_PROXY`. A tag position absent from the VCF is not
called (never a silent negative) unless ``assume_reference`` is set and the input has
records near the tag (a file that never reaches the tag's region stays not called,
``no_data_in_region``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import polars as pl

from pgx import reference
from pgx.callset import CallSet
from pgx.calling._notes import sample_notes, where
from pgx.encode import GeneGenotypes, GeneSites, encode_gene
from pgx.exceptions import ReferenceDataError

__all__ = ["HLA_TAG_PROXY", "proxy_genes", "call_proxy_gene", "proxy_phenotypes"]

#: the warning code of a row called from tag-SNP proxies instead of an HLA typing
HLA_TAG_PROXY = "hla_tag_proxy"

_STATUS = re.compile(r"(\*[0-9]+(?::[0-9]+)+) (positive|negative) \(tag ")


def proxy_genes(*, reference_dir: str | None = None) -> list[str]:
    """Genes with tag-SNP proxies in the reference tables (``tag_snps.tsv`` with rows).

    Parameters
    ----------
    reference_dir : str, optional
        A reference folder other than the shipped one.

    Returns
    -------
    list of str

    Examples
    --------
    >>> proxy_genes()
    ['HLA-B']
    """
    # every partition of a cohort job asks; read the tables once per reference folder
    return list(_proxy_genes(str(reference.reference_dir(reference_dir))))


@lru_cache(maxsize=8)
def _proxy_genes(folder: str) -> tuple[str, ...]:
    return tuple(gene for gene in reference.genes(reference_dir=folder)
                 if reference.tag_snps(gene, reference_dir=folder).height)


def _status_text(allele: str, copies: int, rsid: str, tag_allele: str, *, half: bool = False) -> str:
    short = "*" + allele.split("*", 1)[1]
    word = "positive" if copies > 0 else "negative"
    count = "1 or 2 copies" if half else f"{copies} {'copy' if copies == 1 else 'copies'}"
    return f"{short} {word} (tag {rsid}, {count} of {tag_allele})"


def call_proxy_gene(callset: CallSet, gene: str, genome_build: str, *, assume_reference: bool = False,
                    reference_dir: str | None = None) -> dict[str, list]:
    """Carrier statuses of one gene's tagged alleles, one row per sample.

    Returns the columns of :data:`pgx.calling.DIPLOTYPE_SCHEMA`, list columns as lists.
    """
    tags = reference.tag_snps(gene, genome_build=genome_build, reference_dir=reference_dir)
    chroms = set(tags["chrom"].to_list())
    if len(chroms) != 1:
        raise ReferenceDataError(f"{gene}: tag SNPs span the contigs {sorted(chroms)}; expected one")
    chrom = reference.normalize_contig(chroms.pop())
    rows = sorted(tags.select("pos", "ref", "alt", "rsid", "allele", "tag_allele").iter_rows(), key=lambda r: r[0])
    positions = tuple(dict.fromkeys((int(p), r) for p, r, *_ in rows))
    pos_index = {p: k for k, p in enumerate(positions)}
    sites = tuple((pos_index[(int(p), r)], r, a) for p, r, a, *_ in rows)
    rsids = tuple(next(rs or None for p2, r2, _, rs, *_ in rows if (int(p2), r2) == key) for key in positions)
    enc = encode_gene(callset, GeneSites(gene, chrom, positions, sites, rsids), assume_reference=assume_reference)
    labels = [enc.sites.position_label(k) for k in range(len(positions))]
    assumed = where(labels, enc.assumed_reference)
    out: dict[str, list] = {name: [] for name in ("sample_id", "gene", "diplotype", "haplotype_1", "haplotype_2",
                                                  "alternatives", "missing_positions", "novel_positions", "phased",
                                                  "warnings", "n_top")}
    cache: dict[tuple, tuple] = {}
    for s, sample in enumerate(callset.sample_ids):
        # samples with the same genotypes at the tags share a row
        key = (enc.dosage[s].tobytes(), enc.called[s].tobytes(), enc.novel[s].tobytes(),
               enc.gvcf_reference[s].tobytes(), enc.contradictory[s].tobytes(), enc.duplicate[s].tobytes(),
               enc.half_call[s].tobytes(), enc.novel_with_defined[s].tobytes(), enc.polyploid[s].tobytes(),
               enc.undefined_allele[s].tobytes(), enc.unplaced[s].tobytes(), enc.ref_mismatch[s].tobytes())
        if key not in cache:
            cache[key] = _proxy_row(enc, s, rows, sites, labels, assumed)
        diplotype, missing, novel, warnings, n_top = cache[key]
        out["sample_id"].append(sample)
        out["gene"].append(gene)
        out["diplotype"].append(diplotype)
        out["haplotype_1"].append(None)
        out["haplotype_2"].append(None)
        out["alternatives"].append([])
        out["missing_positions"].append(list(missing))
        out["novel_positions"].append(list(novel))
        out["phased"].append(False)
        out["warnings"].append(list(warnings))
        out["n_top"].append(n_top)
    return out


def _proxy_row(enc: GeneGenotypes, s: int, rows: list, sites: tuple, labels: list[str], assumed: str) -> tuple:
    """(diplotype, missing, novel, warnings, n_top) of sample ``s``."""
    texts: list[str] = []
    notes, blocked = sample_notes(enc, s, labels)
    for site, (_, _, _, rsid, allele, tag_allele) in enumerate(rows):
        p_i = sites[site][0]
        if not blocked and enc.called[s, p_i] and enc.dosage[s, site] >= 0:
            # a half call (./1) of the tag allele: a carrier, of one or two copies
            half = bool(enc.dosage_max[s, site] != enc.dosage[s, site])
            texts.append(_status_text(allele, int(enc.dosage[s, site]), rsid, tag_allele, half=half))
    missing = [labels[k] for k in np.flatnonzero(~enc.called[s] & ~enc.novel[s])]
    novel = [labels[k] for k in np.flatnonzero(enc.novel[s])]
    warnings = []
    if not texts:
        warnings.append("not_called")
    if missing:
        warnings.append("missing_positions")
    if novel:
        warnings.append("novel_allele")
    if assumed:
        warnings.append("assumed_reference")
    if enc.gvcf_reference[s].any():
        warnings.append("gvcf_reference")
    warnings.append(HLA_TAG_PROXY)
    warnings.extend(notes)
    if assumed:
        warnings.append("assumed_positions: " + assumed)
    return "; ".join(texts) or None, tuple(missing), tuple(novel), tuple(warnings), 1 if texts else 0


def proxy_phenotypes(calls: pl.DataFrame) -> dict[tuple[str, str], str]:
    """The allele statuses of the proxy rows of a calls frame, as phenotypes.

    Parameters
    ----------
    calls : polars.DataFrame
        With ``sample_id``, ``gene``, ``diplotype`` and ``warnings``.

    Returns
    -------
    dict
        ``(sample_id, gene) -> "HLA-B*57:01 positive"`` (several statuses joined by
        ``"; "``) for every called row whose warnings hold :data:`HLA_TAG_PROXY`.

    Examples
    --------
    >>> frame = pl.DataFrame({"sample_id": ["S1"], "gene": ["HLA-B"],
    ...                       "diplotype": ["*57:01 positive (tag rs2395029, 1 copy of G)"],
    ...                       "warnings": [["hla_tag_proxy"]]})
    >>> proxy_phenotypes(frame)
    {('S1', 'HLA-B'): 'HLA-B*57:01 positive'}
    """
    out: dict[tuple[str, str], str] = {}
    seen: dict[tuple[str, str], str] = {}
    rows = calls.filter(pl.col("diplotype").is_not_null() & pl.col("warnings").list.contains(HLA_TAG_PROXY))
    for sample, gene, diplotype in rows.select("sample_id", "gene", "diplotype").iter_rows():
        text = seen.get((gene, diplotype))
        if text is None:
            text = seen[(gene, diplotype)] = "; ".join(f"{gene}{allele} {word}"
                                                       for allele, word in _STATUS.findall(diplotype))
        out[(sample, gene)] = text
    return out
