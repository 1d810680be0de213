"""Observed records -> definition loci (normalisation, ref checks, missing vs reference)."""

from pgx.encode._loci import PAD, GeneGenotypes, GeneSites, encode_gene, region_rows
from pgx.encode._normalize import KnownBases, same_change, trim

__all__ = ["GeneSites", "GeneGenotypes", "encode_gene", "region_rows", "PAD", "trim", "same_change",
           "KnownBases"]
