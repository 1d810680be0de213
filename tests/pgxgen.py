"""Test helper: VCFs whose samples carry chosen diplotypes (built by pgx.simulate)."""

from __future__ import annotations

from pgx.simulate import diplotype_vcf as _diplotype_vcf


def diplotype_vcf(gene: str, samples, *, phased: bool, build: str = "GRCh38") -> str:
    """VCF text with one sample per (name, allele 1, allele 2); allele 2 None = haploid."""
    return _diplotype_vcf(gene, samples, phased=phased, genome_build=build)
