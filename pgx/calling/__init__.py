"""Haplotype matching, diplotype ranking, ambiguity, phasing use, outside calls, HLA tag-SNP proxies."""

from pgx.calling._call import DIPLOTYPE_SCHEMA, call_diplotypes, callable_genes
from pgx.calling._details import GENOTYPED_STATUSES, POSITION_STATUSES, DefinitionPosition, definition_positions
from pgx.calling._match import AlleleModel, Match, allele_sort_key
from pgx.calling._model import GeneModel, gene_model
from pgx.calling._indicators import diplotype_indicators, haplotype_indicators
from pgx.calling._proxy import HLA_TAG_PROXY, call_proxy_gene, proxy_genes, proxy_phenotypes
from pgx.calling._names import AlleleNameError, CopyPart, accepted_forms, copy_parts, resolve_allele, resolve_diplotype
from pgx.calling._structural import LocusModel, StructuralCall, call_structure, locus_model
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
    "haplotype_indicators",
    "diplotype_indicators",
    "AlleleNameError",
    "CopyPart",
    "accepted_forms",
    "copy_parts",
    "resolve_allele",
    "resolve_diplotype",
    "OutsideCall",
    "OutsideCallError",
    "read_outside_calls",
    "outside_frame",
    "HLA_TAG_PROXY",
    "proxy_genes",
    "proxy_phenotypes",
    "call_proxy_gene",
    "LocusModel",
    "StructuralCall",
    "call_structure",
    "locus_model",
    "DefinitionPosition",
    "POSITION_STATUSES",
    "GENOTYPED_STATUSES",
    "definition_positions",
]
