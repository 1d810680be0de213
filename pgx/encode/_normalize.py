"""Variant normalisation without a reference genome: trimming, and indel equivalence
decided from the reference bases the records themselves reveal."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["trim", "KnownBases", "same_change"]


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


def same_change(a: tuple[int, str, str], b: tuple[int, str, str], known: KnownBases) -> bool:
    """Whether two alleles, written differently, change the reference to the same sequence.

    Both are applied to the reference bases over the span they cover together; when a
    base in that span is unknown the answer is False (no guess).

    Examples
    --------
    >>> kb = KnownBases(); kb.add(100, "CATATAG")
    >>> same_change((100, "CAT", "C"), (102, "TAT", "T"), kb)   # AT deleted, left vs right
    True
    >>> same_change((100, "CAT", "C"), (101, "A", "C"), kb)
    False
    """
    if a == b:
        return True
    (pa, ra, xa), (pb, rb, xb) = a, b
    if len(ra) - len(xa) != len(rb) - len(xb):
        return False
    start = min(pa, pb)
    stop = max(pa + len(ra), pb + len(rb)) - 1
    window = known.window(start, stop)
    if window is None:
        return False
    if window[pa - start: pa - start + len(ra)] != ra or window[pb - start: pb - start + len(rb)] != rb:
        return False
    return _apply(window, start, pa, ra, xa) == _apply(window, start, pb, rb, xb)
