"""Errors of :mod:`pgx.oncology`."""

from __future__ import annotations

from pgx.exceptions import PgxError

__all__ = ["AnnotationError", "OncologyError", "UnknownTumorTypeError"]


class OncologyError(PgxError, ValueError):
    """The input to :func:`pgx.oncology.match` or :func:`pgx.oncology.tmb` is malformed or incomplete."""


class AnnotationError(OncologyError):
    """A somatic VCF lacks the VEP ``CSQ`` or SnpEff ``ANN`` annotation pgx needs, or it is malformed.

    Parameters
    ----------
    message : str
        What is wrong: the expected form and the value found.
    path : str, optional
        The file the calls were read from.
    line : int, optional
        1-based line number of the record in the file (header lines count), when known.
    field : str, optional
        The INFO key or annotation sub-field at fault (``"CSQ"``, ``"CSQ/HGVSp"``, ...).

    Examples
    --------
    >>> err = AnnotationError("expected 13 '|'-separated values, found 4", path="t.vcf", line=40, field="CSQ")
    >>> str(err)
    "t.vcf, line 40, field CSQ: expected 13 '|'-separated values, found 4"
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.reason = message
        self.path = path
        self.line = line
        self.field = field
        where = [part for part in (path, f"line {line}" if line is not None else None,
                                   f"field {field}" if field is not None else None) if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class UnknownTumorTypeError(OncologyError):
    """A tumour type is not in pgx's controlled vocabulary (``reference/oncology/tumor_types.tsv``).

    Examples
    --------
    >>> str(UnknownTumorTypeError("LUNGX", ["LUAD", "LUSC"]))
    "unknown tumour type 'LUNGX'; did you mean: LUAD, LUSC? (OncoTree-style codes, see pgx.oncology.tumor_types())"
    """

    def __init__(self, code: str, suggestions: list[str]) -> None:
        self.code = code
        self.suggestions = list(suggestions)
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else "; no similar code is known"
        super().__init__(f"unknown tumour type {code!r}{hint} (OncoTree-style codes, see pgx.oncology.tumor_types())")
