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
    """A tumour type is not in pgx's vocabulary (OncoTree codes, names and pgx's synonyms), or is ambiguous.

    Parameters
    ----------
    name : str
        The tumour type as given.
    suggestions : list of str
        The closest types, as ``"Name (CODE)"``; for an ambiguous name, every type it names.
    ambiguous : bool, default False
        The name is shared by several types (OncoTree reuses names such as ``"Yolk Sac Tumor"``).

    Examples
    --------
    >>> str(UnknownTumorTypeError("lung adenocarcinom", ["Lung Adenocarcinoma (LUAD)"]))
    "unknown tumour type 'lung adenocarcinom'; closest: Lung Adenocarcinoma (LUAD) (give an OncoTree code, name or synonym; see pgx.oncology.tumor_types())"
    """

    def __init__(self, name: str, suggestions: list[str], *, ambiguous: bool = False) -> None:
        self.code = name
        self.suggestions = list(suggestions)
        self.ambiguous = ambiguous
        if ambiguous:
            head = f"tumour type {name!r} names several OncoTree types; give one of their codes: "
            text = head + ", ".join(suggestions)
        else:
            hint = f"; closest: {', '.join(suggestions)}" if suggestions else "; no similar name is known"
            text = f"unknown tumour type {name!r}{hint}"
        super().__init__(f"{text} (give an OncoTree code, name or synonym; see pgx.oncology.tumor_types())")
