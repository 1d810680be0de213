"""Allele function, activity score and phenotype from a diplotype, by the gene's rule
table (activity-score ranges or function pairs)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pgx import reference

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

    def assign(self, allele_1: str, allele_2: str | None) -> tuple[str | None, str | None, float | None, str]:
        """Return (function_1, function_2, activity_score, phenotype) for one diplotype.

        ``allele_2`` is None or ``""`` for a haploid call (chrM, a male's chrX).
        """
        f1 = self.function.get(allele_1)
        f2 = self.function.get(allele_2) if allele_2 else None
        a1 = self.activity.get(allele_1)
        a2 = self.activity.get(allele_2) if allele_2 else 0.0
        score = None if a1 is None or a2 is None else a1 + a2
        phenotype = INDETERMINATE
        if self.kind == "activity_score" and score is not None:
            phenotype = self.phenotype_for_score(score)
        elif self.kind == "function_pair" and f1 is not None:
            keys = [frozenset((f1, f2 or "")), frozenset((f1,))] if not allele_2 else [frozenset((f1, f2))]
            for key in keys:
                if key in self.pairs:
                    phenotype = self.pairs[key]
                    break
        if self.kind != "activity_score":
            score = score if self.activity.get(allele_1) is not None else None
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
