"""Star-allele indicators for models: which named alleles each haplotype or diplotype carries.

The calls are placed on a gene's definition sites as for calling (:func:`pgx.encode.encode_gene`);
the Cython kernels of ``pgx._ext._encode`` then judge each allele on its sites. These are
features, not calls: a haplotype may carry a sub-allele and the allele containing it.
"""

from __future__ import annotations

import numpy as np

from pgx._ext import encode_kernels
from pgx.callset import CallSet
from pgx.calling._model import GeneModel, gene_model
from pgx.encode import encode_gene
from pgx.exceptions import GenomeBuildError
from pgx.schema import SchemaError

__all__ = ["haplotype_indicators", "diplotype_indicators"]


def _star_alleles(callset: CallSet, gene: str | GeneModel, *, genome_build: str | None, assume_reference: bool,
                  reference_dir: str | None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Haplotype indicators (samples, 2, alleles), copies (samples, alleles) and allele names."""
    if not isinstance(callset, CallSet):
        raise SchemaError(f"star-allele indicators need a CallSet (for its positions), found {type(callset).__name__}")
    model = _gene_model(callset, gene, genome_build, reference_dir)
    enc = encode_gene(callset, model.sites, assume_reference=assume_reference)
    alleles = model.alleles
    reference = np.zeros(len(alleles.names), dtype=np.uint8)
    reference[alleles.reference] = 1
    # the reference allele is judged on every site (it carries no ALT); the others on their own
    looks_at = alleles.sites.copy()
    looks_at[alleles.reference] = True
    indptr = np.zeros(len(alleles.names) + 1, dtype=np.int64)
    np.cumsum(looks_at.sum(axis=1), out=indptr[1:])
    indices = np.nonzero(looks_at)[1].astype(np.int64)
    kernels = encode_kernels()
    n = callset.n_samples
    haps = np.empty((n, 2, len(alleles.names)), dtype=np.int8)
    kernels.haplotype_carriers(np.ascontiguousarray(enc.haplotypes), indptr, indices, reference, haps)
    copies = np.where((haps == -1).any(axis=1), -1, (haps == 1).sum(axis=1)).astype(np.int8)
    # haplotypes are known where phased, haploid, or no defining site is heterozygous
    known = enc.phased | enc.haploid | ~(enc.dosage == 1).any(axis=1)
    unphased = np.flatnonzero(~known)
    if unphased.size:
        bound = np.empty((unphased.size, len(alleles.names)), dtype=np.int8)
        kernels.allele_copies(np.ascontiguousarray(enc.dosage[unphased]), indptr, indices, reference, 2, bound)
        copies[unphased] = bound
        haps[unphased, 0] = np.where(bound < 0, -1, bound >= 1)
        haps[unphased, 1] = np.where(bound < 0, -1, bound >= 2)
    return haps, copies, alleles.names


def _gene_model(callset: CallSet, gene: str | GeneModel, genome_build: str | None,
                reference_dir: str | None) -> GeneModel:
    if not isinstance(gene, str):
        return gene
    build = genome_build or callset.genome_build
    if build is None:
        raise GenomeBuildError(
            "the genome build of the calls is unknown; pass genome_build='GRCh38' or 'GRCh37'"
        )
    return gene_model(gene, build, reference_dir)


_STAR_PARAMETERS = """
    Parameters
    ----------
    callset : CallSet
        The calls; only the rows at the gene's definition positions are used.
    gene : str or GeneModel
        A gene name, or its model from :func:`pgx.calling.gene_model` (the same
        definitions :func:`pgx.calling.call_diplotypes` matches against).
    genome_build : {"GRCh38", "GRCh37"}, optional
        For a gene name: the build of the definitions; the CallSet's by default.
    assume_reference : bool, default False
        Count definition positions absent from the calls as reference (array or exome
        data); otherwise they are not called.
    reference_dir : str, optional
        A reference folder other than the shipped one.
"""


def haplotype_indicators(callset: CallSet, gene: str | GeneModel, *, genome_build: str | None = None,
                         assume_reference: bool = False,
                         reference_dir: str | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Whether each haplotype of each sample carries each named (star) allele.

    The calls are first placed on the gene's definition sites by
    :func:`pgx.encode.encode_gene` (normalisation, multi-allelic records, missing
    positions), as for calling. Then, on one haplotype, a named allele is carried
    when *every* ALT that defines it is present; it is not carried when one of them is
    absent; otherwise (a defining position not called) it is not known. The reference
    allele is carried by a haplotype with no ALT at any definition site. A haplotype
    may carry several alleles (a sub-allele and the allele containing it); this is a
    feature for models, not a call (use :func:`pgx.calling.call_diplotypes` for that).

    Where haplotypes are not known, that is for a diploid sample whose heterozygous
    definition sites are not all phased in one phase set, the *unphased rule* applies:
    a named allele gets as many copies as its least-carried defining ALT (the
    reference allele: 2 minus the most-carried ALT), and the copies fill haplotype 1
    first. The count is exact when at most one of the sites is heterozygous, and
    otherwise the most the calls allow (two heterozygous ALTs may sit on different
    haplotypes). The two haplotypes of an unphased sample are thus "at least one copy"
    and "two copies", and are not the same physical haplotype from allele to allele.
    {parameters}
    Returns
    -------
    indicators : numpy.ndarray of int8, shape (samples, 2, alleles)
        1 carried, 0 not, -1 not known (a defining position not called), -2 no second
        haplotype (haploid calls, such as a male's chrX).
    {alleles_and_raises}
    Examples
    --------
    >>> import numpy as np
    >>> from pgx import CallSet
    >>> from pgx.calling import haplotype_indicators
    >>> cs = CallSet.from_arrays(  # TPMT: *3C and *3B sites; *3A has both. S1 in cis, S2 in trans
    ...     np.array([[[1, 0], [1, 0]], [[1, 0], [0, 1]]], dtype=np.int8),
    ...     chrom=["chr6", "chr6"], pos=[18130687, 18138997], ref=["T", "C"], alt=[["C"], ["T"]],
    ...     sample_ids=["S1", "S2"], phased=np.ones((2, 2), dtype=bool), genome_build="GRCh38")
    >>> haps, alleles = haplotype_indicators(cs, "TPMT", assume_reference=True)
    >>> columns = [alleles.index(a) for a in ("*1", "*3A", "*3B", "*3C")]
    >>> haps[0][:, columns].tolist()  # S1: *3A (and its parts) on haplotype 1, *1 on haplotype 2
    [[0, 1, 1, 1], [1, 0, 0, 0]]
    >>> haps[1][:, columns].tolist()  # S2: *3C and *3B on different haplotypes, no *3A
    [[0, 0, 0, 1], [0, 0, 1, 0]]
    """
    haps, _, names = _star_alleles(callset, gene, genome_build=genome_build, assume_reference=assume_reference,
                                   reference_dir=reference_dir)
    return haps, names


def diplotype_indicators(callset: CallSet, gene: str | GeneModel, *, genome_build: str | None = None,
                         assume_reference: bool = False,
                         reference_dir: str | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Copies (0, 1, 2) of each named (star) allele in each sample's diplotype.

    The sum over the two haplotypes of :func:`haplotype_indicators` (which explains
    the carrier rule, the unphased rule and missing positions), as the allele-count
    columns ``{gene}_allele_{allele}`` of :func:`pgx.features.build` count the called
    diplotype; ``-1`` where a copy is not known.
    {parameters}
    Returns
    -------
    copies : numpy.ndarray of int8, shape (samples, alleles)
        0, 1 or 2 copies (0 or 1 for a haploid sample); -1 not known.
    {alleles_and_raises}
    Examples
    --------
    >>> import numpy as np, pgx.calling
    >>> cs = pgx.CallSet.from_arrays(  # TPMT *3C and *3B sites: S1 cis, S2 trans, S3 unphased
    ...     np.array([[[1, 0], [1, 0], [0, 1]], [[1, 0], [0, 1], [1, 0]]], dtype=np.int8),
    ...     chrom=["chr6", "chr6"], pos=[18130687, 18138997], ref=["T", "C"], alt=[["C"], ["T"]],
    ...     sample_ids=["S1", "S2", "S3"], phased=[[True, True, False]] * 2, genome_build="GRCh38")
    >>> copies, alleles = pgx.calling.diplotype_indicators(cs, "TPMT", assume_reference=True)
    >>> copies[:, [alleles.index(a) for a in ("*1", "*3A", "*3B", "*3C")]].tolist()
    [[1, 1, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1]]

    S3's counts are the most its unphased calls allow: ``*1/*3A`` (cis) or ``*3B/*3C`` (trans).
    """
    _, copies, names = _star_alleles(callset, gene, genome_build=genome_build, assume_reference=assume_reference,
                                     reference_dir=reference_dir)
    return copies, names


_STAR_RAISES = """alleles : tuple of str
        The allele of each column, the reference allele first.

    Raises
    ------
    SchemaError
        If ``callset`` is not a CallSet.
    GenomeBuildError
        If a gene name is given and the build is unknown.
    ReferenceDataError
        If the gene has no definitions.
"""

for _function in (haplotype_indicators, diplotype_indicators):
    if _function.__doc__:  # None under python -OO
        _function.__doc__ = (_function.__doc__.replace("{parameters}", _STAR_PARAMETERS)
                             .replace("{alleles_and_raises}", _STAR_RAISES))
