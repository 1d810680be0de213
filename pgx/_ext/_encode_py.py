"""Pure-Python (numpy) twin of :mod:`pgx._ext._encode`: same functions, signatures, results.

It is the oracle the tests hold the Cython kernels to, and what a user gets with
``PGX_PURE_PYTHON=1`` (with a warning). Written for clarity, not speed: every
function derives its result from :func:`call_dosage`, the one statement of what a
call's dosage is.
"""

from __future__ import annotations

import numpy as np

__all__ = ["call_dosage", "dosage", "one_hot", "allele_dosage", "haplotype_carriers", "allele_copies",
           "csr_count", "csr_fill", "record_calls", "apply_record"]

NON_ALLELE = -2


def call_dosage(gt: np.ndarray) -> np.ndarray:
    """ALT alleles per call of ``gt`` (..., ploidy) as int8; -1 where the call is missing.

    A call is missing when a slot holds a negative value other than ``-2`` (an allele
    not called) or when every slot is ``-2`` (no allele at all).
    """
    not_called = ((gt < 0) & (gt != NON_ALLELE)).any(axis=-1)
    no_allele = ~(gt >= 0).any(axis=-1)
    alt = (gt > 0).sum(axis=-1)
    return np.where(not_called | no_allele, -1, alt).astype(np.int8)


def dosage(gt: np.ndarray, out: np.ndarray) -> None:
    d = call_dosage(gt)
    if out.dtype == np.float32:
        out[...] = np.where(d < 0, np.nan, d)
    else:
        out[...] = d


def one_hot(gt: np.ndarray, out: np.ndarray, missing_column: bool) -> None:
    d = call_dosage(gt)
    levels = out.shape[1] - int(missing_column)
    for k in range(levels):
        out[:, k, :] = d == k
    if missing_column:
        out[:, levels, :] = d < 0


def allele_dosage(gt: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> int:
    d = call_dosage(gt)
    for v in range(gt.shape[0]):
        first, n_alt = int(offsets[v]), int(offsets[v + 1] - offsets[v])
        missing = d[v] < 0
        if (gt[v][~missing] > n_alt).any():
            return v
        for a in range(1, n_alt + 1):
            out[first + a - 1] = np.where(missing, -1, (gt[v] == a).sum(axis=-1))
    return -1


def _alleles(indptr: np.ndarray, indices: np.ndarray):
    for j in range(len(indptr) - 1):
        yield j, indices[indptr[j]:indptr[j + 1]]


def haplotype_carriers(haps: np.ndarray, indptr: np.ndarray, indices: np.ndarray, reference: np.ndarray,
                       out: np.ndarray) -> None:
    for j, sites in _alleles(indptr, indices):
        values = haps[:, :, sites]
        absent = 1 if reference[j] else 0
        result = np.ones(haps.shape[:2], dtype=np.int8)
        result[((values < 0) & (values != NON_ALLELE)).any(axis=-1)] = -1
        result[(values == absent).any(axis=-1)] = 0
        result[(values == NON_ALLELE).any(axis=-1)] = NON_ALLELE
        out[:, :, j] = result


def allele_copies(dosage: np.ndarray, indptr: np.ndarray, indices: np.ndarray, reference: np.ndarray, ploidy: int,
                  out: np.ndarray) -> None:
    for j, sites in _alleles(indptr, indices):
        values = dosage[:, sites].astype(np.int64)
        called = values >= 0
        unknown = (~called).any(axis=1)
        if reference[j]:
            copies = ploidy - np.where(called, values, 0).max(axis=1, initial=0)
        else:
            copies = np.where(called, values, ploidy).min(axis=1, initial=ploidy)
        copies = np.maximum(copies, 0)
        out[:, j] = np.where(unknown & (copies > 0), -1, copies)


def csr_count(gt: np.ndarray, nonzero: np.ndarray, missing: np.ndarray, scratch: np.ndarray) -> None:
    d = call_dosage(gt)
    nonzero[...] = (d > 0).sum(axis=1)
    missing[...] = (d < 0).sum(axis=1)


def csr_fill(gt: np.ndarray, indptr: np.ndarray, data: np.ndarray, indices: np.ndarray,
             missing_indptr: np.ndarray, missing_indices: np.ndarray, scratch: np.ndarray) -> None:
    d = call_dosage(gt)
    for v in range(gt.shape[0]):
        carriers = np.flatnonzero(d[v] > 0)
        data[indptr[v]:indptr[v + 1]] = d[v, carriers]
        indices[indptr[v]:indptr[v + 1]] = carriers
        missing_indices[missing_indptr[v]:missing_indptr[v + 1]] = np.flatnonzero(d[v] < 0)


def record_calls(gt: np.ndarray, fully: np.ndarray, half: np.ndarray, poly: np.ndarray) -> None:
    ploidy = gt.shape[1]
    if ploidy == 0:
        fully[:] = half[:] = poly[:] = 0
        return
    if ploidy == 1:
        fully[:] = gt[:, 0] >= 0
        half[:] = poly[:] = 0
        return
    full = (gt[:, 0] >= 0) & ((gt[:, 1] >= 0) | (gt[:, 1] == NON_ALLELE))
    halved = ((gt[:, 0] == -1) & (gt[:, 1] >= 0)) | ((gt[:, 1] == -1) & (gt[:, 0] >= 0))
    many = (gt[:, 2:] != NON_ALLELE).any(axis=1) & (gt >= 0).any(axis=1)
    fully[:] = full & ~many
    half[:] = halved & ~many
    poly[:] = many


def apply_record(gt, phased, ps, has_ps, fully, half, covered, site_indptr, site_indices, allele_k, allele_site,
                 allele_pos, called, duplicate, contradictory, half_call, alt_copies, dosage, dosage_max, haps,
                 explicit, seen_site, flags, phase_set, no_set) -> None:
    fully, half, phased = fully.astype(bool), half.astype(bool), phased.astype(bool)
    called, duplicate, contradictory = called.view(bool), duplicate.view(bool), contradictory.view(bool)
    half_call, seen_site, flags = half_call.view(bool), seen_site.view(bool), flags.view(bool)
    ploidy = gt.shape[1]
    sites_at = [site_indices[site_indptr[p]:site_indptr[p + 1]] for p in range(len(site_indptr) - 1)]
    second = gt[:, 1] if ploidy > 1 else np.full(gt.shape[0], NON_ALLELE, dtype=gt.dtype)
    ploidy2 = second != NON_ALLELE
    flags[:, 0] |= fully & ploidy2
    flags[:, 1] |= fully & ~ploidy2
    het = fully & ploidy2 & (gt[:, 0] != second)
    flags[:, 2] |= het & ~phased
    flags[:, 3] |= het & phased
    if has_ps:
        here = het & phased
        first = here & (phase_set == no_set)
        phase_set[first] = ps[first]
        flags[:, 4] |= here & (phase_set != ps)
    for p in covered:
        called[fully, p] = True
        for s in sites_at[p]:
            fresh = fully & ~seen_site[:, s]
            dosage[fresh, s] = 0
            haps[fresh, :, s] = 0
    for k, site, p in zip(allele_k, allele_site, allele_pos):
        carries = gt == k
        count = carries.sum(axis=1).astype(np.int8)
        again = fully & (explicit[:, site] >= 0)
        same = again & (explicit[:, site] == count)
        duplicate[same, p] = True
        contradictory[again & ~same, p] = True
        first = fully & ~again
        explicit[first, site] = count[first]
        alt_copies[first, p] += count[first]
        dosage[first, site] = np.where(seen_site[first, site], dosage[first, site], 0) + count[first]
        for h in range(min(ploidy, 2)):
            haps[first, h, site] = np.maximum(haps[first, h, site], carries[first, h])
        seen_site[first, site] = True
    for k, site, p in zip(allele_k, allele_site, allele_pos):
        carrier = half & np.any(gt == k, axis=1)
        half_call[carrier, p] = True
        called[carrier, p] = True
        flags[carrier, 2] = True
        for s in sites_at[p]:
            fresh = carrier & ~seen_site[:, s]
            dosage[fresh, s] = 0
            haps[fresh, :, s] = -1
            seen_site[carrier, s] = True
        dosage[carrier, site] = 1
        dosage_max[carrier, site] = 2
    for p in covered:
        for s in sites_at[p]:
            seen_site[fully, s] = True
