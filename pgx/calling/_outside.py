"""Outside calls: diplotypes or phenotypes made by other tools (CYP2D6 copy number, HLA
typing), read from a TSV and merged over pgx's own calls."""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass

import polars as pl

from pgx import reference
from pgx.calling._names import AlleleNameError, accepted_forms, resolve_diplotype
from pgx.exceptions import OutsideCallWarning, PgxError

__all__ = ["OutsideCall", "read_outside_calls", "OutsideCallError"]


class OutsideCallError(PgxError, ValueError):
    """An outside-call file cannot be read (missing, unreadable, no usable row) or names an
    allele pgx cannot interpret (the message names the file, line, value and accepted forms)."""


@dataclass(frozen=True)
class OutsideCall:
    """One outside call. ``sample_id`` is None in PharmCAT's single-sample format."""

    sample_id: str | None
    gene: str
    diplotype: str | None
    phenotype: str | None
    activity_score: float | None
    line: int
    #: how names written in another form were read (``DPYD *2A read as c.1905+1G>A (*2A)``)
    notes: tuple[str, ...] = ()


_STATUS = re.compile(r"\s*(?:(?P<gene>HLA-[A-Z0-9]+)\s*)?\*?(?P<allele>[0-9]{2,3}:[0-9]{2,3})(?::[0-9]{2,3})*[A-Z]?"
                     r"\s+(?P<word>positive|negative|pos|neg|\+|-)\s*", re.IGNORECASE)


_STATUS_WORD = re.compile(r"positive|negative|\bpos\b|\bneg\b|[+-]\s*(;|,|$)", re.IGNORECASE)


def _statuses(gene: str, text: str) -> str | None:
    """HLA allele statuses (``*57:01 positive``, ``HLA-B*57:01 Positive; *58:01 negative``) in
    pgx's form, or None when ``text`` is not written as statuses."""
    parts = []
    for part in re.split(r"[;,]", text):
        match = _STATUS.fullmatch(part)
        if match is None or (match["gene"] and match["gene"].upper() != gene.upper()):
            return None
        word = "positive" if match["word"].lower() in ("positive", "pos", "+") else "negative"
        parts.append(f"*{match['allele']} {word}")
    return "; ".join(parts)


def _resolve(gene: str, diplotype: str | None, phenotype: str | None, *, where: str,
             reference_dir) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Names as pgx's tables write them; HLA statuses given as a diplotype become the phenotype."""
    hla = reference.gene_info(gene, reference_dir=reference_dir).get("outside_calls_only") == "true"
    if hla:
        for text in (diplotype, phenotype):
            if text and _STATUS_WORD.search(text):
                statuses = _statuses(gene, text)
                if statuses is None:
                    raise OutsideCallError(
                        f"{where}: cannot read {gene} allele statuses {text!r}; expected statuses such as "
                        f"'*57:01 positive' or '{gene}*57:01 negative', several joined by ';'")
                if text is diplotype:
                    diplotype, phenotype = None, phenotype or statuses
                else:
                    phenotype = statuses
    if diplotype is None:
        return diplotype, phenotype, ()
    try:
        resolved, notes = resolve_diplotype(gene, diplotype, reference_dir=reference_dir)
    except AlleleNameError as exc:
        raise OutsideCallError(
            f"{where}: cannot read the {gene} diplotype {diplotype!r}: {exc} is not a name pgx knows; expected "
            f"{accepted_forms(gene, reference_dir=reference_dir)}") from None
    return resolved, phenotype, tuple(notes)


def _phenotype_at_least(gene: str, text: str, *, where: str, reference_dir) -> str:
    """The phenotype of an open activity score (CPIC's ``≥3.0``, PharmCAT's CYP2D6 bins): the
    gene's open-ended top range when the bound falls in it, else the row is bad."""
    bound = _float(text.lstrip("≥>="), where=where)
    try:
        kind, rules = reference.phenotype_rules(gene, reference_dir=reference_dir)
    except PgxError:
        kind = None
    if kind == "activity_score" and bound is not None:
        for low, high, name in rules.select("min_score", "max_score", "phenotype").iter_rows():
            if low <= bound <= high and high == float("inf"):
                return name
    raise ValueError(f"{where}: activity score {text!r} is open and does not fall in one {gene} phenotype; "
                     "give the score or the phenotype")


def _float(text: str, *, where: str) -> float | None:
    text = text.strip()
    if text in ("", ".", "n/a", "N/A"):
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{where}: activity score must be a number, found {text!r}") from None


def read_outside_calls(path: str | os.PathLike[str], *, genes: set[str] | None = None,
                       reference_dir: str | os.PathLike[str] | None = None) -> list[OutsideCall]:
    """Read an outside-call TSV.

    Two layouts are accepted:

    * pgx's, with a header row naming ``sample_id`` (or ``sample``), ``gene`` and at
      least one of ``diplotype``, ``phenotype``, ``activity_score``;
    * PharmCAT's, for a single-sample VCF: no header, ``gene<TAB>diplotype`` with
      optional phenotype and activity score columns; ``#`` lines are comments.

    Allele names are read as CPIC, PharmCAT, PharmVar and labs write them and resolved to
    the names of pgx's allele tables (see :func:`pgx.calling.resolve_allele`): copy numbers
    (``*1/*1x2``, ``*2xN``, ``*1x≥3``), tandem copies (``*36+*10``), DPYD HGVS names with or
    without their star alias and legacy star names (``*2A``), MT-RNR1 ``1555A>G`` or
    ``m.1555A>G``, HLA ``*57:01`` or ``HLA-B*57:01``; HLA allele statuses (``*57:01
    positive``) may stand in the diplotype or the phenotype column, and an open activity
    score (``≥3.0``) gives the gene's open-ended top phenotype when it falls in it. Names read
    in another form are listed in :attr:`OutsideCall.notes`.

    A row with a bad gene, sample or activity score is reported with an
    :class:`~pgx.exceptions.OutsideCallWarning` naming its line, and skipped. A name pgx
    cannot interpret is an :class:`OutsideCallError`: a typing that cannot be read must not
    turn into "no recommendation" silently.

    Parameters
    ----------
    path : str or os.PathLike
    genes : set of str, optional
        Known gene symbols; rows naming another gene are reported and skipped.
    reference_dir : path, optional
        The reference folder whose allele names the calls are resolved against.

    Returns
    -------
    list of OutsideCall

    Raises
    ------
    OutsideCallError
        If the file cannot be read, holds no usable row or names an allele pgx cannot
        interpret (file, line, value and the accepted forms).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "outside.tsv"
    >>> _ = path.write_text("CYP2D6\\t*1/*4\\nDPYD\\t*1/*2A\\nHLA-B\\t\\t*57:01 positive\\n")
    >>> [c.diplotype for c in read_outside_calls(path)]
    ['*1/*4', 'Reference/c.1905+1G>A (*2A)', None]
    >>> read_outside_calls(path)[1].notes
    ('DPYD *1 read as the reference allele Reference', 'DPYD *2A read as c.1905+1G>A (*2A)')
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
    known = set(reference.genes(reference_dir=reference_dir))
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
            raw_activity = get("activity_score")
            activity = None
            if raw_activity.startswith(("≥", ">=")):
                phenotype = phenotype or _phenotype_at_least(gene, raw_activity, where=where,
                                                             reference_dir=reference_dir)
            else:
                activity = _float(raw_activity, where=where)
            if diplotype is None and phenotype is None and activity is None:
                raise ValueError(f"{where}: give a diplotype, a phenotype or an activity score for {gene}")
        except OutsideCallError:
            raise
        except ValueError as exc:
            warnings.warn(f"{exc}; row skipped", OutsideCallWarning, stacklevel=2)
            continue
        notes: tuple[str, ...] = ()
        if gene in known:
            diplotype, phenotype, notes = _resolve(gene, diplotype, phenotype, where=where,
                                                   reference_dir=reference_dir)
        calls.append(OutsideCall(sample, gene, diplotype, phenotype, activity, number, notes))
    if not calls:
        raise OutsideCallError(f"outside calls {path}: no usable row")
    return calls


def outside_frame(calls: list[OutsideCall]) -> pl.DataFrame:
    """The calls as a frame (sample_id, gene, diplotype, phenotype, activity_score, notes)."""
    return pl.DataFrame(
        {
            "sample_id": [c.sample_id for c in calls],
            "gene": [c.gene for c in calls],
            "diplotype": [c.diplotype for c in calls],
            "phenotype": [c.phenotype for c in calls],
            "activity_score": [c.activity_score for c in calls],
            "notes": [list(c.notes) for c in calls],
        },
        schema={"sample_id": pl.String, "gene": pl.String, "diplotype": pl.String,
                "phenotype": pl.String, "activity_score": pl.Float64, "notes": pl.List(pl.String)},
    )
