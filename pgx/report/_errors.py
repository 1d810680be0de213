"""The report's error class, at the bottom of :mod:`pgx.report` so every report module can raise it."""

from __future__ import annotations

from pgx.exceptions import PgxError

__all__ = ["ReportError"]


class ReportError(PgxError, ValueError):
    """Report inputs are malformed, or a report cannot be rendered or checked.

    Examples
    --------
    >>> err = ReportError("calls: missing column 'gene'")
    >>> isinstance(err, ValueError)
    True
    """

    __module__ = "pgx.report"
