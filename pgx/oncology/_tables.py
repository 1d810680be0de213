"""Read the fusion and copy-number TSVs that :func:`pgx.oncology.match` and ``pgx report --somatic`` take.

Both files are plain UTF-8, tab-separated text. Lines starting with ``#`` and blank lines are skipped.
Every error names the file, the line (1-based, counting every line of the file) and the column, with
the expected form and the value found, and is a :class:`pgx.oncology.OncologyError`.

Fusions (``--fusions``)
    One fusion per row as ``GENE1::GENE2`` (5' partner first; ``GENE1--GENE2``, STAR-Fusion's
    spelling, is accepted). A header row is optional: when the first row has a cell ``fusion``, that
    column holds the fusions and the other columns are ignored; otherwise the first column does.

Copy numbers (``--cna``)
    A header row naming the columns ``gene`` and ``call`` (any order, other columns ignored), then one
    gene per row. Calls are ``amplification`` (``amp``, ``amplified``) or ``deletion`` (``del``,
    ``homdel``, ``deep_deletion``), case-insensitive; list only amplified or deleted genes.
"""

from __future__ import annotations

import os
import re

import polars as pl

from pgx.oncology._errors import OncologyError

__all__ = ["COPY_NUMBER_CALLS", "FUSION_PATTERN", "read_copy_numbers", "read_fusions"]

#: Copy-number calls accepted (lower-case) and the class each means.
COPY_NUMBER_CALLS = {"amplification": "amplification", "amp": "amplification", "amplified": "amplification",
                     "deletion": "deletion", "del": "deletion", "homdel": "deletion", "deep_deletion": "deletion"}
#: A fusion: 5' gene, ``::`` (or ``--``), 3' gene.
FUSION_PATTERN = re.compile(r"([A-Za-z0-9][A-Za-z0-9.-]*?)(?:::|--)([A-Za-z0-9][A-Za-z0-9.-]*)")
_GENE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
_FUSION_FORM = "a fusion as GENE1::GENE2 (5' partner first; GENE1--GENE2 also accepted)"


def _bad(path: str, line: int, column: str, expected: str, found: object) -> OncologyError:
    shown = "nothing" if found is None or found == "" else repr(found)
    return OncologyError(f"{path}, line {line}, column {column}: expected {expected}, found {shown}")


def _lines(path: str | os.PathLike[str]) -> tuple[str, list[tuple[int, list[str]]]]:
    """The file's name and its data lines as (1-based line number, tab-separated cells)."""
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise OncologyError(f"{name}: no such file")
    try:
        with open(name, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise OncologyError(f"{name}: expected UTF-8 tab-separated text, found undecodable bytes ({exc.reason} "
                            f"at byte {exc.start})") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            rows.append((number, [cell.strip() for cell in line.split("\t")]))
    return name, rows


def read_fusions(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a fusions TSV: one ``GENE1::GENE2`` per row, with or without a ``fusion`` header.

    Parameters
    ----------
    path : str or os.PathLike
        Tab-separated UTF-8 text; ``#`` lines and blank lines are skipped. When the first row has a
        cell ``fusion`` (any case) it is the header and that column holds the fusions; otherwise the
        first column does. Other columns (read counts, breakpoints) are ignored.

    Returns
    -------
    polars.DataFrame
        One column ``fusion``: ``"GENE1::GENE2"`` upper-cased, ``--`` rewritten as ``::``, in file
        order without repeats (an empty frame when the file lists none).

    Raises
    ------
    OncologyError
        The file is missing or not UTF-8, or a row holds no fusion or a malformed one (file, line and
        column named, with the value found).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pgx.oncology import read_fusions
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "fusions.tsv"
    >>> _ = path.write_text("fusion\\tsplit_reads\\nEML4::ALK\\t31\\nCD74--ROS1\\t8\\n", encoding="utf-8")
    >>> read_fusions(path)["fusion"].to_list()
    ['EML4::ALK', 'CD74::ROS1']
    >>> _ = path.write_text("fusion\\nEML4-ALK\\n", encoding="utf-8")
    >>> read_fusions(path)
    Traceback (most recent call last):
    ...
    pgx.oncology._errors.OncologyError: .../fusions.tsv, line 2, column fusion: expected a fusion as GENE1::GENE2 (5' partner first; GENE1--GENE2 also accepted), found 'EML4-ALK'
    """
    name, rows = _lines(path)
    index, column = 0, "1"
    if rows:
        lowered = [cell.lower() for cell in rows[0][1]]
        if "fusion" in lowered:
            index, column = lowered.index("fusion"), "fusion"
            rows = rows[1:]
        elif not FUSION_PATTERN.fullmatch(rows[0][1][0]):
            raise _bad(name, rows[0][0], column, f"{_FUSION_FORM}, or a header naming a 'fusion' column",
                       rows[0][1][0])
    found: dict[str, None] = {}
    for number, cells in rows:
        value = cells[index] if index < len(cells) else ""
        pair = FUSION_PATTERN.fullmatch(value)
        if not pair:
            raise _bad(name, number, column, _FUSION_FORM, value)
        found[f"{pair[1].upper()}::{pair[2].upper()}"] = None
    return pl.DataFrame({"fusion": list(found)}, schema={"fusion": pl.String})


def read_copy_numbers(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a gene copy-number TSV with the columns ``gene`` and ``call``.

    Parameters
    ----------
    path : str or os.PathLike
        Tab-separated UTF-8 text whose first row (after ``#`` lines) is a header naming ``gene`` and
        ``call`` (any order, any case; other columns ignored), then one gene per row. Calls are
        ``amplification`` (or ``amp``, ``amplified``) and ``deletion`` (or ``del``, ``homdel``,
        ``deep_deletion``), any case; list only the amplified or deleted genes.

    Returns
    -------
    polars.DataFrame
        Columns ``gene`` (upper-cased) and ``call`` (``"amplification"`` or ``"deletion"``), in file
        order; the frame :func:`pgx.oncology.match` takes as ``cna``.

    Raises
    ------
    OncologyError
        The file is missing, not UTF-8 or has no ``gene``/``call`` header, or a row holds no gene
        symbol or an unknown call (file, line and column named, with the value found and the choices).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pgx.oncology import read_copy_numbers
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cna.tsv"
    >>> _ = path.write_text("gene\\tcall\\tcopies\\nERBB2\\tamp\\t14\\nCDKN2A\\thomdel\\t0\\n", encoding="utf-8")
    >>> read_copy_numbers(path).rows()
    [('ERBB2', 'amplification'), ('CDKN2A', 'deletion')]
    >>> _ = path.write_text("gene\\tcall\\nERBB2\\tgain\\n", encoding="utf-8")
    >>> read_copy_numbers(path)
    Traceback (most recent call last):
    ...
    pgx.oncology._errors.OncologyError: .../cna.tsv, line 2, column call: expected one of amp, amplification, amplified, deep_deletion, del, deletion, homdel, found 'gain'
    """
    name, rows = _lines(path)
    if not rows:
        raise OncologyError(f"{name}: expected a header row naming the columns gene and call, found an empty file")
    header_line, header = rows[0]
    lowered = [cell.lower() for cell in header]
    for wanted in ("gene", "call"):
        if wanted not in lowered:
            raise _bad(name, header_line, wanted, "a header row naming the tab-separated columns gene and call",
                       "\t".join(header).replace("\t", " | "))
    at = {wanted: lowered.index(wanted) for wanted in ("gene", "call")}
    genes, calls = [], []
    for number, cells in rows[1:]:
        gene = cells[at["gene"]] if at["gene"] < len(cells) else ""
        call = cells[at["call"]] if at["call"] < len(cells) else ""
        if not _GENE.fullmatch(gene):
            raise _bad(name, number, "gene", "an HGNC gene symbol such as ERBB2", gene)
        kind = COPY_NUMBER_CALLS.get(call.lower())
        if kind is None:
            raise _bad(name, number, "call", f"one of {', '.join(sorted(COPY_NUMBER_CALLS))}", call)
        genes.append(gene.upper())
        calls.append(kind)
    return pl.DataFrame({"gene": genes, "call": calls}, schema={"gene": pl.String, "call": pl.String})
