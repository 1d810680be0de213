"""Curated reference data: load, validate and cache the tables in ``reference/``.

This package is the only reader of the reference folder.
"""

from pgx.reference._genome import contig_lengths, normalize_contig
from pgx.reference._paths import reference_dir

__all__ = ["contig_lengths", "normalize_contig", "reference_dir"]
