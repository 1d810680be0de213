"""Observed records -> the loci of one gene's allele definitions.

For every sample this gives, per definition site (a position and one defined ALT), the
number of copies carried (``dosage``) and, for phased data, which haplotype carries it.
Absent positions are not called (-1) unless a gVCF reference block covers them or the
caller asks to assume reference. Records are matched to definitions after trimming and
multi-allelic splitting, and indels also by the sequence change they make, so the
caller's choice of representation does not change the result.

Records that disagree are not resolved silently: an identical record seen twice counts
once (``duplicate``), records giving one position different genotypes, or more ALT
copies than the ploidy, make the position ``contradictory``; a half call (``./1``) gives
one or two copies (``dosage`` and ``dosage_max``); ``./0`` is read as not called. A call
with more than two alleles (a triploid ``0/0/1``) cannot be given a diplotype: its
position is treated as not called (``polyploid``). A GT that named an ALT its record
lacks (:attr:`~pgx.CallSet.undefined_alleles`, read as a missing allele) is flagged at the
position (``undefined_allele``). With
``assume_reference`` a gene with no record anywhere in its region is left not called
(``no_data_in_region``), since the input then says nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from pgx._ext import encode_kernels
from pgx.callset import CallSet
from pgx.encode._normalize import KnownBases, indel_relation, trim
from pgx.reference import normalize_contig

__all__ = ["GeneSites", "GeneGenotypes", "encode_gene", "region_rows", "PAD"]

PAD = 100  # bases searched around the gene's positions for shifted indels
_NO_SET = -(2**40)  # no phase set seen yet


@dataclass(frozen=True)
class GeneSites:
    """One gene's definition sites in one genome build.

    Attributes
    ----------
    gene : str
    chrom : str
        ``chr``-prefixed contig.
    positions : list of (int, str)
        Definition positions (1-based POS) and their REF, sorted.
    sites : list of (int, str, str)
        (position index, REF, ALT) per defined ALT allele, VCF style.
    rsids : list of str or None
        One per position.
    context : list of (int, str)
        Further reference bases (1-based start, bases): the repeats the definitions' indels
        can slide along (``ref_context`` of ``positions.tsv``), so an indel written at another
        place in its repeat is recognised.
    """

    gene: str
    chrom: str
    positions: tuple[tuple[int, str], ...]
    sites: tuple[tuple[int, str, str], ...]
    rsids: tuple[str | None, ...]
    context: tuple[tuple[int, str], ...] = ()

    def position_label(self, index: int) -> str:
        """``chrom:pos`` (and the rsID when known) of position ``index``."""
        pos = self.positions[index][0]
        rsid = self.rsids[index]
        return f"{self.chrom}:{pos}" + (f" ({rsid})" if rsid else "")


@dataclass
class GeneGenotypes:
    """What the VCF says at one gene's definition sites, for every sample.

    Attributes
    ----------
    dosage : int8 array (samples, sites)
        Copies of each site's ALT, -1 where the position is not called.
    haplotypes : int8 array (samples, 2, sites)
        1 where a haplotype carries the ALT, 0 where not, -1 unknown, -2 no second
        haplotype (haploid).
    called : bool array (samples, positions)
    novel : bool array (samples, positions)
        An ALT no definition uses was called at the position (the position is then
        treated as not called).
    haploid : bool array (samples,)
        Every call covering the gene was haploid.
    phased : bool array (samples,)
        Every heterozygous call covering the gene was phased, all in one phase set
        (FORMAT/PS, when the VCF has it), and there was at least one.
    assumed_reference : bool array (positions,)
        Absent positions counted as reference because the caller asked to.
    gvcf_reference : bool array (samples, positions)
        Called reference by a gVCF reference block.
    dosage_max : int8 array (samples, sites)
        The most copies the calls allow: equal to ``dosage`` except after a half call
        (``./1``: ``dosage`` 1, ``dosage_max`` 2).
    half_call : bool array (samples, positions)
        A half call carrying a defined ALT was read at the position.
    duplicate : bool array (samples, positions)
        Records repeating the same genotype at the position were counted once.
    contradictory : bool array (samples, positions)
        Records give the position different genotypes (or more ALT copies than the
        ploidy); the position is treated as not called and the sample should not be called.
    novel_with_defined : bool array (samples, positions)
        A novel ALT and a defined ALT were both called at the position.
    polyploid : bool array (samples, positions)
        A call with more than two alleles (triploid, tetraploid, ...) was read at the
        position; pgx calls diplotypes, so the position is treated as not called and the
        sample should not be called.
    undefined_allele : bool array (samples, positions)
        A GT at the position named an ALT its record does not have; that allele was read
        as not called (see :attr:`pgx.CallSet.undefined_alleles`).
    unplaced : bool array (samples, positions)
        The sample carries an indel that may be the position's defined indel written at
        another place in a repeat, but the reference bases between the two are not known, so
        it can be neither matched nor ruled out; the position is treated as not called.
    ref_mismatch : bool array (samples, positions)
        A record called for the sample has a REF that disagrees with the reference bases the
        definitions ship for the position (an indel's REF or its repeat): it was read against
        another reference, so it is not used and the position is treated as not called.
    no_data_in_region : bool
        ``assume_reference`` was asked but no record of the input reaches the gene's
        region (its definition positions' span, padded by :data:`PAD`), or the read was
        restricted to regions (:attr:`~pgx.CallSet.regions`) none of its positions is in:
        nothing is assumed. Positions outside a restricted read are never assumed either.
    """

    sites: GeneSites
    dosage: np.ndarray
    haplotypes: np.ndarray
    called: np.ndarray
    novel: np.ndarray
    haploid: np.ndarray
    phased: np.ndarray
    assumed_reference: np.ndarray
    gvcf_reference: np.ndarray
    dosage_max: np.ndarray
    half_call: np.ndarray
    duplicate: np.ndarray
    contradictory: np.ndarray
    novel_with_defined: np.ndarray
    polyploid: np.ndarray
    undefined_allele: np.ndarray
    unplaced: np.ndarray
    ref_mismatch: np.ndarray
    no_data_in_region: bool = False


def region_rows(variants: pl.DataFrame, chrom: str, lo: int, hi: int) -> pl.DataFrame:
    """Rows of a variant table overlapping ``chrom:lo-hi`` (any contig spelling).

    Returns the columns ``_row`` (row index in ``variants``), ``pos``, ``ref``, ``alt``, ``end``.
    """
    names = variants["chrom"].unique().to_list()
    wanted = [name for name in names if normalize_contig(name) == chrom]
    return (
        variants.with_row_index("_row")
        .filter(pl.col("chrom").is_in(wanted) & (pl.col("pos") <= hi) & (pl.col("end") >= lo))
        .select("_row", "pos", "ref", "alt", "end")
    )


def encode_gene(callset: CallSet, sites: GeneSites, *, assume_reference: bool = False,
                rows_in_region: pl.DataFrame | None = None) -> GeneGenotypes:
    """Encode a CallSet at one gene's definition sites.

    Parameters
    ----------
    callset : CallSet
        The calls (any number of samples).
    sites : GeneSites
        The gene's definition positions and ALT alleles.
    assume_reference : bool, default False
        Count positions absent from the VCF as homozygous reference (for array and
        exome data); otherwise they are not called. Only when at least one record of
        the input lies in the gene's region: a gene the input does not reach is never
        assumed reference (``no_data_in_region``).
    rows_in_region : polars.DataFrame, optional
        Precomputed variant rows overlapping the gene (``_row, pos, ref, alt, end``).

    Returns
    -------
    GeneGenotypes

    Examples
    --------
    >>> import numpy as np
    >>> from pgx.callset import CallSet
    >>> cs = CallSet.from_arrays(np.array([[[-1, 1]]], dtype=np.int8), chrom=["chr10"],
    ...                          pos=[94781859], ref=["G"], alt=[["A"]], sample_ids=["S1"])
    >>> sites = GeneSites("CYP2C19", "chr10", ((94781859, "G"),), ((0, "G", "A"),), ("rs4244285",))
    >>> enc = encode_gene(cs, sites)
    >>> int(enc.dosage[0, 0]), int(enc.dosage_max[0, 0]), bool(enc.half_call[0, 0])
    (1, 2, True)
    """
    n_samples = callset.n_samples
    n_pos = len(sites.positions)
    n_sites = len(sites.sites)
    kernels = encode_kernels()
    dosage = np.full((n_samples, n_sites), -1, dtype=np.int8)
    haps = np.full((n_samples, 2, n_sites), -1, dtype=np.int8)
    called = np.zeros((n_samples, n_pos), dtype=bool)
    novel = np.zeros((n_samples, n_pos), dtype=bool)
    gvcf_ref = np.zeros((n_samples, n_pos), dtype=bool)
    # per sample: diploid call seen, haploid call seen, unphased het, phased het, phase sets split
    sample_flags = np.zeros((n_samples, 5), dtype=np.uint8)
    ps_all = callset.calldata.get("PS")
    phase_set = np.full(n_samples, _NO_SET, dtype=np.int64)
    no_ps = np.zeros(0, dtype=np.int64)
    dosage_max = np.full((n_samples, n_sites), -1, dtype=np.int8)
    half_call = np.zeros((n_samples, n_pos), dtype=bool)
    duplicate = np.zeros((n_samples, n_pos), dtype=bool)
    contradictory = np.zeros((n_samples, n_pos), dtype=bool)
    polyploid = np.zeros((n_samples, n_pos), dtype=bool)
    undefined = np.zeros((n_samples, n_pos), dtype=bool)
    unplaced = np.zeros((n_samples, n_pos), dtype=bool)
    ref_mismatch = np.zeros((n_samples, n_pos), dtype=bool)
    # copies of each site counted from records that name its ALT (-1: none yet), and
    # ALT copies per position, to tell repeated records from contradicting ones
    explicit = np.full((n_samples, n_sites), -1, dtype=np.int8)
    alt_copies = np.zeros((n_samples, n_pos), dtype=np.int16)
    novel_seen: dict[tuple, np.ndarray] = {}  # the same for novel ALTs
    pos_values = np.array([p for p, _ in sites.positions], dtype=np.int64)
    lo, hi = int(pos_values.min()) - PAD, int(pos_values.max()) + PAD
    rows = rows_in_region if rows_in_region is not None else region_rows(callset.variants, sites.chrom, lo, hi)
    known = KnownBases()
    known.add_all(sites.positions)
    known.add_all(sites.context)
    # genome bases the definitions ship (indel REFs and their repeats), each with the position
    # it belongs to: a record whose REF disagrees with them is read against another reference
    pos_index = {p: i for i, (p, _) in enumerate(sites.positions)}
    shipped: dict[int, tuple[str, int]] = {}
    for p, bases in [(p, r) for p, r in sites.positions if len(r) > 1] + list(sites.context):
        for offset, base in enumerate(bases.upper()):
            shipped.setdefault(p + offset, (base, pos_index[p]))
    for _, pos, ref, alts, _end in rows.iter_rows():
        known.add(pos, ref)
    site_keys = [trim(sites.positions[pi][0], r, a) for pi, r, a in sites.sites]
    key_index = {key: s for s, key in enumerate(site_keys)}
    sites_at: list[list[int]] = [[] for _ in range(n_pos)]
    for s, (pi, _, _) in enumerate(sites.sites):
        sites_at[pi].append(s)
    site_indptr = np.zeros(n_pos + 1, dtype=np.int64)
    site_indptr[1:] = np.cumsum([len(at) for at in sites_at])
    site_indices = np.array([s for at in sites_at for s in at], dtype=np.int64)
    snv_alt = {(pi, a.upper()): s for s, (pi, r, a) in enumerate(sites.sites) if len(r) == 1 and len(a) == 1}
    # per (sample, site): a record has spoken for the site
    seen_site = np.zeros((n_samples, n_sites), dtype=bool)
    gt_all = callset.genotypes
    phased_all = callset.phased
    undefined_rows = _undefined_rows(callset, rows)
    fully_u8 = np.empty(n_samples, dtype=np.uint8)
    half_u8 = np.empty(n_samples, dtype=np.uint8)
    poly_u8 = np.empty(n_samples, dtype=np.uint8)
    state = (called.view(np.uint8), duplicate.view(np.uint8), contradictory.view(np.uint8),
             half_call.view(np.uint8), alt_copies, dosage, dosage_max, haps, explicit, seen_site.view(np.uint8),
             sample_flags, phase_set, _NO_SET)
    for row, pos, ref, alts, end in rows.iter_rows():
        gt = np.ascontiguousarray(gt_all[row])  # (samples, ploidy)
        kernels.record_calls(gt, fully_u8, half_u8, poly_u8)
        fully_called = fully_u8.view(bool)
        half = half_u8.view(bool)
        # a call of more than two alleles (0/0/1) has no diplotype: used for nothing, flagged
        poly = poly_u8.view(bool) if gt.shape[1] > 2 else None
        flags = [(mask, flagged) for mask, flagged in ((poly, polyploid), (undefined_rows.get(row), undefined))
                 if mask is not None]
        symbolic = [a for a in alts if a.startswith("<") or a == "*"]
        if shipped:
            clash = next((shipped[q][1] for q, base in enumerate(ref.upper(), start=pos)
                          if q in shipped and shipped[q][0] != base), None)
            if clash is not None:
                ref_mismatch[fully_called | half, clash] = True
                continue
        if len(symbolic) == len(alts) and (end > pos or not alts or all(a in ("<NON_REF>", "<*>") for a in alts)):
            # a gVCF reference block (or a record with no real ALT): reference where GT is 0
            is_ref = fully_called & np.all((gt == 0) | (gt == -2), axis=1)
            for p_i in np.flatnonzero((pos_values >= pos) & (pos_values <= end)):
                for mask, flagged in flags:
                    flagged[mask, p_i] = True
                if alts:
                    gvcf_ref[is_ref, p_i] = True
                called[is_ref, p_i] = True
                for s in sites_at[p_i]:
                    dosage[is_ref, s] = np.maximum(dosage[is_ref, s], 0)
                    haps[is_ref, :, s] = np.maximum(haps[is_ref, :, s], 0)
                    seen_site[is_ref, s] = True
            continue
        # classify every allele of the record (0 = REF): a definition site, the definition's
        # reference, a novel allele at a definition position, or unrelated (None)
        covered: set[int] = set()
        allele_site: dict[int, int] = {}
        novel_at: dict[int, int] = {}
        unplaced_at: dict[int, int] = {}  # allele -> the position whose indel it may be
        snv_here = pos in pos_index and len(ref) == 1 and len(sites.positions[pos_index[pos]][1]) == 1
        for k, allele in enumerate([ref, *alts]):
            if allele in symbolic:
                continue
            if snv_here and len(allele) == 1:
                p_i = pos_index[pos]
                covered.add(p_i)
                base = allele.upper()
                if base == sites.positions[p_i][1].upper():
                    continue
                site = snv_alt.get((p_i, base))
                if site is None:
                    novel_at[k] = p_i
                else:
                    allele_site[k] = site
                continue
            if k == 0:
                if pos in pos_index:
                    covered.add(pos_index[pos])
                continue
            key = trim(pos, ref, allele)
            site = key_index.get(key)
            maybe = None
            if site is None and len(key[1]) != len(key[2]):
                for s_i, skey in enumerate(site_keys):
                    if abs(skey[0] - key[0]) > PAD:
                        continue
                    same = indel_relation(skey, key, known)
                    if same:
                        site = s_i
                        break
                    if same is None and maybe is None:
                        maybe = sites.sites[s_i][0]
            if site is None and maybe is not None:
                unplaced_at[k] = maybe
                continue
            if site is not None:
                allele_site[k] = site
                covered.add(sites.sites[site][0])
            elif key[0] in pos_index:
                covered.add(pos_index[key[0]])
                novel_at[k] = pos_index[key[0]]
        for k, p_i in unplaced_at.items():
            unplaced[np.any(gt == k, axis=1), p_i] = True
        if not covered:
            continue
        for mask, flagged in flags:
            for p_i in covered:
                flagged[mask, p_i] = True
        ps_row = ps_all[row].astype(np.int64) if ps_all is not None else no_ps
        kernels.apply_record(
            gt, phased_all[row].view(np.uint8), ps_row, ps_all is not None, fully_u8, half_u8,
            np.array(sorted(covered), dtype=np.int64), site_indptr, site_indices,
            np.array(list(allele_site), dtype=np.int64), np.array(list(allele_site.values()), dtype=np.int64),
            np.array([sites.sites[site][0] for site in allele_site.values()], dtype=np.int64), *state)
        # alleles at a definition position that no definition uses
        for k, p_i in novel_at.items():
            carries = gt == k
            carrier = (fully_called | half) & np.any(carries, axis=1)
            novel[carrier, p_i] = True
            count = carries.sum(axis=1).astype(np.int8)
            before = novel_seen.setdefault((p_i, *trim(pos, ref, [ref, *alts][k])),
                                           np.full(n_samples, -1, dtype=np.int8))
            again = fully_called & (before >= 0)
            duplicate[again & (before == count), p_i] = True
            contradictory[again & (before != count), p_i] = True
            first = fully_called & ~again
            before[first] = count[first]
            alt_copies[first, p_i] += count[first]
    diploid_seen, haploid_seen, unphased_het, phased_het, split_sets = sample_flags.view(bool).T
    haploid = haploid_seen & ~diploid_seen
    contradictory |= alt_copies > np.where(haploid, 1, 2)[:, None]
    haps[haploid, 1, :] = -2
    assumed = np.zeros(n_pos, dtype=bool)
    # a restricted read looked only inside its regions: nothing outside them is assumed
    read = np.ones(n_pos, dtype=bool)
    if callset.regions is not None:
        read[:] = False
        for contig, start, stop in callset.regions:
            if normalize_contig(contig) == sites.chrom:
                read |= (pos_values >= start) & (pos_values <= stop)
    no_data = bool(assume_reference and (rows.height == 0 or not read.any()))
    if assume_reference and not no_data:
        absent = ~called.any(axis=0) & read
        assumed = absent
        for p_i in np.flatnonzero(absent):
            called[:, p_i] = True
            for s in sites_at[p_i]:
                dosage[:, s] = 0
                haps[:, 0, s] = 0
                haps[~haploid, 1, s] = 0
    # a defined ALT called next to a novel one: dropping the position would hide it
    site_pos = np.array([pi for pi, _, _ in sites.sites], dtype=np.intp)
    carried = np.zeros((n_samples, n_pos), dtype=bool)
    carrier_at = np.nonzero(dosage > 0)
    carried[carrier_at[0], site_pos[carrier_at[1]]] = True
    novel_with_defined = novel & carried & called
    dosage_max = np.where(dosage_max >= 0, dosage_max, dosage).astype(np.int8)
    # positions not called, with a novel ALT, or contradicted, are dropped from matching
    drop = (~called | novel | contradictory | polyploid | unplaced | ref_mismatch)[:, site_pos]
    dosage[drop] = -1
    dosage_max[drop] = -1
    haps[(haps != -2) & drop[:, None, :]] = -1
    return GeneGenotypes(
        sites=sites,
        dosage=dosage,
        haplotypes=haps,
        called=called & ~novel & ~contradictory & ~polyploid & ~unplaced & ~ref_mismatch,
        novel=novel,
        haploid=haploid,
        phased=~unphased_het & phased_het & ~split_sets,
        assumed_reference=assumed,
        gvcf_reference=gvcf_ref,
        dosage_max=dosage_max,
        half_call=half_call & ~novel & ~contradictory,
        duplicate=duplicate,
        contradictory=contradictory,
        novel_with_defined=novel_with_defined,
        polyploid=polyploid,
        undefined_allele=undefined,
        unplaced=unplaced,
        ref_mismatch=ref_mismatch,
        no_data_in_region=no_data,
    )


def _undefined_rows(callset: CallSet, rows: pl.DataFrame) -> dict[int, np.ndarray]:
    """Per variant row of ``rows``, the samples whose GT there named an ALT the record lacks."""
    found = callset.undefined_alleles
    if not found.shape[0]:
        return {}
    found = found[np.isin(found[:, 0], rows["_row"].to_numpy())]
    out: dict[int, np.ndarray] = {}
    for row, sample in found.tolist():
        out.setdefault(row, np.zeros(callset.n_samples, dtype=bool))[sample] = True
    return out
