"""Outside calls: diplotypes or phenotypes made by other tools (CYP2D6 copy number, HLA
typing), read from a TSV and merged over pgx's own calls."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import polars as pl

from pgx.exceptions import OutsideCallWarning, PgxError

__all__ = ["OutsideCall", "read_outside_calls", "OutsideCallError"]


class OutsideCallError(PgxError, ValueError):
    """An outside-call file cannot be read at all (missing, unreadable, no usable row)."""


@dataclass(frozen=True)
class OutsideCall:
    """One outside call. ``sample_id`` is None in PharmCAT's single-sample format."""

    sample_id: str | None
    gene: str
    diplotype: str | None
    phenotype: str | None
    activity_score: float | None
    line: int


def _float(text: str, *, where: str) -> float | None:
    text = text.strip()
    if text in ("", ".", "n/a", "N/A"):
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{where}: activity score must be a number, found {text!r}") from None


def read_outside_calls(path: str | os.PathLike[str], *, genes: set[str] | None = None) -> list[OutsideCall]:
    """Read an outside-call TSV.

    Two layouts are accepted:

    * pgx's, with a header row naming ``sample_id`` (or ``sample``), ``gene`` and at
      least one of ``diplotype``, ``phenotype``, ``activity_score``;
    * PharmCAT's, for a single-sample VCF: no header, ``gene<TAB>diplotype`` with
      optional phenotype and activity score columns; ``#`` lines are comments.

    A bad row is reported with an :class:`~pgx.exceptions.OutsideCallWarning` naming its
    line, and skipped.

    Parameters
    ----------
    path : str or os.PathLike
    genes : set of str, optional
        Known gene symbols; rows naming another gene are reported and skipped.

    Returns
    -------
    list of OutsideCall

    Raises
    ------
    OutsideCallError
        If the file cannot be read or holds no usable row.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "outside.tsv"
    >>> _ = path.write_text("CYP2D6\\t*1/*4\\n")
    >>> read_outside_calls(path)[0].diplotype
    '*1/*4'
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise OutsideCallError(f"cannot read outside calls {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise OutsideCallError(f"outside calls {path} is not UTF-8 text") from None
    rows = [(n, ln.rstrip("\r")) for n, ln in enumerate(lines, start=1) if ln.strip() and not ln.startswith("#")]
    if not rows:
        raise OutsideCallError(f"outside calls {path} has no rows")
    header = [h.strip().lower() for h in rows[0][1].split("\t")]
    calls: list[OutsideCall] = []
    if "gene" in header and ("sample_id" in header or "sample" in header):
        col = {name: header.index(name) for name in header}
        sample_col = col.get("sample_id", col.get("sample"))
        body = rows[1:]
    else:
        col = {"gene": 0, "diplotype": 1, "phenotype": 2, "activity_score": 3}
        sample_col = None
        body = rows
    for number, line in body:
        fields = line.split("\t")
        where = f"{path}, line {number}"

        def get(name: str) -> str:
            k = col.get(name)
            return fields[k].strip() if k is not None and k < len(fields) else ""

        try:
            gene = get("gene")
            if not gene:
                raise ValueError(f"{where}: the gene column is empty")
            if genes is not None and gene not in genes:
                raise ValueError(f"{where}: unknown gene {gene!r}")
            sample = fields[sample_col].strip() if sample_col is not None and sample_col < len(fields) else None
            if sample_col is not None and not sample:
                raise ValueError(f"{where}: the sample column is empty")
            diplotype = get("diplotype") or None
            phenotype = get("phenotype") or None
            activity = _float(get("activity_score"), where=where)
            if diplotype is None and phenotype is None and activity is None:
                raise ValueError(f"{where}: give a diplotype, a phenotype or an activity score for {gene}")
        except ValueError as exc:
            warnings.warn(f"{exc}; row skipped", OutsideCallWarning, stacklevel=2)
            continue
        calls.append(OutsideCall(sample, gene, diplotype, phenotype, activity, number))
    if not calls:
        raise OutsideCallError(f"outside calls {path}: no usable row")
    return calls


def outside_frame(calls: list[OutsideCall]) -> pl.DataFrame:
    """The calls as a frame (sample_id, gene, diplotype, phenotype, activity_score)."""
    return pl.DataFrame(
        {
            "sample_id": [c.sample_id for c in calls],
            "gene": [c.gene for c in calls],
            "diplotype": [c.diplotype for c in calls],
            "phenotype": [c.phenotype for c in calls],
            "activity_score": [c.activity_score for c in calls],
        },
        schema={"sample_id": pl.String, "gene": pl.String, "diplotype": pl.String,
                "phenotype": pl.String, "activity_score": pl.Float64},
    )
