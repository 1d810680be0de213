# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Tokenise VCF data lines into preallocated arrays.

One kernel, :func:`parse_records`, with a pure-Python twin in ``pgx._ext._vcf_py``
that has the same signature and the same results (it is the test oracle). The kernel
validates the tokens it converts and reports the first error through ``state``; it
never allocates, never raises and never reads outside ``buf[start:stop]``. The
Python wrapper in :mod:`pgx.io` owns buffers, growth, decompression and messages.

The ``state`` array (int64, length ``STATE_SIZE``) is read and written:

==========  ==================================================================
index       meaning
==========  ==================================================================
0 N_VAR     variants already written (the next row of every output)
1 LINE      1-based number of the last line consumed
2 SITE_LEN  bytes used in ``sites``
3 OFFSET    offset in ``buf`` of the first byte not consumed
4 ERR_CODE  error code (0 = none), see ``ERR_*`` in ``pgx._ext``
5 ERR_COL   0-based column of the error (9+ = a sample column)
6 ERR_KEY   index of the FORMAT key at fault, -1 for a fixed column
7 ERR_START offset in ``buf`` of the offending token
8 ERR_STOP  offset in ``buf`` just past the offending token
9 LINE_START offset in ``buf`` of the offending line
10 N_UNDEF  calls written so far (in this batch of rows) that hold ``UNDEFINED``
==========  ==================================================================

Genotypes are written as int8 or int16 (``gt``'s dtype, one fused kernel): allele indexes,
``-1`` an allele not called, ``-2`` a ploidy slot the call does not have, and ``-3``
(``UNDEFINED``) an index past the record's ALT alleles (htslib reads these with a
warning; the wrapper records where they are and turns them into ``-1``). A call with
more alleles than ``gt`` has slots stops with ``E_PLOIDY`` and an index above the
dtype's range with ``E_ALLELE_LIMIT``: the wrapper widens the array and parses the line
again.
A call of unstated ploidy (a lone ``.``, or a cell without GT) reads as ``./.``: ``-1``
in the first two slots (one in a haploid array), ``-2`` in any further ones, so it does
not depend on how wide the array was when the line was read. POS 0 (a telomere,
VCF 4.3) is read as 0.
"""

from libc.stdint cimport int8_t, int16_t, uint8_t, int32_t, int64_t

ctypedef fused gt_t:
    int8_t
    int16_t
from libc.string cimport memchr, memcpy, memcmp, memset

cdef enum:
    N_VAR = 0
    LINE = 1
    SITE_LEN = 2
    OFFSET = 3
    ERR_CODE = 4
    ERR_COL = 5
    ERR_KEY = 6
    ERR_START = 7
    ERR_STOP = 8
    LINE_START = 9
    N_UNDEF = 10

cdef enum:
    UNDEFINED = -3
    # a call of unstated ploidy (a lone '.', no GT) is missing in this many slots, -2 after
    MISSING_SLOTS = 2

cdef enum:
    ST_NEED_DATA = 0
    ST_FULL = 1
    ST_SITES_FULL = 2
    ST_ERROR = 3

cdef enum:
    E_COLUMNS_FEW = 1
    E_POS = 2
    E_REF = 3
    E_ALT = 4
    E_GT_SYNTAX = 5
    E_GT_ALLELE = 6  # no longer raised: an index past the ALT alleles is read as UNDEFINED
    E_PLOIDY = 7
    E_INT = 8
    E_COLUMNS_MANY = 9
    E_ALLELE_LIMIT = 10
    E_END = 11
    E_HEADER_IN_BODY = 12

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    /* Four diploid calls "\tA|B\tC/D\tE|F\tG|H" of single-digit alleles below n_alleles
       (at most 10) in 16 bytes: write the 8 alleles and 4 phase flags, return 1; return 0
       (writing nothing) when the bytes are anything else. */
    static inline int gt4_simd(const uint8_t* p, int n_alleles, int8_t* gt, uint8_t* phased) {
        const __m128i v = _mm_loadu_si128((const __m128i*) p);
        const __m128i pipe = _mm_cmpeq_epi8(v, _mm_set1_epi8('|'));
        const __m128i slash = _mm_cmpeq_epi8(v, _mm_set1_epi8('/'));
        const __m128i tab = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\t'));
        const __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));
        const __m128i in_range = _mm_cmpeq_epi8(
            _mm_min_epu8(digit, _mm_set1_epi8((char) (n_alleles - 1))), digit);
        const int ok = (_mm_movemask_epi8(tab) & 0x1111)
            | (_mm_movemask_epi8(_mm_or_si128(pipe, slash)) & 0x4444)
            | (_mm_movemask_epi8(in_range) & 0xAAAA);
        __m128i alleles, phase;
        if (ok != 0xFFFF) return 0;
        alleles = _mm_srli_epi16(digit, 8);
        _mm_storel_epi64((__m128i*) gt, _mm_packus_epi16(alleles, alleles));
        phase = _mm_srli_epi32(_mm_and_si128(pipe, _mm_set1_epi8(1)), 16);
        phase = _mm_packs_epi32(phase, phase);
        phase = _mm_packus_epi16(phase, phase);
        {
            int32_t flags = _mm_cvtsi128_si32(phase);
            memcpy(phased, &flags, 4);
        }
        return 1;
    }
    #else
    static inline int gt4_simd(const uint8_t* p, int n_alleles, int8_t* gt, uint8_t* phased) {
        return 0;  /* no SSE2: the scalar loop reads every call */
    }
    #endif
    """
    bint gt4_simd(const uint8_t* p, int n_alleles, int8_t* gt, uint8_t* phased) noexcept nogil


cdef extern from *:
    """
    /* The first ':' or tab at or after p (or le), and the first tab (or le): 16 bytes at a
       time, so a subfield's end costs no byte loop (and no mispredicted exit from one). */
    static inline const uint8_t* next_delim(const uint8_t* p, const uint8_t* le) {
    #if defined(__SSE2__) || defined(_M_X64)
        while (le - p >= 16) {
            const __m128i v = _mm_loadu_si128((const __m128i*) p);
            const int m = _mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(':')), _mm_cmpeq_epi8(v, _mm_set1_epi8(9))));
            if (m) return p + __builtin_ctz(m);
            p += 16;
        }
    #endif
        while (p < le && *p != ':' && *p != 9) p++;
        return p;
    }
    static inline const uint8_t* next_tab(const uint8_t* p, const uint8_t* le) {
    #if defined(__SSE2__) || defined(_M_X64)
        while (le - p >= 16) {
            const int m = _mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_loadu_si128((const __m128i*) p), _mm_set1_epi8(9)));
            if (m) return p + __builtin_ctz(m);
            p += 16;
        }
    #endif
        while (p < le && *p != 9) p++;
        return p;
    }
    """
    const uint8_t* next_delim(const uint8_t* p, const uint8_t* le) noexcept nogil
    const uint8_t* next_tab(const uint8_t* p, const uint8_t* le) noexcept nogil


cdef extern from *:
    """
    #include <stdint.h>
    #if defined(__SSE2__) || defined(_M_X64)
    #include <emmintrin.h>
    #endif
    /* The places of two delimiter bytes (tab and newline, or ':' and tab) in a text, in
       order, found 16 bytes at a time: a field's end costs no byte loop. */
    typedef struct { const uint8_t* base; int64_t len; int64_t block; uint32_t mask; uint8_t c1, c2; } DelimScan;
    /* gcc left ds_next out of line in the big loops (a call per delimiter): force it in */
    #if defined(__GNUC__)
    #define PGX_INLINE static inline __attribute__((always_inline))
    #else
    #define PGX_INLINE static inline
    #endif
    PGX_INLINE void ds_init(DelimScan* d, const uint8_t* base, int64_t len, uint8_t c1, uint8_t c2) {
        d->base = base; d->len = len; d->block = -16; d->mask = 0; d->c1 = c1; d->c2 = c2;
    }
    PGX_INLINE uint32_t ds_mask(const uint8_t* p, int64_t n, uint8_t c1, uint8_t c2) {
        uint32_t m = 0;
        int64_t i;
    #if defined(__SSE2__) || defined(_M_X64)
        if (n >= 16) {
            const __m128i v = _mm_loadu_si128((const __m128i*) p);
            return (uint32_t) _mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8((char) c1)), _mm_cmpeq_epi8(v, _mm_set1_epi8((char) c2))));
        }
    #endif
        for (i = 0; i < n && i < 16; i++)
            if (p[i] == c1 || p[i] == c2) m |= 1u << i;
        return m;
    }
    /* the offset of the next delimiter, or len at the end */
    PGX_INLINE int64_t ds_next(DelimScan* d) {
        int i;
        while (d->mask == 0) {
            d->block += 16;
            if (d->block >= d->len) { d->block = d->len; return d->len; }
            d->mask = ds_mask(d->base + d->block, d->len - d->block, d->c1, d->c2);
        }
        i = __builtin_ctz(d->mask);
        d->mask &= d->mask - 1;
        return d->block + i;
    }
    """
    ctypedef struct DelimScan:
        pass
    void ds_init(DelimScan* d, const uint8_t* base, int64_t len, uint8_t c1, uint8_t c2) noexcept nogil
    int64_t ds_next(DelimScan* d) noexcept nogil


# numbers past this stop growing (no overflow); they are far beyond any contig
cdef int64_t POS_CAP = 100000000000

cdef enum:
    MAX_FORMAT_KEYS = 64
    MAX_FORMAT_LEN = 512

cdef struct Outputs:
    uint8_t* phased
    int32_t* dp
    int32_t* gq
    int32_t* ps
    int32_t* ad
    int ploidy
    int n_out
    int ad_width
    bint want_dp
    bint want_gq
    bint want_ps
    bint want_ad
    bint identity
    int64_t n_undef


cdef struct Fmt:
    int gt
    int dp
    int gq
    int ps
    int ad
    int last
    int length
    uint8_t text[MAX_FORMAT_LEN]


cdef inline bint is_base(uint8_t c) noexcept nogil:
    return (c == b'A' or c == b'C' or c == b'G' or c == b'T' or c == b'N' or
            c == b'a' or c == b'c' or c == b'g' or c == b't' or c == b'n')


cdef inline const uint8_t* skip_to(const uint8_t* p, const uint8_t* le, uint8_t c) noexcept nogil:
    # most fields are short: look at a few bytes before paying for a memchr call
    cdef const uint8_t* stop = p + 16 if le - p > 16 else le
    cdef const uint8_t* q
    while p < stop:
        if p[0] == c:
            return p
        p += 1
    if p == le:
        return le
    q = <const uint8_t*> memchr(p, c, le - p)
    return le if q == NULL else q


cdef inline const uint8_t* skip_subfield(const uint8_t* p, const uint8_t* le) noexcept nogil:
    while p < le and p[0] != b':' and p[0] != b'\t':
        p += 1
    return p


cdef bint valid_alt(const uint8_t* a, const uint8_t* b) noexcept nogil:
    # one ALT allele in [a, b): bases and '*', a symbolic <ID>, or a breakend
    cdef const uint8_t* p = a
    if b <= a:
        return False
    while p < b and (is_base(p[0]) or p[0] == b'*'):
        p += 1
    if p == b:  # plain bases, the usual case
        return True
    p = a
    if a[0] == b'<':
        return b - a >= 3 and (b - 1)[0] == b'>'
    if memchr(a, b'[', b - a) != NULL or memchr(a, b']', b - a) != NULL:
        return True
    if b - a >= 2 and (a[0] == b'.' or (b - 1)[0] == b'.'):
        # single breakend: .A or A.
        if a[0] == b'.':
            p = a + 1
        else:
            b = b - 1
    while p < b:
        if not (is_base(p[0]) or p[0] == b'*'):
            return False
        p += 1
    return True


cdef void parse_format(const uint8_t* a, const uint8_t* b, Fmt* f, const Outputs* o) noexcept nogil:
    # f.last: the last subfield read (GT or a wanted one); the rest of a cell is skipped whole
    cdef int k = 0
    cdef const uint8_t* q
    cdef Py_ssize_t n
    f.gt = -1
    f.dp = -1
    f.gq = -1
    f.ps = -1
    f.ad = -1
    while a <= b:
        q = <const uint8_t*> memchr(a, b':', b - a)
        if q == NULL:
            q = b
        n = q - a
        if n == 2 and a[0] == b'G' and a[1] == b'T':
            f.gt = k
        elif n == 2 and a[0] == b'D' and a[1] == b'P':
            f.dp = k
        elif n == 2 and a[0] == b'G' and a[1] == b'Q':
            f.gq = k
        elif n == 2 and a[0] == b'A' and a[1] == b'D':
            f.ad = k
        elif n == 2 and a[0] == b'P' and a[1] == b'S':
            f.ps = k
        k += 1
        a = q + 1
    f.last = -1
    if f.gt > f.last:
        f.last = f.gt
    if o.want_dp and f.dp > f.last:
        f.last = f.dp
    if o.want_gq and f.gq > f.last:
        f.last = f.gq
    if o.want_ad and f.ad > f.last:
        f.last = f.ad
    if o.want_ps and f.ps > f.last:
        f.last = f.ps


cdef inline const uint8_t* parse_int(const uint8_t* p, const uint8_t* le, int32_t* out, bint comma,
                                     int* err) noexcept nogil:
    # an integer or '.', ended by ':', '\t', the line end, or ',' when `comma`
    cdef int64_t v = 0
    cdef bint neg = False
    cdef const uint8_t* s = p
    if p < le and p[0] == b'.':
        p += 1
        out[0] = -1
    else:
        if p < le and p[0] == b'-':
            neg = True
            p += 1
        s = p
        while p < le and b'0' <= p[0] <= b'9':
            if v < 2147483647:
                v = v * 10 + (p[0] - 48)
            p += 1
        if p == s:
            err[0] = E_INT
            return p
        if v > 2147483647:
            v = 2147483647
        out[0] = <int32_t> (-v if neg else v)
    if p < le and p[0] != b':' and p[0] != b'\t' and not (comma and p[0] == b','):
        err[0] = E_INT
    return p


cdef inline const uint8_t* parse_gt(const uint8_t* p, const uint8_t* le, gt_t* out, int ploidy,
                                    int n_alleles, uint8_t* phased, int64_t* n_undef, int* err) noexcept nogil:
    cdef int k = 0
    cdef int allele
    cdef int limit = 127 if gt_t is int8_t else 32767
    cdef bint undefined = False
    cdef uint8_t ph = 1
    cdef uint8_t c
    if p < le and (p[0] == b'|' or p[0] == b'/'):
        # VCF 4.4: an explicit phase indicator before the first allele
        if p[0] == b'/':
            ph = 0
        p += 1
    while True:
        if p >= le:
            err[0] = E_GT_SYNTAX
            return p
        c = p[0]
        if c == b'.':
            allele = -1
            p += 1
        elif b'0' <= c <= b'9':
            allele = 0
            while p < le and b'0' <= p[0] <= b'9':
                if allele <= 100000000:  # stops growing long before an int overflows
                    allele = allele * 10 + (p[0] - 48)
                p += 1
            if allele >= n_alleles:
                # an ALT the record does not have (htslib reads it, with a warning)
                allele = UNDEFINED
                undefined = True
            elif allele > limit:
                err[0] = E_ALLELE_LIMIT
                return p
        else:
            err[0] = E_GT_SYNTAX
            return p
        if k >= ploidy:
            err[0] = E_PLOIDY
            return p
        out[k] = <gt_t> allele
        k += 1
        if p < le and (p[0] == b'/' or p[0] == b'|'):
            if p[0] == b'/':
                ph = 0
            p += 1
            continue
        break
    if p < le and p[0] != b':' and p[0] != b'\t':
        err[0] = E_GT_SYNTAX
        return p
    n_undef[0] += undefined
    if k == 1 and out[0] == -1:
        # a lone '.': a missing call of unstated ploidy, read as './.' (whatever the width)
        while k < ploidy:
            out[k] = -1 if k < MISSING_SLOTS else -2
            k += 1
        phased[0] = 0
        return p
    if k == 1:
        ph = 1
    phased[0] = ph
    while k < ploidy:
        out[k] = -2
        k += 1
    return p


cdef inline int fail(int64_t* state, int col, const uint8_t* start, const uint8_t* stop,
                     const uint8_t* base, int code) noexcept nogil:
    """Record where the error is (column, token bounds) and return its code."""
    state[ERR_COL] = col
    state[ERR_START] = start - base
    state[ERR_STOP] = stop - base
    return code


cdef inline int fail_cell(int64_t* state, int col, int key, const uint8_t* start, const uint8_t* le,
                          const uint8_t* base, int code) noexcept nogil:
    """Record an error in subfield ``key`` of a sample column starting at ``start``."""
    state[ERR_COL] = col
    state[ERR_KEY] = key
    state[ERR_START] = start - base
    state[ERR_STOP] = skip_subfield(start, le) - base
    return code


cdef const uint8_t* parse_cell(const uint8_t* p, const uint8_t* le, int64_t cell, gt_t* gt, Outputs* o,
                               Fmt* fmt, int n_alleles, int* err, int* err_key,
                               const uint8_t** err_at) noexcept nogil:
    """One sample column from ``p`` (just after its tab) into output ``cell``: returns the
    column's end (its closing tab or ``le``); on an error sets ``err``, the subfield index
    ``err_key`` and its start ``err_at``."""
    cdef int ploidy = o.ploidy
    cdef gt_t* g = gt + cell * ploidy
    cdef int k = 0
    cdef int j
    cdef int32_t ival = -1
    cdef uint8_t c0
    cdef const uint8_t* a
    if o.want_dp:
        o.dp[cell] = -1
    if o.want_gq:
        o.gq[cell] = -1
    if o.want_ps:
        o.ps[cell] = -1
    if o.want_ad:
        for j in range(o.ad_width):
            o.ad[cell * o.ad_width + j] = -1
    c0 = p[0] if p < le else 0
    # fast path: a diploid call of single-digit alleles, GT first ("0|1", "1/1")
    if (fmt.gt == 0 and ploidy == 2 and le - p >= 3 and b'0' <= c0 < 48 + n_alleles
            and c0 <= b'9' and (p[1] == b'|' or p[1] == b'/')
            and b'0' <= p[2] < 48 + n_alleles and p[2] <= b'9'
            and (le - p == 3 or p[3] == b'\t' or p[3] == b':')):
        g[0] = <gt_t> (c0 - 48)
        g[1] = <gt_t> (p[2] - 48)
        o.phased[cell] = p[1] == b'|'
        p += 3
        if p == le or p[0] == b'\t':
            return p
        if fmt.last == 0:
            return skip_to(p, le, b'\t')
        p += 1
        k = 1
    else:
        for j in range(ploidy):
            g[j] = -1 if j < MISSING_SLOTS else -2
        o.phased[cell] = 0
    a = p
    while True:
        if k == fmt.gt:
            p = parse_gt(p, le, g, ploidy, n_alleles, o.phased + cell, &o.n_undef, err)
        elif k == fmt.dp and o.want_dp:
            p = parse_int(p, le, &ival, False, err)
            o.dp[cell] = ival
        elif k == fmt.gq and o.want_gq:
            p = parse_int(p, le, &ival, False, err)
            o.gq[cell] = ival
        elif k == fmt.ps and o.want_ps:
            p = parse_int(p, le, &ival, False, err)
            o.ps[cell] = ival
        elif k == fmt.ad and o.want_ad:
            j = 0
            while True:
                p = parse_int(p, le, &ival, True, err)
                if err[0]:
                    break
                if j < o.ad_width:
                    o.ad[cell * o.ad_width + j] = ival
                j += 1
                if p < le and p[0] == b',':
                    p += 1
                    continue
                break
        else:
            p = skip_subfield(p, le)
        if err[0]:
            err_key[0] = k
            err_at[0] = a
            return p
        if p < le and p[0] == b':':
            p += 1
            k += 1
            if k > fmt.last:
                return skip_to(p, le, b'\t')
            a = p
            continue
        return p


cdef int parse_line(const uint8_t* ls, const uint8_t* le, int64_t v, gt_t* gt, Outputs* o, Fmt* fmt,
                    const int32_t* sample_map, int n_cols, bint has_format,
                    int64_t* pos_out, int64_t* end_out, int64_t* state,
                    const uint8_t* base, int site_columns, const uint8_t** site_end) noexcept nogil:
    """Parse one data line [ls, le) into row v. Returns 0 or an error code; ``site_end``
    receives the end of the first ``site_columns`` (7 or 8) columns."""
    cdef const uint8_t* p = ls
    cdef const uint8_t* q
    cdef const uint8_t* a
    cdef const uint8_t* info_start
    cdef const uint8_t* info_end
    cdef int col = 0
    cdef int64_t pos = 0
    cdef int n_alleles = 1
    cdef int err = 0
    cdef int s, k, out_s, j, ploidy = o.ploidy
    cdef int32_t ival = -1
    cdef gt_t* g
    cdef uint8_t* ph
    cdef uint8_t c0
    cdef unsigned int na, na0
    cdef unsigned int c2
    cdef int s0
    cdef int64_t end = -1
    cdef int64_t cell
    cdef int32_t fast_dp, fast_gq, fast_ps
    cdef DelimScan cells
    cdef DelimScan tabs
    cdef const uint8_t* cb

    # the tabs of the fixed columns in order, found 16 bytes at a time (each column's
    # end is the next one; the columns are read in order, each from the last tab + 1)
    ds_init(&tabs, ls, le - ls, b'\t', b'\t')
    # CHROM
    q = ls + ds_next(&tabs)
    if q == le:
        return fail(state, 0, p, q, base, E_COLUMNS_FEW)
    # POS
    col = 1
    p = q + 1
    q = ls + ds_next(&tabs)
    a = p
    while a < q and b'0' <= a[0] <= b'9':
        if pos < POS_CAP:
            pos = pos * 10 + (a[0] - 48)
        a += 1
    if a != q or q == p:  # POS 0 is a telomere (VCF 4.3)
        return fail(state, 1, p, q, base, E_POS)
    pos_out[v] = pos
    if q == le:
        return fail(state, 1, p, q, base, E_COLUMNS_FEW)
    # ID
    col = 2
    p = q + 1
    q = ls + ds_next(&tabs)
    if q == le:
        return fail(state, col, p, q, base, E_COLUMNS_FEW)
    # REF
    col = 3
    p = q + 1
    q = ls + ds_next(&tabs)
    a = p
    while a < q and is_base(a[0]):
        a += 1
    if a != q or q == p:
        return fail(state, 3, p, q, base, E_REF)
    if q == le:
        return fail(state, col, p, q, base, E_COLUMNS_FEW)
    # ALT
    col = 4
    p = q + 1
    q = ls + ds_next(&tabs)
    if q - p == 1 and p[0] == b'.':
        n_alleles = 1
    else:
        a = p
        while True:
            info_end = <const uint8_t*> memchr(a, b',', q - a)
            if info_end == NULL:
                info_end = q
            if not valid_alt(a, info_end):
                return fail(state, 4, a, info_end, base, E_ALT)
            n_alleles += 1
            if info_end == q:
                break
            a = info_end + 1
    if q == le:
        return fail(state, col, p, q, base, E_COLUMNS_FEW)
    # QUAL, FILTER
    for col in range(5, 7):
        p = q + 1
        q = ls + ds_next(&tabs)
        if q == le:
            return fail(state, col, p, q, base, E_COLUMNS_FEW)
    site_end[0] = q
    # INFO: only END= is read here
    col = 7
    p = q + 1
    q = ls + ds_next(&tabs)
    if site_columns == 8:
        site_end[0] = q
    info_start = p
    info_end = q
    a = p
    while a + 4 <= info_end:
        if a[0] == b'E' and a[1] == b'N' and a[2] == b'D' and a[3] == b'=' and (a == info_start or (a - 1)[0] == b';'):
            a += 4
            p = a
            end = 0
            while a < info_end and b'0' <= a[0] <= b'9':
                if end < POS_CAP:
                    end = end * 10 + (a[0] - 48)
                a += 1
            if a == p or (a < info_end and a[0] != b';'):
                return fail(state, 7, p, (<const uint8_t*> skip_to(p, info_end, b';')), base, E_END)
            break
        a = <const uint8_t*> memchr(a, b';', info_end - a)
        if a == NULL:
            break
        a += 1
    end_out[v] = end
    if not has_format:
        if q != le:
            return fail(state, 8, q + 1, le, base, E_COLUMNS_MANY)
        return 0
    if q == le:
        if n_cols == 0:
            return 0
        return fail(state, col, p, q, base, E_COLUMNS_FEW)
    # FORMAT
    col = 8
    p = q + 1
    q = ls + ds_next(&tabs)
    if q - p != fmt.length or memcmp(p, fmt.text, q - p) != 0:
        parse_format(p, q, fmt, o)
        if q - p < MAX_FORMAT_LEN:
            memcpy(fmt.text, p, q - p)
            fmt.length = <int> (q - p)
        else:
            fmt.length = -1
    # samples
    p = q
    s0 = 0
    if fmt.gt == 0 and fmt.length == 2 and ploidy == 2 and o.identity and not (o.want_dp or o.want_gq or o.want_ad or o.want_ps):
        # tight loop for FORMAT "GT" with diploid single-digit calls in every column
        g = gt + v * o.n_out * 2
        ph = o.phased + v * o.n_out
        na = n_alleles if n_alleles < 10 else 10
        # four calls ("\t0|1\t1/1\t0|0\t0|0") per 16-byte vector, then a tab
        if gt_t is int8_t:
            while s0 + 4 <= n_cols and p + 16 < le and p[16] == b'\t' and gt4_simd(p, na, g + 2 * s0, ph + s0):
                p += 16
                s0 += 4
        while s0 < n_cols and p + 4 <= le:
            c0 = <uint8_t> (p[1] - 48)
            c2 = <unsigned int> (p[3] - 48)
            if (p[0] != b'\t' or c0 >= na or c2 >= na or (p[2] != b'|' and p[2] != b'/')
                    or (p + 4 < le and p[4] != b'\t')):
                break
            g[2 * s0] = <gt_t> c0
            g[2 * s0 + 1] = <gt_t> c2
            ph[s0] = p[2] == b'|'
            p += 4
            s0 += 1
    if (fmt.gt == 0 and ploidy == 2 and o.identity and not o.want_ad and fmt.last >= 1
            and (o.want_dp or o.want_gq or o.want_ps)):
        # calls "A/B:..." of single-digit alleles with plain whole numbers in the wanted
        # integer subfields; a cell that is anything else is read by the general code
        # (parse_cell), and the loop resumes after it
        na = n_alleles if n_alleles < 10 else 10
        na0 = na
        while s0 < n_cols:
            na = na0
            # the ':' and tabs of the sample columns in order; at each cell's start the last one
            # taken is the tab before it
            cb = p
            ds_init(&cells, cb, le - cb, b':', b'\t')
            if p < le and cb + ds_next(&cells) != p:
                na = 0  # (p is at a tab, so never) no call passes: the general loop does them all
            while s0 < n_cols and le - p >= 5 and p[0] == b'\t' and p[4] == b':':
                c0 = <uint8_t> (p[1] - 48)
                c2 = <unsigned int> (p[3] - 48)
                if c0 >= na or c2 >= na or (p[2] != b'|' and p[2] != b'/'):
                    break
                q = cb + ds_next(&cells)
                if q != p + 4:
                    break
                k = 1
                fast_dp = -1
                fast_gq = -1
                fast_ps = -1
                while True:
                    a = q + 1
                    q = cb + ds_next(&cells)
                    if (k == fmt.dp and o.want_dp) or (k == fmt.gq and o.want_gq) or (k == fmt.ps and o.want_ps):
                        if q == a or q - a > 9:
                            break
                        ival = 0
                        while a < q and <unsigned int> (a[0] - 48) < 10:
                            ival = ival * 10 + (a[0] - 48)
                            a += 1
                        if a != q:
                            break
                        if k == fmt.dp:
                            fast_dp = ival
                        elif k == fmt.gq:
                            fast_gq = ival
                        else:
                            fast_ps = ival
                    if q == le or q[0] == b'\t':
                        k = -1
                        break
                    if k == fmt.last:
                        while q != le and q[0] != b'\t':
                            q = cb + ds_next(&cells)
                        k = -1
                        break
                    k += 1
                if k != -1:
                    break
                cell = v * o.n_out + s0
                gt[2 * cell] = <gt_t> c0
                gt[2 * cell + 1] = <gt_t> c2
                o.phased[cell] = p[2] == b'|'
                if o.want_dp:
                    o.dp[cell] = fast_dp
                if o.want_gq:
                    o.gq[cell] = fast_gq
                if o.want_ps:
                    o.ps[cell] = fast_ps
                p = q
                s0 += 1
            if s0 >= n_cols or p == le or p[0] != b'\t' or na == 0:
                break
            # p is at the tab before a column the loop above does not take (a missing call, a
            # '.' or a long number...): the general code reads that one, then the loop resumes
            p = parse_cell(p + 1, le, v * o.n_out + s0, gt, o, fmt, n_alleles, &err, &k, &a)
            if err:
                return fail_cell(state, 9 + s0, k, a, le, base, err)
            s0 += 1
    for s in range(s0, n_cols):
        if p == le:
            return fail(state, 8 + s, p, p, base, E_COLUMNS_FEW)
        p += 1  # the tab before this column
        out_s = sample_map[s]
        if out_s < 0:
            p = skip_to(p, le, b'\t')
            continue
        p = parse_cell(p, le, v * o.n_out + out_s, gt, o, fmt, n_alleles, &err, &k, &a)
        if err:
            return fail_cell(state, 9 + s, k, a, le, base, err)
    if p != le:
        return fail(state, 9 + n_cols, p + 1, le, base, E_COLUMNS_MANY)
    return 0


def parse_records(
    const uint8_t[::1] buf,
    Py_ssize_t start,
    Py_ssize_t stop,
    bint at_eof,
    int64_t[::1] state,
    const int32_t[::1] sample_map,
    bint has_format,
    gt_t[:, :, ::1] gt,
    uint8_t[:, ::1] phased,
    int32_t[:, ::1] dp,
    int32_t[:, ::1] gq,
    int32_t[:, ::1] ps,
    int32_t[:, :, ::1] ad,
    int64_t[::1] pos,
    int64_t[::1] end,
    int64_t[::1] lines,
    uint8_t[::1] sites,
    int64_t max_variants,
    int site_columns=8,
):
    """Parse complete VCF data lines from ``buf[start:stop]``.

    Parameters
    ----------
    buf : uint8 array
        Decompressed text; only ``buf[start:stop]`` is read.
    start, stop : int
        Byte range to parse.
    at_eof : bool
        Whether ``stop`` is the end of the file (a last line without newline is complete).
    state : int64 array
        In/out parser state, see the module docstring.
    sample_map : int32 array
        For each sample column of the file, its output column or -1 to skip it.
    has_format : bool
        Whether the header declares a FORMAT column.
    gt : int8 or int16 array (variants, samples, ploidy)
        Genotype output (see the module docstring for the codes).
    phased, dp, gq, ps, ad : arrays
        Outputs, rows indexed by variant; ``dp``/``gq``/``ps``/``ad`` may have zero
        columns when not requested.
    pos, end, lines : int64 arrays
        POS (1-based; 0 for a telomere), INFO END (-1 when absent) and the 1-based line
        number, per variant.
    sites : uint8 array
        Receives the first ``site_columns`` columns of every line, newline-terminated.
    max_variants : int
        Stop (status 1) once ``state[0]`` reaches this row count.
    site_columns : {8, 7}
        How many leading columns go to ``sites`` (7 leaves INFO out).

    Returns
    -------
    int
        0 all complete lines parsed (more data needed), 1 ``max_variants`` reached,
        2 ``sites`` is full, 3 an error (code in ``state[4]``).
    """
    cdef const uint8_t* base = &buf[0] if buf.shape[0] > 0 else NULL
    cdef const uint8_t* p
    cdef const uint8_t* le
    cdef const uint8_t* line_end
    cdef const uint8_t* site_end
    cdef const uint8_t* limit
    cdef int64_t v = state[N_VAR]
    cdef int64_t line = state[LINE]
    cdef int64_t site_len = state[SITE_LEN]
    cdef int64_t site_cap = sites.shape[0]
    cdef int64_t n_site
    cdef int status = ST_NEED_DATA
    cdef int err = 0
    cdef Py_ssize_t i
    cdef Outputs o
    cdef Fmt fmt
    cdef int n_cols = sample_map.shape[0]
    cdef const int32_t* smap = &sample_map[0] if n_cols > 0 else NULL
    cdef int64_t* pos_ptr = &pos[0] if pos.shape[0] > 0 else NULL
    cdef int64_t* end_ptr = &end[0] if end.shape[0] > 0 else NULL
    cdef int64_t* line_ptr = &lines[0] if lines.shape[0] > 0 else NULL
    cdef uint8_t* site_ptr = &sites[0] if site_cap > 0 else NULL
    if site_columns != 7 and site_columns != 8:
        raise ValueError(f"site_columns must be 7 or 8, found {site_columns}")
    if state.shape[0] <= N_UNDEF:
        raise ValueError(f"state must have {N_UNDEF + 1} entries, found {state.shape[0]}")
    if max_variants > pos.shape[0]:
        max_variants = pos.shape[0]
    if base == NULL or start >= stop:
        state[OFFSET] = start
        return ST_NEED_DATA
    cdef gt_t* gt_ptr = &gt[0, 0, 0] if gt.shape[0] > 0 and gt.shape[1] > 0 else NULL
    o.phased = &phased[0, 0] if phased.shape[0] > 0 and phased.shape[1] > 0 else NULL
    o.ploidy = <int> gt.shape[2]
    o.n_out = <int> gt.shape[1]
    o.want_dp = dp.shape[0] > 0 and dp.shape[1] > 0
    o.want_gq = gq.shape[0] > 0 and gq.shape[1] > 0
    o.want_ps = ps.shape[0] > 0 and ps.shape[1] > 0
    o.want_ad = ad.shape[0] > 0 and ad.shape[1] > 0
    o.dp = &dp[0, 0] if o.want_dp else NULL
    o.gq = &gq[0, 0] if o.want_gq else NULL
    o.ps = &ps[0, 0] if o.want_ps else NULL
    o.ad = &ad[0, 0, 0] if o.want_ad else NULL
    o.ad_width = <int> ad.shape[2]
    o.identity = n_cols == o.n_out
    o.n_undef = state[N_UNDEF]
    for i in range(n_cols):
        if sample_map[i] != i:
            o.identity = False
            break
    fmt.length = -2
    fmt.gt = -1
    fmt.dp = -1
    fmt.gq = -1
    fmt.ps = -1
    fmt.ad = -1
    fmt.last = -1
    with nogil:
        p = base + start
        limit = base + stop
        while p < limit:
            if v >= max_variants:
                status = ST_FULL
                break
            line_end = <const uint8_t*> memchr(p, b'\n', limit - p)
            if line_end == NULL:
                if not at_eof:
                    break
                line_end = limit
            le = line_end
            if le > p and (le - 1)[0] == b'\r':
                le -= 1
            if le == p:
                line += 1
                p = line_end + 1
                continue
            if p[0] == b'#':
                err = E_HEADER_IN_BODY
                state[ERR_COL] = 0
                state[ERR_START] = p - base
                state[ERR_STOP] = le - base
            else:
                # the first seven or eight columns go to `sites` as they are
                err = parse_line(p, le, v, gt_ptr, &o, &fmt, smap, n_cols, has_format,
                                 pos_ptr, end_ptr, &state[0], base, site_columns, &site_end)
                if not err:
                    n_site = site_end - p
                    if site_len + n_site + 1 > site_cap:
                        status = ST_SITES_FULL  # row v is parsed again after the caller grows `sites`
                        break
            if err:
                state[ERR_KEY] = -1 if state[ERR_COL] < 9 else state[ERR_KEY]
                state[LINE_START] = p - base
                line += 1
                status = ST_ERROR
                break
            memcpy(site_ptr + site_len, p, n_site)
            site_len += n_site
            site_ptr[site_len] = b'\n'
            site_len += 1
            line += 1
            line_ptr[v] = line
            v += 1
            p = line_end + 1
        if p > limit:
            p = limit
    state[N_VAR] = v
    state[LINE] = line
    state[SITE_LEN] = site_len
    state[OFFSET] = p - base
    state[ERR_CODE] = err
    state[N_UNDEF] = o.n_undef
    return status


# --------------------------------------------------------------------------- site columns
# The site text the kernel copies out (``sites``) is turned into typed columns here, handed
# to polars through the Arrow C data interface (``__arrow_c_array__``), with no pyarrow and
# no CSV reader in between.

cdef extern from *:
    """
    #include <stdlib.h>
    #include <string.h>
    #ifndef ARROW_C_DATA_INTERFACE
    #define ARROW_C_DATA_INTERFACE
    struct ArrowSchema {
        const char* format; const char* name; const char* metadata; int64_t flags;
        int64_t n_children; struct ArrowSchema** children; struct ArrowSchema* dictionary;
        void (*release)(struct ArrowSchema*); void* private_data;
    };
    struct ArrowArray {
        int64_t length; int64_t null_count; int64_t offset; int64_t n_buffers; int64_t n_children;
        const void** buffers; struct ArrowArray** children; struct ArrowArray* dictionary;
        void (*release)(struct ArrowArray*); void* private_data;
    };
    #endif
    static void pgx_schema_release(struct ArrowSchema* s) {
        int64_t i;
        for (i = 0; i < s->n_children; i++) {
            if (s->children[i]->release) s->children[i]->release(s->children[i]);
            free(s->children[i]);
        }
        free(s->children);
        s->release = NULL;
    }
    /* a nullable field of `format` (a static string) with at most one child */
    static struct ArrowSchema* pgx_schema(const char* format, struct ArrowSchema* child) {
        struct ArrowSchema* s = (struct ArrowSchema*) calloc(1, sizeof(struct ArrowSchema));
        if (s == NULL) { if (child) { child->release(child); free(child); } return NULL; }
        s->format = format;
        s->name = "";
        s->flags = 2;
        if (child != NULL) {
            s->children = (struct ArrowSchema**) malloc(sizeof(struct ArrowSchema*));
            if (s->children == NULL) { child->release(child); free(child); free(s); return NULL; }
            s->children[0] = child;
            s->n_children = 1;
        }
        s->release = pgx_schema_release;
        return s;
    }
    static void pgx_array_release(struct ArrowArray* a) {
        int64_t i;
        for (i = 0; i < a->n_children; i++) {
            if (a->children[i]->release) a->children[i]->release(a->children[i]);
            free(a->children[i]);
        }
        free(a->children);
        for (i = 0; i < 4; i++) free((void*) a->buffers[i]);
        free((void*) a->buffers);
        a->release = NULL;
    }
    /* an array owning its buffers b0..b3 (freed on release, or at once on failure) */
    static struct ArrowArray* pgx_array(int64_t length, int64_t null_count, int64_t n_buffers,
                                        void* b0, void* b1, void* b2, void* b3, struct ArrowArray* child) {
        struct ArrowArray* a = (struct ArrowArray*) calloc(1, sizeof(struct ArrowArray));
        const void** bufs = (const void**) malloc(4 * sizeof(void*));
        struct ArrowArray** kids = child ? (struct ArrowArray**) malloc(sizeof(struct ArrowArray*)) : NULL;
        if (a == NULL || bufs == NULL || (child != NULL && kids == NULL)) {
            free(a); free((void*) bufs); free(kids); free(b0); free(b1); free(b2); free(b3);
            if (child) { child->release(child); free(child); }
            return NULL;
        }
        bufs[0] = b0; bufs[1] = b1; bufs[2] = b2; bufs[3] = b3;
        a->length = length;
        a->null_count = null_count;
        a->n_buffers = n_buffers;
        a->buffers = bufs;
        if (child != NULL) { kids[0] = child; a->n_children = 1; a->children = kids; }
        a->release = pgx_array_release;
        return a;
    }
    static void pgx_schema_capsule_free(PyObject* capsule) {
        struct ArrowSchema* s = (struct ArrowSchema*) PyCapsule_GetPointer(capsule, "arrow_schema");
        if (s == NULL) { PyErr_Clear(); return; }
        if (s->release) s->release(s);
        free(s);
    }
    static void pgx_array_capsule_free(PyObject* capsule) {
        struct ArrowArray* a = (struct ArrowArray*) PyCapsule_GetPointer(capsule, "arrow_array");
        if (a == NULL) { PyErr_Clear(); return; }
        if (a->release) a->release(a);
        free(a);
    }
    static PyObject* pgx_capsules(struct ArrowSchema* s, struct ArrowArray* a) {
        PyObject* sc = PyCapsule_New(s, "arrow_schema", pgx_schema_capsule_free);
        PyObject* ac;
        if (sc == NULL) { s->release(s); free(s); a->release(a); free(a); return NULL; }
        ac = PyCapsule_New(a, "arrow_array", pgx_array_capsule_free);
        if (ac == NULL) { Py_DECREF(sc); a->release(a); free(a); return NULL; }
        return Py_BuildValue("(NN)", sc, ac);
    }
    """
    struct ArrowSchema:
        pass
    struct ArrowArray:
        pass
    ArrowSchema* pgx_schema(const char* format, ArrowSchema* child) noexcept nogil
    ArrowArray* pgx_array(int64_t length, int64_t null_count, int64_t n_buffers,
                          void* b0, void* b1, void* b2, void* b3, ArrowArray* child) noexcept nogil
    object pgx_capsules(ArrowSchema* s, ArrowArray* a)

cdef extern from *:
    """
    static void pgx_free_schema(struct ArrowSchema* s) { if (s) { if (s->release) s->release(s); free(s); } }
    static void pgx_free_array(struct ArrowArray* a) { if (a) { if (a->release) a->release(a); free(a); } }
    """
    void pgx_free_schema(ArrowSchema* s) noexcept nogil
    void pgx_free_array(ArrowArray* a) noexcept nogil

from libc.stdlib cimport malloc, calloc, realloc, free, strtof


cdef class ArrowColumn:
    """One column built here, for ``polars.Series(name, column)`` (Arrow PyCapsule protocol)."""
    cdef ArrowSchema* schema
    cdef ArrowArray* array

    def __dealloc__(self):
        pgx_free_schema(self.schema)
        pgx_free_array(self.array)

    def __arrow_c_array__(self, requested_schema=None):
        if self.schema == NULL or self.array == NULL:
            raise ValueError("this column was already exported")
        schema, array = self.schema, self.array
        self.schema = NULL
        self.array = NULL
        return pgx_capsules(schema, array)


cdef struct StrCol:
    # a string column in Arrow's view layout ("vu"), as polars holds strings: 16 bytes a
    # value, up to 12 bytes inline, longer ones in one data buffer
    int64_t n
    int64_t n_cap
    uint8_t* views
    uint8_t* validity
    int64_t nulls
    char* data
    int64_t size
    int64_t cap


cdef bint str_init(StrCol* c, int64_t n_cap, bint nullable) noexcept nogil:
    c.n = 0
    c.n_cap = n_cap if n_cap > 16 else 16
    c.nulls = 0
    c.size = 0
    c.cap = 4096
    # zeroed (large blocks are fresh zero pages: a column that stays null costs no faults)
    c.views = <uint8_t*> calloc(c.n_cap, 16)
    c.validity = <uint8_t*> calloc((c.n_cap + 8) // 8, 1) if nullable else NULL
    c.data = <char*> malloc(c.cap)
    return not (c.views == NULL or c.data == NULL or (nullable and c.validity == NULL))


cdef void str_free(StrCol* c) noexcept nogil:
    free(c.views)
    free(c.validity)
    free(c.data)
    c.views = NULL
    c.validity = NULL
    c.data = NULL


cdef inline bint str_push(StrCol* c, const uint8_t* a, int64_t length, bint valid) noexcept nogil:
    cdef int64_t new_cap
    cdef void* grown
    cdef uint8_t* v
    cdef int32_t word
    if c.n >= c.n_cap:
        new_cap = c.n_cap * 2
        grown = realloc(c.views, new_cap * 16)
        if grown == NULL:
            return False
        c.views = <uint8_t*> grown
        memset(c.views + 16 * c.n_cap, 0, (new_cap - c.n_cap) * 16)
        c.n_cap = new_cap
    v = c.views + 16 * c.n  # zeroed: a null stays all zeros, short values zero-padded
    if valid:
        word = <int32_t> length
        memcpy(v, &word, 4)
        if length <= 12:
            memcpy(v + 4, a, length)
        else:
            if c.size + length > 2147483647:
                return False
            if c.size + length > c.cap:
                new_cap = (c.size + length) * 2
                grown = realloc(c.data, new_cap)
                if grown == NULL:
                    return False
                c.data = <char*> grown
                c.cap = new_cap
            memcpy(v + 4, a, 4)
            word = <int32_t> c.size
            memcpy(v + 12, &word, 4)  # buffer index 0 at v + 8
            memcpy(c.data + c.size, a, length)
            c.size += length
        if c.validity != NULL:
            c.validity[c.n >> 3] |= <uint8_t> (1 << (c.n & 7))
    else:
        c.nulls += 1
    c.n += 1
    return True


cdef bint push_split(StrCol* c, const uint8_t* a, const uint8_t* b, uint8_t sep) noexcept nogil:
    # the parts of [a, b) between `sep` bytes, each a value (empty parts too)
    cdef const uint8_t* s
    while True:
        s = a
        while s < b and s[0] != sep:
            s += 1
        if not str_push(c, a, s - a, True):
            return False
        if s == b:
            return True
        a = s + 1


cdef ArrowArray* str_array(StrCol* c) noexcept nogil:
    # hands the buffers over (also on failure): validity, views, one data buffer, its size
    cdef int64_t* sizes = <int64_t*> malloc(sizeof(int64_t))
    cdef ArrowArray* a
    if sizes != NULL:
        sizes[0] = c.size
    a = pgx_array(c.n, c.nulls, 4, c.validity if c.nulls else NULL, c.views, c.data, sizes, NULL)
    if not c.nulls:
        free(c.validity)
    c.views = NULL
    c.validity = NULL
    c.data = NULL
    if sizes == NULL:
        pgx_free_array(a)
        return NULL
    return a


cdef inline bint is_null_text(const uint8_t* a, const uint8_t* b) noexcept nogil:
    return a == b or (b - a == 1 and a[0] == b'.')


cdef int parse_qual(const uint8_t* a, const uint8_t* b, float* out) noexcept nogil:
    """A plain decimal number (sign, digits, point, exponent) -> 1; anything else 0."""
    cdef const uint8_t* p = a
    cdef int digits = 0
    cdef char text[48]
    cdef char* stop
    if b - a >= 47:
        return 0
    if p < b and (p[0] == b'+' or p[0] == b'-'):
        p += 1
    while p < b and b'0' <= p[0] <= b'9':
        p += 1
        digits += 1
    if p < b and p[0] == b'.':
        p += 1
        while p < b and b'0' <= p[0] <= b'9':
            p += 1
            digits += 1
    if digits == 0:
        return 0
    if p < b and (p[0] == b'e' or p[0] == b'E'):
        p += 1
        if p < b and (p[0] == b'+' or p[0] == b'-'):
            p += 1
        digits = 0
        while p < b and b'0' <= p[0] <= b'9':
            p += 1
            digits += 1
        if digits == 0:
            return 0
    if p != b:
        return 0
    memcpy(text, a, b - a)
    text[b - a] = 0
    out[0] = strtof(text, &stop)
    return 1 if stop == text + (b - a) else 0


def site_columns(const uint8_t[::1] data, int n_rows, int n_columns):
    """Typed site columns of ``n_rows`` newline-terminated lines of site text.

    Parameters
    ----------
    data : uint8 array
        The first ``n_columns`` columns of each record (``sites`` of :func:`parse_records`).
    n_rows : int
        Lines in ``data``.
    n_columns : int
        7 (CHROM to FILTER) or 8 (with INFO).

    Returns
    -------
    dict or None
        ``chrom``, ``id``, ``ref`` (str, '.' or empty -> null), ``alt`` (list of str, '.' ->
        empty), ``qual`` (float32, '.' -> null), ``filter`` (list of str split at ';', '.' ->
        null) and with 8 columns ``info`` (str); each value for ``polars.Series(name, value)``.
        None when the text is not plain ASCII or a QUAL is not a plain decimal number (the
        caller then uses its general path).
    """
    cdef const uint8_t* base = &data[0] if data.shape[0] > 0 else NULL
    cdef const uint8_t* end = base + data.shape[0]
    cdef const uint8_t* p
    cdef const uint8_t* q
    cdef int64_t L = data.shape[0]
    cdef int64_t row = 0, i
    cdef int c
    cdef uint8_t acc = 0
    cdef bint ok = True
    cdef bint with_info = n_columns >= 8
    cdef StrCol cols[4]          # chrom, id, ref, info
    cdef StrCol alt_child, flt_child
    cdef DelimScan ds
    cdef int64_t* alt_off = NULL
    cdef int64_t* flt_off = NULL
    cdef uint8_t* flt_valid = NULL
    cdef int64_t flt_nulls = 0
    cdef float* qual = NULL
    cdef uint8_t* qual_valid = NULL
    cdef int64_t qual_nulls = 0
    cdef int n_str = 4 if with_info else 3
    cdef ArrowArray* child
    cdef bint lost = False
    cdef ArrowColumn column
    cdef const char* fmt_str = "vu"
    if n_rows < 0 or n_columns < 7 or n_columns > 8:
        raise ValueError("site_columns: n_rows >= 0 and n_columns 7 or 8")
    memset(cols, 0, sizeof(cols))
    memset(&alt_child, 0, sizeof(alt_child))
    memset(&flt_child, 0, sizeof(flt_child))
    with nogil:
        for i in range(L):
            acc |= base[i]
        if acc & 0x80:
            ok = False
        if ok:
            for c in range(n_str):
                ok = ok and str_init(&cols[c], n_rows, True)
            ok = ok and str_init(&alt_child, n_rows, False)
            ok = ok and str_init(&flt_child, n_rows, False)
            alt_off = <int64_t*> malloc((n_rows + 1) * sizeof(int64_t))
            flt_off = <int64_t*> malloc((n_rows + 1) * sizeof(int64_t))
            flt_valid = <uint8_t*> calloc((n_rows + 8) // 8, 1)
            qual = <float*> malloc((n_rows + 1) * sizeof(float))
            qual_valid = <uint8_t*> calloc((n_rows + 8) // 8, 1)
            ok = ok and alt_off != NULL and flt_off != NULL and flt_valid != NULL and qual != NULL and qual_valid != NULL
        if ok:
            alt_off[0] = 0
            flt_off[0] = 0
            p = base
            ds_init(&ds, base, L, b'\t', b'\n')
            while p < end and ok:
                if row >= n_rows:
                    ok = False
                    break
                for c in range(n_columns):
                    q = base + ds_next(&ds)
                    if c == 0:
                        ok = str_push(&cols[0], p, q - p, not is_null_text(p, q))
                    elif c == 2:
                        ok = str_push(&cols[1], p, q - p, not is_null_text(p, q))
                    elif c == 3:
                        ok = str_push(&cols[2], p, q - p, not is_null_text(p, q))
                    elif c == 7:
                        ok = str_push(&cols[3], p, q - p, not is_null_text(p, q))
                    elif c == 4:
                        if not is_null_text(p, q):
                            ok = push_split(&alt_child, p, q, b',')
                        alt_off[row + 1] = alt_child.n
                    elif c == 5:
                        if is_null_text(p, q):
                            qual[row] = 0
                            qual_nulls += 1
                        elif parse_qual(p, q, &qual[row]):
                            qual_valid[row >> 3] |= <uint8_t> (1 << (row & 7))
                        else:
                            ok = False
                    elif c == 6:
                        if is_null_text(p, q):
                            flt_nulls += 1
                        else:
                            flt_valid[row >> 3] |= <uint8_t> (1 << (row & 7))
                            ok = push_split(&flt_child, p, q, b';')
                        flt_off[row + 1] = flt_child.n
                    if not ok:
                        break
                    # a tab after every column but the last, then the line's end
                    if (q < end and q[0] == b'\t') != (c < n_columns - 1):
                        ok = False
                        break
                    p = q + 1
                row += 1
            if row != n_rows:
                ok = False
    if not ok:
        for c in range(4):
            str_free(&cols[c])
        str_free(&alt_child)
        str_free(&flt_child)
        free(alt_off)
        free(flt_off)
        free(flt_valid)
        free(qual)
        free(qual_valid)
        return None
    out = {}
    names = ("chrom", "id", "ref", "info")
    for c in range(n_str):
        column = ArrowColumn.__new__(ArrowColumn)
        column.array = str_array(&cols[c])
        column.schema = pgx_schema(fmt_str, NULL)
        out[names[c]] = column
    info = out.pop("info", None)
    column = ArrowColumn.__new__(ArrowColumn)
    child = str_array(&alt_child)
    lost = child == NULL
    column.array = pgx_array(n_rows, 0, 2, NULL, alt_off, NULL, NULL, child)
    column.schema = pgx_schema("+L", pgx_schema(fmt_str, NULL))
    out["alt"] = column
    column = ArrowColumn.__new__(ArrowColumn)
    column.array = pgx_array(n_rows, qual_nulls, 2, qual_valid if qual_nulls else NULL, qual, NULL, NULL, NULL)
    if not qual_nulls:
        free(qual_valid)
    column.schema = pgx_schema("f", NULL)
    out["qual"] = column
    column = ArrowColumn.__new__(ArrowColumn)
    child = str_array(&flt_child)
    lost = lost or child == NULL
    column.array = pgx_array(n_rows, flt_nulls, 2, flt_valid if flt_nulls else NULL, flt_off, NULL, NULL, child)
    if not flt_nulls:
        free(flt_valid)
    column.schema = pgx_schema("+L", pgx_schema(fmt_str, NULL))
    out["filter"] = column
    if info is not None:
        out["info"] = info
    for value in out.values():
        lost = lost or (<ArrowColumn> value).array == NULL or (<ArrowColumn> value).schema == NULL
    if lost:  # the columns built so far are freed with `out`
        raise MemoryError("site_columns: out of memory")
    return out
