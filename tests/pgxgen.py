"""Test helpers: VCFs whose samples carry chosen diplotypes (built by pgx.simulate); calls frames by hand."""

from __future__ import annotations

import polars as pl

from pgx.simulate import diplotype_vcf as _diplotype_vcf


def diplotype_vcf(gene: str, samples, *, phased: bool, build: str = "GRCh38") -> str:
    """VCF text with one sample per (name, allele 1, allele 2); allele 2 None = haploid."""
    return _diplotype_vcf(gene, samples, phased=phased, genome_build=build)


def calls_frame(genes: dict[str, object], sample: str = "s1") -> pl.DataFrame:
    """A calls frame; each gene maps to a phenotype, (phenotype, activity) or a dict of columns."""
    rows = []
    for gene, spec in genes.items():
        row = {"sample_id": sample, "gene": gene, "diplotype": "*1/*1", "phenotype": None, "activity_score": None,
               "alternatives": [], "alternative_phenotypes": [], "warnings": []}
        if isinstance(spec, dict):
            row.update(spec)
        elif isinstance(spec, tuple):
            row["phenotype"], row["activity_score"] = spec
        else:
            row["phenotype"] = spec
        rows.append(row)
    return pl.DataFrame(rows, schema={"sample_id": pl.String, "gene": pl.String, "diplotype": pl.String,
                                      "phenotype": pl.String, "activity_score": pl.Float64,
                                      "alternatives": pl.List(pl.String),
                                      "alternative_phenotypes": pl.List(pl.String),
                                      "warnings": pl.List(pl.String)})
