"""Errors and warnings of :mod:`pgx.recommend`."""

from __future__ import annotations

from pgx.exceptions import PgxError, PgxWarning

__all__ = ["RecommendationError", "UnknownDrugError", "UnknownMedicationWarning"]


class RecommendationError(PgxError, ValueError):
    """The input to :func:`pgx.recommend.recommend` is malformed (missing column, bad option)."""


class UnknownDrugError(RecommendationError):
    """A requested drug has no guideline row; the message lists the closest known names.

    Examples
    --------
    >>> err = UnknownDrugError("codein", ["codeine"])
    >>> str(err)
    "unknown drug 'codein'; did you mean: codeine?"
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, drug: str, suggestions: list[str]) -> None:
        self.drug = drug
        self.suggestions = list(suggestions)
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else "; no similar drug is known"
        super().__init__(f"unknown drug {drug!r}{hint}")


class UnknownMedicationWarning(PgxWarning):
    """A co-medication is not in pgx's co-medication table; it is assumed not to change any phenotype."""
