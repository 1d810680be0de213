"""Column and array specifications for pgx's data model, with a validator.

Each stage result is a polars frame or numpy array with a documented schema; the
specs here are the single place those schemas are written down (the docs render
them) and :func:`validate_frame` checks a frame against one.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pgx.exceptions import PgxError

__all__ = ["Column", "VARIANT_COLUMNS", "SchemaError", "validate_frame"]


class SchemaError(PgxError, ValueError):
    """A frame does not match its documented schema."""


@dataclass(frozen=True)
class Column:
    """One documented column: its name, polars dtype and meaning."""

    name: str
    dtype: pl.DataType
    meaning: str


#: the fixed columns of :attr:`pgx.CallSet.variants`, in order
VARIANT_COLUMNS: tuple[Column, ...] = (
    Column("chrom", pl.String(), "contig name as written in the file (CHROM)"),
    Column("pos", pl.Int64(), "1-based position of the first REF base (POS)"),
    Column("id", pl.String(), "ID column; null for '.'"),
    Column("ref", pl.String(), "reference allele (REF)"),
    Column("alt", pl.List(pl.String()), "alternate alleles (ALT); empty list for '.'"),
    Column("qual", pl.Float32(), "QUAL; null for '.'"),
    Column("filter", pl.List(pl.String()), "FILTER codes; null for '.' (filters not applied)"),
    Column("end", pl.Int64(), "1-based last position covered: INFO END when present "
           "(gVCF reference blocks), else pos + len(ref) - 1"),
)


def validate_frame(frame: pl.DataFrame, columns: tuple[Column, ...], *, name: str) -> None:
    """Check that ``frame`` has ``columns`` first, in order, with their dtypes.

    Parameters
    ----------
    frame : polars.DataFrame
        The frame to check; extra columns after the documented ones are allowed.
    columns : tuple of Column
        The documented columns.
    name : str
        What the frame is, for the error message.

    Raises
    ------
    SchemaError
        Naming the first column that is missing or has the wrong dtype.

    Examples
    --------
    >>> import polars as pl
    >>> validate_frame(pl.DataFrame({"chrom": ["chr1"]}), VARIANT_COLUMNS[:1], name="variants")
    >>> validate_frame(pl.DataFrame({"chrom": [1]}), VARIANT_COLUMNS[:1], name="variants")
    Traceback (most recent call last):
    ...
    pgx.schema.SchemaError: variants: column 'chrom' should be String, found Int64
    """
    present = frame.schema
    for index, column in enumerate(columns):
        if column.name not in present:
            raise SchemaError(f"{name}: column {column.name!r} is missing; found {list(present)}")
        if frame.columns[index] != column.name:
            raise SchemaError(
                f"{name}: column {index} should be {column.name!r}, found {frame.columns[index]!r}"
            )
        if present[column.name] != column.dtype:
            raise SchemaError(
                f"{name}: column {column.name!r} should be {column.dtype}, found {present[column.name]}"
            )
