"""Curated reference data: load, validate and cache the tables in ``reference/``.

This package is the only reader of the reference folder.
"""

from pgx.reference._genome import contig_lengths, gene_ids, normalize_contig
from pgx.reference._manifest import reference_version, verify_manifest
from pgx.reference._paths import reference_dir
from pgx.reference._structural import structural_genes, structural_layouts, structural_locus, structural_sequence
from pgx.reference._tables import (
    allele_definitions,
    allele_table,
    gene_info,
    genes,
    phenotype_rules,
    positions,
    tag_snps,
    unplaced_alleles,
)

__all__ = [
    "allele_definitions",
    "allele_table",
    "contig_lengths",
    "gene_ids",
    "gene_info",
    "genes",
    "normalize_contig",
    "phenotype_rules",
    "positions",
    "reference_dir",
    "reference_version",
    "structural_genes",
    "structural_layouts",
    "structural_locus",
    "structural_sequence",
    "tag_snps",
    "unplaced_alleles",
    "verify_manifest",
]
