"""Leakage-safe patient feature tables: genotype, biomarker, treatment-history and demographic blocks."""

from pgx.features._build import build, drug_counts, infer_spec, merge_specs
from pgx.features._errors import (
    FeatureInputError,
    FeatureSpecError,
    FeatureWarning,
    MissingBlockWarning,
    UnseenCategoryWarning,
)
from pgx.features._spec import BIOMARKER_STATS, FeatureSpec, slug

__all__ = ["build", "infer_spec", "merge_specs", "drug_counts", "FeatureSpec", "BIOMARKER_STATS", "slug",
           "FeatureInputError", "FeatureSpecError", "FeatureWarning", "MissingBlockWarning", "UnseenCategoryWarning"]
