"""Drug guidance from phenotypes: CPIC, DPWG and FDA recommendations, multi-gene rules, phenoconversion.

The rules are data: ``reference/guidelines/cpic.tsv``, ``dpwg.tsv`` and ``fda.tsv`` (one row per drug and
condition) and ``reference/medications/`` (co-medications and how they phenoconvert).
"""

from pgx.recommend._engine import NOT_CALLED, RECOMMENDATION_COLUMNS, recommend
from pgx.recommend._errors import RecommendationError, UnknownDrugError, UnknownMedicationWarning
from pgx.recommend._tables import ACTIONS, CLASSIFICATIONS, SOURCES, comedications, guidelines

__all__ = [
    "ACTIONS",
    "CLASSIFICATIONS",
    "NOT_CALLED",
    "RECOMMENDATION_COLUMNS",
    "SOURCES",
    "RecommendationError",
    "UnknownDrugError",
    "UnknownMedicationWarning",
    "comedications",
    "guidelines",
    "recommend",
]
