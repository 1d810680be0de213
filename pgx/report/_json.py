"""The JSON report: one document per sample, validated by a versioned JSON Schema
shipped in the package (``pgx/report/schema/report.schema.json``)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from pgx.calling import DefinitionPosition

from pgx.report._base import (
    ACTIONS,
    DrugResult,
    Format,
    GeneResult,
    SampleReport,
    definitions_for,
    definitions_of,
    details_counts,
    details_summary,
    drug_groups,
    gene_definitions,
)

__all__ = ["JsonFormat", "SCHEMA_VERSION", "report_schema", "report_document"]

#: version of the report document layout; the schema file's ``schema_version`` const
SCHEMA_VERSION = "1.4"


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return resources.files("pgx.report").joinpath("schema", "report.schema.json").read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every JSON report validates against.

    Returns
    -------
    dict
        A fresh copy of the schema.

    Examples
    --------
    >>> schema = report_schema()
    >>> schema["$schema"]
    'https://json-schema.org/draft/2020-12/schema'
    >>> schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    True
    """
    return json.loads(_schema_text())


def _definitions_columns(definitions: Sequence[DefinitionPosition]) -> dict[str, Any]:
    """The columns of the details every sample shares: where each position is and what the
    definitions name there."""
    return {"chrom": definitions[0].chrom if definitions else None,
            "position": [d.position for d in definitions], "rsid": [d.rsid for d in definitions],
            "ref": [d.ref for d in definitions], "variants": [list(d.variants) for d in definitions],
            "alleles": [list(d.alleles) for d in definitions]}


def _details_head(gene: str, status: Sequence[str]) -> dict[str, Any]:
    genotyped, missing, novel = details_counts(status)
    return {"summary": details_summary(gene, status), "definition_positions": len(status),
            "genotyped": genotyped, "missing": missing, "novel": novel}


def _details_document(g: GeneResult, definitions: Sequence[DefinitionPosition] | None) -> dict[str, Any] | None:
    if definitions is None:
        return None
    return {**_details_head(g.gene, g.position_status), **_definitions_columns(definitions),
            "genotype": [gt or None for gt in g.position_genotypes], "status": list(g.position_status)}


def _gene_document(g: GeneResult, definitions: Sequence[DefinitionPosition] | None = None) -> dict[str, Any]:
    return {
        "gene": g.gene,
        "called": g.called,
        "diplotype": g.diplotype,
        "haplotype_1": g.haplotype_1,
        "haplotype_2": g.haplotype_2,
        "alternatives": list(g.alternatives),
        "function_1": g.function_1,
        "function_2": g.function_2,
        "activity_score": g.activity_score,
        "phenotype": g.phenotype,
        "phased": g.phased,
        "missing_positions": list(g.missing_positions),
        "novel_positions": list(g.novel_positions),
        "warnings": list(g.warnings),
        "position_details": _details_document(g, definitions),
    }


def _drug_document(d: DrugResult) -> dict[str, Any]:
    return {
        "drug": d.drug,
        "source": d.source,
        "guideline_version": d.guideline_version,
        "genes": list(d.genes),
        "phenotypes": list(d.phenotypes),
        "effective_phenotypes": list(d.effective_phenotypes),
        "phenoconverted": d.phenoconverted,
        "implication": d.implication,
        "recommendation": d.recommendation,
        "classification": d.classification,
        "action": d.action,
        "ambiguous": d.ambiguous,
        "reasons": list(d.reasons),
        "sources_disagree": d.sources_disagree,
    }


def _by_drug_document(report: SampleReport) -> list[dict[str, Any]]:
    """Each drug with its sources side by side: per source the action, strength and the index of
    the full row in ``recommendations``."""
    index = {id(d): i for i, d in enumerate(report.drugs)}
    return [{"drug": drug, "sources_disagree": any(r.sources_disagree for r in rows),
             "most_cautious_action": min((r.action for r in rows), key=ACTIONS.index),
             "sources": [{"source": r.source, "genes": list(r.genes), "action": r.action,
                          "classification": r.classification, "recommendation_index": index[id(r)]} for r in rows]}
            for drug, rows in drug_groups(report.drugs)]


def _head(report: SampleReport) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "report_type": "pgx-sample-report", **report.meta.stamp(),
            "sample_id": report.sample_id}


def _tumor_document(report: SampleReport) -> dict[str, Any]:
    tumor = report.tumor
    assert tumor is not None
    return {
        "tumor_type": tumor.tumor_type,
        "tmb_mutations_per_mb": tumor.tmb,
        "msi": tumor.msi,
        "therapy_matches": [dataclasses.asdict(m) for m in tumor.matches],
        "germline_toxicity": [{
            "drug": link.drug, "genes": list(link.genes), "regimen": link.regimen, "toxicity": link.toxicity,
            "germline_guidance": [{"source": d.source, "action": d.action, "classification": d.classification,
                                   "recommendation": d.recommendation}
                                  for d in report.drugs if d.drug == link.drug],
        } for link in tumor.toxicity],
    }


def _model_document(report: SampleReport) -> dict[str, Any]:
    model = report.model
    assert model is not None
    return {"model": model.model, "estimator": model.estimator, "prediction": model.prediction,
            "scale": model.scale, "top_contributions": [dataclasses.asdict(c) for c in model.contributions]}


def report_document(report: SampleReport) -> dict[str, Any]:
    """The JSON-ready dictionary of one :class:`~pgx.report._base.SampleReport`."""
    return {
        **_head(report),
        "genes": [_gene_document(g, gene_definitions(g, report.meta)) for g in report.genes],
        "recommendations": [_drug_document(d) for d in report.drugs],
        "guidance_by_drug": _by_drug_document(report),
        "cohort": None if report.meta.cohort is None else dict(report.meta.cohort),
        **({} if report.tumor is None else {"tumor": _tumor_document(report)}),
        **({} if report.model is None else {"model": _model_document(report)}),
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


@lru_cache(maxsize=256)
def _definitions_json(gene: str, genome_build: str, reference_dir: str | None) -> str:
    """:func:`_definitions_columns` of a gene, encoded once: ``"chrom":...,"alleles":[...]``."""
    return _dumps(_definitions_columns(definitions_of(gene, genome_build, reference_dir)))[1:-1]


def _details_json(g: GeneResult, genome_build: str, reference_dir: str | None) -> str:
    """The text of ``_dumps(_details_document(g, ...))`` built from encoded pieces."""
    if definitions_for(g, genome_build, reference_dir) is None:
        return "null"
    status = g.position_status
    return (_dumps(_details_head(g.gene, status))[:-1] + "," + _definitions_json(g.gene, genome_build, reference_dir)
            + ',"genotype":' + _dumps([gt or None for gt in g.position_genotypes])
            + ',"status":' + _dumps(list(status)) + "}")


@lru_cache(maxsize=1 << 14)
def _gene_json(g: GeneResult, genome_build: str, reference_dir: str | None) -> str:
    # a cohort repeats gene results (shared objects): each is encoded once
    return (_dumps(_gene_document(g))[:-len("null}")]
            + _details_json(g, genome_build, reference_dir) + "}")


# a cohort repeats recommendations (shared objects): each is encoded once
_drug_json = lru_cache(maxsize=1 << 14)(lambda d: _dumps(_drug_document(d)))


class JsonFormat(Format):
    """One JSON document per sample; the layout is :func:`report_schema`.

    Examples
    --------
    >>> import datetime, json
    >>> import polars as pl
    >>> from pgx.report import JsonFormat, ReportMeta
    >>> calls = pl.DataFrame({"sample_id": ["S1"], "gene": ["CYP2C19"], "diplotype": ["*1/*2"],
    ...                       "phenotype": ["Intermediate Metabolizer"]})
    >>> meta = ReportMeta(reference_version="2025-03", genome_build="GRCh38",
    ...                   run_date=datetime.date(2026, 1, 31))
    >>> doc = json.loads(JsonFormat().render("S1", calls, None, meta))
    >>> doc["genes"][0]["diplotype"], doc["genome_build"], doc["schema_version"]
    ('*1/*2', 'GRCh38', '1.4')
    """

    name = "json"
    suffix = ".json"

    def render_report(self, report: SampleReport) -> str:
        # the text of json.dumps(report_document(report)) built from encoded pieces
        cohort = None if report.meta.cohort is None else dict(report.meta.cohort)
        return (_dumps(_head(report))[:-1] + ',"genes":[' + ",".join(_gene_json(g, report.meta.genome_build, report.meta.reference_dir)
                                           for g in report.genes)
                + '],"recommendations":[' + ",".join(map(_drug_json, report.drugs))
                + '],"guidance_by_drug":' + _dumps(_by_drug_document(report))
                + ',"cohort":' + _dumps(cohort)
                + ("" if report.tumor is None else ',"tumor":' + _dumps(_tumor_document(report)))
                + ("" if report.model is None else ',"model":' + _dumps(_model_document(report))) + "}\n")
