"""Observed records -> definition loci, and genotype encodings for models.

The loci half (:func:`encode_gene`) places a CallSet's records on one gene's allele
definitions (normalisation, ref checks, missing vs reference) for calling. The
encodings half turns genotype arrays into model features: :func:`dosage`,
:func:`one_hot`, :func:`allele_dosage` and :func:`dosage_csr`, computed by the Cython
kernels of ``pgx._ext._encode`` (the star-allele indicators, which need the definitions,
are :func:`pgx.calling.haplotype_indicators` and :func:`pgx.calling.diplotype_indicators`). Every encoding keeps missing calls distinct from
reference calls.
"""

from pgx.encode._genotypes import (
    allele_dosage,
    dosage,
    dosage_csr,
    one_hot,
)
from pgx.encode._loci import PAD, GeneGenotypes, GeneSites, encode_gene, region_rows
from pgx.encode._normalize import KnownBases, indel_relation, same_change, trim

__all__ = ["GeneSites", "GeneGenotypes", "encode_gene", "region_rows", "PAD", "trim", "same_change",
           "indel_relation", "KnownBases", "dosage", "one_hot", "allele_dosage", "dosage_csr"]
