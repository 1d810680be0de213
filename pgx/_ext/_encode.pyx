# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Genotype encodings for models: dosage, one-hot, per-ALT dosage, star-allele carriers, CSR.

Thin kernels (see ``STYLE.md``): each takes C-contiguous typed memoryviews of fixed
dtypes and a preallocated output, runs without the GIL, and neither validates,
allocates nor raises. The wrappers in :mod:`pgx.encode` do all of that. The
pure-Python twin ``pgx._ext._encode_py`` has the same functions, signatures and
results; it is the oracle the tests hold these kernels to.

A genotype slot holds an allele index (0 REF, 1.. ALT; int8, or int16 for files with
allele indexes above 127: one fused kernel each), ``-2`` for a ploidy slot the
call does not have (the second slot of a haploid call) and any other negative value
for an allele not called. A call is *missing* when any of its slots is missing, or
when it has no slot at all (every slot ``-2``).
"""

from libc.math cimport NAN
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint64_t
from libc.string cimport memcpy

ctypedef fused dosage_t:
    int8_t
    float

ctypedef fused gt_t:
    int8_t
    int16_t

cdef enum:
    NON_ALLELE = -2

cdef float NAN_F = NAN
cdef uint64_t LOW7 = 0x7f7f7f7f7f7f7f7f
cdef uint64_t HIGH1 = 0x8080808080808080

cdef extern from *:
    int __builtin_ctzll(unsigned long long) nogil  # gcc and clang


cdef inline int8_t _diploid(gt_t a, gt_t b) noexcept nogil:
    """Dosage of one diploid call, -1 when missing (branch-free, so loops vectorise)."""
    cdef int8_t d = (a > 0) + (b > 0)
    cdef int8_t miss = ((a < 0) & (a != NON_ALLELE)) | ((b < 0) & (b != NON_ALLELE)) | (
        (a == NON_ALLELE) & (b == NON_ALLELE))
    return -1 if miss else d


cdef inline int8_t _call(const gt_t* slot, Py_ssize_t ploidy) noexcept nogil:
    """Dosage of one call of any ploidy, -1 when missing."""
    cdef Py_ssize_t k
    cdef int8_t d = 0
    cdef gt_t a
    cdef bint present = False
    for k in range(ploidy):
        a = slot[k]
        if a >= 0:
            present = True
            d += a > 0
        elif a != NON_ALLELE:
            return -1
    return d if present else -1


cdef inline void _dosage_row(const gt_t* row, Py_ssize_t n, Py_ssize_t ploidy,
                             dosage_t* dst) noexcept nogil:
    cdef Py_ssize_t s
    cdef int8_t d
    if ploidy == 2:
        for s in range(n):
            d = _diploid(row[2 * s], row[2 * s + 1])
            if dosage_t is float:
                dst[s] = NAN_F if d < 0 else <float>d
            else:
                dst[s] = d
    elif ploidy == 1:  # haploid arrays: 1 ALT, 0 REF, any negative missing
        for s in range(n):
            d = (row[s] > 0) - (row[s] < 0)
            if dosage_t is float:
                dst[s] = NAN_F if d < 0 else <float>d
            else:
                dst[s] = d
    else:
        for s in range(n):
            d = _call(row + s * ploidy, ploidy)
            if dosage_t is float:
                dst[s] = NAN_F if d < 0 else <float>d
            else:
                dst[s] = d


def dosage(const gt_t[:, :, ::1] gt, dosage_t[:, ::1] out):
    """ALT allele count per call; missing calls get -1 (int8 output) or NaN (float32).

    ``gt`` is (variants, samples, ploidy); ``out`` is (variants, samples).
    """
    cdef Py_ssize_t n_var = gt.shape[0], n_samp = gt.shape[1], ploidy = gt.shape[2], v
    if n_var == 0 or n_samp == 0:
        return
    with nogil:
        for v in range(n_var):
            _dosage_row(&gt[v, 0, 0], n_samp, ploidy, &out[v, 0])


cdef inline void _one_hot_row(const gt_t* row, Py_ssize_t n, Py_ssize_t ploidy, uint8_t* dst,
                              Py_ssize_t levels, bint missing_column) noexcept nogil:
    """Level ``k`` of the call of sample ``s`` goes to ``dst[k * n + s]`` (sample axis last,
    so every store is contiguous and the loops vectorise)."""
    cdef Py_ssize_t s, k
    cdef int8_t d
    if ploidy == 2:
        for s in range(n):
            d = _diploid(row[2 * s], row[2 * s + 1])
            dst[s] = d == 0
            dst[n + s] = d == 1
            dst[2 * n + s] = d == 2
        if missing_column:
            for s in range(n):
                dst[3 * n + s] = _diploid(row[2 * s], row[2 * s + 1]) < 0
    else:
        for s in range(n):
            d = _call(row + s * ploidy, ploidy)
            for k in range(levels):
                dst[k * n + s] = d == k
            if missing_column:
                dst[levels * n + s] = d < 0


def one_hot(const gt_t[:, :, ::1] gt, uint8_t[:, :, ::1] out, bint missing_column):
    """Indicator of each dosage level 0..ploidy; a missing call is 0 at every level (and 1
    in the extra last level when ``missing_column``). ``out`` is (variants, levels, samples)."""
    cdef Py_ssize_t n_var = gt.shape[0], n_samp = gt.shape[1], ploidy = gt.shape[2], v
    cdef Py_ssize_t levels = out.shape[1] - missing_column
    if n_var == 0 or n_samp == 0:
        return
    with nogil:
        for v in range(n_var):
            _one_hot_row(&gt[v, 0, 0], n_samp, ploidy, &out[v, 0, 0], levels, missing_column)


def allele_dosage(const gt_t[:, :, ::1] gt, const int64_t[::1] offsets, int8_t[:, ::1] out):
    """Copies of each ALT allele: row ``offsets[v] + a - 1`` of ``out`` counts ALT ``a``
    of variant ``v``; every row of a missing call is -1.

    ``out`` must be zeroed. Returns -1, or the first variant whose calls name an
    allele past its ``offsets[v + 1] - offsets[v]`` ALTs (its rows are then partial).
    """
    cdef int64_t bad
    with nogil:
        bad = _allele_dosage(gt, offsets, out)
    return bad


cdef int64_t _allele_dosage(const gt_t[:, :, ::1] gt, const int64_t[::1] offsets,
                            int8_t[:, ::1] out) noexcept nogil:
    cdef Py_ssize_t n_var = gt.shape[0], n_samp = gt.shape[1], ploidy = gt.shape[2]
    cdef Py_ssize_t v, s, k
    cdef int64_t first, n_alt
    cdef gt_t a
    cdef const gt_t* slot
    for v in range(n_var):
        first = offsets[v]
        n_alt = offsets[v + 1] - first
        for s in range(n_samp):
            slot = &gt[v, s, 0]
            if _call(slot, ploidy) < 0:
                for k in range(n_alt):
                    out[first + k, s] = -1
                continue
            for k in range(ploidy):
                a = slot[k]
                if a > 0:
                    if a > n_alt:
                        return v
                    out[first + a - 1, s] += 1
    return -1


def haplotype_carriers(const int8_t[:, :, ::1] haps, const int64_t[::1] indptr, const int64_t[::1] indices,
                       const uint8_t[::1] reference, int8_t[:, :, ::1] out):
    """Whether each haplotype carries each allele (a three-valued AND over its sites).

    ``haps`` is (samples, haplotypes, sites): 1 ALT, 0 REF, -2 no such haplotype,
    other negatives not called. Allele ``j`` looks at sites
    ``indices[indptr[j]:indptr[j + 1]]``. The result is -2 if any site is -2; else 0
    (not carried) if any site is 0 for a named allele, or 1 for the reference allele
    (``reference[j]``); else -1 (not known) if any site is not called; else 1.
    """
    cdef Py_ssize_t n = haps.shape[0], n_hap = haps.shape[1], n_allele = out.shape[2]
    cdef Py_ssize_t i, h, j
    cdef int64_t k
    cdef int8_t v, absent
    cdef bint no_hap, excluded, unknown
    cdef const int8_t* hap
    with nogil:
        for i in range(n):
            for h in range(n_hap):
                hap = &haps[i, h, 0]
                for j in range(n_allele):
                    absent = 1 if reference[j] else 0
                    no_hap = excluded = unknown = False
                    for k in range(indptr[j], indptr[j + 1]):
                        v = hap[indices[k]]
                        no_hap |= v == NON_ALLELE
                        excluded |= v == absent
                        unknown |= v < 0
                    out[i, h, j] = NON_ALLELE if no_hap else 0 if excluded else -1 if unknown else 1


def allele_copies(const int8_t[:, ::1] dosage, const int64_t[::1] indptr, const int64_t[::1] indices,
                  const uint8_t[::1] reference, int ploidy, int8_t[:, ::1] out):
    """Most copies of each allele that unphased site dosages allow.

    ``dosage`` is (samples, sites), -1 not called. A named allele gets the least
    dosage among its sites, the reference allele ``ploidy`` minus the largest; when a
    site is not called the count is 0 if the called sites already make it 0, else -1.
    """
    cdef Py_ssize_t n = dosage.shape[0], n_allele = out.shape[1]
    cdef Py_ssize_t i, j
    cdef int64_t k
    cdef int8_t v, low, high, copies
    cdef bint unknown
    cdef const int8_t* row
    with nogil:
        for i in range(n):
            row = &dosage[i, 0]
            for j in range(n_allele):
                low = ploidy
                high = 0
                unknown = False
                for k in range(indptr[j], indptr[j + 1]):
                    v = row[indices[k]]
                    if v < 0:
                        unknown = True
                    else:
                        low = v if v < low else low
                        high = v if v > high else high
                copies = ploidy - high if reference[j] else low
                if copies < 0:
                    copies = 0
                out[i, j] = -1 if unknown and copies > 0 else copies


def csr_count(const gt_t[:, :, ::1] gt, int64_t[::1] nonzero, int64_t[::1] missing, int8_t[::1] scratch):
    """Per variant, the number of calls with a non-zero dosage and of missing calls.
    ``scratch`` holds one row of dosages (``samples`` elements)."""
    cdef Py_ssize_t n_var = gt.shape[0], n_samp = gt.shape[1], ploidy = gt.shape[2], v, s
    cdef int32_t nz, miss  # int32 sums vectorise on plain SSE2 (int64 ones do not)
    cdef int8_t* row = &scratch[0] if n_samp else NULL
    with nogil:
        for v in range(n_var):
            nz = 0
            miss = 0
            if n_samp:
                _dosage_row(&gt[v, 0, 0], n_samp, ploidy, row)
            for s in range(n_samp):
                nz += row[s] > 0
                miss += row[s] < 0
            nonzero[v] = nz
            missing[v] = miss


cdef inline void _fill_row(const int8_t* row, Py_ssize_t n, int8_t* data, int32_t* indices,
                           int32_t* missing_indices) noexcept nogil:
    """Append the non-zero and the missing calls of one row of dosages, eight at a time:
    a word of eight zero dosages is skipped, and in the others only the non-zero bytes
    are visited (most calls of a cohort are 0)."""
    cdef Py_ssize_t s, start, at = 0, miss_at = 0
    cdef uint64_t word, flags
    cdef int8_t d
    for start in range(0, n - n % 8, 8):
        memcpy(&word, row + start, 8)
        # the high bit of each byte of flags says whether that byte of word is non-zero
        flags = (((word & LOW7) + LOW7) | word) & HIGH1
        while flags:
            s = start + (__builtin_ctzll(flags) >> 3)
            flags &= flags - 1
            d = row[s]
            if d > 0:
                data[at] = d
                indices[at] = <int32_t>s
                at += 1
            else:
                missing_indices[miss_at] = <int32_t>s
                miss_at += 1
    for s in range(n - n % 8, n):
        d = row[s]
        if d > 0:
            data[at] = d
            indices[at] = <int32_t>s
            at += 1
        elif d < 0:
            missing_indices[miss_at] = <int32_t>s
            miss_at += 1


def csr_fill(const gt_t[:, :, ::1] gt, const int64_t[::1] indptr, int8_t[::1] data, int32_t[::1] indices,
             const int64_t[::1] missing_indptr, int32_t[::1] missing_indices, int8_t[::1] scratch):
    """Write the CSR arrays of dosage (non-zero calls) and of the missing calls, whose row
    pointers :func:`csr_count` gave; ``scratch`` as for :func:`csr_count`."""
    cdef Py_ssize_t n_var = gt.shape[0], n_samp = gt.shape[1], ploidy = gt.shape[2], v
    if n_var == 0 or n_samp == 0:
        return
    with nogil:
        for v in range(n_var):
            _dosage_row(&gt[v, 0, 0], n_samp, ploidy, &scratch[0])
            _fill_row(&scratch[0], n_samp, &data[indptr[v]], &indices[indptr[v]],
                      &missing_indices[missing_indptr[v]])


def record_calls(const gt_t[:, ::1] gt, uint8_t[::1] fully, uint8_t[::1] half, uint8_t[::1] poly):
    """Per sample of one record: a full call, a half call (``./1``), a call of more than two alleles.

    ``gt`` is (samples, ploidy) with -1 for an allele not called and -2 for a slot the call
    lacks. A call of more than two alleles (a third slot that is not -2, and some allele
    called) is ``poly`` and neither full nor half.
    """
    cdef Py_ssize_t n = gt.shape[0], ploidy = gt.shape[1]
    cdef Py_ssize_t i, k
    cdef gt_t a, b
    cdef bint extra, any_called
    with nogil:
        for i in range(n):
            if ploidy == 0:
                fully[i] = half[i] = poly[i] = 0
                continue
            a = gt[i, 0]
            if ploidy == 1:
                fully[i] = a >= 0
                half[i] = 0
                poly[i] = 0
                continue
            b = gt[i, 1]
            fully[i] = a >= 0 and (b >= 0 or b == NON_ALLELE)
            half[i] = (a == -1 and b >= 0) or (b == -1 and a >= 0)
            extra = False
            any_called = a >= 0 or b >= 0
            for k in range(2, ploidy):
                extra |= gt[i, k] != NON_ALLELE
                any_called |= gt[i, k] >= 0
            poly[i] = extra and any_called
            if poly[i]:
                fully[i] = half[i] = 0


def apply_record(const gt_t[:, ::1] gt, const uint8_t[::1] phased, const int64_t[::1] ps, bint has_ps,
                 const uint8_t[::1] fully, const uint8_t[::1] half, const int64_t[::1] covered,
                 const int64_t[::1] site_indptr, const int64_t[::1] site_indices,
                 const int64_t[::1] allele_k, const int64_t[::1] allele_site, const int64_t[::1] allele_pos,
                 uint8_t[:, ::1] called, uint8_t[:, ::1] duplicate, uint8_t[:, ::1] contradictory,
                 uint8_t[:, ::1] half_call, int16_t[:, ::1] alt_copies, int8_t[:, ::1] dosage,
                 int8_t[:, ::1] dosage_max, int8_t[:, :, ::1] haps, int8_t[:, ::1] explicit,
                 uint8_t[:, ::1] seen_site, uint8_t[:, ::1] flags, int64_t[::1] phase_set, int64_t no_set):
    """Add one record's calls to a gene's per-sample site state (see ``pgx.encode.encode_gene``).

    ``covered`` are the definition positions the record speaks for; position ``p`` has the
    sites ``site_indices[site_indptr[p]:site_indptr[p + 1]]``. Allele ``allele_k[m]`` of the
    record is site ``allele_site[m]`` at position ``allele_pos[m]``. ``flags`` columns:
    diploid call seen, haploid call seen, unphased het, phased het, phase sets split.
    """
    cdef Py_ssize_t n = gt.shape[0], ploidy = gt.shape[1], n_cov = covered.shape[0]
    cdef Py_ssize_t n_all = allele_k.shape[0]
    cdef Py_ssize_t i, c, m, k
    cdef int64_t p, s, q, site
    cdef bint fc, hf, p2, het, again, carrier
    cdef int8_t count, c0, c1
    cdef gt_t a0, a1
    with nogil:
        for i in range(n):
            fc = fully[i]
            hf = half[i]
            a0 = gt[i, 0] if ploidy > 0 else NON_ALLELE
            a1 = gt[i, 1] if ploidy > 1 else NON_ALLELE
            p2 = ploidy > 1 and a1 != NON_ALLELE
            if fc:
                if p2:
                    flags[i, 0] = 1
                else:
                    flags[i, 1] = 1
            het = fc and p2 and a0 != a1
            if het:
                if phased[i]:
                    flags[i, 3] = 1
                    if has_ps:
                        if phase_set[i] == no_set:
                            phase_set[i] = ps[i]
                        if phase_set[i] != ps[i]:
                            flags[i, 4] = 1
                else:
                    flags[i, 2] = 1
            if fc:
                for c in range(n_cov):
                    p = covered[c]
                    called[i, p] = 1
                    for q in range(site_indptr[p], site_indptr[p + 1]):
                        s = site_indices[q]
                        if not seen_site[i, s]:
                            dosage[i, s] = 0
                            haps[i, 0, s] = 0
                            haps[i, 1, s] = 0
                for m in range(n_all):
                    k = allele_k[m]
                    site = allele_site[m]
                    p = allele_pos[m]
                    count = 0
                    for q in range(ploidy):
                        count += gt[i, q] == k
                    again = explicit[i, site] >= 0
                    if again:
                        if explicit[i, site] == count:
                            duplicate[i, p] = 1
                        else:
                            contradictory[i, p] = 1
                        continue
                    explicit[i, site] = count
                    alt_copies[i, p] += count
                    dosage[i, site] = (dosage[i, site] if seen_site[i, site] else 0) + count
                    c0 = a0 == k
                    if c0 > haps[i, 0, site]:
                        haps[i, 0, site] = c0
                    if ploidy > 1:
                        c1 = a1 == k
                        if c1 > haps[i, 1, site]:
                            haps[i, 1, site] = c1
                    seen_site[i, site] = 1
            if hf:
                for m in range(n_all):
                    k = allele_k[m]
                    carrier = False
                    for q in range(ploidy):
                        carrier |= gt[i, q] == k
                    if not carrier:
                        continue
                    site = allele_site[m]
                    p = allele_pos[m]
                    half_call[i, p] = 1
                    called[i, p] = 1
                    flags[i, 2] = 1
                    for q in range(site_indptr[p], site_indptr[p + 1]):
                        s = site_indices[q]
                        if not seen_site[i, s]:
                            dosage[i, s] = 0
                            haps[i, 0, s] = -1
                            haps[i, 1, s] = -1
                        seen_site[i, s] = 1
                    dosage[i, site] = 1
                    dosage_max[i, site] = 2
            if fc:
                for c in range(n_cov):
                    p = covered[c]
                    for q in range(site_indptr[p], site_indptr[p + 1]):
                        seen_site[i, site_indices[q]] = 1
