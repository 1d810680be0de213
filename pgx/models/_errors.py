"""Errors and warnings of :mod:`pgx.models`.

They join the pgx tree (:class:`pgx.exceptions.PgxError`, :class:`pgx.exceptions.PgxWarning`)
and refine the builtin a caller would expect, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from pgx.exceptions import PgxError, PgxWarning

__all__ = ["ModelFileError", "UnseenCategoryWarning", "CalibrationWarning"]


class ModelFileError(PgxError, ValueError):
    """A saved model is missing, tampered with, or does not match its sidecar.

    Examples
    --------
    >>> err = ModelFileError("sha256 mismatch for model.txt: expected 'ab12', found 'cd34'")
    >>> isinstance(err, ValueError)
    True
    """


class UnseenCategoryWarning(PgxWarning):
    """A categorical column holds values not seen at fit time; they were treated as missing."""


class CalibrationWarning(PgxWarning):
    """Cross-validated calibration could not run (too few samples of a class) and was skipped."""
