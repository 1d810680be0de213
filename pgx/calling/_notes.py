"""Warnings about how a sample's records at a gene were read, each naming its positions."""

from __future__ import annotations

import numpy as np

from pgx.encode import GeneGenotypes

__all__ = ["sample_notes", "where"]


def where(labels: list[str], mask: np.ndarray) -> str:
    """The labels where ``mask`` is True, comma-separated."""
    return ", ".join(labels[k] for k in np.flatnonzero(mask))


def sample_notes(enc: GeneGenotypes, s: int, labels: list[str]) -> tuple[tuple[str, ...], bool]:
    """Warnings about how sample ``s``'s records were read, each naming its positions, and
    whether they leave the sample not called."""
    notes: list[str] = []
    blocked = False
    if enc.no_data_in_region:
        notes.append("no_data_in_region")
        blocked = True
    if enc.contradictory[s].any():
        notes.append("contradictory_records: " + where(labels, enc.contradictory[s]))
        blocked = True
    if enc.novel_with_defined[s].any():
        notes.append("novel_and_defined_allele: " + where(labels, enc.novel_with_defined[s]))
        blocked = True
    if enc.polyploid[s].any():
        notes.append("polyploid_call: " + where(labels, enc.polyploid[s]))
        blocked = True
    if enc.duplicate[s].any():
        notes.append("duplicate_record: " + where(labels, enc.duplicate[s]))
    if enc.half_call[s].any():
        notes.append("half_call: " + where(labels, enc.half_call[s]))
    if enc.undefined_allele[s].any():
        notes.append("undefined_allele: " + where(labels, enc.undefined_allele[s]))
    if enc.unplaced[s].any():
        # an indel that may be the definition's, written where the shipped bases cannot tell
        notes.append("indel_not_placed: " + where(labels, enc.unplaced[s]))
    if enc.ref_mismatch[s].any():
        notes.append("ref_mismatch: " + where(labels, enc.ref_mismatch[s]))
    return tuple(notes), blocked
