"""Shared pieces of the report formats: the run metadata, the input checks, the
per-sample view every format renders from, and the :class:`Format` interface."""

from __future__ import annotations

import abc
import dataclasses
import datetime as _dt
import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import polars as pl

from pgx._version import __version__ as _PGX_VERSION
from pgx.calling import GENOTYPED_STATUSES, DefinitionPosition, definition_positions
from pgx.exceptions import PgxError
from pgx.report._errors import ReportError
from pgx.report._tumor import TumorSection

__all__ = [
    "ReportError",
    "ReportMeta",
    "Format",
    "ACTIONS",
    "ACTION_GROUPS",
    "CLASSIFICATIONS",
    "CALL_COLUMNS",
    "RECOMMENDATION_COLUMNS",
]

#: drug actions, most to least urgent (the order reports list them in)
ACTIONS: tuple[str, ...] = (
    "avoid", "consider_alternative", "adjust_dose", "monitor", "standard", "no_recommendation",
)
#: how the HTML report groups actions: (group id, heading, actions in the group)
ACTION_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("avoid", "Avoid", ("avoid",)),
    ("adjust", "Adjust dose or consider an alternative", ("adjust_dose", "consider_alternative")),
    ("monitor", "Monitor", ("monitor",)),
    ("standard", "Standard use", ("standard",)),
    ("no_recommendation", "No recommendation", ("no_recommendation",)),
)
#: guideline strengths (CPIC), 'not graded' (DPWG) and the FDA table's three sections
CLASSIFICATIONS: tuple[str, ...] = (
    "strong", "moderate", "optional", "no recommendation", "not graded",
    "therapeutic management recommended", "potential impact on safety or response", "pharmacokinetic impact only",
)
#: the order reports list a drug's sources in (others after these, by name)
SOURCE_ORDER: tuple[str, ...] = ("CPIC", "DPWG", "FDA")

#: columns of the calls frame reports read: name -> (required, kind), kind one of
#: "str", "float", "bool", "list" (a polars List of strings); optional ones may be absent
CALL_COLUMNS: dict[str, tuple[bool, str]] = {
    "sample_id": (True, "str"), "gene": (True, "str"), "diplotype": (True, "str"),
    "haplotype_1": (False, "str"), "haplotype_2": (False, "str"), "alternatives": (False, "list"),
    "function_1": (False, "str"), "function_2": (False, "str"), "activity_score": (False, "float"),
    "phenotype": (True, "str"), "missing_positions": (False, "list"), "novel_positions": (False, "list"),
    "phased": (False, "bool"), "warnings": (False, "list"),
    "position_genotypes": (False, "list"), "position_status": (False, "list"),
}
#: columns of the recommendations frame reports read, as :data:`CALL_COLUMNS`
RECOMMENDATION_COLUMNS: dict[str, tuple[bool, str]] = {
    "sample_id": (True, "str"), "drug": (True, "str"), "source": (True, "str"),
    "guideline_version": (False, "str"), "genes": (True, "list"), "phenotypes": (True, "list"),
    "effective_phenotypes": (False, "list"),
    "implication": (False, "str"), "recommendation": (True, "str"),
    "classification": (True, "str"), "action": (True, "str"), "ambiguous": (False, "bool"),
    "reasons": (False, "list"), "sources_disagree": (False, "bool"),
}


_HASH = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True)
class ReportMeta:
    """What every report stamps: code and data versions, genome build, input, date.

    Parameters
    ----------
    reference_version : str
        Version of the curated reference data the calls and recommendations used.
    genome_build : {"GRCh38", "GRCh37"}
        Genome build of the input.
    input_name : str, optional
        Base name of the input file (``"cohort.vcf.gz"``). A path is refused: reports
        never carry file paths.
    run_date : datetime.date, optional
        Date of the run (default today). A ``datetime`` is reduced to its date.
    pgx_version : str, optional
        Version of pgx (default: the running one).
    cohort : mapping, optional
        A small cohort summary (for example ``{"samples": 2504}``), shown as given.
    date_precision : {"day", "year"}, default "day"
        How precisely reports print the run date (``"year"`` for pseudonymised reports).
    audit_chain_head : str, optional
        The hash of the audit log's last record when the run began (64 hex digits), so
        a report can be tied to the log: the run's own record carries it as
        ``prev_hash`` and lists the report's sha256 among its outputs.
    genome_build_source : str, optional
        How the build was inferred when the user did not give it
        (:attr:`pgx.CallSet.genome_build_source`, e.g. ``"##contig assembly=GRCh38.p14 (13
        contigs)"``); reports print it next to the build.
    reference_dir : str, optional
        The reference folder the calls were made with, when not the shipped one: the
        allele-matching details read the definition positions from it. Never printed.

    Raises
    ------
    ReportError
        If ``input_name`` is a path, or a field is empty or of the wrong type.

    Examples
    --------
    >>> import datetime
    >>> meta = ReportMeta(reference_version="2025-03", genome_build="GRCh38",
    ...                   input_name="cohort.vcf.gz", run_date=datetime.date(2026, 1, 31))
    >>> meta.stamp()["genome_build"], meta.stamp()["run_date"]
    ('GRCh38', '2026-01-31')
    >>> ReportMeta(reference_version="x", genome_build="GRCh38", input_name="/data/a.vcf")
    Traceback (most recent call last):
    ...
    pgx.report.ReportError: ReportMeta.input_name: expected a file base name without folders, ...
    """

    reference_version: str
    genome_build: Literal["GRCh38", "GRCh37"]
    input_name: str | None = None
    run_date: _dt.date = dataclasses.field(default_factory=_dt.date.today)
    pgx_version: str = _PGX_VERSION
    cohort: Mapping[str, Any] | None = None
    date_precision: Literal["day", "year"] = "day"
    audit_chain_head: str | None = None
    genome_build_source: str | None = None
    reference_dir: str | None = None

    @property
    def run_date_text(self) -> str:
        """The run date as reports print it: ISO date, or the year alone (``date_precision="year"``,
        for pseudonymised reports: HIPAA Safe Harbor allows no date more precise than the year)."""
        return str(self.run_date.year) if self.date_precision == "year" else self.run_date.isoformat()

    def __post_init__(self) -> None:
        for name in ("reference_version", "genome_build", "pgx_version"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ReportError(f"ReportMeta.{name}: expected a non-empty string, found {value!r}")
        if self.genome_build not in ("GRCh38", "GRCh37"):
            raise ReportError(
                f"ReportMeta.genome_build: expected one of 'GRCh38', 'GRCh37', found {self.genome_build!r}")
        if self.input_name is not None:
            if not isinstance(self.input_name, str) or not self.input_name.strip():
                raise ReportError(f"ReportMeta.input_name: expected a file base name, found {self.input_name!r}")
            if "/" in self.input_name or "\\" in self.input_name:
                tail = self.input_name.replace("\\", "/").rsplit("/", 1)[-1]
                raise ReportError(
                    "ReportMeta.input_name: expected a file base name without folders, "
                    f"found a path ending in {tail!r}")
        if isinstance(self.run_date, _dt.datetime):
            object.__setattr__(self, "run_date", self.run_date.date())
        elif not isinstance(self.run_date, _dt.date):
            raise ReportError(f"ReportMeta.run_date: expected a datetime.date, found {self.run_date!r}")
        if self.date_precision not in ("day", "year"):
            raise ReportError(f"ReportMeta.date_precision: expected 'day' or 'year', found {self.date_precision!r}")
        if self.cohort is not None:
            object.__setattr__(self, "cohort", dict(self.cohort))
        if self.genome_build_source is not None and not (
                isinstance(self.genome_build_source, str) and self.genome_build_source.strip()):
            raise ReportError(
                f"ReportMeta.genome_build_source: expected a non-empty string, found {self.genome_build_source!r}")
        if self.audit_chain_head is not None and not (
                isinstance(self.audit_chain_head, str) and _HASH.fullmatch(self.audit_chain_head)):
            raise ReportError(
                f"ReportMeta.audit_chain_head: expected 64 lowercase hex digits, found {self.audit_chain_head!r}")

    @property
    def genome_build_text(self) -> str:
        """The build as reports print it: ``GRCh38``, or ``GRCh38 (inferred from ...)``."""
        if self.genome_build_source is None:
            return self.genome_build
        return f"{self.genome_build} (inferred from {self.genome_build_source})"

    def stamp(self) -> dict[str, Any]:
        """The fields every output carries, as JSON-ready values.

        Returns
        -------
        dict
            ``pgx_version``, ``reference_data_version``, ``genome_build``,
            ``input_file``, ``run_date`` (ISO date), and ``genome_build_source`` and
            ``audit_chain_head`` when set.

        Examples
        --------
        >>> sorted(ReportMeta(reference_version="1", genome_build="GRCh37").stamp())
        ['genome_build', 'input_file', 'pgx_version', 'reference_data_version', 'run_date']
        """
        return {
            "pgx_version": self.pgx_version,
            "reference_data_version": self.reference_version,
            "genome_build": self.genome_build,
            **({} if self.genome_build_source is None else {"genome_build_source": self.genome_build_source}),
            "input_file": self.input_name,
            "run_date": self.run_date_text,
            **({} if self.audit_chain_head is None else {"audit_chain_head": self.audit_chain_head}),
        }


# --------------------------------------------------------------------------- inputs


def _check_frame(frame: Any, columns: Mapping[str, tuple[bool, str]], what: str) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise ReportError(f"{what}: expected a polars DataFrame, found {type(frame).__name__}")
    missing = [name for name, (required, _) in columns.items() if required and name not in frame.columns]
    if missing:
        raise ReportError(
            f"{what}: missing required column(s) {', '.join(map(repr, missing))}; "
            f"found columns {', '.join(map(repr, frame.columns))}")
    for name, (_, kind) in columns.items():
        if name not in frame.columns:
            continue
        dtype = frame.schema[name]
        ok = (
            dtype == pl.Null
            or (kind == "str" and (dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))))
            or (kind == "float" and dtype.is_numeric())
            or (kind == "bool" and dtype == pl.Boolean)
            or (kind == "list" and isinstance(dtype, pl.List))
        )
        if not ok:
            raise ReportError(f"{what}: column {name!r} should be {kind}, found polars dtype {dtype}")
    return frame


def check_calls(calls: Any) -> pl.DataFrame:
    """Check the calls frame has the columns and dtypes reports read."""
    return _check_frame(calls, CALL_COLUMNS, "calls")


def check_recommendations(recommendations: Any) -> pl.DataFrame:
    """Check the recommendations frame (``None`` means no recommendations)."""
    if recommendations is None:
        return pl.DataFrame({name: [] for name in ("sample_id",)}, schema={"sample_id": pl.String})
    frame = _check_frame(recommendations, RECOMMENDATION_COLUMNS, "recommendations")
    if frame.height:
        bad = sorted(set(frame["action"].drop_nulls().cast(pl.String).to_list()) - set(ACTIONS))
        if bad or frame["action"].null_count():
            found = bad[0] if bad else None
            raise ReportError(
                f"recommendations: column 'action' expected one of {', '.join(ACTIONS)}, found {found!r}")
        bad = sorted(set(frame["classification"].drop_nulls().cast(pl.String).to_list()) - set(CLASSIFICATIONS))
        if bad:
            raise ReportError(
                "recommendations: column 'classification' expected one of "
                f"{', '.join(map(repr, CLASSIFICATIONS))}, found {bad[0]!r}")
    return frame


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value if v is not None]


def _optional_texts(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(value)
    return items if None not in items else tuple("" if v is None else str(v) for v in items)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


@dataclasses.dataclass(frozen=True)
class GeneResult:
    """One gene of one sample, as reports show it."""

    gene: str
    diplotype: str | None
    haplotype_1: str | None
    haplotype_2: str | None
    alternatives: tuple[str, ...]
    function_1: str | None
    function_2: str | None
    activity_score: float | None
    phenotype: str | None
    missing_positions: tuple[str, ...]
    novel_positions: tuple[str, ...]
    phased: bool | None
    warnings: tuple[str, ...]
    #: per definition position of the gene (in :func:`pgx.calling.definition_positions` order):
    #: the genotype as the VCF writes it ("" where it has no record) and its status; None when
    #: the calls do not say (outside calls, tag-SNP proxies, a calls table without them)
    position_genotypes: tuple[str, ...] | None = None
    position_status: tuple[str, ...] | None = None

    @property
    def called(self) -> bool:
        return self.diplotype is not None and "not_called" not in self.warnings


@dataclasses.dataclass(frozen=True)
class DrugResult:
    """One recommendation (drug x source x guideline) of one sample."""

    drug: str
    source: str
    guideline_version: str | None
    genes: tuple[str, ...]
    phenotypes: tuple[str, ...]
    effective_phenotypes: tuple[str, ...]
    implication: str | None
    recommendation: str
    classification: str
    action: str
    ambiguous: bool
    reasons: tuple[str, ...]
    #: for this sample and drug one source says avoid or another drug, another says standard dosing
    sources_disagree: bool = False

    @property
    def phenoconverted(self) -> bool:
        return self.effective_phenotypes != self.phenotypes


@dataclasses.dataclass(frozen=True)
class ModelContribution:
    """One feature's push on a model's prediction for a patient (a TreeSHAP contribution)."""

    feature: str
    value: str
    contribution: float


@dataclasses.dataclass(frozen=True)
class ModelSection:
    """A trained model's prediction for one patient and the features that pushed it most.

    Attributes
    ----------
    model : str
        The model's name (its folder's name).
    estimator : str
        ``ResponseClassifier``, ``AdverseReactionClassifier`` or ``DoseRegressor``.
    prediction : float
        The calibrated probability (classifiers) or the predicted dose (regressor).
    scale : str
        ``"probability"`` or ``"dose"``.
    contributions : tuple of ModelContribution
        The largest contributions by absolute size, largest first, on the model's raw scale
        (log-odds for classifiers).
    """

    model: str
    estimator: str
    prediction: float
    scale: str
    contributions: tuple[ModelContribution, ...]


@dataclasses.dataclass(frozen=True)
class SampleReport:
    """Everything one sample's report shows, in display order (genes by name; recommendations
    grouped by drug, drugs by the most urgent action any source gives them, then by name; within
    a drug CPIC, DPWG, FDA)."""

    sample_id: str
    genes: tuple[GeneResult, ...]
    drugs: tuple[DrugResult, ...]
    meta: ReportMeta
    tumor: TumorSection | None = None
    model: ModelSection | None = None


def _gene(row: Mapping[str, Any]) -> GeneResult:
    phased = row.get("phased")
    return GeneResult(
        gene=str(row["gene"]),
        diplotype=_text(row.get("diplotype")),
        haplotype_1=_text(row.get("haplotype_1")),
        haplotype_2=_text(row.get("haplotype_2")),
        alternatives=tuple(_texts(row.get("alternatives"))),
        function_1=_text(row.get("function_1")),
        function_2=_text(row.get("function_2")),
        activity_score=_number(row.get("activity_score")),
        phenotype=_text(row.get("phenotype")),
        missing_positions=tuple(_texts(row.get("missing_positions"))),
        novel_positions=tuple(_texts(row.get("novel_positions"))),
        phased=None if phased is None else bool(phased),
        warnings=tuple(_texts(row.get("warnings"))),
        position_genotypes=_optional_texts(row.get("position_genotypes")),
        position_status=_optional_texts(row.get("position_status")),
    )


def _drug(row: Mapping[str, Any]) -> DrugResult:
    phenotypes = tuple(_texts(row.get("phenotypes")))
    effective = row.get("effective_phenotypes")
    return DrugResult(
        drug=str(row["drug"]),
        source=str(row["source"]),
        guideline_version=_text(row.get("guideline_version")),
        genes=tuple(_texts(row.get("genes"))),
        phenotypes=phenotypes,
        effective_phenotypes=phenotypes if effective is None else tuple(_texts(effective)),
        implication=_text(row.get("implication")),
        recommendation=_text(row.get("recommendation")) or "",
        classification=_text(row.get("classification")) or "no recommendation",
        action=str(row["action"]),
        ambiguous=bool(row.get("ambiguous") or False),
        reasons=tuple(_texts(row.get("reasons"))),
        sources_disagree=bool(row.get("sources_disagree") or False),
    )


def build_sample_report(sample_id: str, calls: pl.DataFrame, recommendations: pl.DataFrame | None,
                        meta: ReportMeta) -> SampleReport:
    """The per-sample view of the two input frames (rows of other samples are ignored)."""
    calls = check_calls(calls)
    recommendations = check_recommendations(recommendations)
    sample_id = str(sample_id)
    gene_rows = calls.filter(pl.col("sample_id").cast(pl.String) == sample_id).to_dicts()
    drug_rows: list[dict[str, Any]] = []
    if recommendations.height:
        drug_rows = recommendations.filter(pl.col("sample_id").cast(pl.String) == sample_id).to_dicts()
    return report_from_rows(sample_id, gene_rows, drug_rows, meta)


_ACTION_RANK = {action: i for i, action in enumerate(ACTIONS)}


def report_from_rows(sample_id: str, gene_rows: Sequence[Mapping[str, Any]],
                     drug_rows: Sequence[Mapping[str, Any]], meta: ReportMeta) -> SampleReport:
    """Build a :class:`SampleReport` from one sample's rows (dicts of checked frames)."""
    return report_from_results(sample_id, [_gene(r) for r in gene_rows], [_drug(r) for r in drug_rows], meta)


def report_from_results(sample_id: str, genes: Sequence[GeneResult], drugs: Sequence[DrugResult],
                        meta: ReportMeta, tumor: TumorSection | None = None,
                        model: ModelSection | None = None) -> SampleReport:
    """Build a :class:`SampleReport` from one sample's results, put in display order."""
    if not isinstance(meta, ReportMeta):
        raise ReportError(f"meta: expected a pgx.report.ReportMeta, found {type(meta).__name__}")
    if not genes:
        raise ReportError(f"sample {sample_id!r} has no rows in calls")
    return SampleReport(
        sample_id=sample_id, genes=tuple(sorted(genes, key=lambda g: g.gene)), drugs=by_drug(drugs), meta=meta,
        tumor=tumor, model=model)


def by_drug(drugs: Sequence[DrugResult]) -> tuple[DrugResult, ...]:
    """Recommendations grouped by drug: drugs by their most urgent action over all sources, then
    name; a drug's rows by source (CPIC, DPWG, FDA, then others) and genes."""
    urgency: dict[str, int] = {}
    for d in drugs:
        urgency[d.drug] = min(urgency.get(d.drug, len(ACTIONS)), _ACTION_RANK[d.action])
    source_rank = {s: i for i, s in enumerate(SOURCE_ORDER)}
    return tuple(sorted(drugs, key=lambda d: (urgency[d.drug], d.drug.lower(), source_rank.get(d.source, len(source_rank)),
                                              d.source, d.genes)))


def drug_groups(drugs: Sequence[DrugResult]) -> list[tuple[str, tuple[DrugResult, ...]]]:
    """(drug, its rows) in the order of ``drugs`` (already :func:`by_drug` ordered)."""
    groups: dict[str, list[DrugResult]] = {}
    for d in drugs:
        groups.setdefault(d.drug, []).append(d)
    return [(name, tuple(rows)) for name, rows in groups.items()]


_JOIN = "\x1f"


def results_by_sample(frame: pl.DataFrame, kind: Literal["calls", "recommendations"]) -> dict[str, list[Any]]:
    """Each sample's :class:`GeneResult` (``kind="calls"``) or :class:`DrugResult` objects.

    A cohort repeats the same gene call and the same recommendation across many
    samples, so each distinct row becomes one (shared, immutable) result object: rows
    are compared exactly, list cells by their items, and only the first of equal rows
    is converted. ``frame`` is a checked frame with a ``sample_id`` column.
    """
    build = _gene if kind == "calls" else _drug
    columns = [c for c in frame.columns if c != "sample_id"]
    lists = [c for c in columns if isinstance(frame.schema[c], pl.List)]
    # a list cell as (joined items, item count): hashable, exact, and null apart from []
    keyed = frame.select(
        pl.col("sample_id").cast(pl.String),
        *(pl.col(c).cast(pl.List(pl.String)).list.join(_JOIN).alias(c) if c in lists else pl.col(c)
          for c in columns),
        *(pl.col(c).list.len().alias(f"{c}\x00len") for c in lists),
    )
    made: dict[tuple, Any] = {}
    by_sample: dict[str, list[Any]] = {}
    for number, row in enumerate(keyed.iter_rows()):
        sample, key = row[0], row[1:]
        if sample is None:
            continue
        result = made.get(key)
        if result is None:
            values = dict(zip(keyed.columns, row))
            for c in lists:
                count, text = values.pop(f"{c}\x00len"), values[c]
                if count is None:
                    values[c] = None
                else:
                    items = text.split(_JOIN) if count else []
                    # an item holding the separator itself: take the cell as it is
                    values[c] = items if len(items) == count else frame[c][number].to_list()
            result = made[key] = build(values)
        by_sample.setdefault(sample, []).append(result)
    return by_sample


# --------------------------------------------------------------------------- allele-matching details


def details_counts(status: Sequence[str]) -> tuple[int, int, int]:
    """(genotyped, missing, novel) positions of a ``position_status`` list."""
    genotyped = sum(s in GENOTYPED_STATUSES for s in status)
    novel = sum(s == "novel allele" for s in status)
    return genotyped, len(status) - genotyped - novel, novel


def details_summary(gene: str, status: Sequence[str]) -> str:
    """The summary line of a gene's details: ``CYP2D6: 121 definition positions, 118 genotyped, 3 missing``."""
    genotyped, missing, novel = details_counts(status)
    count = len(status)
    text = (f"{gene}: {count} definition position{'' if count == 1 else 's'}, {genotyped} genotyped, "
            f"{missing} missing")
    return text + (f", {novel} with a novel allele" if novel else "")


def gene_definitions(gene: GeneResult, meta: ReportMeta) -> tuple[DefinitionPosition, ...] | None:
    """The definition positions ``gene``'s ``position_genotypes`` and ``position_status`` follow,
    or None when the report has no allele-matching details for it: the calls do not carry them
    (outside calls, tag-SNP proxies, a calls table without the position columns) or they do not
    fit the definitions of ``meta``'s build and reference folder."""
    return definitions_for(gene, meta.genome_build, meta.reference_dir)


def definitions_for(gene: GeneResult, genome_build: str,
                    reference_dir: str | None) -> tuple[DefinitionPosition, ...] | None:
    """:func:`gene_definitions` keyed by the build and reference folder."""
    genotypes, status = gene.position_genotypes, gene.position_status
    if genotypes is None or status is None:
        return None
    definitions = definitions_of(gene.gene, genome_build, reference_dir)
    if definitions is None or not len(definitions) == len(genotypes) == len(status):
        return None
    return definitions


@functools.lru_cache(maxsize=256)
def definitions_of(gene: str, genome_build: str, reference_dir: str | None) -> tuple[DefinitionPosition, ...] | None:
    """The definition positions of ``gene`` (cached), or None when it has none."""
    try:
        return definition_positions(gene, genome_build=genome_build, reference_dir=reference_dir)
    except PgxError:  # a gene without definition positions (outside calls only)
        return None


# --------------------------------------------------------------------------- interface


class Format(abc.ABC):
    """One report format: a name, a file suffix and a renderer.

    Subclasses implement :meth:`render_report`; :meth:`render` checks the inputs,
    selects the sample and calls it.

    Attributes
    ----------
    name : str
        Short name used by ``write_reports(formats=...)`` and ``pgx report --format``.
    suffix : str
        File name suffix, dot included (``".html"``).
    binary : bool
        True if :meth:`render` returns bytes.
    """

    name: str = ""
    suffix: str = ""
    binary: bool = False

    def render(self, sample_id: str, calls: pl.DataFrame, recommendations: pl.DataFrame | None,
               meta: ReportMeta) -> str | bytes:
        """Render one sample's report.

        Parameters
        ----------
        sample_id : str
            The sample (as it appears in ``calls["sample_id"]``).
        calls : polars.DataFrame
            One row per (sample, gene); see :data:`CALL_COLUMNS`.
        recommendations : polars.DataFrame or None
            One row per (sample, drug, source); see :data:`RECOMMENDATION_COLUMNS`.
        meta : ReportMeta
            Versions, genome build, input name and run date to stamp.

        Returns
        -------
        str or bytes
            The document.

        Raises
        ------
        ReportError
            If a frame lacks a column, a dtype is wrong, or the sample has no calls.
        """
        return self.render_report(build_sample_report(sample_id, calls, recommendations, meta))

    @abc.abstractmethod
    def render_report(self, report: SampleReport) -> str | bytes:
        """Render an already-built :class:`SampleReport`."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def format_score(value: float | None) -> str | None:
    """An activity score as clinicians write it: ``1.0``, ``1.25``, ``0.5``."""
    if value is None:
        return None
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def unique_in_order(values: Sequence[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out
