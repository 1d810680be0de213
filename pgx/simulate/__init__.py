"""Realistic synthetic data with a known truth, for tests, demos and benchmarks."""

from pgx.simulate._cohort import BIOMARKERS, SIMULATED_GENES, Cohort, SimulationError, simulate_cohort
from pgx.simulate._genotypes import GeneRecord, diplotype_vcf, gene_records, simulate_pgx_vcf
from pgx.simulate._reads import simulate_cyp2d6_bam
from pgx.simulate._outcomes import OUTCOMES, allele_frequency_table, effects_table

__all__ = ["GeneRecord", "gene_records", "diplotype_vcf", "simulate_pgx_vcf", "Cohort", "SimulationError",
           "simulate_cohort", "SIMULATED_GENES", "BIOMARKERS", "OUTCOMES", "effects_table",
           "allele_frequency_table", "simulate_cyp2d6_bam"]
