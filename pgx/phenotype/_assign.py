"""Allele function, activity score and phenotype from a diplotype, by the gene's rule
table (activity-score ranges or function pairs)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pgx import reference
from pgx.calling import copy_parts

__all__ = ["GenePhenotypes", "gene_phenotypes", "INDETERMINATE"]

#: the phenotype of a diplotype no rule covers (unknown allele, uncertain function, no call)
INDETERMINATE = "Indeterminate"


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class GenePhenotypes:
    """One gene's allele functions and its diplotype -> phenotype rule."""

    gene: str
    function: dict
    activity: dict
    kind: str
    ranges: tuple[tuple[float, float, str], ...]
    pairs: dict

    def phenotype_for_score(self, score: float) -> str:
        """The phenotype an activity score falls in (``Indeterminate`` outside every range)."""
        for low, high, name in self.ranges:
            if low <= score <= high:
                return name
        return INDETERMINATE

    def haplotype(self, allele: str) -> tuple[str | None, float | None, bool]:
        """Return (function, activity value, exact) of one haplotype.

        A table name gives its own values. A haplotype with copies (``*1x2``, ``*36+*10``,
        ``*1x≥3``) counts as CPIC counts CYP2D6 duplications: the activity value of each
        allele times its number of copies, summed over the alleles on the chromosome
        (Caudle et al., Clin Transl Sci 2020;13:116, doi:10.1111/cts.12692, CPIC/DPWG
        CYP2D6 genotype-to-phenotype consensus). With an unknown or open number of copies
        (``xN``: two or more, ``x≥3``) the sum is a lower bound and ``exact`` is False.
        """
        if allele in self.function:
            return self.function[allele], self.activity.get(allele), True
        parts = copy_parts(allele)
        if parts is None or any(p.allele not in self.function for p in parts):
            return None, None, True
        functions = [f"{self.function[p.allele]}" + ("" if p.copies == 1 and not p.at_least else
                                                       f" x{'≥' if p.at_least else ''}{p.copies}") for p in parts]
        values = [self.activity.get(p.allele) for p in parts]
        total = None if None in values else sum(v * p.copies for v, p in zip(values, parts))
        exact = not any(p.at_least and v != 0 for v, p in zip(values, parts))
        return " + ".join(functions), total, exact

    def _phenotype_from_bound(self, low: float) -> str:
        """The phenotype of every score >= ``low``: one only if ``low`` falls in the open-ended top range."""
        for lo, high, name in self.ranges:
            if lo <= low <= high:
                return name if math.isinf(high) else INDETERMINATE
        return INDETERMINATE

    def statuses(self, alleles: tuple[str, ...]) -> str:
        """Allele statuses of an HLA typing, as CPIC and PharmCAT report them, for every allele
        of the gene's table: ``"*15:02 positive; *57:01 positive; *58:01 negative"``."""
        carried = {a.split("*", 1)[-1] for a in alleles if a}
        words = []
        for name in self.function:
            bare = name.split("*", 1)[-1]
            words.append(f"*{bare} {'positive' if bare in carried else 'negative'}")
        return "; ".join(words)

    def assign(self, allele_1: str, allele_2: str | None) -> tuple[str | None, str | None, float | None, str]:
        """Return (function_1, function_2, activity_score, phenotype) for one diplotype.

        ``allele_2`` is None or ``""`` for a haploid call (chrM, a male's chrX). Haplotypes
        with copy numbers are counted as :meth:`haplotype` says; when a copy number is open
        (``xN``, ``x≥3``) the activity score is None and the phenotype is the one every
        possible score shares, else ``Indeterminate``. Genes without a phenotype rule (HLA)
        get allele statuses (:meth:`statuses`).
        """
        if self.kind == "none":
            return None, None, None, self.statuses((allele_1, allele_2 or ""))
        f1, a1, exact1 = self.haplotype(allele_1)
        f2, a2, exact2 = self.haplotype(allele_2) if allele_2 else (None, 0.0, True)
        score = None if a1 is None or a2 is None else a1 + a2
        # a haplotype with copies (*1x2, *36+*10); table names such as UGT1A1 *80+*28 are alleles
        copies = any(a and a not in self.function and copy_parts(a) is not None for a in (allele_1, allele_2))
        phenotype = INDETERMINATE
        if self.kind == "activity_score" and score is not None:
            phenotype = self.phenotype_for_score(score) if exact1 and exact2 else self._phenotype_from_bound(score)
            score = score if exact1 and exact2 else None
        elif self.kind == "function_pair" and f1 is not None and not copies:
            keys = [frozenset((f1, f2 or "")), frozenset((f1,))] if not allele_2 else [frozenset((f1, f2))]
            for key in keys:
                if key in self.pairs:
                    phenotype = self.pairs[key]
                    break
        if self.kind != "activity_score":
            score = score if self.activity.get(allele_1) is not None and not copies else None
        return f1, f2, score, phenotype


@lru_cache(maxsize=256)
def gene_phenotypes(gene: str, reference_dir: str | None = None) -> GenePhenotypes:
    """Load (and cache) a gene's functions and phenotype rule.

    Parameters
    ----------
    gene : str
    reference_dir : str, optional

    Returns
    -------
    GenePhenotypes
    """
    table = reference.allele_table(gene, reference_dir=reference_dir)
    function = {a: (f if f else None) for a, f in table.select("allele", "function").iter_rows()}
    activity = {a: _number(v) for a, v in table.select("allele", "activity_value").iter_rows()}
    kind, rules = reference.phenotype_rules(gene, reference_dir=reference_dir)
    ranges: tuple = ()
    pairs: dict = {}
    if kind == "activity_score":
        ranges = tuple((float(lo), float(hi), ph) for lo, hi, ph in
                       rules.select("min_score", "max_score", "phenotype").iter_rows())
    else:
        for f1, f2, ph in rules.select("function_1", "function_2", "phenotype").iter_rows():
            key = frozenset((f1, f2 or "")) if f2 else frozenset((f1,))
            pairs[key] = ph
    return GenePhenotypes(gene, function, activity, kind, ranges, pairs)
