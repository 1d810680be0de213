"""Haplotype matching, diplotype ranking, ambiguity, phasing use, outside calls."""

from pgx.calling._call import DIPLOTYPE_SCHEMA, call_diplotypes, callable_genes
from pgx.calling._match import AlleleModel, Match, allele_sort_key
from pgx.calling._model import GeneModel, gene_model
from pgx.calling._outside import OutsideCall, OutsideCallError, outside_frame, read_outside_calls

__all__ = [
    "call_diplotypes",
    "callable_genes",
    "DIPLOTYPE_SCHEMA",
    "AlleleModel",
    "Match",
    "allele_sort_key",
    "GeneModel",
    "gene_model",
    "OutsideCall",
    "OutsideCallError",
    "read_outside_calls",
    "outside_frame",
]
