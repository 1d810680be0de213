"""Precision oncology: tumour biomarkers to therapies, tumour mutational burden, germline cross-links.

The knowledge is data: ``reference/oncology/biomarkers.tsv`` (biomarker -> therapy evidence with
AMP/ASCO/CAP tier, the source's own level, source and date), ``tumor_types.tsv`` (the OncoTree release,
every code and name), ``tumor_type_synonyms.tsv`` (pgx's synonyms such as NSCLC, CRC, breast cancer) and
``germline_toxicity.tsv`` (pharmacogenes of the chemotherapy a tumour type commonly uses).
"""

from pgx.oncology._annotation import ANN_FIELDS, SomaticCalls, short_protein, somatic_variants
from pgx.oncology._errors import AnnotationError, OncologyError, UnknownTumorTypeError
from pgx.oncology._knowledge import biomarkers, germline_toxicity, tumor_type_code, tumor_types
from pgx.oncology._match import MATCH_COLUMNS, MATCH_TYPES, NONSYNONYMOUS, SCOPES, match, tmb
from pgx.oncology._read import read_somatic
from pgx.oncology._tables import read_copy_numbers, read_fusions

__all__ = [
    "ANN_FIELDS",
    "AnnotationError",
    "MATCH_COLUMNS",
    "MATCH_TYPES",
    "NONSYNONYMOUS",
    "OncologyError",
    "SCOPES",
    "SomaticCalls",
    "UnknownTumorTypeError",
    "biomarkers",
    "germline_toxicity",
    "match",
    "read_copy_numbers",
    "read_fusions",
    "read_somatic",
    "short_protein",
    "somatic_variants",
    "tmb",
    "tumor_type_code",
    "tumor_types",
]
