"""Star-allele matching: haplotypes and diplotypes consistent with the observed sites.

Scoring follows PharmCAT's Named Allele Matcher: an allele scores the number of
definition positions it specifies among those called (the reference allele specifies
all of them), a diplotype the sum of its two alleles; the top-scoring consistent
diplotypes are returned, ties together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["AlleleModel", "Match", "match_unphased", "match_phased", "match_haploid",
           "match_lowest_function", "allele_sort_key"]

_STAR = re.compile(r"^\*(\d+)(.*)$")


@lru_cache(maxsize=65536)
def allele_sort_key(name: str) -> tuple:
    """Natural order of allele names: ``*1 < *2 < *10 < *17 < c.1905+1G>A < rs...``.

    Examples
    --------
    >>> sorted(["*17", "*2", "*1", "*10"], key=allele_sort_key)
    ['*1', '*2', '*10', '*17']
    """
    match = _STAR.match(name)
    if match:
        return (0, int(match.group(1)), match.group(2))
    return (1, 0, name)


@dataclass(frozen=True)
class AlleleModel:
    """The named alleles of one gene as a matrix over its definition sites.

    Attributes
    ----------
    names : tuple of str
        Matchable alleles (the reference first); structural alleles are left out.
    reference : int
        Index of the reference allele in ``names``.
    sites : bool array (alleles, sites)
        True where the allele carries the site's ALT.
    positions : bool array (alleles, positions)
        True where the allele's definition specifies the position (all for the reference).
    activity : float array (alleles,)
        Activity value, NaN when none.
    optional : bool array (alleles, sites), optional
        True where the allele may or may not carry the site's ALT (a CPIC "wobble" position,
        an IUPAC code such as R = A or G); ``sites`` is False there. All False by default.
    """

    names: tuple[str, ...]
    reference: int
    sites: np.ndarray
    positions: np.ndarray
    activity: np.ndarray
    optional: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.optional is None:
            object.__setattr__(self, "optional", np.zeros_like(self.sites, dtype=bool))

    def subset(self, rows: list[int]) -> AlleleModel:
        """The model restricted to ``rows`` (the first becomes the reference)."""
        return AlleleModel(tuple(self.names[r] for r in rows), 0, self.sites[rows], self.positions[rows],
                           self.activity[rows], self.optional[rows])


@dataclass(frozen=True)
class Match:
    """The diplotypes consistent with one sample's calls, best first.

    Attributes
    ----------
    diplotypes : tuple of (str, str)
        Every (allele 1, allele 2) pair that explains the calls, ordered by score
        (highest first), then by allele order. The second name is ``""`` for a
        haploid call.
    scores : tuple of int
        The score of each diplotype (PharmCAT's: positions specified and called).
    """

    diplotypes: tuple[tuple[str, str], ...]
    scores: tuple[int, ...]

    @property
    def top(self) -> tuple[tuple[str, str], ...]:
        """The diplotypes sharing the highest score."""
        best = self.scores[0]
        return tuple(d for d, sc in zip(self.diplotypes, self.scores) if sc == best)


def _ranked(pairs: dict[tuple[str, str], int]) -> Match:
    order = sorted(pairs.items(), key=lambda kv: (-kv[1], allele_sort_key(kv[0][0]), allele_sort_key(kv[0][1])))
    return Match(tuple(d for d, _ in order), tuple(sc for _, sc in order))


def _order(model: AlleleModel, a: int, b: int) -> tuple[str, str]:
    x, y = model.names[a], model.names[b]
    return (x, y) if allele_sort_key(x) <= allele_sort_key(y) else (y, x)


def unique_rows(dosage: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows (in byte order) and each row's index among them."""
    rows = np.ascontiguousarray(dosage)
    if rows.shape[0] == 0:
        return rows[:0], np.zeros(0, dtype=np.intp)
    if rows.shape[1] == 0:
        return rows[:1], np.zeros(rows.shape[0], dtype=np.intp)
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return rows[first], inverse.reshape(-1)


def _scores(model: AlleleModel, called_positions: np.ndarray) -> np.ndarray:
    return model.positions.astype(np.int32) @ called_positions.astype(np.int32)


def _visible(model: AlleleModel, site_called: np.ndarray) -> np.ndarray:
    """Alleles with at least one of their variant sites called (and the reference): an
    allele whose every variant position is missing cannot be told from the reference, so it
    is not offered as an explanation (its positions are reported as missing instead). A
    wobble position (either base) or a position where the allele specifies the reference
    base is no evidence for the allele."""
    visible = model.sites[:, site_called].any(axis=1)
    visible[model.reference] = True
    return visible


@lru_cache(maxsize=1024)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair (with repeats) of ``n`` candidates, as index arrays."""
    return np.triu_indices(n)


_POPCOUNT = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.uint8)
_CHUNK = 1024  # patterns per block: bounds the (patterns, alleles, bytes) temporary


def _packed_and(rows: np.ndarray, cols: np.ndarray):
    """Blocks of ``rows`` (n, bits) AND ``cols`` (m, bits), bit-packed: (block, m, bytes) each."""
    packed_cols = np.packbits(cols, axis=1)[None]
    packed_rows = np.packbits(rows, axis=1)
    for start in range(0, rows.shape[0], _CHUNK):
        yield packed_rows[start:start + _CHUNK, None, :] & packed_cols


def _shares_any(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(n, m) bool: whether row ``i`` and column set ``j`` share a True bit."""
    blocks = [both.any(axis=2) for both in _packed_and(rows, cols)]
    return np.concatenate(blocks) if blocks else np.zeros((0, cols.shape[0]), dtype=bool)


def _shared_count(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(n, m) int: how many True bits row ``i`` and column set ``j`` share."""
    blocks = [_POPCOUNT[both].sum(axis=2, dtype=np.int64) for both in _packed_and(rows, cols)]
    return np.concatenate(blocks) if blocks else np.zeros((0, cols.shape[0]), dtype=np.int64)


def match_unphased(model: AlleleModel, dosage: np.ndarray, site_position: np.ndarray) -> list[Match | None]:
    """Diplotypes consistent with unphased ALT dosages, for many samples at once.

    A pair (A, B) is consistent when, at every called site, A's and B's ALT counts add up
    to the observed dosage. Candidate alleles are first narrowed to those carrying no
    site the sample lacks and every site it has twice, so the pair search stays small.
    Samples with the same dosage pattern are matched once.

    Parameters
    ----------
    model : AlleleModel
    dosage : int8 array (samples, sites)
        0, 1 or 2 copies of each site's ALT; -1 not called.
    site_position : int array (sites,)
        The position index of each site.

    Returns
    -------
    list of Match or None
        None where no pair of named alleles explains the sample.
    """
    patterns, inverse = unique_rows(dosage)
    sites = model.sites
    optional = model.optional
    wobbly = bool(optional.any())
    # every pattern at once (bit-packed, no BLAS: its threads stall a busy machine): scores,
    # and the candidate alleles - visible, carrying no site the sample lacks and every site
    # it has twice
    site_called = patterns >= 0
    site_to_pos = np.zeros((model.positions.shape[1], sites.shape[1]), dtype=bool)
    site_to_pos[site_position, np.arange(sites.shape[1])] = True
    pos_called = ~_shares_any(~site_called, site_to_pos)
    scores = _shared_count(pos_called, model.positions)
    visible = _shares_any(site_called, sites)
    visible[:, model.reference] = True
    possible = visible & ~_shares_any(patterns == 0, sites) & ~_shares_any(patterns == 2, ~(sites | optional))
    results: list[Match | None] = []
    for pattern, called_here, score, mask in zip(patterns, site_called, scores, possible):
        candidates = np.flatnonzero(mask)
        if not candidates.size:
            results.append(None)
            continue
        sub = sites[candidates][:, called_here].astype(np.int8)
        target = pattern[called_here]
        a, b = _pairs(candidates.size)
        low = sub[a] + sub[b]
        if wobbly:
            opt = optional[candidates][:, called_here].astype(np.int8)
            ok = np.all((low <= target) & (target <= low + opt[a] + opt[b]), axis=1)
        else:
            ok = np.all(low == target, axis=1)
        if not ok.any():
            results.append(None)
            continue
        found: dict[tuple[str, str], int] = {}
        for k in np.flatnonzero(ok):
            i, j = candidates[a[k]], candidates[b[k]]
            key = _order(model, i, j)
            found[key] = max(found.get(key, -1), int(score[i] + score[j]))
        results.append(_ranked(found))
    return [results[k] for k in inverse]


def _consistent_haplotypes(model: AlleleModel, hap: np.ndarray) -> np.ndarray:
    called = hap >= 0
    return np.flatnonzero(np.all((model.sites == (hap == 1)) | model.optional | ~called, axis=1))


def match_phased(model: AlleleModel, haplotypes: np.ndarray, site_position: np.ndarray) -> list[Match | None]:
    """Match each haplotype of phased samples on its own.

    Parameters
    ----------
    model : AlleleModel
    haplotypes : int8 array (samples, 2, sites)
        1 ALT carried, 0 not, -1 not called.
    site_position : int array (sites,)

    Returns
    -------
    list of Match or None
    """
    n_pos = model.positions.shape[1]
    flat = haplotypes.reshape(haplotypes.shape[0], -1)
    patterns, inverse = unique_rows(flat)
    results: list[Match | None] = []
    for row in patterns:
        haps = row.reshape(2, -1)
        pos_called = np.ones(n_pos, dtype=bool)
        pos_called[site_position[(haps < 0).any(axis=0)]] = False
        score = _scores(model, pos_called)
        visible = _visible(model, pos_called[site_position])
        first = [a for a in _consistent_haplotypes(model, haps[0]) if visible[a]]
        second = [a for a in _consistent_haplotypes(model, haps[1]) if visible[a]]
        if not first or not second:
            results.append(None)
            continue
        found: dict[tuple[str, str], int] = {}
        for a in first:
            for b in second:
                key = _order(model, a, b)
                found[key] = max(found.get(key, -1), int(score[a] + score[b]))
        results.append(_ranked(found))
    return [results[k] for k in inverse]


def match_haploid(model: AlleleModel, dosage: np.ndarray, site_position: np.ndarray) -> list[Match | None]:
    """Match haploid samples (one haplotype: chrM, a male's chrX); diplotypes are (allele, "")."""
    n_pos = model.positions.shape[1]
    patterns, inverse = unique_rows(dosage)
    results: list[Match | None] = []
    for pattern in patterns:
        pos_called = np.ones(n_pos, dtype=bool)
        pos_called[site_position[pattern < 0]] = False
        score = _scores(model, pos_called)
        visible = _visible(model, pos_called[site_position])
        found = {(model.names[a], ""): int(score[a]) for a in _consistent_haplotypes(model, pattern) if visible[a]}
        results.append(_ranked(found) if found else None)
    return [results[k] for k in inverse]


def match_lowest_function(model: AlleleModel, dosage: np.ndarray, site_position: np.ndarray) -> list[Match | None]:
    """Genes called by their lowest-function variants (DPYD, RYR1, CACNA1S).

    Every non-reference allele whose sites are all carried is present, with as many
    copies as its least-carried site; the diplotype is made of the two present copies
    with the lowest activity value (then the allele order), padded with the reference.
    Alleles with a position not called are dropped from consideration.
    """
    results: list[Match | None] = []
    ref = model.reference
    order = sorted(range(len(model.names)),
                   key=lambda a: (np.nan_to_num(model.activity[a], nan=np.inf), allele_sort_key(model.names[a])))
    patterns, inverse = unique_rows(dosage)
    # larger definitions first, so a haplotype's variants are credited to the most
    # specific allele that carries them, not also to a smaller allele inside it
    by_size = sorted((a for a in range(len(model.names)) if a != ref and model.sites[a].any()),
                     key=lambda a: (-int(model.sites[a].sum()), allele_sort_key(model.names[a])))
    rank = {a: k for k, a in enumerate(order)}
    remaining = patterns.astype(np.int16)
    copies = np.zeros((patterns.shape[0], len(model.names)), dtype=np.int16)
    for a in by_size:
        need = model.sites[a]
        values = remaining[:, need]
        # an allele with a position not called is dropped from consideration, as in
        # PharmCAT; the position is reported as missing
        n = np.where((values < 0).any(axis=1), 0, values.min(axis=1).clip(0, 2))
        copies[:, a] = n
        remaining[:, need] -= n[:, None]
    for row in copies:
        carried = [a for a in sorted(np.flatnonzero(row), key=lambda a: rank[a]) for _ in range(int(row[a]))]
        chosen = (carried + [ref, ref])[:2]
        results.append(Match((_order(model, chosen[0], chosen[1]),), (0,)))
    return [results[k] for k in inverse]
