"""Variant normalisation without a reference genome: trimming, and indel equivalence
decided from the reference bases the definitions ship and the records themselves reveal.

Two indels are the same change when one slides onto the other along a repeat. Whether it
does is read from the reference bases between them: the allele definitions' REF alleles,
the repeat context ``positions.tsv`` carries for indels in repeats (``ref_context``), and
the REF alleles of the records being read. Where a base the answer depends on is known to
no one, the answer is "cannot tell" (None), never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["trim", "KnownBases", "same_change", "indel_relation"]


def trim(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Return the minimal VCF representation of one allele: common suffix and prefix
    removed, one anchor base kept for insertions and deletions.

    Parameters
    ----------
    pos : int
        1-based position of ``ref``'s first base.
    ref, alt : str
        The alleles (symbolic alleles are returned unchanged).

    Returns
    -------
    tuple of (int, str, str)

    Examples
    --------
    >>> trim(100, "CAT", "CATAT")     # an AT insertion written with extra context
    (100, 'C', 'CAT')
    >>> trim(100, "GTC", "GAC")       # an SNV inside an MNV-style record
    (101, 'T', 'A')
    """
    ref, alt = ref.upper(), alt.upper()
    if alt.startswith("<") or "[" in alt or "]" in alt or alt in ("*", "."):
        return pos, ref, alt
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt = ref[1:], alt[1:]
        pos += 1
    return pos, ref, alt


class KnownBases:
    """Reference bases of one contig as revealed by REF alleles (records and definitions)."""

    def __init__(self) -> None:
        self._bases: dict[int, str] = {}

    def add(self, pos: int, ref: str) -> None:
        """Record that the reference has ``ref`` starting at 1-based ``pos``."""
        for offset, base in enumerate(ref.upper()):
            self._bases.setdefault(pos + offset, base)

    def add_all(self, items: Iterable[tuple[int, str]]) -> None:
        """Record many (pos, ref) pairs."""
        for pos, ref in items:
            self.add(pos, ref)

    def get(self, pos: int) -> str | None:
        """The base at 1-based ``pos``, or None if unknown."""
        return self._bases.get(pos)

    def window(self, start: int, stop: int) -> str | None:
        """The bases at ``start..stop`` (1-based, inclusive), or None if any is unknown."""
        out = []
        for p in range(start, stop + 1):
            base = self._bases.get(p)
            if base is None:
                return None
            out.append(base)
        return "".join(out)


def _apply(window: str, start: int, pos: int, ref: str, alt: str) -> str:
    offset = pos - start
    return window[:offset] + alt + window[offset + len(ref):]


def _anchored(ref: str, alt: str) -> bool:
    """An insertion or deletion written with one anchor base and nothing else shared."""
    return len(ref) != len(alt) and min(len(ref), len(alt)) == 1 and ref[0] == alt[0]


def indel_relation(a: tuple[int, str, str], b: tuple[int, str, str], known: KnownBases) -> bool | None:
    """Whether two alleles, written differently, make the same change: True, False, or None
    when it depends on reference bases nobody knows.

    Two anchored indels (one anchor base, as :func:`trim` leaves them) are the same when the
    later one is the earlier one slid along a repeat of its unit: the inserted or deleted
    bases rotate with the slide, and every reference base the slide passes repeats the unit.
    The answer is False as soon as one known base (or either record's own REF) breaks the
    repeat, True when every base is known to repeat it, and None otherwise. Other alleles are
    compared by applying both to the reference bases they span together.

    Examples
    --------
    >>> kb = KnownBases(); kb.add(100, "CATATAG")
    >>> indel_relation((100, "CAT", "C"), (103, "ATA", "A"), kb)   # AT deleted, left vs right
    True
    >>> indel_relation((100, "CAT", "C"), (102, "TAG", "T"), kb)   # AG deleted: another change
    False
    >>> kb = KnownBases(); kb.add(100, "CATAT")
    >>> print(indel_relation((100, "CAT", "C"), (106, "TAT", "T"), kb))   # base 105 is unknown
    None
    """
    if a == b:
        return True
    (pa, ra, xa), (pb, rb, xb) = a, b
    if len(ra) - len(xa) != len(rb) - len(xb):
        return False
    if _anchored(ra, xa) and _anchored(rb, xb):
        if pa > pb:
            (pa, ra, xa), (pb, rb, xb) = (pb, rb, xb), (pa, ra, xa)
        deletion = len(ra) > len(xa)
        unit, other = (ra[1:], rb[1:]) if deletion else (xa[1:], xb[1:])
        size, shift = len(unit), pb - pa
        if other != unit[shift % size:] + unit[:shift % size]:
            return False
        # the bases the slide passes over (and, for a deletion, the deleted ones) repeat the unit
        expected = {pa + 1 + j: unit[j % size] for j in range(shift + (size if deletion else 0))}
        for start, ref in ((pa, ra), (pb, rb)):
            for offset, base in enumerate(ref):
                if expected.get(start + offset, base) != base:
                    return False
        unknown = False
        for pos, base in expected.items():
            found = known.get(pos)
            if found is None:
                unknown = True
            elif found != base:
                return False
        return None if unknown else True
    start = min(pa, pb)
    stop = max(pa + len(ra), pb + len(rb)) - 1
    window = known.window(start, stop)
    if window is None:
        # apart from a slide, only alleles whose spans meet can be one change
        overlap = pa <= pb + len(rb) and pb <= pa + len(ra)
        return None if overlap else False
    if window[pa - start: pa - start + len(ra)] != ra or window[pb - start: pb - start + len(rb)] != rb:
        return False
    return _apply(window, start, pa, ra, xa) == _apply(window, start, pb, rb, xb)


def same_change(a: tuple[int, str, str], b: tuple[int, str, str], known: KnownBases) -> bool:
    """Whether two alleles, written differently, change the reference to the same sequence.

    :func:`indel_relation` decides; when a base it needs is unknown the answer is False (no
    guess).

    Examples
    --------
    >>> kb = KnownBases(); kb.add(100, "CATATAG")
    >>> same_change((100, "CAT", "C"), (102, "TAT", "T"), kb)   # AT deleted, left vs right
    True
    >>> same_change((100, "CAT", "C"), (101, "A", "C"), kb)
    False
    """
    return indel_relation(a, b, known) is True
