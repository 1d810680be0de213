"""Realistic synthetic data with a known truth, for tests, demos and benchmarks."""

from pgx.simulate._genotypes import GeneRecord, diplotype_vcf, gene_records, simulate_pgx_vcf

__all__ = ["GeneRecord", "gene_records", "diplotype_vcf", "simulate_pgx_vcf"]
