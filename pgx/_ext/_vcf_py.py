"""Pure-Python twin of :mod:`pgx._ext._vcf`: same signature, same results.

It is the oracle the tests hold the Cython kernel to, and the fallback a user may opt
into (``PGX_PURE_PYTHON=1``) with a warning. Written for clarity, not speed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np

N_VAR, LINE, SITE_LEN, OFFSET, ERR_CODE, ERR_COL, ERR_KEY, ERR_START, ERR_STOP, LINE_START, N_UNDEF = range(11)
ST_NEED_DATA, ST_FULL, ST_SITES_FULL, ST_ERROR = range(4)
(E_COLUMNS_FEW, E_POS, E_REF, E_ALT, E_GT_SYNTAX, _E_GT_ALLELE, E_PLOIDY, E_INT,
 E_COLUMNS_MANY, E_ALLELE_LIMIT, E_END, E_HEADER_IN_BODY) = range(1, 13)

UNDEFINED = -3  # an allele index past the record's ALT alleles
MISSING_SLOTS = 2  # slots a call of unstated ploidy is missing in
_BASES = frozenset(b"ACGTNacgtn")
_INT32_MAX = 2147483647


class _Fail(Exception):
    def __init__(self, code: int, col: int, start: int, stop: int, key: int = -1) -> None:
        super().__init__(code)
        self.code, self.col, self.start, self.stop, self.key = code, col, start, stop, key


def _valid_alt(allele: bytes) -> bool:
    if not allele:
        return False
    if allele[:1] == b"<":
        return len(allele) >= 3 and allele[-1:] == b">"
    if b"[" in allele or b"]" in allele:
        return True
    if len(allele) >= 2 and allele[:1] == b".":
        allele = allele[1:]
    elif len(allele) >= 2 and allele[-1:] == b".":
        allele = allele[:-1]
    return all(c in _BASES or c == ord("*") for c in allele)


def _parse_int(text: bytes) -> int:
    """Parse one integer subfield; '.' is -1; raise ValueError on anything else."""
    if text == b".":
        return -1
    body = text[1:] if text[:1] == b"-" else text
    if not body or not body.isdigit():
        raise ValueError
    value = min(int(body), _INT32_MAX)
    return -value if text[:1] == b"-" else value


def _parse_gt(text: bytes, ploidy: int, n_alleles: int, limit: int) -> tuple[list[int], int]:
    """Return (alleles padded to ploidy, phased) or raise _GtError(code); an index past the
    ALT alleles is ``UNDEFINED``, one above ``limit`` (the dtype's largest) an error."""
    phased = 1
    if text[:1] in (b"|", b"/"):
        phased = 0 if text[:1] == b"/" else 1
        text = text[1:]
    if not text:
        raise _GtError(E_GT_SYNTAX)
    alleles: list[int] = []
    i = 0
    while True:
        if i >= len(text):
            raise _GtError(E_GT_SYNTAX)
        c = text[i:i + 1]
        if c == b".":
            allele = -1
            i += 1
        elif c.isdigit():
            j = i
            while j < len(text) and text[j:j + 1].isdigit():
                j += 1
            allele = int(text[i:j])
            i = j
            if allele >= n_alleles:
                allele = UNDEFINED
            elif allele > limit:
                raise _GtError(E_ALLELE_LIMIT)
        else:
            raise _GtError(E_GT_SYNTAX)
        if len(alleles) >= ploidy:
            raise _GtError(E_PLOIDY)
        alleles.append(allele)
        if i < len(text) and text[i:i + 1] in (b"/", b"|"):
            if text[i:i + 1] == b"/":
                phased = 0
            i += 1
            continue
        break
    if i != len(text):
        raise _GtError(E_GT_SYNTAX)
    if alleles == [-1]:
        return _missing_call(ploidy), 0
    if len(alleles) == 1:
        phased = 1
    return alleles + [-2] * (ploidy - len(alleles)), phased


def _missing_call(ploidy: int) -> list[int]:
    """A call of unstated ploidy (a lone '.', no GT): read as './.', -2 in further slots."""
    return [-1] * min(ploidy, MISSING_SLOTS) + [-2] * max(0, ploidy - MISSING_SLOTS)


class _GtError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _find_end(info: bytes, offset: int) -> tuple[int, int, int] | None:
    """Return (value, start, stop) of INFO END= or None; raise _Fail on a bad value."""
    i = 0
    for item in info.split(b";"):
        if item.startswith(b"END="):
            raw = item[4:]
            if not raw.isdigit():
                start = offset + i + 4
                raise _Fail(E_END, 7, start, start + len(raw))
            return int(raw), 0, 0
        i += len(item) + 1
    return None


def _parse_line(line: bytes, ls: int, v: int, arrays: dict, sample_map, has_format: bool) -> None:
    cols = line.split(b"\t")
    offsets = [ls]
    for c in cols[:-1]:
        offsets.append(offsets[-1] + len(c) + 1)

    def fail(code: int, col: int, key: int = -1, start: int | None = None, stop: int | None = None):
        s = offsets[col] if start is None else start
        e = offsets[col] + len(cols[col]) if stop is None else stop
        raise _Fail(code, col, s, e, key)

    # fixed columns, checked in order as the kernel does
    if len(cols) < 2:
        fail(E_COLUMNS_FEW, 0)
    pos_text = cols[1]
    if not pos_text.isdigit():  # POS 0 is a telomere (VCF 4.3)
        fail(E_POS, 1)
    arrays["pos"][v] = min(int(pos_text), 100000000000 * 10)
    if len(cols) < 3:
        fail(E_COLUMNS_FEW, 1)
    if len(cols) < 4:
        fail(E_COLUMNS_FEW, 2)
    ref = cols[3]
    if not ref or any(c not in _BASES for c in ref):
        fail(E_REF, 3)
    if len(cols) < 5:
        fail(E_COLUMNS_FEW, 3)
    alt = cols[4]
    n_alleles = 1
    if alt != b".":
        start = offsets[4]
        for allele in alt.split(b","):
            if not _valid_alt(allele):
                fail(E_ALT, 4, start=start, stop=start + len(allele))
            n_alleles += 1
            start += len(allele) + 1
    if len(cols) < 6:
        fail(E_COLUMNS_FEW, 4)
    for col in (5, 6):
        if len(cols) < col + 2:
            fail(E_COLUMNS_FEW, col)
    found = _find_end(cols[7], offsets[7])
    arrays["end"][v] = found[0] if found else -1
    if not has_format:
        if len(cols) > 8:
            fail(E_COLUMNS_MANY, 8, start=offsets[8], stop=ls + len(line))
        return
    n_cols = len(sample_map)
    if len(cols) == 8:
        if n_cols == 0:
            return
        fail(E_COLUMNS_FEW, 7)
    keys = cols[8].split(b":")
    index = {k: i for i, k in reversed(list(enumerate(keys)))}
    gt_i, dp_i, gq_i, ad_i, ps_i = (index.get(k, -1) for k in (b"GT", b"DP", b"GQ", b"AD", b"PS"))
    gt, phased = arrays["gt"], arrays["phased"]
    dp, gq, ad, ps = arrays["dp"], arrays["gq"], arrays["ad"], arrays["ps"]
    want_dp, want_gq, want_ad = dp.shape[1] > 0, gq.shape[1] > 0, ad.shape[1] > 0
    want_ps = ps.shape[1] > 0
    ploidy = gt.shape[2]
    limit = int(np.iinfo(gt.dtype).max)
    for s in range(n_cols):
        col = 9 + s
        if len(cols) <= col:
            end_at = offsets[-1] + len(cols[-1])
            raise _Fail(E_COLUMNS_FEW, 8 + s, end_at, end_at)
        out = sample_map[s]
        if out < 0:
            continue
        gt[v, out, :] = _missing_call(ploidy)
        phased[v, out] = 0
        if want_dp:
            dp[v, out] = -1
        if want_gq:
            gq[v, out] = -1
        if want_ps:
            ps[v, out] = -1
        if want_ad:
            ad[v, out, :] = -1
        start = offsets[col]
        for k, sub in enumerate(cols[col].split(b":")):
            try:
                if k == gt_i:
                    alleles, ph = _parse_gt(sub, ploidy, n_alleles, limit)
                    gt[v, out, :] = alleles
                    phased[v, out] = ph
                    arrays["n_undef"] += UNDEFINED in alleles
                elif k == dp_i and want_dp:
                    dp[v, out] = _parse_int(sub)
                elif k == gq_i and want_gq:
                    gq[v, out] = _parse_int(sub)
                elif k == ps_i and want_ps:
                    ps[v, out] = _parse_int(sub)
                elif k == ad_i and want_ad:
                    values = [_parse_int(x) for x in sub.split(b",")]
                    width = ad.shape[2]
                    ad[v, out, :min(width, len(values))] = values[:width]
            except _GtError as exc:
                raise _Fail(exc.code, col, start, start + len(sub), k) from None
            except ValueError:
                raise _Fail(E_INT, col, start, start + len(sub), k) from None
            start += len(sub) + 1
            if k >= max(gt_i, dp_i, gq_i, ad_i, ps_i):
                break
    if len(cols) > 9 + n_cols:
        fail(E_COLUMNS_MANY, 9 + n_cols, start=offsets[9 + n_cols], stop=ls + len(line))


def parse_records(buf, start, stop, at_eof, state, sample_map, has_format, gt, phased, dp, gq, ps, ad,
                  pos, end, lines, sites, max_variants, site_columns=8):
    """Pure-Python twin of :func:`pgx._ext._vcf.parse_records` (same contract)."""
    if site_columns not in (7, 8):
        raise ValueError(f"site_columns must be 7 or 8, found {site_columns}")
    if state.shape[0] <= N_UNDEF:
        raise ValueError(f"state must have {N_UNDEF + 1} entries, found {state.shape[0]}")
    data = bytes(np.asarray(buf)[:stop])
    v = int(state[N_VAR])
    line_no = int(state[LINE])
    site_len = int(state[SITE_LEN])
    max_variants = min(max_variants, pos.shape[0])
    arrays = {"gt": gt, "phased": phased, "dp": dp, "gq": gq, "ps": ps, "ad": ad, "pos": pos, "end": end,
              "n_undef": int(state[N_UNDEF])}
    status = ST_NEED_DATA
    err = 0
    p = start
    while p < stop:
        if v >= max_variants:
            status = ST_FULL
            break
        nl = data.find(b"\n", p, stop)
        if nl < 0:
            if not at_eof:
                break
            nl = stop
        line = data[p:nl]
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            line_no += 1
            p = nl + 1
            continue
        try:
            if line[:1] == b"#":
                raise _Fail(E_HEADER_IN_BODY, 0, p, p + len(line))
            site = b"\t".join(line.split(b"\t")[:site_columns])
            if site_len + len(site) + 1 > sites.shape[0]:
                status = ST_SITES_FULL
                break
            _parse_line(line, p, v, arrays, sample_map, has_format)
        except _Fail as exc:
            err = exc.code
            state[ERR_COL], state[ERR_START], state[ERR_STOP] = exc.col, exc.start, exc.stop
            state[ERR_KEY] = exc.key if exc.col >= 9 else -1
            state[LINE_START] = p
            line_no += 1
            status = ST_ERROR
            break
        sites[site_len:site_len + len(site)] = np.frombuffer(site, dtype=np.uint8)
        site_len += len(site)
        sites[site_len] = ord("\n")
        site_len += 1
        line_no += 1
        lines[v] = line_no
        v += 1
        p = nl + 1
    p = min(p, stop)
    state[N_VAR], state[LINE], state[SITE_LEN], state[OFFSET], state[ERR_CODE] = v, line_no, site_len, p, err
    state[N_UNDEF] = arrays["n_undef"]
    return status


_QUAL = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _float32(text: str) -> float:
    """The float32 nearest to the decimal ``text`` (ties to even), as strtof rounds."""
    exact = Fraction(Decimal(text))
    with np.errstate(over="ignore"):
        guess = np.float32(float(exact))
        if not np.isfinite(guess):
            return float(guess)
        neighbours = (np.nextafter(guess, np.float32(-np.inf)), guess, np.nextafter(guess, np.float32(np.inf)))
    best = None
    for candidate in neighbours:
        if not np.isfinite(candidate):
            continue
        key = (abs(Fraction(float(candidate)) - exact), int(np.array(candidate).view(np.uint32)) & 1)
        if best is None or key < best[0]:
            best = (key, candidate)
    value = float(best[1])
    return -0.0 if value == 0 and text.lstrip()[:1] == "-" else value


def site_columns(data: np.ndarray, n_rows: int, n_columns: int) -> dict | None:
    """Typed site columns of ``n_rows`` newline-terminated lines of site text (see the kernel).

    Returns a dict of ``chrom``, ``id``, ``ref``, ``alt``, ``qual``, ``filter`` (and ``info``
    with 8 columns) for ``polars.Series``, or None when the text is not plain ASCII or a
    QUAL is not a plain decimal number.
    """
    import polars as pl

    if n_rows < 0 or n_columns not in (7, 8):
        raise ValueError("site_columns: n_rows >= 0 and n_columns 7 or 8")
    text = bytes(data)
    if not text.isascii():
        return None
    rows = text.split(b"\n")
    if rows and rows[-1] == b"":
        rows.pop()
    if len(rows) != n_rows:
        return None
    values: dict[str, list] = {name: [] for name in ("chrom", "id", "ref", "alt", "qual", "filter", "info")}

    def text_or_null(field: bytes) -> str | None:
        return None if field in (b"", b".") else field.decode("ascii")

    for row in rows:
        fields = row.split(b"\t")
        if len(fields) != n_columns:
            return None
        values["chrom"].append(text_or_null(fields[0]))
        values["id"].append(text_or_null(fields[2]))
        values["ref"].append(text_or_null(fields[3]))
        alt = fields[4]
        values["alt"].append([] if alt in (b"", b".") else alt.decode("ascii").split(","))
        qual = fields[5]
        if qual in (b"", b"."):
            values["qual"].append(None)
        elif _QUAL.fullmatch(qual):
            values["qual"].append(_float32(qual.decode("ascii")))
        else:
            return None
        flt = fields[6]
        values["filter"].append(None if flt in (b"", b".") else flt.decode("ascii").split(";"))
        if n_columns == 8:
            values["info"].append(text_or_null(fields[7]))
    dtypes = {"alt": pl.List(pl.String), "qual": pl.Float32, "filter": pl.List(pl.String), "info": pl.String}
    names = ["chrom", "id", "ref", "alt", "qual", "filter"] + (["info"] if n_columns == 8 else [])
    return {name: pl.Series(name, values[name], dtype=dtypes.get(name, pl.String)) for name in names}
