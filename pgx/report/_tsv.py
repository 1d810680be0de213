"""The TSV report for pipelines: one file per sample, a gene row per gene and a drug
row per (drug, source, guideline), told apart by the ``record`` column; a drug's rows are
adjacent (CPIC, DPWG, FDA) and ``sources_disagree`` marks drugs whose sources disagree."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pgx.report._base import DrugResult, Format, GeneResult, SampleReport, format_score

__all__ = ["TsvFormat", "TSV_COLUMNS", "LIST_SEPARATOR"]

#: columns of the TSV layout, in order; gene rows leave the drug columns empty and vice versa
TSV_COLUMNS: tuple[str, ...] = (
    "record", "sample_id",
    # gene rows
    "gene", "called", "diplotype", "haplotype_1", "haplotype_2", "alternatives", "function_1",
    "function_2", "activity_score", "phenotype", "phased", "missing_positions", "novel_positions",
    "warnings",
    # drug rows (``genes`` lists the genes the recommendation depends on)
    "drug", "source", "guideline_version", "genes", "phenotypes", "effective_phenotypes", "phenoconverted",
    "classification", "action", "ambiguous", "recommendation", "implication", "reasons", "sources_disagree",
    # stamps, on every row so concatenated files stay self-describing
    "pgx_version", "reference_data_version", "genome_build", "input_file", "run_date", "audit_chain_head",
)
#: joins the items of list columns
LIST_SEPARATOR = ";"
_CONTROL = re.compile(r"[\t\r\n]")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    return _CONTROL.sub(" ", str(value))


class TsvFormat(Format):
    """Tab-separated rows for pipelines, one file per sample.

    Layout: a header row of :data:`TSV_COLUMNS`, then one ``record=gene`` row per gene
    and one ``record=drug`` row per (drug, source). Empty cells are missing values;
    list cells join items with ``;``; booleans are ``true``/``false``. Every row
    carries the pgx version, reference data version, genome build, input file name,
    run date and (when the run was audited) the audit chain head, so
    files of a cohort can be concatenated (drop the repeated header lines).

    Examples
    --------
    >>> import datetime, io
    >>> import polars as pl
    >>> from pgx.report import TsvFormat, ReportMeta
    >>> calls = pl.DataFrame({"sample_id": ["S1"], "gene": ["TPMT"], "diplotype": ["*1/*3A"],
    ...                       "phenotype": ["Intermediate Metabolizer"]})
    >>> meta = ReportMeta(reference_version="2025-03", genome_build="GRCh38",
    ...                   run_date=datetime.date(2026, 1, 31))
    >>> text = TsvFormat().render("S1", calls, None, meta)
    >>> table = pl.read_csv(io.StringIO(text), separator="\\t", infer_schema=False)
    >>> table.select("record", "gene", "diplotype", "genome_build").row(0)
    ('gene', 'TPMT', '*1/*3A', 'GRCh38')
    """

    name = "tsv"
    suffix = ".tsv"

    def render_report(self, report: SampleReport) -> str:
        m = report.meta
        stamp = [m.pgx_version, m.reference_version, m.genome_build, m.input_name, m.run_date_text,
                 m.audit_chain_head]
        # a row is: record, sample_id, the gene or drug cells (rendered once per distinct
        # result across a cohort), then the stamps every row shares
        head = "\t" + _cell(report.sample_id) + "\t"
        tail = "\t" + "\t".join("" if v is None else _cell(v) for v in stamp)
        lines = ["\t".join(TSV_COLUMNS)]
        lines += ["gene" + head + _gene_cells(g) + tail for g in report.genes]
        lines += ["drug" + head + _drug_cells(d) + tail for d in report.drugs]
        return "\n".join(lines) + "\n"


_GENE_COLUMNS = TSV_COLUMNS[2:TSV_COLUMNS.index("drug")]
_DRUG_COLUMNS = TSV_COLUMNS[TSV_COLUMNS.index("drug"):TSV_COLUMNS.index("pgx_version")]


def _cells(columns: tuple[str, ...], values: dict[str, Any]) -> str:
    return "\t".join("" if values.get(c) is None else _cell(values[c]) for c in columns)


@lru_cache(maxsize=1 << 14)
def _gene_cells(g: GeneResult) -> str:
    """The gene columns of a gene row, then the (empty) drug columns."""
    return _cells(_GENE_COLUMNS + _DRUG_COLUMNS, {
        "gene": g.gene, "called": g.called,
        "diplotype": g.diplotype, "haplotype_1": g.haplotype_1, "haplotype_2": g.haplotype_2,
        "alternatives": g.alternatives, "function_1": g.function_1, "function_2": g.function_2,
        "activity_score": format_score(g.activity_score), "phenotype": g.phenotype, "phased": g.phased,
        "missing_positions": g.missing_positions, "novel_positions": g.novel_positions,
        "warnings": g.warnings,
    })


@lru_cache(maxsize=1 << 14)
def _drug_cells(d: DrugResult) -> str:
    """The (empty) gene columns of a drug row, then the drug columns."""
    return _cells(_GENE_COLUMNS + _DRUG_COLUMNS, {
        "drug": d.drug, "source": d.source, "guideline_version": d.guideline_version,
        "genes": d.genes, "phenotypes": d.phenotypes, "effective_phenotypes": d.effective_phenotypes,
        "phenoconverted": d.phenoconverted, "classification": d.classification, "action": d.action,
        "ambiguous": d.ambiguous,
        "recommendation": d.recommendation, "implication": d.implication, "reasons": d.reasons,
        "sources_disagree": d.sources_disagree,
    })
