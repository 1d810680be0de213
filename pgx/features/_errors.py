"""Errors and warnings of the feature builder."""

from __future__ import annotations

from pgx.exceptions import PgxError, PgxWarning

__all__ = ["FeatureInputError", "FeatureSpecError", "FeatureWarning", "MissingBlockWarning",
           "UnseenCategoryWarning"]


class FeatureInputError(PgxError, ValueError):
    """An input frame lacks a required column or has the wrong type."""


class FeatureSpecError(PgxError, ValueError):
    """A feature spec is malformed or was written by an incompatible version."""


class FeatureWarning(PgxWarning):
    """Root of the feature builder's warnings."""


class UnseenCategoryWarning(FeatureWarning):
    """A category (phenotype, allele, sex, population, site) was absent when the spec was made."""


class MissingBlockWarning(FeatureWarning):
    """The spec asks for a block (genotype, biomarker, treatment, demographics) whose input is missing."""
