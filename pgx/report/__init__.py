"""Per-sample reports: one :class:`Format` interface, four formats, atomic writers.

Formats (see :data:`FORMATS`): ``html`` (a self-contained page for clinicians),
``json`` (validated by the shipped JSON Schema, :func:`report_schema`), ``fhir`` (a
FHIR R4 Bundle following the HL7 Genomics Reporting IG) and ``tsv`` (rows for
pipelines). Every output stamps the pgx version, the reference data version and the
genome build (:class:`ReportMeta`). :func:`write_reports` writes a cohort atomically
and restartably; :func:`write_cohort_summary` writes phenotype frequencies per gene.
"""

from pgx.report._base import (
    ACTION_GROUPS,
    ACTIONS,
    CALL_COLUMNS,
    CLASSIFICATIONS,
    RECOMMENDATION_COLUMNS,
    Format,
    ModelContribution,
    ModelSection,
    ReportError,
    ReportMeta,
)
from pgx.report._fhir import FhirFormat, MissingDependencyError, check_fhir_bundle, fhir_terminology
from pgx.report._html import HtmlFormat
from pgx.report._json import SCHEMA_VERSION, JsonFormat, report_schema
from pgx.report._tsv import TSV_COLUMNS, TsvFormat
from pgx.report._tumor import TherapyMatch, ToxicityLink, TumorSection, tumor_section
from pgx.report._write import (
    FORMATS,
    SampleStatus,
    atomic_write,
    phenotype_frequencies,
    report_file_stem,
    write_cohort_summary,
    write_reports,
)

__all__ = [
    "Format",
    "HtmlFormat",
    "JsonFormat",
    "FhirFormat",
    "TsvFormat",
    "FORMATS",
    "ReportMeta",
    "SampleStatus",
    "write_reports",
    "write_cohort_summary",
    "phenotype_frequencies",
    "report_schema",
    "check_fhir_bundle",
    "fhir_terminology",
    "report_file_stem",
    "atomic_write",
    "ReportError",
    "MissingDependencyError",
    "SCHEMA_VERSION",
    "TSV_COLUMNS",
    "ACTIONS",
    "ACTION_GROUPS",
    "CLASSIFICATIONS",
    "CALL_COLUMNS",
    "RECOMMENDATION_COLUMNS",
    "TumorSection",
    "TherapyMatch",
    "ToxicityLink",
    "tumor_section",
    "ModelSection",
    "ModelContribution",
]
