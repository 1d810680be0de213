"""Errors raised by :mod:`pgx.privacy`; each refines :class:`pgx.exceptions.PgxError`."""

from __future__ import annotations

from pgx.exceptions import PgxError

__all__ = ["PrivacyError", "PseudonymKeyError", "AuditLogError"]


class PrivacyError(PgxError, ValueError):
    """A privacy operation cannot be done safely with the data or settings given."""


class PseudonymKeyError(PrivacyError):
    """No pseudonym key is configured, or the key (file) is unusable: too short, or readable by others.

    Examples
    --------
    >>> from pgx.privacy import load_key
    >>> try:
    ...     load_key(environ={})
    ... except PseudonymKeyError as err:
    ...     print(str(err).split(";")[0])
    no pseudonym key configured
    """


class AuditLogError(PrivacyError):
    """An audit log is malformed or its hash chain is broken.

    Parameters
    ----------
    message : str
        What is wrong, with the expected and the found value.
    path : str, optional
        The audit log.
    line : int, optional
        1-based line number of the first record that fails.

    Examples
    --------
    >>> str(AuditLogError("record was edited", path="audit.jsonl", line=3))
    'audit.jsonl, line 3: record was edited'
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.reason = message
        self.path = path
        self.line = line
        where = ", ".join(part for part in (path, f"line {line}" if line is not None else None) if part)
        super().__init__(f"{where}: {message}" if where else message)
