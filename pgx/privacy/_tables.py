"""De-identification of polars tables: per-patient date shifts, ages 90+, small cells."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import polars as pl

from pgx.privacy._errors import PrivacyError
from pgx.privacy._pseudonym import Pseudonymizer, _as_key

__all__ = ["MAX_SHIFT_DAYS", "date_offset", "shift_dates", "collapse_ages", "cap_ages", "suppress_small_counts"]

#: the largest date shift, in days, either way
MAX_SHIFT_DAYS = 365


def date_offset(patient: str, *, key: Union[bytes, Pseudonymizer], max_days: int = MAX_SHIFT_DAYS) -> int:
    """Return the patient's fixed date shift in days: a keyed value in ``[-max_days, -1]`` or ``[1, max_days]``.

    The offset comes from HMAC-SHA256 of the key and the patient identifier (raw or its
    token: use the same one each time) under its own context, so it tells nothing about
    the pseudonym. It is never 0, so no patient keeps true dates.

    Parameters
    ----------
    patient : str
        The patient identifier or patient token.
    key : bytes or Pseudonymizer
        The pseudonym key.
    max_days : int
        The largest shift, default 365.

    Returns
    -------
    int

    Examples
    --------
    >>> key = b"0123456789abcdef"
    >>> offset = date_offset("P-7", key=key)
    >>> offset == date_offset("P-7", key=key), 1 <= abs(offset) <= 365
    (True, True)
    """
    if max_days < 1:
        raise PrivacyError(f"max_days must be at least 1, found {max_days}")
    digest = _as_key(key).digest("date-shift", patient, "patient")
    value = int.from_bytes(digest[:8], "big")
    magnitude = 1 + (value >> 1) % max_days
    return magnitude if value & 1 else -magnitude


def shift_dates(
    frame: pl.DataFrame,
    *,
    key: Union[bytes, Pseudonymizer],
    patient_column: str = "patient_id",
    date_columns: Sequence[str] = ("date",),
    max_days: int = MAX_SHIFT_DAYS,
) -> pl.DataFrame:
    """Shift every date of a patient by that patient's fixed offset (:func:`date_offset`).

    Intervals between a patient's dates are kept, so durations and orderings stay
    valid for analysis; different patients get different offsets. Shifted dates are
    still full dates: this is pseudonymisation, not Safe Harbor, which allows the year
    only.

    Parameters
    ----------
    frame : polars.DataFrame
        A biomarker or treatment table.
    key : bytes or Pseudonymizer
        The pseudonym key.
    patient_column : str
        The column identifying the patient (raw identifier or token).
    date_columns : sequence of str
        Columns of dtype ``Date`` or ``Datetime`` to shift.
    max_days : int
        The largest shift, default 365.

    Returns
    -------
    polars.DataFrame
        A copy with the date columns shifted; nulls stay null.

    Raises
    ------
    PrivacyError
        If a column is missing, a date column is not ``Date``/``Datetime``, or a patient is null.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> frame = pl.DataFrame({"patient_id": ["p1", "p1"],
    ...                       "date": [dt.date(2024, 1, 1), dt.date(2024, 1, 11)]})
    >>> shifted = shift_dates(frame, key=b"0123456789abcdef")
    >>> (shifted["date"][1] - shifted["date"][0]).days
    10
    """
    missing = [c for c in (patient_column, *date_columns) if c not in frame.columns]
    if missing:
        raise PrivacyError(f"columns {missing} not in the table; found {frame.columns}")
    for column in date_columns:
        dtype = frame.schema[column]
        if not (dtype == pl.Date or isinstance(dtype, pl.Datetime)):
            raise PrivacyError(f"column {column!r}: expected dtype Date or Datetime, found {dtype}")
    if frame[patient_column].null_count():
        raise PrivacyError(f"column {patient_column!r} has null patients; every row needs one to shift its dates")
    pseudonymizer = _as_key(key)
    patients = frame[patient_column].cast(pl.String).unique().to_list()
    offsets = pl.DataFrame(
        {
            "__patient": patients,
            "__offset": [date_offset(p, key=pseudonymizer, max_days=max_days) for p in patients],
        },
        schema={"__patient": pl.String, "__offset": pl.Int64},
    )
    joined = frame.with_columns(pl.col(patient_column).cast(pl.String).alias("__patient")).join(
        offsets, on="__patient", how="left", maintain_order="left"
    )
    shift = pl.duration(days=pl.col("__offset"))
    return joined.with_columns([(pl.col(c) + shift).alias(c) for c in date_columns]).drop(
        "__patient", "__offset"
    )


def collapse_ages(frame: pl.DataFrame, columns: Sequence[str] = ("age",), *, threshold: int = 90) -> pl.DataFrame:
    """Replace ages of ``threshold`` (90) and over by ``"90+"``, as HIPAA Safe Harbor requires.

    The columns become strings (whole years; fractional ages are truncated); nulls stay null.

    Parameters
    ----------
    frame : polars.DataFrame
    columns : sequence of str
        Numeric age columns, in years.
    threshold : int
        The youngest age collapsed, default 90.

    Returns
    -------
    polars.DataFrame

    Raises
    ------
    PrivacyError
        If a column is missing or not numeric.

    Examples
    --------
    >>> import polars as pl
    >>> collapse_ages(pl.DataFrame({"age": [45, 89, 90, 102, None]}))["age"].to_list()
    ['45', '89', '90+', '90+', None]
    """
    for column in columns:
        if column not in frame.columns:
            raise PrivacyError(f"age column {column!r} not in the table; found {frame.columns}")
        if not frame.schema[column].is_numeric():
            raise PrivacyError(f"age column {column!r}: expected a numeric dtype, found {frame.schema[column]}")
    return frame.with_columns(
        [
            pl.when(pl.col(c) >= threshold)
            .then(pl.lit(f"{threshold}+"))
            .otherwise(pl.col(c).cast(pl.Int64).cast(pl.String))
            .alias(c)
            for c in columns
        ]
    )


def cap_ages(frame: pl.DataFrame, columns: Sequence[str] = ("age",), *, threshold: int = 90) -> pl.DataFrame:
    """Put ages of ``threshold`` (90) and over into one group, kept numeric: they become ``threshold``.

    The numeric form of :func:`collapse_ages`, for model features: HIPAA Safe Harbor allows
    no age over 89 except as a single "90 or over" group, which here is the value 90.
    Columns that are absent are skipped; nulls stay null.

    Parameters
    ----------
    frame : polars.DataFrame
    columns : sequence of str
        Numeric age columns, in years.
    threshold : int
        The youngest age grouped, default 90.

    Returns
    -------
    polars.DataFrame

    Raises
    ------
    PrivacyError
        If a present column is not numeric.

    Examples
    --------
    >>> import polars as pl
    >>> cap_ages(pl.DataFrame({"age": [45.0, 89.5, 90.0, 102.0, None]}))["age"].to_list()
    [45.0, 89.5, 90.0, 90.0, None]
    """
    present = [c for c in columns if c in frame.columns]
    for column in present:
        if not frame.schema[column].is_numeric():
            raise PrivacyError(f"age column {column!r}: expected a numeric dtype, found {frame.schema[column]}")
    return frame.with_columns(pl.col(c).clip(upper_bound=threshold) for c in present)


def suppress_small_counts(frame: pl.DataFrame, count_column: str, *, k: int = 5, by: str | None = None,
                          total_column: str | None = None) -> pl.DataFrame:
    """Show counts from 1 to ``k - 1`` as ``"<k"`` (small-cell suppression).

    Zero stays ``"0"`` (it describes nobody) and counts of ``k`` or more are shown as they
    are; the column becomes a string column. Without ``by``, complementary suppression
    (a small cell recoverable from a total) is the caller's concern: do not publish
    totals next to a suppressed row. With ``by``, rows are groups of cells that add up
    to a published total: where a group would hide a single cell, its next smallest cell
    is hidden too, so no hidden count can be worked out by subtraction; and
    ``total_column`` (the group's total) is hidden where it is itself under ``k``.

    Parameters
    ----------
    frame : polars.DataFrame
        A cohort summary.
    count_column : str
        The integer count column.
    k : int
        The smallest count shown, default 5.
    by : str, optional
        The column naming each row's group (for example the gene of a phenotype count).
    total_column : str, optional
        With ``by``: the integer column holding the group's total, shown as ``"<k"``
        when under ``k`` (the column becomes a string column).

    Returns
    -------
    polars.DataFrame

    Raises
    ------
    PrivacyError
        If a column is missing or not an integer column, or ``k < 1``.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"phenotype": ["PM", "IM", "NM", "UM"], "n": [0, 3, 12, 5]})
    >>> suppress_small_counts(frame, "n")["n"].to_list()
    ['0', '<5', '12', '5']
    >>> genes = pl.DataFrame({"gene": ["TPMT"] * 3, "n": [180, 15, 2], "total": [197] * 3})
    >>> suppress_small_counts(genes, "n", k=11, by="gene", total_column="total")["n"].to_list()
    ['180', '<11', '<11']
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise PrivacyError(f"k must be a whole number of at least 1, found {k!r}")
    for column in (count_column, total_column):
        if column is None:
            continue
        if column not in frame.columns:
            raise PrivacyError(f"count column {column!r} not in the table; found {frame.columns}")
        if not frame.schema[column].is_integer():
            raise PrivacyError(f"count column {column!r}: expected an integer dtype, found {frame.schema[column]}")
    if by is not None and by not in frame.columns:
        raise PrivacyError(f"group column {by!r} not in the table; found {frame.columns}")
    col = pl.col(count_column)
    hide = (col > 0) & (col < k)
    if by is not None:
        # a lone hidden cell is recoverable from the group's total: hide the next smallest
        hidden = hide.sum().over(by)
        rank = col.rank("ordinal").over(by)
        hide = hide | ((hidden == 1) & (rank == (col == 0).sum().over(by) + 2) & (col > 0))
    out = frame.with_columns(
        pl.when(hide).then(pl.lit(f"<{k}")).otherwise(col.cast(pl.String)).alias(count_column)
    )
    if by is not None and total_column is not None:
        total = pl.col(total_column)
        out = out.with_columns(
            pl.when((total > 0) & (total < k)).then(pl.lit(f"<{k}")).otherwise(total.cast(pl.String))
            .alias(total_column))
    return out
