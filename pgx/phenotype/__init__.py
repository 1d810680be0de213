"""Allele function, activity score and phenotype; phenoconversion by co-medication."""

from pgx.phenotype._assign import INDETERMINATE, GenePhenotypes, gene_phenotypes

__all__ = ["GenePhenotypes", "gene_phenotypes", "INDETERMINATE"]
