"""Load and validate the drug-guidance tables in ``reference/guidelines/`` and ``reference/medications/``.

Every error names the file, the data row (1-based, header lines not counted) and the column,
with the expected form and the value found, and is a :class:`pgx.exceptions.ReferenceDataError`.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from pgx.exceptions import ReferenceDataError
from pgx.reference._paths import reference_dir as _reference_dir

__all__ = ["ACTIONS", "CLASSIFICATIONS", "SOURCES", "Condition", "comedications", "guidelines"]

SOURCES = ("CPIC", "DPWG", "FDA")
CLASSIFICATIONS = ("strong", "moderate", "optional", "no recommendation", "not graded",
                   # the FDA Table of Pharmacogenetic Associations' three sections
                   "therapeutic management recommended", "potential impact on safety or response",
                   "pharmacokinetic impact only")
ACTIONS = ("standard", "adjust_dose", "consider_alternative", "avoid", "monitor", "no_recommendation")
GUIDELINE_COLUMNS = ("source", "guideline_version", "drug", "rxnorm", "atc", "genes", "condition",
                     "implication", "recommendation", "classification", "action")
_FILES = {"CPIC": "guidelines/cpic.tsv", "DPWG": "guidelines/dpwg.tsv", "FDA": "guidelines/fda.tsv"}
_GENE = re.compile(r"[A-Z0-9][A-Z0-9-]*")
_ALLELE_STATUS = re.compile(r"(\*[0-9]{2,3}:[0-9]{2,3}) (positive|negative)")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Condition:
    """One parsed ``GENE=value`` term of a guideline row's condition.

    ``kind`` is ``"any"``, ``"phenotype"`` (``values``: lower-case phenotype words),
    ``"activity"`` (``low``/``high``: closed activity-score range, ``high`` may be infinite),
    ``"diplotype"`` (``values``: the two allele names, in either order) or ``"allele"``
    (``allele`` such as ``"*57:01"`` and ``positive``).
    """

    gene: str
    kind: str
    values: frozenset[str] = frozenset()
    low: float = math.nan
    high: float = math.nan
    allele: str = ""
    positive: bool = False

    def describe(self) -> str:
        """Return the term as written in the table."""
        if self.kind == "any":
            return f"{self.gene}=*"
        if self.kind == "activity":
            return f"activity:{self.gene}={self.low:g}..{self.high:g}"
        if self.kind == "diplotype":
            return f"diplotype:{self.gene}={'/'.join(sorted(self.values))}"
        if self.kind == "allele":
            return f"{self.gene}={self.allele} {'positive' if self.positive else 'negative'}"
        return f"{self.gene}={'|'.join(sorted(self.values))}"


def _fail(path: Path, row: int | None, column: str | None, expected: str, found: object) -> ReferenceDataError:
    where = str(path)
    if row is not None:
        where += f", data row {row}"
    if column is not None:
        where += f", column {column!r}"
    return ReferenceDataError(f"{where}: expected {expected}, found {found!r}")


def _read_tsv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise ReferenceDataError(f"{path}: the table is missing")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    if not lines:
        raise _fail(path, None, None, "a header line", "an empty table")
    header = lines[0].split("\t")
    missing = [c for c in columns if c not in header]
    if missing:
        raise _fail(path, None, None, f"columns {list(columns)}", header)
    rows = []
    for number, line in enumerate(lines[1:], start=1):
        cells = line.split("\t")
        if len(cells) != len(header):
            raise _fail(path, number, None, f"{len(header)} tab-separated cells", len(cells))
        rows.append(dict(zip(header, cells)))
    return rows


def parse_condition(text: str, *, path: Path, row: int) -> tuple[Condition, ...]:
    """Parse a condition cell into its terms (see the module's table header for the grammar)."""
    terms = []
    for part in text.split(";"):
        part = part.strip()
        kind = "phenotype"
        for prefix in ("activity", "diplotype"):
            if part.startswith(prefix + ":"):
                kind, part = prefix, part[len(prefix) + 1:]
        gene, sep, value = part.partition("=")
        if not sep or not _GENE.fullmatch(gene) or not value:
            raise _fail(path, row, "condition", "terms GENE=value or activity:GENE=lo..hi joined by ';'", part)
        if kind == "activity":
            low, dots, high = value.partition("..")
            if (not dots or not _NUMBER.fullmatch(low) or not (_NUMBER.fullmatch(high) or high == "inf")
                    or float(low) > float(high)):
                raise _fail(path, row, "condition", "an activity range lo..hi with lo <= hi (hi may be 'inf')", value)
            terms.append(Condition(gene, "activity", low=float(low), high=float(high)))
        elif kind == "diplotype":
            alleles = value.split("/")
            if len(alleles) != 2 or not all(a.strip() for a in alleles):
                raise _fail(path, row, "condition", "a diplotype like diplotype:CYP2C9=*1/*3", value)
            terms.append(Condition(gene, "diplotype", values=frozenset(a.strip() for a in alleles)))
            if len(set(alleles)) == 1:  # *3/*3: one allele twice
                terms[-1] = Condition(gene, "diplotype", values=frozenset({alleles[0].strip()}))
        elif value == "*":
            terms.append(Condition(gene, "any"))
        elif match := _ALLELE_STATUS.fullmatch(value):
            terms.append(Condition(gene, "allele", allele=match[1], positive=match[2] == "positive"))
        elif value.startswith("*"):
            raise _fail(path, row, "condition", "an allele status like '*57:01 positive'", value)
        else:
            terms.append(Condition(gene, "phenotype", values=frozenset(v.strip().lower() for v in value.split("|"))))
    return tuple(terms)


@lru_cache(maxsize=8)
def _guidelines(folder: str) -> pl.DataFrame:
    frames = []
    for source, name in _FILES.items():
        path = Path(folder) / name
        rows = _read_tsv(path, GUIDELINE_COLUMNS)
        for number, row in enumerate(rows, start=1):
            if row["source"] != source:
                raise _fail(path, number, "source", repr(source), row["source"])
            for column in ("guideline_version", "drug", "implication", "recommendation"):
                if not row[column].strip():
                    raise _fail(path, number, column, "a non-empty text", row[column])
            if row["drug"] != row["drug"].strip().lower():
                raise _fail(path, number, "drug", "a lower-case drug name", row["drug"])
            # empty when no pinned source gives one (DPWG-only drugs such as quetiapine)
            if row["rxnorm"] and not row["rxnorm"].isdigit():
                raise _fail(path, number, "rxnorm", "an RxNorm concept id (digits), or nothing", row["rxnorm"])
            # empty when the guideline's drug table gives no ATC code (methylene blue, pegloticase, ...)
            if row["atc"] and not re.fullmatch(r"[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}", row["atc"]):
                raise _fail(path, number, "atc", "an ATC code like N02AA59, or nothing", row["atc"])
            if row["classification"] not in CLASSIFICATIONS:
                raise _fail(path, number, "classification", f"one of {list(CLASSIFICATIONS)}", row["classification"])
            if row["action"] not in ACTIONS:
                raise _fail(path, number, "action", f"one of {list(ACTIONS)}", row["action"])
            genes = tuple(row["genes"].split(";"))
            if not all(_GENE.fullmatch(g) for g in genes) or len(set(genes)) != len(genes):
                raise _fail(path, number, "genes", "distinct gene symbols joined by ';'", row["genes"])
            terms = parse_condition(row["condition"], path=path, row=number)
            if {t.gene for t in terms} != set(genes):
                raise _fail(path, number, "condition", f"terms on exactly the genes {list(genes)}", row["condition"])
            # one guideline = one (drug, gene set); DPWG publishes one guideline per gene of a drug, so a
            # drug's rows may form several guidelines, each reported apart
            row["row"] = str(number)
        frames.append(pl.DataFrame(rows, schema={c: pl.String for c in (*GUIDELINE_COLUMNS, "row")}, orient="row")
                      if rows else pl.DataFrame(schema={c: pl.String for c in (*GUIDELINE_COLUMNS, "row")}))
    table = pl.concat(frames)
    return table.with_columns(pl.col("row").cast(pl.Int64), pl.col("genes").str.split(";"))


def guidelines(*, sources: tuple[str, ...] | list[str] = SOURCES,
               reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the validated CPIC, DPWG and FDA guideline rows.

    Parameters
    ----------
    sources : sequence of {"CPIC", "DPWG", "FDA"}, default all three
        Which guideline tables to return.
    reference_dir : path, optional
        Another reference folder laid out like pgx's own.

    Returns
    -------
    polars.DataFrame
        One row per (source, drug, condition) with the columns of
        ``reference/guidelines/cpic.tsv`` (``genes`` as ``list[str]``) and ``row``, the
        1-based data row in its file.

    Raises
    ------
    ReferenceDataError
        If a table is missing or a cell is malformed (file, row and column are named).
    ValueError
        If a source is not CPIC, DPWG or FDA.

    Examples
    --------
    >>> table = guidelines(sources=["CPIC"])
    >>> table.filter(pl.col("drug") == "codeine").select("condition", "action").rows()[0]
    ('CYP2D6=Ultrarapid Metabolizer', 'avoid')
    """
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        from pgx.recommend._errors import RecommendationError

        raise RecommendationError(f"sources= expected a subset of {list(SOURCES)}, found {unknown}")
    table = _guidelines(str(_reference_dir(reference_dir)))
    return table.filter(pl.col("source").is_in(list(sources)))


@lru_cache(maxsize=8)
def _medication_tables(folder: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    base = Path(folder) / "medications"
    path = base / "comedications.tsv"
    rows = _read_tsv(path, ("drug", "enzyme", "effect", "strength", "verified"))
    for number, row in enumerate(rows, start=1):
        if not row["drug"] or row["drug"] != row["drug"].lower():
            raise _fail(path, number, "drug", "a lower-case drug name", row["drug"])
        if not _GENE.fullmatch(row["enzyme"]):
            raise _fail(path, number, "enzyme", "a gene symbol", row["enzyme"])
        if row["effect"] not in ("inhibitor", "inducer"):
            raise _fail(path, number, "effect", "inhibitor or inducer", row["effect"])
        if row["strength"] not in ("strong", "moderate", "weak"):
            raise _fail(path, number, "strength", "strong, moderate or weak", row["strength"])
        if row["verified"] not in ("yes", "no"):
            raise _fail(path, number, "verified", "yes or no", row["verified"])
    comeds = pl.DataFrame(rows, schema={c: pl.String for c in ("drug", "enzyme", "effect", "strength", "verified")},
                          orient="row")

    path = base / "phenoconversion.tsv"
    rules = _read_tsv(path, ("enzyme", "effect", "strength", "method", "value"))
    for number, row in enumerate(rules, start=1):
        if row["method"] not in ("activity_multiplier", "phenotype_shift"):
            raise _fail(path, number, "method", "activity_multiplier or phenotype_shift", row["method"])
        ok = (_NUMBER.fullmatch(row["value"]) is not None if row["method"] == "activity_multiplier"
              else row["value"] == "floor" or re.fullmatch(r"-?[0-9]+", row["value"]) is not None)
        if not ok:
            raise _fail(path, number, "value", "a number (multiplier) or an integer step / 'floor' (shift)", row["value"])
        if row["effect"] not in ("inhibitor", "inducer"):
            raise _fail(path, number, "effect", "inhibitor or inducer", row["effect"])
        if row["strength"] not in ("strong", "moderate", "weak"):
            raise _fail(path, number, "strength", "strong, moderate or weak", row["strength"])
    rule_frame = pl.DataFrame(rules, schema={c: pl.String for c in ("enzyme", "effect", "strength", "method", "value")},
                              orient="row")

    path = base / "activity_bins.tsv"
    bins = _read_tsv(path, ("gene", "step", "phenotype", "lower", "lower_inclusive", "upper", "upper_inclusive"))
    parsed = []
    for number, row in enumerate(bins, start=1):
        if not row["step"].isdigit():
            raise _fail(path, number, "step", "a non-negative integer", row["step"])
        bounds = []
        for column in ("lower", "upper"):
            value = row[column]
            if value == "":
                bounds.append(None)
            elif value == "inf" or _NUMBER.fullmatch(value):
                bounds.append(float(value))
            else:
                raise _fail(path, number, column, "a number, 'inf' or empty", value)
        for column in ("lower_inclusive", "upper_inclusive"):
            if row[column] not in ("true", "false", ""):
                raise _fail(path, number, column, "true, false or empty", row[column])
        parsed.append({"gene": row["gene"], "step": int(row["step"]), "phenotype": row["phenotype"],
                       "lower": bounds[0], "lower_inclusive": row["lower_inclusive"] == "true",
                       "upper": bounds[1], "upper_inclusive": row["upper_inclusive"] == "true"})
    bin_frame = pl.DataFrame(parsed, schema={"gene": pl.String, "step": pl.Int64, "phenotype": pl.String,
                                             "lower": pl.Float64, "lower_inclusive": pl.Boolean,
                                             "upper": pl.Float64, "upper_inclusive": pl.Boolean})
    return comeds, rule_frame, bin_frame


def comedications(*, reference_dir: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Return the co-medication table: which drug inhibits or induces which enzyme, how strongly.

    Parameters
    ----------
    reference_dir : path, optional
        Another reference folder laid out like pgx's own.

    Returns
    -------
    polars.DataFrame
        Columns ``drug``, ``enzyme``, ``effect`` (inhibitor/inducer), ``strength``
        (strong/moderate/weak) and ``verified`` (yes/no: whether the class was checked
        against the cited source during curation).

    Raises
    ------
    ReferenceDataError
        If the table is missing or malformed.

    Examples
    --------
    >>> table = comedications()
    >>> table.filter(pl.col("drug") == "paroxetine").select("enzyme", "effect", "strength").row(0)
    ('CYP2D6', 'inhibitor', 'strong')
    """
    return _medication_tables(str(_reference_dir(reference_dir)))[0]


def phenoconversion_tables(reference_dir: str | os.PathLike[str] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (rules, ladders) from ``phenoconversion.tsv`` and ``activity_bins.tsv``."""
    _, rules, bins = _medication_tables(str(_reference_dir(reference_dir)))
    return rules, bins
